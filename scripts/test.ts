/**
 * `pnpm test`: type-checks and tests every package through turbo (build → typecheck → test), then
 * sums the vitest JSON reports of all packages into the last line: `N passed, N failed`. Checks
 * that ran before (`bash scripts/run.sh test`: lint, generate --check, demo, packages) are counted
 * in from `KEYWAY_CHECKS_PASSED` and `KEYWAY_CHECKS_FAILED`, one each.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const reports: Array<string> = []
const walk = (dir: string, depth: number) => {
  if (depth > 4) return
  for (const entry of Fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".git")) continue
    const full = Path.join(dir, entry.name)
    if (entry.isDirectory()) walk(full, depth + 1)
    else if (entry.name === ".test-results.json") reports.push(full)
  }
}
const findReports = () => {
  reports.length = 0
  for (const top of ["packages", "generators", "examples", "tooling", "bench"]) {
    if (Fs.existsSync(Path.join(root, top))) walk(Path.join(root, top), 0)
  }
  return reports
}
// Reports of an earlier run must not count: turbo restores them for cached tasks.
for (const file of findReports()) Fs.rmSync(file)

// One task at a time: the store and sandbox suites spawn processes and measure waits, and two
// suites fighting over two cores make each other's timings lie.
const args = [
  "exec",
  "turbo",
  "run",
  "typecheck",
  "test",
  "--continue",
  "--concurrency=1",
  ...process.argv.slice(2),
]
if (process.env.CI) args.push("--output-logs=errors-only")
const run = spawnSync("pnpm", args, { cwd: root, stdio: "inherit" })

findReports()
const count = (name: string): number => {
  const n = Number(process.env[name] ?? 0)
  return Number.isInteger(n) && n >= 0 ? n : 0
}
let passed = count("KEYWAY_CHECKS_PASSED")
let failed = count("KEYWAY_CHECKS_FAILED")
for (const file of reports) {
  const report = JSON.parse(Fs.readFileSync(file, "utf8")) as {
    numPassedTests: number
    numFailedTests: number
  }
  passed += report.numPassedTests
  failed += report.numFailedTests
  if (report.numFailedTests > 0) console.log(`failed tests in ${Path.relative(root, Path.dirname(file))}`)
}
// A package whose tests did not run at all (a type error, a crash) fails the run too.
if (run.status !== 0 && failed === count("KEYWAY_CHECKS_FAILED")) failed += 1
console.log(`${passed} passed, ${failed} failed`)
process.exit(run.status === 0 && failed === 0 ? 0 : 1)
