/**
 * The entries of a generated package, on the five providers of `specs/`:
 *
 * - two providers imported together compile: namespaces side by side, `export * as` of both, and
 *   the names both root entries export are only the per-provider entry points (no generic type
 *   such as `Secret`, `Operation`, `OperationArgs` or `PageItem`: those carry the provider's name);
 * - the root entry (the Promise API) loads no Effect type: Workable's declarations, as the build
 *   emits them, type-check a `createClient(...).GET("/jobs")` consumer whose compiler lists no file
 *   of `effect` (nor of an auth plugin, which comes with effect's).
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { outRoot, pkgDir, tsc7, typecheck } from "./helpers.ts"

const repo = join(pkgDir, "..", "..")
const providers = join(repo, "packages", "providers")

const tsc = (...args: Array<string>) => {
  const r = spawnSync(process.execPath, [tsc7, ...args], { cwd: repo, encoding: "utf8" })
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

/** The names a module exports, read with the TypeScript checker through a probe file. */
const exportsOf = (specifiers: ReadonlyArray<string>): Record<string, Array<string>> => {
  // Values and types: the declarations of the entry files, as the compiler reads them.
  const out: Record<string, Array<string>> = {}
  for (const s of specifiers) {
    const file = join(providers, s.replace("@keyway/provider-", ""), "src", "index.ts")
    const r = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import ts from "typescript"
const program = ts.createProgram([${JSON.stringify(file)}], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, allowImportingTsExtensions: true, noEmit: true, customConditions: ["@keyway/source"], skipLibCheck: true })
const checker = program.getTypeChecker()
const source = program.getSourceFile(${JSON.stringify(file)})
const symbol = checker.getSymbolAtLocation(source)
process.stdout.write(JSON.stringify(checker.getExportsOfModule(symbol).map((e) => e.name).sort()))`,
      ],
      { cwd: pkgDir, encoding: "utf8" },
    )
    expect(r.status, r.stderr).toBe(0)
    out[s] = JSON.parse(r.stdout) as Array<string>
  }
  return out
}

describe("the entries of generated packages", () => {
  it("two providers in one file: namespaces and `export * as` compile, shared names are entry points only", () => {
    const dir = join(outRoot, "entries", "together")
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, "together.ts"),
      `import * as Cch from "@keyway/provider-cch"
import * as CchEffect from "@keyway/provider-cch/effect"
import * as W from "@keyway/provider-workable"
import * as WEffect from "@keyway/provider-workable/effect"

export const secrets: ReadonlyArray<W.WorkableSecret | Cch.CchSecret> = ["a", "b"]
export type Jobs = W.WorkableOperationData<"/jobs", "get">
export type JobArgs = W.WorkableOperationArgs<{}>
export type Job = W.WorkablePageItem<Jobs, "jobs">
export type Both = W.WorkableOperation<"/jobs", "get"> | Cch.CchOperations[keyof Cch.CchOperations]
export type Streams = WEffect.WorkableEffectPaginators | CchEffect.CchEffectOperations
export const clients = (w: W.WorkableClientOptions, c: Cch.CchClientOptions) => ({
  workable: W.createClient(w),
  cch: Cch.createClient(c),
  layers: [WEffect.layer(w), CchEffect.layer(c)],
})
`,
    )
    writeFileSync(
      join(dir, "reexport.ts"),
      `export * as Cch from "@keyway/provider-cch"\nexport * as Workable from "@keyway/provider-workable"\n`,
    )
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: join(providers, "workable", "tsconfig.json"),
        compilerOptions: {
          noEmit: true,
          declaration: true,
          paths: Object.fromEntries(
            ["cch", "workable"].flatMap((p) => [
              [`@keyway/provider-${p}`, [join(providers, p, "src", "index.ts")]],
              [`@keyway/provider-${p}/effect`, [join(providers, p, "src", "effect.ts")]],
            ]),
          ),
        },
        include: ["*.ts"],
      }),
    )
    const t = typecheck(join(dir, "tsconfig.json"))
    expect(t.output).toBe("")
    // what `export *` of two providers would have twice: the entry points every provider has
    const names = exportsOf(["@keyway/provider-cch", "@keyway/provider-workable"])
    const cch = new Set(names["@keyway/provider-cch"])
    const shared = names["@keyway/provider-workable"]!.filter((n) => cch.has(n))
    expect(shared).toEqual([
      "components",
      "createClient",
      "createPathBasedClient",
      "descriptor",
      "operationTable",
      "operations",
      "paths",
      "provider",
      "resolveSettings",
    ])
  })

  it(
    "the root entry's declarations load no file of effect or of an auth plugin",
    { timeout: 120_000 },
    () => {
      const dir = join(outRoot, "entries", "promise")
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
      // The declarations of core and of the Workable package, as their builds emit them.
      const core = tsc(
        "-p",
        join(repo, "packages", "core", "tsconfig.build.json"),
        "--outDir",
        join(dir, "core"),
        "--emitDeclarationOnly",
        "--declarationMap",
        "false",
      )
      expect(core.status, core.output).toBe(0)
      const workable = tsc(
        "-p",
        join(providers, "workable", "tsconfig.build.json"),
        "--outDir",
        join(dir, "workable"),
        "--emitDeclarationOnly",
      )
      expect(workable.status, workable.output).toBe(0)
      writeFileSync(
        join(dir, "consumer.ts"),
        `import { createClient } from "@keyway/provider-workable"
const client = createClient({ subdomain: "acme", auth: { type: "api-token", token: "t" } })
export const jobs = client.GET("/jobs", { params: { query: { limit: 10 } } }).then(({ data }) => data?.jobs?.length)
export const listed = client.op.listJobs()
export const first = client.paginate.listJobs().next()
`,
      )
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "es2023",
            lib: ["esnext", "dom"],
            module: "nodenext",
            moduleResolution: "nodenext",
            strict: true,
            noEmit: true,
            types: [],
            paths: {
              "@keyway/provider-workable": ["./workable/index.d.ts"],
              "@keyway/core/*": ["./core/*.d.ts"],
            },
          },
          files: ["consumer.ts"],
        }),
      )
      const check = tsc("-p", join(dir, "tsconfig.json"), "--listFiles")
      expect(check.status, check.output).toBe(0)
      const files = check.output
        .split("\n")
        .filter((l) => l.trim() !== "" && !/[/\\]lib\.[\w.]+\.d\.ts$/.test(l))
      expect(
        files.some((f) => f.endsWith(join("workable", "client.d.ts"))),
        files.join("\n"),
      ).toBe(true)
      expect(
        files.filter((f) => /[/\\]effect[/\\]|auth-[a-z-]+[/\\]|[/\\]auth\.d\.ts$/.test(f)),
        files.join("\n"),
      ).toEqual([])
    },
  )
})
