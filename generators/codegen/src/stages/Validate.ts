/**
 * Stage 2, validate: the OpenAPI document's structure basics, the descriptor against
 * `ProviderDescriptor` (Effect Schema, excess properties are errors) and the descriptor
 * {@link Rules} (URLs, headers, names), and the cross-checks between them: the descriptor's spec
 * file exists, the error envelope pointer resolves, the pagination operationIds exist. The spec's
 * structure is checked as far as later stages read it without checking (path templates and
 * their declared parameters, responses, parameters, request bodies, the shape of every schema),
 * so that a malformed document is a located error, never a crash of openapi-typescript. Each
 * problem is one located error; all are reported together.
 *
 * Without a descriptor (`--spec`), the descriptor is inferred from the document's security
 * schemes (`Infer`). Then every plugin's `validate` hook runs with the model; what it reports is
 * located and fails the provider.
 *
 * The checks live in `internal/DescriptorCheck.ts` and `internal/SpecCheck.ts`; this module runs
 * them in order and builds the {@link ProviderModel}.
 *
 * @example
 * ```ts
 * import { Validate } from "@keyway/codegen"
 * declare const descriptorSource: Parameters<typeof Validate.descriptor>[0]
 * const result = await Validate.descriptor(descriptorSource)
 * if ("problems" in result) result.problems.map((p) => p.message)
 * ```
 *
 * @since 0.1.0
 */
import { existsSync } from "node:fs"
import type { ProviderDescriptor } from "@keyway/core/Descriptor"
import * as ClientHeaders from "../ClientHeaders.ts"
import type { ResolvedConfig } from "../Config.ts"
import type * as CustomPlugins from "../CustomPlugins.ts"
import { DescriptorError, type GenerateError, InferenceError, Problems, SpecError } from "../Errors.ts"
import * as Hash from "../Hash.ts"
import * as DescriptorCheck from "../internal/DescriptorCheck.ts"
import * as SpecCheck from "../internal/SpecCheck.ts"
import { type ProviderInput, type ProviderModel, pascalCase } from "../Model.ts"
import type { Problem } from "../Plugin.ts"
import * as Source from "../Source.ts"
import * as Hooks from "./Hooks.ts"
import type { Loaded } from "./Load.ts"
import * as Overlay from "./Overlay.ts"

/**
 * The descriptor against `ProviderDescriptor` and the descriptor rules (`internal/DescriptorCheck.ts`).
 *
 * @example
 * ```ts
 * import { Load, Validate } from "@keyway/codegen"
 * const result = await Validate.descriptor(Load.read("specs/ccw/provider.yaml"))
 * if ("problems" in result) console.log(result.problems.length)
 * ```
 *
 * @since 0.1.0
 */
export const descriptor = DescriptorCheck.descriptor

/**
 * The custom auth plugins a descriptor names, loaded, and their options checked
 * (`internal/DescriptorCheck.ts`).
 *
 * @example
 * ```ts
 * import { Load, Validate } from "@keyway/codegen"
 * const source = Load.read("specs/custom/provider.yaml")
 * const result = await Validate.descriptor(source)
 * if ("value" in result) await Validate.customPlugins(source, result.value, process.cwd())
 * ```
 *
 * @since 0.2.0
 */
export const customPlugins = DescriptorCheck.customPlugins

/**
 * The OpenAPI structure basics of a bundled document, and its operations (`internal/SpecCheck.ts`).
 *
 * @example
 * ```ts
 * import { Load, Validate } from "@keyway/codegen"
 * const { operations, problems } = Validate.spec(await Load.bundle("specs/ccw/openapi.yaml"))
 * ```
 *
 * @since 0.1.0
 */
export const spec = SpecCheck.spec

/**
 * The cross-checks between a valid descriptor and its spec (`internal/DescriptorCheck.ts`).
 *
 * @example
 * ```ts
 * import { Load, Validate } from "@keyway/codegen"
 * const source = Load.read("specs/ccw/provider.yaml")
 * const bundle = await Load.bundle("specs/ccw/openapi.yaml")
 * const result = await Validate.descriptor(source)
 * if ("value" in result) Validate.crossCheck(source, result.value, bundle, Validate.spec(bundle).operations)
 * ```
 *
 * @since 0.1.0
 */
export const crossCheck = DescriptorCheck.crossCheck

/**
 * Options of {@link run}.
 *
 * @example
 * ```ts
 * import type { Validate } from "@keyway/codegen"
 * const options: Validate.ValidateOptions = { check: true }
 * ```
 *
 * @since 0.1.0
 */
export interface ValidateOptions {
  /** With `--spec`: render the inferred descriptor as an editable provider.yaml for this file. */
  readonly writeDescriptor?: string | undefined
  /** A `--check` run writes nothing, so it renders no descriptor either. */
  readonly check?: boolean | undefined
}

/**
 * What the validate stage hands on: the model, and the inferred descriptor's YAML when asked for.
 *
 * @example
 * ```ts
 * import type { Validate } from "@keyway/codegen"
 * const operations = (validated: Validate.Validated) => validated.model.operations.length
 * ```
 *
 * @since 0.1.0
 */
export interface Validated {
  readonly model: ProviderModel
  readonly descriptorText: string | undefined
}

/**
 * Runs the stage: every check, all problems reported together; the descriptor inferred when there
 * is none; the model; then every plugin's `validate` hook.
 *
 * @example
 * ```ts
 * import { Config, Load, Pipeline, Validate } from "@keyway/codegen"
 * const config = await Config.load(process.cwd())
 * const stage = { input: Pipeline.inputFor(config, "ccw"), config, plugins: [], files: new Map() }
 * const { model } = await Validate.run(stage, await Load.run(stage))
 * model.operations.length // 3
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  stage: Hooks.StageInput,
  loaded: Loaded,
  options: ValidateOptions = {},
): Promise<Validated> => {
  const { input, config } = stage
  const { bundle, descriptor: descriptorSource } = loaded
  const problems: Array<GenerateError> = []
  let value: ProviderDescriptor | undefined
  let descriptorText: string | undefined
  if (descriptorSource) {
    const result = await DescriptorCheck.descriptor(descriptorSource)
    if ("problems" in result) problems.push(...result.problems)
    else value = result.value
  }
  let plugins: ReadonlyMap<number, CustomPlugins.Loaded> | undefined
  if (descriptorSource && value && value.auth.some((s) => s.type === "custom")) {
    const custom = await DescriptorCheck.customPlugins(descriptorSource, value, config.root)
    problems.push(...custom.problems)
    plugins = custom.plugins
  }
  const specResult = bundle ? SpecCheck.spec(bundle) : { operations: [], problems: [] }
  problems.push(...specResult.problems)
  if (descriptorSource && value && specResult.problems.length === 0)
    problems.push(...DescriptorCheck.crossCheck(descriptorSource, value, bundle, specResult.operations))
  if (problems.length > 0 || !bundle) throw new Problems({ provider: input.name, problems })
  const structural = bundle.diagnostics.filter((d) => d.severity === "error")
  if (structural.length > 0) throw new Problems({ provider: input.name, problems: structural })
  if (!value) {
    const { infer } = await import("../Infer.ts")
    const inferred = infer(input.name, Hash.relativePosix(input.outDir, bundle.root.path), bundle.document)
    const notes = [...inferred.unsupported, ...(inferred.assumed ? [inferred.assumed] : [])].map(
      (note) => new InferenceError({ ...bundle.locate(note.at), found: note.found, expected: note.expected }),
    )
    if (!inferred.usable && !inferred.assumed) throw new Problems({ provider: input.name, problems: notes })
    for (const note of notes) stage.onWarning?.(input.name, note)
    value = inferred.descriptor
    if (input.allowInsecureHttp) value = { ...value, allowInsecureHttp: true }
    const { descriptor: check } = await import("../Rules.ts")
    const findings = check(value)
    if (findings.length > 0)
      throw new Problems({
        provider: input.name,
        problems: findings.map(
          (f) =>
            new SpecError({ ...bundle.locate(inferredFrom(f.path)), found: f.found, expected: f.expected }),
        ),
      })
    if (options.writeDescriptor && !options.check) {
      const { descriptorYaml } = await import("../Infer.ts")
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
    descriptor: value,
    inferred: !descriptorSource,
    document: bundle.document,
    operations: specResult.operations,
    files: loaded.sources,
    spec: bundle.root,
    specName: specNameOf(config, input, bundle.root.path),
    typeName: pascalCase(input.name),
    customPlugins: plugins,
    clientHeaders: ClientHeaders.find(bundle.document),
    overlays: Overlay.filesOf(input).map((f) => specNameOf(config, input, f)),
  }
  const reported: Array<GenerateError> = []
  await Hooks.run(stage.plugins, "validate", {
    provider: input.name,
    files: stage.files,
    model,
    report: (p: Problem) => {
      const segments = Source.segments(p.pointer)
      if (p.in === "spec") {
        reported.push(new SpecError({ ...bundle.locate(segments), found: p.found, expected: p.expected }))
        return
      }
      const pos = descriptorSource?.locate(segments)
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
    },
  })
  if (reported.length > 0) throw new Problems({ provider: input.name, problems: reported })
  return { model, descriptorText }
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
