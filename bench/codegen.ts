/**
 * `pnpm bench:codegen [--quick]`: the generator against the bare openapi-typescript CLI.
 *
 * 1. GitHub's REST spec (`@octokit/openapi`, 13 MB JSON), N rounds (`BENCH_ROUNDS`, default 3;
 *    `--quick` 1), the runs of a round in a rotating order (none always gets the warmer cache):
 *    - `keyway generate --spec` into a CLEAN folder inside a workspace (a cold generation: lint,
 *      bundle, types, client, package; never an incremental skip): `workspace:*` dependencies,
 *      nothing compiled — the generation itself;
 *    - the same into a clean folder outside any workspace (what a user's `--out /tmp/x` gets): the
 *      generator also compiles the package to `dist/`;
 *    - that command again with nothing changed: the INCREMENTAL run (skipped by its content
 *      hashes), labelled as such — not a generation;
 *    - `openapi-typescript <file> -o <out>` (types only).
 *    Median wall time and CPU time (user + system, of the command's process tree) of each, every ratio to
 *    the bare CLI, peak memory (max RSS, reported by the child itself at exit).
 * 2. The five providers of `specs/` in a scratch project inside the workspace (as `pnpm generate`
 *    runs): cold (an empty output folder), then again with nothing changed (incremental).
 *
 * Results go to `bench/results/codegen.json`. Targets: cold ratio ≤ 1.1, peak memory ≤ 1.2×
 * openapi-typescript's, five providers cold ≤ 3 s, no-change re-run ≤ 0.5 s (PASS/MISS; the
 * benchmark does not fail on them).
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  childrenCpuMs,
  generateGithubArgs,
  githubSpecOf,
  loadavg,
  median,
  table,
  target,
  writeResults,
} from "./Stats.ts"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const codegen = join(root, "generators", "codegen")
const require = createRequire(join(codegen, "package.json"))
const githubSpec = githubSpecOf(codegen)
const otsCli = join(dirname(require.resolve("openapi-typescript/package.json")), "bin", "cli.js")
const keywayBin = join(codegen, "bin", "keyway.mjs")
const quick = process.argv.includes("--quick")
// The CLI as users run it: built (bin/keyway.mjs runs dist/ when present), so build what is checked out.
process.stderr.write("building @keyway/codegen and its dependencies...\n")
const build = spawnSync("pnpm", ["--filter", "@keyway/codegen...", "run", "build"], {
  cwd: root,
  encoding: "utf8",
})
if (build.status !== 0) throw new Error(`pnpm build failed:\n${build.stdout}\n${build.stderr}`)
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3))
// Outside any workspace, and inside this one (node_modules/.cache: ignored by git and biome).
const outside = mkdtempSync(join(Os.tmpdir(), "keyway-bench-"))
mkdirSync(join(root, "node_modules", ".cache"), { recursive: true })
const inside = mkdtempSync(join(root, "node_modules", ".cache", "keyway-bench-"))

// Each child writes its own resource usage at exit: peak memory without /usr/bin/time.
const reporter = (file: string) =>
  `data:text/javascript,${encodeURIComponent(
    `import { writeFileSync } from "node:fs"; process.on("exit", () => writeFileSync(${JSON.stringify(file)}, JSON.stringify(process.resourceUsage())))`,
  )}`

interface Sample {
  readonly ms: number
  readonly cpuMs: number
  readonly maxRssMb: number
}

let n = 0
const measure = (args: ReadonlyArray<string>, cwd: string, expect?: string): Sample => {
  const usage = join(outside, `usage-${n++}.json`)
  const started = performance.now()
  const cpuBefore = childrenCpuMs() ?? Number.NaN
  const r = spawnSync(process.execPath, [`--import=${reporter(usage)}`, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "1" },
    maxBuffer: 64 * 1024 * 1024,
  })
  const ms = performance.now() - started
  const cpuMs = (childrenCpuMs() ?? Number.NaN) - cpuBefore
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  if (expect !== undefined && !r.stdout.includes(expect)) {
    throw new Error(`${args.join(" ")}: expected "${expect}" in its output:\n${r.stdout}`)
  }
  const u = JSON.parse(readFileSync(usage, "utf8")) as { maxRSS: number }
  return { ms, cpuMs, maxRssMb: u.maxRSS / 1024 }
}

const generate = (out: string) => generateGithubArgs(keywayBin, githubSpec, out)
const RUNS = {
  cold: "keyway --spec, cold, in a workspace (generation only)",
  standalone: "keyway --spec, cold, outside a workspace (+ dist/ compile)",
  noChange: "keyway --spec, no change (INCREMENTAL: skipped by hashes)",
  ots: "openapi-typescript CLI (types only)",
} as const
type Run = keyof typeof RUNS
const samples: Record<Run, Array<Sample>> = { cold: [], standalone: [], noChange: [], ots: [] }
const steps: Array<() => void> = [
  () => {
    const out = join(inside, "github")
    rmSync(out, { recursive: true, force: true })
    samples.cold.push(measure(generate(out), inside, "1 generated"))
    rmSync(out, { recursive: true, force: true })
  },
  () => {
    const out = join(outside, "github")
    rmSync(out, { recursive: true, force: true })
    samples.standalone.push(measure(generate(out), outside, "1 generated"))
    samples.noChange.push(measure(generate(out), outside, "1 unchanged"))
    rmSync(out, { recursive: true, force: true })
  },
  () => samples.ots.push(measure([otsCli, githubSpec, "-o", join(outside, "github.ts")], outside)),
]
const loads: Array<{ round: number; before: string; after: string }> = []
for (let i = 0; i < rounds; i++) {
  const before = loadavg()
  for (let s = 0; s < steps.length; s++) steps[(s + i) % steps.length]!()
  loads.push({ round: i + 1, before, after: loadavg() })
  process.stderr.write(
    `round ${i + 1}/${rounds}: ${(Object.keys(RUNS) as Array<Run>).map((r) => `${r} ${(samples[r].at(-1)!.ms / 1000).toFixed(2)} s`).join(", ")}; load ${before} -> ${loadavg()}\n`,
  )
}

// The five providers, cold then unchanged, in a scratch project (inside the workspace) on specs/.
const project = join(inside, "providers")
mkdirSync(project, { recursive: true })
writeFileSync(
  join(project, "keyway.config.json"),
  JSON.stringify({ specs: join(root, "specs"), output: "packages", schemaFile: false }),
)
const providersCold: Array<Sample> = []
const providersUnchanged: Array<Sample> = []
for (let i = 0; i < rounds; i++) {
  rmSync(join(project, "packages"), { recursive: true, force: true })
  providersCold.push(measure([keywayBin, "generate"], project, "5 generated"))
  providersUnchanged.push(measure([keywayBin, "generate"], project, "5 unchanged"))
}
rmSync(outside, { recursive: true, force: true })
rmSync(inside, { recursive: true, force: true })

const summary = (list: ReadonlyArray<Sample>) => ({
  medianMs: median(list.map((s) => s.ms)),
  medianCpuMs: median(list.map((s) => s.cpuMs)),
  medianMaxRssMb: median(list.map((s) => s.maxRssMb)),
  samples: list,
})
const github = Object.fromEntries(
  (Object.keys(RUNS) as Array<Run>).map((r) => [r, summary(samples[r])]),
) as Record<Run, ReturnType<typeof summary>>
const ots = github.ots
const ratios = Object.fromEntries(
  (["cold", "standalone", "noChange"] as const).map((r) => [
    r,
    {
      wall: github[r].medianMs / ots.medianMs,
      cpu: github[r].medianCpuMs / ots.medianCpuMs,
      memory: github[r].medianMaxRssMb / ots.medianMaxRssMb,
    },
  ]),
) as Record<"cold" | "standalone" | "noChange", { wall: number; cpu: number; memory: number }>
const providers = { cold: summary(providersCold), unchanged: summary(providersUnchanged) }

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`
console.log(`\nCodegen: GitHub's spec, ${rounds} round(s), medians; load average ${loadavg()}`)
console.log(
  table(
    (Object.keys(RUNS) as Array<Run>).map((r) => ({
      run: RUNS[r],
      wall: seconds(github[r].medianMs),
      CPU: seconds(github[r].medianCpuMs),
      "peak MB": Math.round(github[r].medianMaxRssMb),
      "wall x ots": r === "ots" ? 1 : ratios[r].wall,
      "CPU x ots": r === "ots" ? 1 : ratios[r].cpu,
      "memory x ots": r === "ots" ? 1 : ratios[r].memory,
    })),
  ),
)
console.log(`\nthe five providers of specs/ (a scratch project in the workspace)`)
console.log(
  table([
    { run: "cold (empty output folder)", wall: seconds(providers.cold.medianMs) },
    { run: "no change (INCREMENTAL: skipped by hashes)", wall: seconds(providers.unchanged.medianMs) },
  ]),
)
const targets = [
  target(
    "GitHub: keyway cold (in a workspace) / openapi-typescript, wall",
    ratios.cold.wall,
    "at most",
    1.1,
    "x",
  ),
  target(
    "GitHub: keyway cold (outside, + compile) / openapi-typescript, wall",
    ratios.standalone.wall,
    "at most",
    1.1,
    "x",
  ),
  target("GitHub: peak memory keyway cold / openapi-typescript", ratios.cold.memory, "at most", 1.2, "x"),
  target("five providers, cold", providers.cold.medianMs / 1000, "at most", 3, " s"),
  target(
    "five providers, no change (incremental)",
    providers.unchanged.medianMs / 1000,
    "at most",
    0.5,
    " s",
  ),
]
console.log(`\ntargets (the benchmark does not fail on them); load average ${loadavg()}`)
console.log(table(targets.map((t) => ({ ...t }))))
writeResults("codegen", {
  date: new Date().toISOString(),
  command: `pnpm bench:codegen${quick ? " --quick" : ""}`,
  machine: { node: process.version, cpus: Os.cpus().length, loadavg: loadavg() },
  loadavgPerRound: loads,
  rounds,
  github: { spec: "@octokit/openapi generated/api.github.com.json", runs: RUNS, ...github, ratios },
  providers,
  targets,
})
console.log("written bench/results/codegen.json")
