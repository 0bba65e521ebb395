/**
 * The generator's configuration: `keyway.config.{ts,mjs,js,json,yaml}` or a `keyway` key in
 * `package.json`, found with cosmiconfig from the working directory up to the project root.
 *
 * @example
 * ```ts
 * // keyway.config.ts
 * import { defineConfig } from "@keyway/codegen"
 *
 * export default defineConfig({
 *   specs: "specs",
 *   output: "packages/providers",
 *   packageName: "@acme/{name}-client",
 *   providers: ["ccw", "workable"],
 *   openapiTypescript: { alphabetize: true },
 * })
 * ```
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { KeywayConfigError } from "./Errors.ts"
import type { OpenapiTypescriptOptions, Plugin } from "./Plugin.ts"
import { displayPath } from "./Source.ts"

/**
 * What a configuration file may say. Every field is optional.
 *
 * @example
 * ```ts
 * import type { Config } from "@keyway/codegen"
 * declare const keywayConfig: Config.KeywayConfig
 * console.log(keywayConfig.specs)
 * ```
 *
 * @since 0.1.0
 */
export interface KeywayConfig {
  /** The specs root: one folder per provider holding `provider.yaml`. Default `specs`. */
  readonly specs?: string
  /** Where generated packages go, one folder per provider. Default `packages/providers`. */
  readonly output?: string
  /** The package name pattern; `{name}` is the provider's name. Default `@keyway/provider-{name}`. */
  readonly packageName?: string
  /** Which providers to generate; default every folder of `specs` with a `provider.yaml`. */
  readonly providers?: ReadonlyArray<string>
  /** Generator plugins, run after the built-in ones (see `Plugin`). */
  readonly plugins?: ReadonlyArray<Plugin>
  /** Options handed to openapi-typescript (`alphabetize`, `immutable`, `enum`, ...). */
  readonly openapiTypescript?: OpenapiTypescriptOptions
  /**
   * Per provider: openapi-typescript options laid over `openapiTypescript` (e.g.
   * `{ workable: { openapiTypescript: { defaultNonNullable: false } } }`: a vendor spec's `default:`
   * should not make request fields required).
   */
  readonly providerOptions?: Readonly<Record<string, ProviderConfig>>
  /** The version range generated packages use for `@keyway/*` packages. Default `workspace:*`. */
  readonly keywayVersion?: string
  /** Where the descriptor JSON Schema is written; `false` to skip. Default `<specs>/provider.schema.json`. */
  readonly schemaFile?: string | false
  /**
   * Folders besides a spec's own folder that its `$ref`s may read (relative to the config file).
   * Default none: a `$ref` that leaves the spec's folder is refused.
   */
  readonly refRoots?: ReadonlyArray<string>
}

/**
 * What the configuration may say about one provider.
 *
 * @example
 * ```ts
 * import type { Config } from "@keyway/codegen"
 * declare const providerConfig: Config.ProviderConfig
 * console.log(providerConfig.openapiTypescript)
 * ```
 *
 * @since 0.1.0
 */
export interface ProviderConfig {
  /** openapi-typescript options for this provider, laid over the configuration's. */
  readonly openapiTypescript?: OpenapiTypescriptOptions
}

/**
 * A configuration with defaults applied and paths made absolute.
 *
 * @example
 * ```ts
 * import type { Config } from "@keyway/codegen"
 * declare const resolvedConfig: Config.ResolvedConfig
 * console.log(resolvedConfig.root)
 * ```
 *
 * @since 0.1.0
 */
export interface ResolvedConfig {
  /** The folder paths are relative to: the config file's folder, or the working directory. */
  readonly root: string
  /** The config file, when one was found. */
  readonly file: string | undefined
  readonly specs: string
  readonly output: string
  readonly packageName: string
  readonly providers: ReadonlyArray<string> | undefined
  readonly plugins: ReadonlyArray<Plugin>
  readonly openapiTypescript: OpenapiTypescriptOptions
  readonly providerOptions: Readonly<Record<string, ProviderConfig>>
  readonly keywayVersion: string
  readonly schemaFile: string | undefined
  /** Absolute folders besides a spec's own that its `$ref`s may read. */
  readonly refRoots: ReadonlyArray<string>
  /** A stable text of everything that shapes the output (file content, options, plugin code). */
  readonly fingerprint: string
}

/**
 * Types a configuration; returns it unchanged.
 *
 * @example
 * ```ts
 * import { defineConfig } from "@keyway/codegen"
 * export default defineConfig({ providers: ["ccw"] })
 * ```
 *
 * @since 0.1.0
 */
export const defineConfig = (config: KeywayConfig): KeywayConfig => config

const searchPlaces = [
  "package.json",
  "keyway.config.ts",
  "keyway.config.mts",
  "keyway.config.mjs",
  "keyway.config.js",
  "keyway.config.cjs",
  "keyway.config.json",
  "keyway.config.yaml",
  "keyway.config.yml",
]

/**
 * Finds and loads the configuration (or uses `file` when given), then applies defaults.
 *
 * @example
 * ```ts
 * import { Config } from "@keyway/codegen"
 * const config = await Config.load(process.cwd())
 * config.output // "/abs/path/packages/providers"
 * ```
 *
 * @since 0.1.0
 */
export const load = async (cwd: string, file?: string): Promise<ResolvedConfig> => {
  const { cosmiconfig } = await import("cosmiconfig")
  // ES modules are cached by URL: a changed config file gets a new URL (mtime), so that a
  // long-lived process (tests, watch) sees the edit.
  const loadModule = async (filepath: string) => {
    const { statSync } = await import("node:fs")
    const { pathToFileURL } = await import("node:url")
    const stamp = statSync(filepath).mtimeMs
    const module = (await import(`${pathToFileURL(filepath).href}?mtime=${stamp}`)) as { default?: unknown }
    return module.default ?? module
  }
  const loaders = { ".ts": loadModule, ".mts": loadModule, ".mjs": loadModule, ".js": loadModule }
  const explorer = cosmiconfig("keyway", { searchPlaces, searchStrategy: "project", cache: false, loaders })
  let result: { config: unknown; filepath: string; isEmpty?: boolean } | null
  try {
    result = file ? await explorer.load(resolve(cwd, file)) : await explorer.search(cwd)
  } catch (error) {
    const path = file ? resolve(cwd, file) : cwd
    throw new KeywayConfigError({
      file: displayPath(path),
      found: (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "an error",
      expected: "a loadable configuration file",
    })
  }
  if (!result) return resolveConfig({}, cwd, undefined)
  const raw = (result.config ?? {}) as unknown
  const config =
    (raw as { default?: unknown }).default !== undefined && typeof raw === "object"
      ? (raw as { default: unknown }).default
      : raw
  return resolveConfig(config, dirname(result.filepath), result.filepath)
}

const check = (file: string, ok: boolean, field: string, found: unknown, expected: string) => {
  if (!ok)
    throw new KeywayConfigError({
      file: displayPath(file),
      pointer: `/${field}`,
      found: `${field}: ${typeof found === "function" ? "a function" : JSON.stringify(found)}`,
      expected,
    })
}

/**
 * Applies defaults to a configuration and checks its fields.
 *
 * @example
 * ```ts
 * import { Config } from "@keyway/codegen"
 * Config.resolveConfig({}, "/repo", undefined).packageName // "@keyway/provider-{name}"
 * ```
 *
 * @since 0.1.0
 */
export const resolveConfig = (input: unknown, root: string, file: string | undefined): ResolvedConfig => {
  const where = file ?? resolve(root, "keyway.config")
  check(
    where,
    typeof input === "object" && input !== null && !Array.isArray(input),
    "config",
    input,
    "an object",
  )
  const c = input as Record<string, unknown>
  const known = [
    "specs",
    "output",
    "packageName",
    "providers",
    "plugins",
    "openapiTypescript",
    "providerOptions",
    "keywayVersion",
    "schemaFile",
    "refRoots",
  ]
  for (const key of Object.keys(c))
    check(where, known.includes(key), key, c[key], `one of ${known.join(", ")}`)
  const str = (k: string) => check(where, c[k] === undefined || typeof c[k] === "string", k, c[k], "a string")
  str("specs")
  str("output")
  str("packageName")
  str("keywayVersion")
  check(
    where,
    c.providers === undefined ||
      (Array.isArray(c.providers) && c.providers.every((p) => typeof p === "string")),
    "providers",
    c.providers,
    "an array of provider names",
  )
  check(
    where,
    c.plugins === undefined || Array.isArray(c.plugins),
    "plugins",
    c.plugins,
    "an array of plugins",
  )
  for (const [i, p] of ((c.plugins as Array<unknown>) ?? []).entries())
    check(
      where,
      typeof p === "object" && p !== null && typeof (p as { name?: unknown }).name === "string",
      `plugins/${i}`,
      p,
      "a plugin object with a name",
    )
  check(
    where,
    c.openapiTypescript === undefined ||
      (typeof c.openapiTypescript === "object" && c.openapiTypescript !== null),
    "openapiTypescript",
    c.openapiTypescript,
    "an object of openapi-typescript options",
  )
  const isRecord = (u: unknown) => typeof u === "object" && u !== null && !Array.isArray(u)
  check(
    where,
    c.providerOptions === undefined || isRecord(c.providerOptions),
    "providerOptions",
    c.providerOptions,
    "an object: provider name → { openapiTypescript }",
  )
  for (const [name, value] of Object.entries((c.providerOptions as Record<string, unknown>) ?? {})) {
    check(where, isRecord(value), `providerOptions/${name}`, value, "an object with openapiTypescript")
    for (const key of Object.keys(value as object))
      check(
        where,
        key === "openapiTypescript",
        `providerOptions/${name}/${key}`,
        (value as Record<string, unknown>)[key],
        "openapiTypescript (the only per-provider option)",
      )
    const ot = (value as Record<string, unknown>).openapiTypescript
    check(
      where,
      ot === undefined || isRecord(ot),
      `providerOptions/${name}/openapiTypescript`,
      ot,
      "an object of openapi-typescript options",
    )
  }
  check(
    where,
    c.schemaFile === undefined || c.schemaFile === false || typeof c.schemaFile === "string",
    "schemaFile",
    c.schemaFile,
    "a path or false",
  )
  check(
    where,
    c.refRoots === undefined ||
      (Array.isArray(c.refRoots) && c.refRoots.every((p) => typeof p === "string" && p !== "")),
    "refRoots",
    c.refRoots,
    "an array of folder paths",
  )
  if (c.packageName !== undefined)
    check(
      where,
      (c.packageName as string).includes("{name}"),
      "packageName",
      c.packageName,
      "a pattern containing {name}",
    )
  const specs = resolve(root, (c.specs as string | undefined) ?? "specs")
  const plugins = (c.plugins as ReadonlyArray<Plugin> | undefined) ?? []
  const schemaFile =
    c.schemaFile === false
      ? undefined
      : resolve(root, (c.schemaFile as string | undefined) ?? `${specs}/provider.schema.json`)
  let fileText = ""
  if (file) {
    try {
      fileText = readFileSync(file, "utf8")
    } catch {
      fileText = ""
    }
  }
  const resolved = {
    root,
    file,
    specs,
    output: resolve(root, (c.output as string | undefined) ?? "packages/providers"),
    packageName: (c.packageName as string | undefined) ?? "@keyway/provider-{name}",
    providers: c.providers as ReadonlyArray<string> | undefined,
    plugins,
    openapiTypescript: (c.openapiTypescript as OpenapiTypescriptOptions | undefined) ?? {},
    providerOptions: (c.providerOptions as Readonly<Record<string, ProviderConfig>> | undefined) ?? {},
    keywayVersion: (c.keywayVersion as string | undefined) ?? "workspace:*",
    schemaFile,
    refRoots: ((c.refRoots as ReadonlyArray<string> | undefined) ?? []).map((p) => resolve(root, p)),
  }
  const fingerprint = stableStringify({
    fileText,
    packageName: resolved.packageName,
    openapiTypescript: resolved.openapiTypescript,
    providerOptions: resolved.providerOptions,
    keywayVersion: resolved.keywayVersion,
    plugins: plugins.map((p) => describePlugin(p)),
  })
  return { ...resolved, fingerprint }
}

const describePlugin = (plugin: Plugin): unknown => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(plugin)) out[k] = typeof v === "function" ? String(v) : v
  return out
}

/**
 * JSON with sorted keys and functions as their source text: a stable fingerprint of a value.
 *
 * @example
 * ```ts
 * import { Config } from "@keyway/codegen"
 * Config.stableStringify({ b: 1, a: 2 }) // '{"a":2,"b":1}'
 * ```
 *
 * @since 0.1.0
 */
export const stableStringify = (value: unknown): string =>
  JSON.stringify(value, (_key, v) => {
    if (typeof v === "function") return String(v)
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {}
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k]
      return sorted
    }
    return v
  })

/**
 * The openapi-typescript options of one provider: the configuration's, with the provider's own
 * (`providerOptions[name].openapiTypescript`) laid over them.
 *
 * @example
 * ```ts
 * import { Config } from "@keyway/codegen"
 * declare const config: Config.ResolvedConfig
 * Config.openapiTypescriptFor(config, "workable") // { alphabetize: true, defaultNonNullable: false }
 * ```
 *
 * @since 0.1.0
 */
export const openapiTypescriptFor = (config: ResolvedConfig, name: string): OpenapiTypescriptOptions => ({
  ...config.openapiTypescript,
  ...config.providerOptions?.[name]?.openapiTypescript,
})

/**
 * A package name from the pattern.
 *
 * @example
 * ```ts
 * import { Config } from "@keyway/codegen"
 * Config.packageNameFor("@keyway/provider-{name}", "ccw") // "@keyway/provider-ccw"
 * ```
 *
 * @since 0.1.0
 */
export const packageNameFor = (pattern: string, name: string): string => pattern.replaceAll("{name}", name)
