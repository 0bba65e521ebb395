/**
 * `pnpm bench:codegen`: the generator against the bare openapi-typescript CLI, and its own
 * cold / no-change runs.
 *
 * 1. GitHub's REST spec (`@octokit/openapi`, 13 MB JSON): `keyway generate --spec` (lint, bundle,
 *    types, client, package) into a folder that does not exist yet (a cold generation, never an
 *    incremental skip), then the same command again with nothing changed (skipped by its content
 *    hashes), and `openapi-typescript <file> -o <out>` (types only), alternating which goes
 *    first, N rounds (`BENCH_ROUNDS`, default 3): median wall time of each, both ratios to the
 *    bare CLI (cold, no-change), the peak memory (max RSS, reported by the child process itself at
 *    exit) of each, and the load average before and after each round.
 * 2. The five providers of `specs/`, cold: a new process, an empty output folder.
 * 3. The same command again with nothing changed (every provider skipped by its content hashes).
 *
 * Results go to `bench/results/codegen.json`; a table is printed. Targets: ratio ≤ 1.1, peak
 * memory ≤ 1.2× openapi-typescript's, five providers cold ≤ 3 s, no-change re-run ≤ 0.5 s.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { loadavg as loadText, median, table, target, writeResults } from "./Stats.ts"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const codegen = join(root, "generators", "codegen")
const require = createRequire(join(codegen, "package.json"))
const githubSpec = join(
  dirname(require.resolve("@octokit/openapi/package.json")),
  "generated",
  "api.github.com.json",
)
const otsCli = join(dirname(require.resolve("openapi-typescript/package.json")), "bin", "cli.js")
const keywayBin = join(codegen, "bin", "keyway.mjs")
const rounds = Number(process.env.BENCH_ROUNDS ?? (process.argv.includes("--quick") ? 1 : 3))
const work = mkdtempSync(join(tmpdir(), "keyway-bench-"))

// Each child writes its own resource usage at exit: peak memory without /usr/bin/time.
const reporter = (file: string) =>
  `data:text/javascript,${encodeURIComponent(
    `import { writeFileSync } from "node:fs"; process.on("exit", () => writeFileSync(${JSON.stringify(file)}, JSON.stringify(process.resourceUsage())))`,
  )}`

interface Sample {
  readonly ms: number
  readonly maxRssMb: number
  readonly stdout: string
}

let n = 0
const measure = (args: ReadonlyArray<string>, cwd: string): Sample => {
  const usage = join(work, `usage-${n++}.json`)
  const started = performance.now()
  const r = spawnSync(process.execPath, [`--import=${reporter(usage)}`, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "1" },
    maxBuffer: 64 * 1024 * 1024,
  })
  const ms = performance.now() - started
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  const rusage = JSON.parse(readFileSync(usage, "utf8")) as { maxRSS: number }
  return { ms, maxRssMb: rusage.maxRSS / 1024, stdout: r.stdout }
}

const { loadavg } = await import("node:os")
const keywaySamples: Array<Sample> = []
const noChangeSamples: Array<Sample> = []
const otsSamples: Array<Sample> = []
const loads: Array<{ round: number; before: Array<number>; after: Array<number> }> = []
for (let i = 0; i < rounds; i++) {
  const out = join(work, `github-${i}`)
  const before = loadavg()
  // Alternate which one goes first, so that neither always gets the warmer file cache.
  const runKeyway = () => {
    rmSync(out, { recursive: true, force: true })
    const args = [keywayBin, "generate", "--spec", githubSpec, "--name", "github", "--out", out]
    const cold = measure(args, work)
    if (!cold.stdout.includes("1 generated")) throw new Error(`not a cold generation:\n${cold.stdout}`)
    keywaySamples.push(cold)
    const again = measure(args, work)
    if (!again.stdout.includes("1 unchanged")) throw new Error(`not skipped:\n${again.stdout}`)
    noChangeSamples.push(again)
  }
  const runOts = () =>
    otsSamples.push(measure([otsCli, githubSpec, "-o", join(work, `github-${i}.ts`)], work))
  if (i % 2 === 0) {
    runKeyway()
    runOts()
  } else {
    runOts()
    runKeyway()
  }
  loads.push({ round: i + 1, before, after: loadavg() })
  process.stderr.write(
    `round ${i + 1}/${rounds}: keyway ${(keywaySamples.at(-1)!.ms / 1000).toFixed(2)} s (no change ${(noChangeSamples.at(-1)!.ms / 1000).toFixed(2)} s), openapi-typescript ${(otsSamples.at(-1)!.ms / 1000).toFixed(2)} s, load ${before[0]!.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}\n`,
  )
  rmSync(out, { recursive: true, force: true })
}

// The five providers, cold then unchanged, in a scratch project pointing at specs/.
const project = join(work, "providers")
mkdirSync(project, { recursive: true })
writeFileSync(
  join(project, "keyway.config.json"),
  JSON.stringify({ specs: join(root, "specs"), output: "packages", schemaFile: false }),
)
const cold: Array<Sample> = []
const unchanged: Array<Sample> = []
for (let i = 0; i < rounds; i++) {
  rmSync(join(project, "packages"), { recursive: true, force: true })
  cold.push(measure([keywayBin, "generate"], project))
  unchanged.push(measure([keywayBin, "generate"], project))
}

const k = { ms: median(keywaySamples.map((s) => s.ms)), mb: median(keywaySamples.map((s) => s.maxRssMb)) }
const kNoChange = median(noChangeSamples.map((s) => s.ms))
const strip = (samples: ReadonlyArray<Sample>) => samples.map(({ ms, maxRssMb }) => ({ ms, maxRssMb }))
const o = { ms: median(otsSamples.map((s) => s.ms)), mb: median(otsSamples.map((s) => s.maxRssMb)) }
const results = {
  date: new Date().toISOString(),
  machine: {
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
    loadavg: loadavg(),
  },
  loadavgPerRound: loads,
  rounds,
  command: "pnpm bench:codegen",
  github: {
    spec: "@octokit/openapi generated/api.github.com.json",
    keyway: { medianMs: Math.round(k.ms), medianMaxRssMb: Math.round(k.mb), samples: strip(keywaySamples) },
    keywayNoChange: { medianMs: Math.round(kNoChange), samples: strip(noChangeSamples) },
    openapiTypescript: {
      medianMs: Math.round(o.ms),
      medianMaxRssMb: Math.round(o.mb),
      samples: strip(otsSamples),
    },
    timeRatio: Number((k.ms / o.ms).toFixed(3)),
    noChangeRatio: Number((kNoChange / o.ms).toFixed(3)),
    memoryRatio: Number((k.mb / o.mb).toFixed(3)),
  },
  providers: {
    coldMedianMs: Math.round(median(cold.map((s) => s.ms))),
    unchangedMedianMs: Math.round(median(unchanged.map((s) => s.ms))),
    cold: strip(cold),
    unchanged: strip(unchanged),
  },
  targets: {
    timeRatio: { max: 1.1, ok: k.ms / o.ms <= 1.1 },
    memoryRatio: { max: 1.2, ok: k.mb / o.mb <= 1.2 },
    coldMs: { max: 3000, ok: median(cold.map((s) => s.ms)) <= 3000 },
    unchangedMs: { max: 500, ok: median(unchanged.map((s) => s.ms)) <= 500 },
  },
}
writeResults("codegen", results)
rmSync(work, { recursive: true, force: true })

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`
console.log(`\nCodegen: GitHub's spec (${rounds} rounds, median), then the five providers of specs/`)
console.log(
  table([
    { measure: "GitHub: keyway generate --spec, cold (clean output folder)", value: seconds(k.ms) },
    { measure: "GitHub: keyway, no change (incremental: skipped by its hashes)", value: seconds(kNoChange) },
    { measure: "GitHub: openapi-typescript CLI (types only)", value: seconds(o.ms) },
    { measure: "ratio keyway cold / openapi-typescript (wall)", value: results.github.timeRatio.toFixed(3) },
    {
      measure: "ratio keyway no change (incremental) / openapi-typescript",
      value: results.github.noChangeRatio.toFixed(3),
    },
    {
      measure: "peak memory keyway / openapi-typescript",
      value: `${Math.round(k.mb)} / ${Math.round(o.mb)} MB`,
    },
    { measure: "five providers, cold", value: `${results.providers.coldMedianMs} ms` },
    {
      measure: "five providers, no change (incremental)",
      value: `${results.providers.unchangedMedianMs} ms`,
    },
  ]),
)
console.log(`\ntargets (the benchmark does not fail on them); load average ${loadText()}`)
console.log(
  table(
    [
      target("GitHub: keyway cold / openapi-typescript (wall)", k.ms / o.ms, "at most", 1.1, "x"),
      target("GitHub: peak memory keyway / openapi-typescript", k.mb / o.mb, "at most", 1.2, "x"),
      target("five providers, cold", results.providers.coldMedianMs, "at most", 3000, " ms"),
      target(
        "five providers, no change (incremental)",
        results.providers.unchangedMedianMs,
        "at most",
        500,
        " ms",
      ),
    ].map((t) => ({ ...t })),
  ),
)
console.log(`written to bench/results/codegen.json`)
