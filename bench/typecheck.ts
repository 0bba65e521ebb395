/**
 * `pnpm bench:types` (and part of `pnpm bench`): what a consumer pays to type-check one call.
 *
 * A consumer project in a temp folder outside the repository (node_modules links to the built
 * packages: their `.d.ts`, no `@keyway/source` condition), `tsc7 --extendedDiagnostics` on one
 * file each:
 *
 * - Workable: one `GET /jobs` through the generated package's root entry (`createClient` from
 *   `@keyway/provider-workable`, whatever it imports), against the same call through bare
 *   openapi-fetch on the same `types` (`@keyway/provider-workable/types`);
 * - GitHub: a package generated from `@octokit/openapi`'s spec (`keyway generate --spec`, run from
 *   the generator's sources so that a stale build of it cannot answer; outside the workspace it
 *   also builds the package's `dist/`), one `GET /repos/{owner}/{repo}/issues` the same two ways.
 *
 * Files, types, memory, tsc's total time, wall time and the CPU time of the tsc7 process tree
 * (steadier on a shared machine; medians of 7 runs, the consumers alternating) and the ratios; target ≤ 1.2× bare openapi-fetch on files, types and time. The consumer's
 * tsconfig: nodenext, strict, `skipLibCheck` (as `tsc --init` writes it), `types: ["node"]`.
 * Writes `bench/results/typecheck.json`.
 *
 *   node bench/typecheck.ts [--quick]
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
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

const quick = process.argv.includes("--quick")
const ROUNDS = Number(process.env.BENCH_TYPES_ROUNDS ?? (quick ? 3 : 7))
const root = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "..")
const workable = Path.join(root, "packages", "providers", "workable")
const codegen = Path.join(root, "generators", "codegen")
const tsc7 = Path.join(root, "tooling", "tsc7", "tsc7.mjs")
const work = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-types-"))

const sh = (command: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const r = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env },
  })
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

// 1. The built packages: the generated Workable package and what it depends on.
process.stderr.write("building @keyway/provider-workable and its dependencies...\n")
sh("pnpm", ["--filter", "@keyway/provider-workable...", "run", "build"])

// 2. The consumer project: links to the packages (where a consumer's install would put them).
const modules = Path.join(work, "node_modules")
const link = (name: string, target: string) => {
  const at = Path.join(modules, name)
  Fs.mkdirSync(Path.dirname(at), { recursive: true })
  if (!Fs.existsSync(at)) Fs.symlinkSync(Fs.realpathSync(target), at, "dir")
}
// A package as the generated packages and the generator resolve it.
const fromWorkspace = (name: string): string => {
  for (const dir of [workable, codegen, Path.join(root, "bench")]) {
    const candidate = Path.join(dir, "node_modules", name)
    if (Fs.existsSync(candidate)) return candidate
  }
  throw new Error(`${name}: not found in the workspace`)
}
const dependenciesOf = (dir: string): Array<string> =>
  Object.keys(
    (JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) as { dependencies?: object })
      .dependencies ?? {},
  )
link("@keyway/provider-workable", workable)
link("@types/node", fromWorkspace("@types/node"))

// 3. GitHub's spec, generated (and built) by the CLI into the consumer's node_modules.
const githubSpec = githubSpecOf(codegen)
const github = Path.join(modules, "@keyway", "provider-github")
// From the generator's sources (the same output as its build, which may be stale): what main generates.
process.stderr.write("generating the GitHub package (keyway generate --spec, from source)...\n")
sh(process.execPath, generateGithubArgs(Path.join(codegen, "bin", "keyway.mjs"), githubSpec, github), {
  KEYWAY_FROM_SOURCE: "1",
})
for (const name of new Set([...dependenciesOf(workable), ...dependenciesOf(github), "openapi-fetch"])) {
  if (!name.startsWith("@keyway/provider-")) link(name, fromWorkspace(name))
}

Fs.writeFileSync(
  Path.join(work, "package.json"),
  JSON.stringify({ name: "consumer", type: "module", private: true }),
)
const compilerOptions = {
  target: "es2023",
  module: "nodenext",
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"],
}
const consumers: Record<string, Record<"keyway" | "openapi-fetch", string>> = {
  Workable: {
    keyway: `import { createClient } from "@keyway/provider-workable"
const client = createClient({ auth: { type: "api-token", token: "t" } })
const { data } = await client.GET("/jobs")
export const jobs = data
`,
    "openapi-fetch": `import createClient from "openapi-fetch"
import type { paths } from "@keyway/provider-workable/types"
const client = createClient<paths>({ baseUrl: "https://www.workable.com/spi/v3" })
const { data } = await client.GET("/jobs")
export const jobs = data
`,
  },
  GitHub: {
    keyway: `import { createClient } from "@keyway/provider-github"
const client = createClient({ auth: { token: "t" } })
const { data } = await client.GET("/repos/{owner}/{repo}/issues", { params: { path: { owner: "o", repo: "r" } } })
export const issues = data
`,
    "openapi-fetch": `import createClient from "openapi-fetch"
import type { paths } from "@keyway/provider-github/types"
const client = createClient<paths>({ baseUrl: "https://api.github.com" })
const { data } = await client.GET("/repos/{owner}/{repo}/issues", { params: { path: { owner: "o", repo: "r" } } })
export const issues = data
`,
  },
}

interface Diagnostics {
  readonly files: number
  readonly types: number
  readonly memoryMb: number
  readonly totalS: number
  readonly wallS: number
  /** CPU time of the tsc7 process tree (user + system). */
  readonly cpuS: number
  readonly errors: ReadonlyArray<string>
}
const check = (project: string): Diagnostics => {
  const started = performance.now()
  const cpuBefore = childrenCpuMs() ?? Number.NaN
  const r = spawnSync(process.execPath, [tsc7, "-p", project, "--extendedDiagnostics"], {
    cwd: work,
    encoding: "utf8",
  })
  const wallS = (performance.now() - started) / 1000
  const cpuS = ((childrenCpuMs() ?? Number.NaN) - cpuBefore) / 1000
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+([\\d.]+)`, "m").exec(r.stdout)
    if (m === null) throw new Error(`tsc7 printed no ${name}:\n${r.stdout}\n${r.stderr}`)
    return Number(m[1])
  }
  return {
    files: field("Files"),
    types: field("Types"),
    memoryMb: field("Memory used") / 1024,
    totalS: field("Total time"),
    wallS,
    cpuS,
    errors: r.stdout.split("\n").filter((line) => line.includes("error TS")),
  }
}

const projects: Array<{ spec: string; client: "keyway" | "openapi-fetch"; project: string }> = []
for (const [spec, files] of Object.entries(consumers)) {
  for (const [client, text] of Object.entries(files) as Array<["keyway" | "openapi-fetch", string]>) {
    const base = `${spec.toLowerCase()}-${client}`
    Fs.writeFileSync(Path.join(work, `${base}.ts`), text)
    Fs.writeFileSync(
      Path.join(work, `tsconfig.${base}.json`),
      JSON.stringify({ compilerOptions, files: [`${base}.ts`] }),
    )
    projects.push({ spec, client, project: `tsconfig.${base}.json` })
  }
}
const runs = new Map<string, Array<Diagnostics>>(projects.map((p) => [p.project, []]))
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which consumer goes first.
  const order = round % 2 === 0 ? projects : [...projects].reverse()
  for (const p of order) runs.get(p.project)!.push(check(p.project))
}
// Where the files come from: the package of each file tsc loads (`--listFiles`).
const names = new Map<string, string>()
/** The name in the nearest package.json above a file (a package without a name: its folder). */
const packageOf = (file: string): string => {
  for (let dir = Path.dirname(file); Path.dirname(dir) !== dir; dir = Path.dirname(dir)) {
    const known = names.get(dir)
    if (known !== undefined) return known
    const manifest = Path.join(dir, "package.json")
    if (!Fs.existsSync(manifest)) continue
    const name =
      (JSON.parse(Fs.readFileSync(manifest, "utf8")) as { name?: string }).name ?? Path.basename(dir)
    names.set(dir, name)
    return name
  }
  return "(none)"
}
/** Files per package, and for each package the files of other packages that import it (`--explainFiles`). */
const explain = (project: string) => {
  const r = spawnSync(process.execPath, [tsc7, "-p", project, "--explainFiles"], {
    cwd: work,
    encoding: "utf8",
  })
  const counts = new Map<string, number>()
  const importers = new Map<string, Set<string>>()
  let current = ""
  for (const line of r.stdout.split("\n")) {
    if (line.trim() === "" || line.includes("error TS")) continue
    if (!line.startsWith(" ")) {
      const file = Fs.realpathSync(Path.resolve(work, line.trim()))
      current = packageOf(file)
      counts.set(current, (counts.get(current) ?? 0) + 1)
      continue
    }
    const from = / from file '([^']+)'/.exec(line)?.[1]
    if (from === undefined) continue
    const file = Fs.realpathSync(Path.resolve(work, from))
    const by = packageOf(file)
    if (by === current) continue
    const set = importers.get(current) ?? new Set<string>()
    set.add(`${by}/${Path.basename(file)}`)
    importers.set(current, set)
  }
  return { counts, importers }
}
const extraFiles: Record<string, Record<string, { files: number; importedBy: Array<string> }>> = {}
for (const spec of Object.keys(consumers)) {
  const keyway = explain(`tsconfig.${spec.toLowerCase()}-keyway.json`)
  const bare = explain(`tsconfig.${spec.toLowerCase()}-openapi-fetch.json`).counts
  extraFiles[spec] = Object.fromEntries(
    [...keyway.counts.entries()]
      .map(([name, count]) => [name, count - (bare.get(name) ?? 0)] as const)
      .filter(([, extra]) => extra !== 0)
      .sort((a, b) => b[1] - a[1])
      .map(([name, files]) => [name, { files, importedBy: [...(keyway.importers.get(name) ?? [])] }]),
  )
}
Fs.rmSync(work, { recursive: true, force: true })

const summary = (project: string) => {
  const r = runs.get(project)!
  return {
    files: r[0]!.files,
    types: r[0]!.types,
    memoryMb: median(r.map((x) => x.memoryMb)),
    totalS: median(r.map((x) => x.totalS)),
    wallS: median(r.map((x) => x.wallS)),
    cpuS: median(r.map((x) => x.cpuS)),
    errors: r[0]!.errors,
  }
}
const results: Record<string, Record<string, ReturnType<typeof summary>>> = {}
const rows: Array<Record<string, string | number>> = []
const targets = []
for (const spec of Object.keys(consumers)) {
  const keyway = summary(`tsconfig.${spec.toLowerCase()}-keyway.json`)
  const bare = summary(`tsconfig.${spec.toLowerCase()}-openapi-fetch.json`)
  results[spec] = { keyway, "openapi-fetch": bare }
  for (const [client, s] of [
    ["keyway (root entry createClient)", keyway],
    ["bare openapi-fetch (same types)", bare],
  ] as const) {
    rows.push({
      spec,
      client,
      files: s.files,
      types: s.types,
      "memory MB": s.memoryMb,
      "tsc time s": s.totalS,
      "wall s": s.wallS,
      "CPU s": s.cpuS,
      errors: s.errors.length,
    })
  }
  rows.push({
    spec,
    client: "ratio keyway / openapi-fetch",
    files: keyway.files / bare.files,
    types: keyway.types / bare.types,
    "memory MB": keyway.memoryMb / bare.memoryMb,
    "tsc time s": keyway.totalS / bare.totalS,
    "wall s": keyway.wallS / bare.wallS,
    "CPU s": keyway.cpuS / bare.cpuS,
    errors: "",
  })
  for (const [name, k, b] of [
    ["files", keyway.files, bare.files],
    ["types", keyway.types, bare.types],
    ["tsc time", keyway.totalS, bare.totalS],
    ["CPU time (tsc7 process tree)", keyway.cpuS, bare.cpuS],
  ] as const) {
    targets.push(target(`${spec}: ${name} keyway / openapi-fetch`, k / b, "at most", 1.2, "x"))
  }
}
console.log(
  `\nType-check cost of one call (tsc7 --extendedDiagnostics, built .d.ts, skipLibCheck, medians of ${ROUNDS}); load average ${loadavg()}`,
)
console.log(table(rows))
for (const [spec, r] of Object.entries(results)) {
  for (const [client, s] of Object.entries(r)) {
    if (s.errors.length > 0)
      console.log(`${spec} ${client}: the consumer file does not compile:\n  ${s.errors.join("\n  ")}`)
  }
}
for (const [spec, extra] of Object.entries(extraFiles)) {
  console.log(`\n${spec}: files the keyway consumer loads beyond bare openapi-fetch's, by package`)
  console.log(
    table(
      Object.entries(extra).map(([name, { files, importedBy }]) => ({
        package: name,
        files: files > 0 ? `+${files}` : String(files),
        "imported by":
          importedBy.length > 4
            ? `${importedBy.slice(0, 4).join(", ")}, ... (${importedBy.length})`
            : importedBy.join(", "),
      })),
    ),
  )
}
console.log(`\ntargets (the benchmark does not fail on them)`)
console.log(table(targets.map((t) => ({ ...t }))))
const file = writeResults("typecheck", {
  date: new Date().toISOString(),
  command: `pnpm bench:types${quick ? " --quick" : ""}`,
  node: process.version,
  loadavg: loadavg(),
  rounds: ROUNDS,
  compilerOptions,
  consumers,
  results,
  extraFilesByPackage: extraFiles,
  targets,
})
console.log(`written ${Path.relative(root, file)}`)
