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
import { dirname, join, relative, resolve } from "node:path"
import type { ProviderDescriptor } from "@keyway/core/Descriptor"
import * as ClientHeaders from "./ClientHeaders.ts"
import { openapiTypescriptFor, packageNameFor, type ResolvedConfig, stableStringify } from "./Config.ts"
import type * as CustomPlugins from "./CustomPlugins.ts"
import {
  DescriptorError,
  type GenerateError,
  InferenceError,
  LintProblem,
  Problems,
  SpecError,
} from "./Errors.ts"
import * as Hash from "./Hash.ts"
import { type ProviderInput, type ProviderModel, pascalCase } from "./Model.ts"
import { type Files, order, type Plugin, type Problem, type Stage } from "./Plugin.ts"
import * as Source from "./Source.ts"
import * as Overlay from "./stages/Overlay.ts"

/**
 * What happened to a provider.
 *
 * @since 0.1.0
 */
export interface Result {
  readonly provider: string
  readonly status: "generated" | "unchanged" | "differs"
  /** With `check`: the files (relative to the package) that differ from what would be generated. */
  readonly differing: ReadonlyArray<string>
  readonly outDir: string
  /** Every input file (absolute), for `--watch`. */
  readonly sources: ReadonlyArray<string>
}

/**
 * Options of a run.
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

// The overlay files of a provider (beside its descriptor). Their names are part of the inputs, so
// that an added or removed overlay file regenerates; their content is hashed as a source.
const overlayFilesOf = (input: ProviderInput): ReadonlyArray<string> =>
  input.descriptorPath ? Overlay.filesFor(dirname(input.descriptorPath)) : []

// What `--watch` also watches for a provider with a descriptor: its overlays folder appearing, and
// any file in it (`<folder>/*`), so that a new overlay file regenerates.
const overlayWatchOf = (input: ProviderInput): ReadonlyArray<string> => {
  if (!input.descriptorPath) return []
  const folder = join(dirname(input.descriptorPath), Overlay.DIRECTORY)
  return [folder, join(folder, "*")]
}

const extraOf = (input: ProviderInput, config: ResolvedConfig): string =>
  stableStringify({
    name: input.name,
    overlays: overlayFilesOf(input).map((f) => Hash.relativePosix(input.outDir, f)),
    packageName: input.packageName,
    descriptor: input.descriptorPath ? Hash.relativePosix(input.outDir, input.descriptorPath) : null,
    spec: input.specPath ? Hash.relativePosix(input.outDir, input.specPath) : null,
    keywayVersion: keywayVersionFor(input, config),
    ...(input.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
  })

/**
 * The `@keyway/*` version range of a package: the configuration's, except that a package written
 * outside the project root (e.g. `--out ../elsewhere`) gets a registry range.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@keyway/codegen"
 * Pipeline.keywayVersionFor(input, config) // "workspace:*" inside the project
 * ```
 *
 * @since 0.1.0
 */
export const keywayVersionFor = (input: ProviderInput, config: ResolvedConfig): string => {
  const rel = relative(config.root, input.outDir)
  return config.keywayVersion.startsWith("workspace:") && (rel.startsWith("..") || resolve(rel) === rel)
    ? "^0.1.0"
    : config.keywayVersion
}

/**
 * Whether the recorded inputs and outputs are unchanged (the fast path).
 *
 * @example
 * ```ts
 * import { Pipeline } from "@keyway/codegen"
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
      options.onSources?.(input.name, [...sources, ...overlayWatchOf(input)])
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
  const plugins = order([...(await builtins()), ...config.plugins])
  const files: Files = new Map()

  // load
  stage("load")
  const [Load, Validate] = await Promise.all([import("./stages/Load.ts"), import("./stages/Validate.ts")])
  let descriptorSource: Source.Source | undefined
  const sources: Array<string> = []
  if (input.descriptorPath) {
    if (!existsSync(input.descriptorPath))
      throw new DescriptorError({
        file: Source.displayPath(input.descriptorPath),
        found: "no such file",
        expected: `a provider descriptor (run \`keyway init ${input.name}\`)`,
      })
    sources.push(input.descriptorPath)
    options.onSources?.(input.name, sources)
    descriptorSource = Load.read(input.descriptorPath)
  }
  const rawSpec = (descriptorSource?.value as { spec?: unknown } | undefined)?.spec
  if (descriptorSource && typeof rawSpec === "string") {
    // Checked before anything is read: the spec named by a descriptor stays in its folder.
    const { specPath: check } = await import("./Rules.ts")
    const finding = check(rawSpec)
    if (finding) {
      const pos = descriptorSource.locate(finding.path)
      throw new DescriptorError({
        file: descriptorSource.display,
        line: pos?.line,
        column: pos?.column,
        pointer: Source.pointer(finding.path),
        found: finding.found,
        expected: finding.expected,
      })
    }
  }
  const specPath =
    input.specPath ??
    (descriptorSource && typeof rawSpec === "string"
      ? resolve(dirname(descriptorSource.path), rawSpec)
      : undefined)
  let bundle: Awaited<ReturnType<typeof Load.bundle>> | undefined
  if (specPath && existsSync(specPath)) {
    sources.push(specPath)
    options.onSources?.(input.name, sources)
    bundle = await Load.bundle(specPath, { roots: config.refRoots, provider: input.name })
    for (const f of bundle.files) if (!sources.includes(f)) sources.push(f)
    options.onSources?.(input.name, sources)
    // lint looked at the files as they are (an overlay may fix what it reports)
    if (options.strict && bundle.diagnostics.length > 0)
      throw new Problems({
        provider: input.name,
        problems: bundle.diagnostics.map((d) => new LintProblem({ ...d, severity: "error" })),
      })
    for (const d of bundle.diagnostics) if (d.severity === "warning") options.onWarning?.(input.name, d)
    const overlays = overlayFilesOf(input)
    for (const f of overlays) if (!sources.includes(f)) sources.push(f)
    options.onSources?.(input.name, [...sources, ...overlayWatchOf(input)])
    if (overlays.length > 0) bundle = Overlay.apply(bundle, overlays, input.name)
  } else if (input.specPath) {
    throw new SpecError({
      file: Source.displayPath(input.specPath),
      found: "no such file",
      expected: "an OpenAPI 3.0/3.1 document",
    })
  }
  await runHooksSafe(plugins, "load", {
    provider: input.name,
    files,
    descriptor: descriptorSource?.value,
    document: bundle?.document ?? {},
    sources,
  })

  // validate
  stage("validate")
  const problems: Array<GenerateError> = []
  let descriptor: ProviderDescriptor | undefined
  let descriptorText: string | undefined
  if (descriptorSource) {
    const result = await Validate.descriptor(descriptorSource)
    if ("problems" in result) problems.push(...result.problems)
    else descriptor = result.value
  }
  let customPlugins: ReadonlyMap<number, CustomPlugins.Loaded> | undefined
  if (descriptorSource && descriptor && descriptor.auth.some((s) => s.type === "custom")) {
    const custom = await Validate.customPlugins(descriptorSource, descriptor, config.root)
    problems.push(...custom.problems)
    customPlugins = custom.plugins
  }
  const specResult = bundle ? Validate.spec(bundle) : { operations: [], problems: [] }
  problems.push(...specResult.problems)
  if (descriptorSource && descriptor && specResult.problems.length === 0)
    problems.push(...Validate.crossCheck(descriptorSource, descriptor, bundle, specResult.operations))
  if (problems.length > 0 || !bundle) throw new Problems({ provider: input.name, problems })
  const structural = bundle.diagnostics.filter((d) => d.severity === "error")
  if (structural.length > 0) throw new Problems({ provider: input.name, problems: structural })
  if (!descriptor) {
    const { infer } = await import("./Infer.ts")
    const inferred = infer(input.name, Hash.relativePosix(input.outDir, bundle.root.path), bundle.document)
    const notes = [...inferred.unsupported, ...(inferred.assumed ? [inferred.assumed] : [])].map(
      (note) => new InferenceError({ ...bundle.locate(note.at), found: note.found, expected: note.expected }),
    )
    if (!inferred.usable && !inferred.assumed) throw new Problems({ provider: input.name, problems: notes })
    for (const note of notes) options.onWarning?.(input.name, note)
    descriptor = inferred.descriptor
    if (input.allowInsecureHttp) descriptor = { ...descriptor, allowInsecureHttp: true }
    const { descriptor: check } = await import("./Rules.ts")
    const findings = check(descriptor)
    if (findings.length > 0)
      throw new Problems({
        provider: input.name,
        problems: findings.map(
          (f) =>
            new SpecError({ ...bundle.locate(inferredFrom(f.path)), found: f.found, expected: f.expected }),
        ),
      })
    if (options.writeDescriptor && !options.check) {
      const { descriptorYaml } = await import("./Infer.ts")
      descriptorText = await descriptorYaml(inferred, {
        file: options.writeDescriptor,
        specPath: bundle.root.path,
        schemaFile: config.schemaFile && existsSync(config.schemaFile) ? config.schemaFile : undefined,
      })
    }
  }
  const model: ProviderModel = {
    input,
    name: input.name,
    packageName: input.packageName,
    descriptor,
    inferred: !descriptorSource,
    document: bundle.document,
    operations: specResult.operations,
    files: sources,
    spec: bundle.root,
    specName: specNameOf(config, input, bundle.root.path),
    typeName: pascalCase(input.name),
    customPlugins,
    clientHeaders: ClientHeaders.find(bundle.document),
    overlays: overlayFilesOf(input).map((f) => specNameOf(config, input, f)),
  }
  const reported: Array<GenerateError> = []
  await runHooksSafe(plugins, "validate", {
    provider: input.name,
    files,
    model,
    report: (p: Problem) => {
      if (p.in === "spec")
        reported.push(
          new SpecError({
            ...bundle.locate(Source.segments(p.pointer)),
            found: p.found,
            expected: p.expected,
          }),
        )
      else {
        const segs = Source.segments(p.pointer)
        const pos = descriptorSource?.locate(segs)
        reported.push(
          new DescriptorError({
            file: descriptorSource?.display ?? model.spec.display,
            line: pos?.line,
            column: pos?.column,
            pointer: p.pointer,
            found: p.found,
            expected: p.expected,
          }),
        )
      }
    },
  })
  if (reported.length > 0) throw new Problems({ provider: input.name, problems: reported })

  // types
  stage("types")
  const { run: runTypes } = await import("./stages/Types.ts")
  await runTypes(plugins, {
    provider: input.name,
    files,
    model,
    options: openapiTypescriptFor(config, input.name),
  })

  // client
  stage("client")
  const { run: runClient } = await import("./stages/Client.ts")
  await runClient(plugins, model, files)

  // package
  stage("package")
  const { run: runPackage } = await import("./stages/Package.ts")
  await runPackage(plugins, model, files, keywayVersionFor(input, config))

  // write
  stage("write")
  const Write = await import("./stages/Write.ts")
  const relSources = sources.map((s) => Hash.relativePosix(input.outDir, s))
  const inputs = Hash.inputs({
    generator: Hash.generatorFingerprint(),
    config: config.fingerprint,
    extra: extraOf(input, config),
    outDir: input.outDir,
    sources: relSources,
  })!
  const final = Write.finalize(files, { inputs, sources: relSources })
  if (options.check) {
    const differing = Write.differences(input.outDir, final)
    return {
      provider: input.name,
      status: differing.length ? "differs" : "unchanged",
      differing,
      outDir: input.outDir,
      sources,
    }
  }
  Write.commit(input.outDir, final)
  if (descriptorText !== undefined && options.writeDescriptor)
    Write.commitFile(options.writeDescriptor, descriptorText)
  if (timing)
    process.stderr.write(`[timing] ${input.name} write ${(performance.now() - timing.last).toFixed(0)} ms\n`)
  await runHooksSafe(plugins, "write", { provider: input.name, files, model, outDir: input.outDir })
  return {
    provider: input.name,
    status: "generated",
    differing: [],
    outDir: input.outDir,
    sources,
  }
}

/** Where a value of an inferred descriptor came from in the spec (see `Infer`). */
const inferredFrom = (path: ReadonlyArray<string | number>): ReadonlyArray<string | number> => {
  if (path[0] === "baseUrl") return ["servers", 0, "url"]
  if (path[0] === "variables") return ["servers", 0, "variables", ...path.slice(1)]
  if (path[0] === "title") return ["info", "title"]
  if (path[0] === "auth") return ["components", "securitySchemes"]
  return []
}

const specNameOf = (config: ResolvedConfig, input: ProviderInput, path: string): string => {
  const rel = Hash.relativePosix(config.root, path)
  return rel.startsWith("..") ? Hash.relativePosix(input.outDir, path) : rel
}

const runHooksSafe = async <K extends Stage>(
  plugins: ReadonlyArray<Plugin>,
  stage: K,
  ctx: Parameters<NonNullable<Plugin[K]>>[0],
): Promise<void> => {
  if (!plugins.some((p) => p[stage])) return
  const { runHooks } = await import("./stages/Hooks.ts")
  await runHooks(plugins, stage, ctx)
}
