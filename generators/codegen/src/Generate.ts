/**
 * `keyway generate`: every configured provider (or some), the descriptor JSON Schema, and a
 * summary. With `check`, nothing is written: the result lists each file that differs.
 *
 * @example
 * ```ts
 * import { Generate } from "@keyway/codegen"
 * const outcome = await Generate.generate({ cwd: process.cwd(), check: false })
 * outcome.results.map((r) => `${r.provider}: ${r.status}`)
 * ```
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Config from "./Config.ts"
import { type KeywayCodegenError, UsageError } from "./Errors.ts"
import * as Hash from "./Hash.ts"
import type { ProviderInput } from "./Model.ts"
import * as Pipeline from "./Pipeline.ts"
import type { Reporter } from "./Reporter.ts"
import { displayPath } from "./Source.ts"

/**
 * Options of a generate run.
 *
 * @example
 * ```ts
 * import type { Generate } from "@keyway/codegen"
 * declare const generateOptions: Generate.GenerateOptions
 * console.log(generateOptions.cwd)
 * ```
 *
 * @since 0.1.0
 */
export interface GenerateOptions {
  readonly cwd: string
  /** An explicit config file. */
  readonly configFile?: string | undefined
  /** Only these providers. */
  readonly providers?: ReadonlyArray<string> | undefined
  readonly check: boolean
  readonly force?: boolean | undefined
  /** `--strict`: lint warnings are errors. */
  readonly strict?: boolean | undefined
  /** `--spec`: any OpenAPI document, no descriptor. */
  readonly spec?:
    | {
        readonly path: string
        readonly name: string
        readonly out: string
        /** Accept plain `http:` servers to non-loopback hosts (`--allow-insecure-http`). */
        readonly allowInsecureHttp?: boolean | undefined
      }
    | undefined
  readonly reporter?: Reporter | undefined
  /** A loaded configuration to reuse (watch mode). */
  readonly config?: Config.ResolvedConfig | undefined
  readonly onSources?: ((provider: string, sources: ReadonlyArray<string>) => void) | undefined
  /** `--write-descriptor`: where the descriptor inferred for `spec` is written. */
  readonly writeDescriptor?: string | undefined
}

/**
 * A provider's failure.
 *
 * @example
 * ```ts
 * import type { Generate } from "@keyway/codegen"
 * declare const failure: Generate.Failure
 * console.log(failure.provider)
 * ```
 *
 * @since 0.1.0
 */
export interface Failure {
  readonly provider: string
  readonly error: KeywayCodegenError | Error
}

/**
 * What a run did.
 *
 * @example
 * ```ts
 * import type { Generate } from "@keyway/codegen"
 * declare const outcome: Generate.Outcome
 * console.log(outcome.results)
 * ```
 *
 * @since 0.1.0
 */
export interface Outcome {
  readonly results: ReadonlyArray<Pipeline.Result>
  readonly failures: ReadonlyArray<Failure>
  /** With `check`: files outside packages that differ (the schema file). */
  readonly differingFiles: ReadonlyArray<string>
  /** With `check`: those files' content on disk and what would be written (file relative to cwd). */
  readonly changes: ReadonlyArray<Pipeline.Change>
  readonly elapsedMs: number
  readonly config: Config.ResolvedConfig
  /** Problems that did not stop generation, one line each. */
  readonly warnings: ReadonlyArray<Failure>
}

/**
 * The providers of a specs root: folders holding `provider.yaml`, sorted.
 *
 * @example
 * ```ts
 * import { Generate } from "@keyway/codegen"
 * Generate.discover("/repo/specs") // ["cca", "cch", "ccw", "cultureamp", "workable"]
 * ```
 *
 * @since 0.1.0
 */
export const discover = (specs: string): Array<string> => {
  if (!existsSync(specs)) return []
  return readdirSync(specs, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(specs, e.name, "provider.yaml")))
    .map((e) => e.name)
    .sort()
}

const descriptorModule = (): string | undefined => {
  try {
    return fileURLToPath(import.meta.resolve("@keyway/core/Descriptor"))
  } catch {
    return undefined
  }
}

/**
 * The options schemas of the custom plugins the descriptors under `specs` name (plugins that do
 * not load are left out here; generating that provider reports them).
 */
const customPluginSchemas = async (specs: string, root: string) => {
  const { parse } = await import("./Source.ts")
  const references = new Map<
    string,
    { readonly package: string; readonly export: string; readonly from: string }
  >()
  for (const name of discover(specs)) {
    const path = join(specs, name, "provider.yaml")
    let value: unknown
    try {
      value = parse(path, readFileSync(path, "utf8")).value
    } catch {
      continue
    }
    const auth = (value as { auth?: unknown } | null)?.auth
    for (const strategy of Array.isArray(auth) ? auth : []) {
      const plugin = (strategy as { type?: unknown; plugin?: { package?: unknown; export?: unknown } }).plugin
      if ((strategy as { type?: unknown }).type !== "custom") continue
      if (typeof plugin?.package !== "string" || typeof plugin.export !== "string") continue
      references.set(JSON.stringify([plugin.package, plugin.export]), {
        package: plugin.package,
        export: plugin.export,
        from: dirname(path),
      })
    }
  }
  const CustomPlugins = await import("./CustomPlugins.ts")
  const out: Array<{
    readonly package: string
    readonly export: string
    readonly schema: Record<string, unknown>
    readonly definitions: Record<string, Record<string, unknown>>
  }> = []
  for (const [key, reference] of [...references].sort(([a], [b]) => a.localeCompare(b))) {
    void key
    try {
      const loaded = await CustomPlugins.load(reference, [reference.from, root])
      out.push({
        package: reference.package,
        export: reference.export,
        ...(await CustomPlugins.optionsJsonSchema(loaded.definition)),
      })
    } catch {
      // reported when that provider is generated
    }
  }
  return out
}

/**
 * Writes (or checks) the descriptor JSON Schema file; returns whether it differs (check mode) or
 * was rewritten. Skips the work when the file records the same source hash.
 *
 * @example
 * ```ts
 * import { Generate } from "@keyway/codegen"
 * await Generate.emitSchema("/repo/specs/provider.schema.json", false)
 * ```
 *
 * @since 0.1.0
 */
export const emitSchema = async (
  file: string,
  check: boolean,
  specs?: { readonly dir: string; readonly root: string },
  onChange?: (current: string | undefined, next: string) => void,
): Promise<boolean> => {
  const module = descriptorModule()
  const custom = specs === undefined ? [] : await customPluginSchemas(specs.dir, specs.root)
  // Hash.sourceOf: the same stamp whether @keyway/core resolved to its sources or to dist/.
  const stamp = Hash.sha256(
    `${Hash.generatorFingerprint()}\n${module ? Hash.sourceOf(module) : ""}\n${JSON.stringify(custom)}`,
  ).slice(0, 16)
  let current: string | undefined
  try {
    current = readFileSync(file, "utf8")
  } catch {
    current = undefined
  }
  if (current?.includes(`"x-keyway-source": "${stamp}"`)) return false
  const { descriptorSchema, withCustomPlugins } = await import("./JsonSchema.ts")
  const schema = { ...withCustomPlugins(await descriptorSchema(), custom), "x-keyway-source": stamp }
  const text = `${formatJson(schema)}\n`
  if (text === current) return false
  onChange?.(current, text)
  if (check) return true
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
  return true
}

/**
 * JSON as the repository's formatter (biome) prints it: objects expanded one member per line,
 * arrays of scalars on one line when they fit in 110 columns.
 *
 * @example
 * ```ts
 * import { Generate } from "@keyway/codegen"
 * Generate.formatJson({ a: [1, 2] }) // '{\n  "a": [1, 2]\n}'
 * ```
 *
 * @since 0.1.0
 */
export const formatJson = (value: unknown, indent = "", prefix = 0): string => {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]"
    if (value.every((v) => v === null || typeof v !== "object")) {
      const inline = `[${value.map((v) => JSON.stringify(v)).join(", ")}]`
      if (indent.length + prefix + inline.length + 1 <= 110) return inline
    }
    const inner = `${indent}  `
    return `[\n${value.map((v) => `${inner}${formatJson(v, inner)}`).join(",\n")}\n${indent}]`
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) return "{}"
    const inner = `${indent}  `
    return `{\n${entries
      .map(([k, v]) => {
        const key = `${JSON.stringify(k)}: `
        return `${inner}${key}${formatJson(v, inner, key.length)}`
      })
      .join(",\n")}\n${indent}}`
  }
  return JSON.stringify(value)
}

/**
 * Runs generate.
 *
 * @example
 * ```ts
 * import { Generate } from "@keyway/codegen"
 * await Generate.generate({ cwd: process.cwd(), check: true, providers: ["ccw"] })
 * ```
 *
 * @since 0.1.0
 */
export const generate = async (options: GenerateOptions): Promise<Outcome> => {
  const started = performance.now()
  const config = options.config ?? (await Config.load(options.cwd, options.configFile))
  let inputs: Array<ProviderInput>
  if (options.spec) {
    const out = resolve(options.cwd, options.spec.out)
    inputs = [
      {
        name: options.spec.name,
        descriptorPath: undefined,
        specPath: resolve(options.cwd, options.spec.path),
        outDir: out,
        packageName: Config.packageNameFor(config.packageName, options.spec.name),
        allowInsecureHttp: options.spec.allowInsecureHttp,
      },
    ]
  } else {
    const known = discover(config.specs)
    const wanted = options.providers?.length ? options.providers : (config.providers ?? known)
    for (const name of wanted)
      if (!known.includes(name))
        throw new UsageError({
          reason: `unknown provider "${name}": no ${displayPath(join(config.specs, name, "provider.yaml"))} (known: ${known.join(", ") || "none"})`,
        })
    inputs = wanted.map((name) => Pipeline.inputFor(config, name))
  }
  const differingFiles: Array<string> = []
  const changes: Array<Pipeline.Change> = []
  if (!options.spec && config.schemaFile) {
    const schemaFile = config.schemaFile
    const changed = await emitSchema(
      schemaFile,
      options.check,
      { dir: config.specs, root: config.root },
      (current, next) => changes.push({ file: relative(options.cwd, schemaFile), current, next }),
    )
    if (changed && options.check) differingFiles.push(relative(options.cwd, schemaFile))
  }
  if (options.writeDescriptor !== undefined && !options.spec)
    throw new UsageError({
      reason: "--write-descriptor needs --spec (it writes the descriptor inferred from it)",
    })
  if (options.writeDescriptor !== undefined && existsSync(resolve(options.cwd, options.writeDescriptor)))
    throw new UsageError({
      reason: `--write-descriptor ${options.writeDescriptor}: the file exists; remove it or choose another path`,
    })
  const results: Array<Pipeline.Result> = []
  const failures: Array<Failure> = []
  const warnings: Array<Failure> = []
  for (const input of inputs) {
    try {
      const result = await Pipeline.run(input, {
        config,
        check: options.check,
        force: options.force || options.writeDescriptor !== undefined,
        strict: options.strict,
        onStage: options.reporter?.stage,
        onSources: options.onSources,
        onWarning: (provider, warning) => warnings.push({ provider, error: warning }),
        writeDescriptor:
          options.writeDescriptor === undefined ? undefined : resolve(options.cwd, options.writeDescriptor),
      })
      results.push(result)
      options.reporter?.done(input.name, result.status)
    } catch (error) {
      failures.push({ provider: input.name, error: error as KeywayCodegenError })
      options.reporter?.done(input.name, "failed")
    }
  }
  return {
    results,
    failures,
    differingFiles,
    changes: options.check ? changes : [],
    elapsedMs: performance.now() - started,
    config,
    warnings,
  }
}
