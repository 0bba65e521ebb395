/**
 * One provider through the stages: load → overlay → validate → types → client → package → write.
 *
 * Incremental: a provider whose recorded inputs (generator, configuration, descriptor, every
 * spec file the bundle read, every overlay file) and outputs are unchanged is skipped before any
 * heavy module (openapi-typescript, ts-morph, effect's Schema) is loaded. `check` generates in memory and
 * reports the files that differ from what is on disk instead of writing.
 *
 * @example
 * ```ts
 * import { Config, Pipeline } from "@keyway/codegen"
 * const config = await Config.load(process.cwd())
 * const result = await Pipeline.run(Pipeline.inputFor(config, "ccw"), { config, check: false })
 * result.status // "generated" | "unchanged"
 * ```
 *
 * @since 0.1.0
 */

import { existsSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { packageNameFor, type ResolvedConfig, stableStringify } from "./Config.ts"
import type { GenerateError } from "./Errors.ts"
import * as Hash from "./Hash.ts"
import type { ProviderInput } from "./Model.ts"
import { order, type Plugin, type Stage } from "./Plugin.ts"
import type * as Hooks from "./stages/Hooks.ts"
import * as Overlay from "./stages/Overlay.ts"
import type { Change } from "./stages/Write.ts"

/**
 * What happened to a provider.
 *
 * @example
 * ```ts
 * import type { Pipeline } from "@keyway/codegen"
 * declare const result: Pipeline.Result
 * console.log(result.provider)
 * ```
 *
 * @since 0.1.0
 */
export interface Result {
  readonly provider: string
  readonly status: "generated" | "unchanged" | "differs"
  /** With `check`: the files (relative to the package) that differ from what would be generated. */
  readonly differing: ReadonlyArray<string>
  /** With `check`: for each differing file, its content on disk and what would be written. */
  readonly changes?: ReadonlyArray<Change> | undefined
  readonly outDir: string
  /** Every input file (absolute), for `--watch`. */
  readonly sources: ReadonlyArray<string>
}

export type { Change }

/**
 * Options of a run.
 *
 * @example
 * ```ts
 * import type { Pipeline } from "@keyway/codegen"
 * declare const runOptions: Pipeline.RunOptions
 * console.log(runOptions.config)
 * ```
 *
 * @since 0.1.0
 */
export interface RunOptions {
  readonly config: ResolvedConfig
  readonly check: boolean
  /** Regenerate even when the inputs are unchanged. */
  readonly force?: boolean | undefined
  /** Lint warnings are errors (`--strict`); otherwise they go to `onWarning`. */
  readonly strict?: boolean | undefined
  /** Told when a stage starts. */
  readonly onStage?: ((provider: string, stage: Stage) => void) | undefined
  /** Told which files the load stage read, even when a later stage fails (for `--watch`). */
  readonly onSources?: ((provider: string, sources: ReadonlyArray<string>) => void) | undefined
  /** Told of a problem that does not stop generation (a security scheme `--spec` cannot serve). */
  readonly onWarning?: ((provider: string, warning: GenerateError) => void) | undefined
  /** With `--spec`: write the inferred descriptor there, as an editable provider.yaml. */
  readonly writeDescriptor?: string | undefined
}

/**
 * The input of a provider of the specs root.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@keyway/codegen"
 * import type { Config } from "@keyway/codegen"
 * declare const config: Config.ResolvedConfig
 * Pipeline.inputFor(config, "ccw").descriptorPath // "/repo/specs/ccw/provider.yaml"
 * ```
 *
 * @since 0.1.0
 */
export const inputFor = (config: ResolvedConfig, name: string): ProviderInput => ({
  name,
  descriptorPath: join(config.specs, name, "provider.yaml"),
  specPath: undefined,
  outDir: join(config.output, name),
  packageName: packageNameFor(config.packageName, name),
})

/**
 * The built-in plugins, in their order.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@keyway/codegen"
 * (await Pipeline.builtins()).map((p) => p.name)
 * ```
 *
 * @since 0.1.0
 */
export const builtins = async (): Promise<ReadonlyArray<Plugin>> => {
  const [types, descriptor, client, operations, pagination, pkg] = await Promise.all([
    import("./plugins/TypesPlugin.ts"),
    import("./plugins/DescriptorPlugin.ts"),
    import("./plugins/ClientPlugin.ts"),
    import("./plugins/OperationsPlugin.ts"),
    import("./plugins/PaginationPlugin.ts"),
    import("./plugins/PackagePlugin.ts"),
  ])
  return [types.plugin, descriptor.plugin, client.plugin, operations.plugin, pagination.plugin, pkg.plugin]
}

const extraOf = (input: ProviderInput, config: ResolvedConfig): string =>
  stableStringify({
    name: input.name,
    overlays: Overlay.filesOf(input).map((f) => Hash.relativePosix(input.outDir, f)),
    packageName: input.packageName,
    descriptor: input.descriptorPath ? Hash.relativePosix(input.outDir, input.descriptorPath) : null,
    spec: input.specPath ? Hash.relativePosix(input.outDir, input.specPath) : null,
    keywayVersion: keywayVersionFor(input, config),
    ...(input.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
  })

const outside = (root: string, dir: string): boolean => {
  const rel = relative(root, dir)
  return rel.startsWith("..") || resolve(rel) === rel
}

let keywayWorkspace: string | null | undefined

/**
 * The Keyway monorepo the generator runs from (the folder of its `pnpm-workspace.yaml`), or
 * `undefined` when the generator is installed (under `node_modules`, e.g. from a tarball or the
 * registry): only there can a generated package depend on `@keyway/*` with `workspace:*`.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@keyway/codegen"
 * Pipeline.keywayWorkspaceRoot() // "/home/me/keyway" in a clone, undefined when installed
 * ```
 *
 * @since 0.1.0
 */
export const keywayWorkspaceRoot = (): string | undefined => {
  if (keywayWorkspace !== undefined) return keywayWorkspace ?? undefined
  keywayWorkspace = null
  const here = dirname(fileURLToPath(import.meta.url))
  if (!here.split(sep).includes("node_modules"))
    for (let dir = here; dirname(dir) !== dir; dir = dirname(dir))
      if (existsSync(join(dir, "pnpm-workspace.yaml"))) {
        keywayWorkspace = dir
        break
      }
  return keywayWorkspace ?? undefined
}

/**
 * The `@keyway/*` version range of a package: the configuration's, except that a `workspace:`
 * range is replaced by a registry range when the package could not resolve it: when it is
 * written outside the project root (e.g. `--out ../elsewhere`) or outside the Keyway monorepo
 * (an installed generator, a project of its own). The registry range is one that the generating
 * Keyway satisfies: `^` its own version (every public `@keyway/*` package has the same version).
 *
 * @example
 * ```ts
 * import { Pipeline } from "@keyway/codegen"
 * import type { Config, Model } from "@keyway/codegen"
 * declare const input: Model.ProviderInput
 * declare const config: Config.ResolvedConfig
 * Pipeline.keywayVersionFor(input, config) // "workspace:*" in the monorepo, "^0.1.0" elsewhere
 * ```
 *
 * @since 0.1.0
 */
export const keywayVersionFor = (input: ProviderInput, config: ResolvedConfig): string => {
  if (!config.keywayVersion.startsWith("workspace:")) return config.keywayVersion
  const workspace = keywayWorkspaceRoot()
  return outside(config.root, input.outDir) || workspace === undefined || outside(workspace, input.outDir)
    ? `^${Hash.generatorVersion()}`
    : config.keywayVersion
}

/**
 * Whether the recorded inputs and outputs are unchanged (the fast path).
 *
 * @example
 * ```ts
 * import { Pipeline } from "@keyway/codegen"
 * import type { Config, Model } from "@keyway/codegen"
 * declare const input: Model.ProviderInput
 * declare const config: Config.ResolvedConfig
 * Pipeline.isUpToDate(input, config)
 * ```
 *
 * @since 0.1.0
 */
export const isUpToDate = (input: ProviderInput, config: ResolvedConfig): Hash.Record | undefined => {
  let text: string
  try {
    text = readFileSync(join(input.outDir, Hash.FILE), "utf8")
  } catch {
    return undefined
  }
  const record = Hash.parse(text)
  if (!record) return undefined
  const inputs = Hash.inputs({
    generator: Hash.generatorFingerprint(),
    config: config.fingerprint,
    extra: extraOf(input, config),
    outDir: input.outDir,
    sources: record.sources,
  })
  if (inputs !== record.inputs) return undefined
  for (const [name, hash] of Object.entries(record.outputs)) {
    try {
      if (Hash.sha256(readFileSync(join(input.outDir, name))) !== hash) return undefined
    } catch {
      return undefined
    }
  }
  return record
}

/**
 * Runs one provider.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@keyway/codegen"
 * import type { Config, Model } from "@keyway/codegen"
 * declare const input: Model.ProviderInput
 * declare const config: Config.ResolvedConfig
 * await Pipeline.run(input, { config, check: true })
 * ```
 *
 * @since 0.1.0
 */
export const run = async (input: ProviderInput, options: RunOptions): Promise<Result> => {
  const { config } = options
  if (!options.force) {
    const record = isUpToDate(input, config)
    if (record) {
      const sources = record.sources.map((s) => resolve(input.outDir, s))
      options.onSources?.(input.name, [...sources, ...Overlay.watchOf(input)])
      return { provider: input.name, status: "unchanged", differing: [], outDir: input.outDir, sources }
    }
  }
  const timing = process.env.KEYWAY_TIMING ? { last: performance.now(), name: "start" } : undefined
  const stage = (s: Stage) => {
    if (timing) {
      const now = performance.now()
      process.stderr.write(`[timing] ${input.name} ${timing.name} ${(now - timing.last).toFixed(0)} ms\n`)
      timing.last = now
      timing.name = s
    }
    options.onStage?.(input.name, s)
  }
  const env: Hooks.StageInput = {
    input,
    config,
    plugins: order([...(await builtins()), ...config.plugins]),
    files: new Map(),
    strict: options.strict,
    onSources: options.onSources,
    onWarning: options.onWarning,
  }
  stage("load")
  const [Load, Validate] = await Promise.all([import("./stages/Load.ts"), import("./stages/Validate.ts")])
  const loaded = await Load.run(env)
  stage("validate")
  const { model, descriptorText } = await Validate.run(env, loaded, {
    writeDescriptor: options.writeDescriptor,
    check: options.check,
  })
  stage("types")
  await (await import("./stages/Types.ts")).run(env, model)
  stage("client")
  await (await import("./stages/ClientModule.ts")).run(env, model)
  stage("package")
  await (await import("./stages/Package.ts")).run(env, model, keywayVersionFor(input, config))
  stage("write")
  const sources = loaded.sources.map((s) => Hash.relativePosix(input.outDir, s))
  const written = await (await import("./stages/Write.ts")).run(env, model, {
    inputs: Hash.inputs({
      generator: Hash.generatorFingerprint(),
      config: config.fingerprint,
      extra: extraOf(input, config),
      outDir: input.outDir,
      sources,
    })!,
    sources,
    check: options.check,
    descriptor:
      descriptorText !== undefined && options.writeDescriptor
        ? { file: options.writeDescriptor, text: descriptorText }
        : undefined,
  })
  if (timing)
    process.stderr.write(`[timing] ${input.name} write ${(performance.now() - timing.last).toFixed(0)} ms\n`)
  return { provider: input.name, ...written, outDir: input.outDir, sources: loaded.sources }
}
