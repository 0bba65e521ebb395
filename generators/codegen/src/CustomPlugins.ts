/**
 * Custom auth strategies (`type: custom` in `provider.yaml`): finds the plugin package a strategy
 * names, loads its `Auth.Definition`, validates the strategy's `options` with the schema the
 * plugin ships, and turns that schema into JSON Schema for the descriptor's schema file.
 *
 * The package is looked up like Node would from the descriptor's folder and the project (its
 * `node_modules`), and in the pnpm workspace that holds them; its source entry (`@keyway/source`
 * condition) is preferred in a workspace, else its `import`/`default` export.
 *
 * @example
 * ```ts
 * import { CustomPlugins } from "@keyway/codegen"
 * const plugin = await CustomPlugins.load({ package: "@keyway/example-auth-hmac-signing", export: "hmacSigning" }, [process.cwd()])
 * ```
 *
 * @since 0.2.0
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import type { Auth } from "@keyway/core"
import type { JsonSchemaObject } from "./JsonSchema.ts"

/**
 * A plugin reference of a descriptor.
 *
 * @example
 * ```ts
 * import type { CustomPlugins } from "@keyway/codegen"
 * declare const reference: CustomPlugins.Reference
 * console.log(reference.package)
 * ```
 *
 * @since 0.2.0
 */
export interface Reference {
  readonly package: string
  readonly export: string
}

/**
 * A loaded plugin.
 *
 * @example
 * ```ts
 * import type { CustomPlugins } from "@keyway/codegen"
 * declare const loaded: CustomPlugins.Loaded
 * console.log(loaded.definition)
 * ```
 *
 * @since 0.2.0
 */
export interface Loaded extends Reference {
  readonly definition: Auth.Definition<unknown, unknown>
  /** The dependency version for a generated package: `workspace:*` inside the workspace, else `^<version>`. */
  readonly version: string
}

/**
 * Why a plugin could not be loaded (named in a descriptor problem).
 *
 * @example
 * ```ts
 * import { CustomPlugins } from "@keyway/codegen"
 * declare const e: unknown
 * if (e instanceof CustomPlugins.LoadError) console.log(e.message)
 * ```
 *
 * @since 0.2.0
 */
export class LoadError extends Error {
  override readonly name = "LoadError"
}

const readJson = (file: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>
  } catch {
    return undefined
  }
}

const ancestors = (dir: string): Array<string> => {
  const out: Array<string> = []
  for (let current = resolve(dir); ; current = dirname(current)) {
    out.push(current)
    if (dirname(current) === current) return out
  }
}

/** Package folders of a pnpm workspace (`packages:` globs of the form `dir/*` or `dir`). */
const workspacePackages = (root: string): Array<string> => {
  const text = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8")
  const globs = [...text.matchAll(/^\s*-\s*["']?([^"'\s#]+)["']?\s*$/gm)].map((m) => m[1]!)
  const dirs: Array<string> = []
  for (const glob of globs) {
    if (glob.endsWith("/*")) {
      const parent = join(root, glob.slice(0, -2))
      if (!existsSync(parent)) continue
      for (const entry of readdirSync(parent, { withFileTypes: true }))
        if (entry.isDirectory()) dirs.push(join(parent, entry.name))
    } else if (!glob.includes("*")) dirs.push(join(root, glob))
  }
  return dirs
}

/**
 * The folder of a package, and whether it is a workspace package.
 *
 * @example
 * ```ts
 * import { CustomPlugins } from "@keyway/codegen"
 * CustomPlugins.findPackage("@keyway/core", [process.cwd()])?.dir
 * ```
 *
 * @since 0.2.0
 */
export const findPackage = (
  name: string,
  from: ReadonlyArray<string>,
): { readonly dir: string; readonly workspace: boolean } | undefined => {
  const dirs = [...new Set(from.flatMap(ancestors))]
  for (const dir of dirs) {
    const candidate = join(dir, "node_modules", ...name.split("/"))
    if (readJson(join(candidate, "package.json"))?.name === name) {
      const real = realpathSync(candidate)
      return { dir: real, workspace: !real.split(/[\\/]/).includes("node_modules") }
    }
  }
  for (const dir of dirs) {
    if (!existsSync(join(dir, "pnpm-workspace.yaml"))) continue
    for (const pkg of workspacePackages(dir))
      if (readJson(join(pkg, "package.json"))?.name === name) return { dir: pkg, workspace: true }
  }
  return undefined
}

const entryOf = (dir: string, manifest: Record<string, unknown>): string | undefined => {
  const exports = manifest.exports as unknown
  const root =
    typeof exports === "string"
      ? exports
      : exports !== null && typeof exports === "object"
        ? ((exports as Record<string, unknown>)["."] ?? exports)
        : undefined
  const candidates: Array<unknown> =
    typeof root === "string"
      ? [root]
      : root !== null && typeof root === "object"
        ? ["@keyway/source", "import", "default"].map((k) => (root as Record<string, unknown>)[k])
        : []
  candidates.push(manifest.module, manifest.main, "index.js")
  for (const candidate of candidates)
    if (typeof candidate === "string" && existsSync(join(dir, candidate))) return join(dir, candidate)
  return undefined
}

const isDefinition = (value: unknown): value is Auth.Definition<unknown, unknown> =>
  value !== null &&
  typeof value === "object" &&
  typeof (value as { name?: unknown }).name === "string" &&
  typeof (value as { layer?: unknown }).layer === "function" &&
  ["object", "function"].includes(typeof (value as { options?: unknown }).options)

/**
 * Loads the `Auth.Definition` a strategy names; a `LoadError` says what is missing.
 *
 * @example
 * ```ts
 * import { CustomPlugins } from "@keyway/codegen"
 * const { definition } = await CustomPlugins.load({ package: "@keyway/example-auth-hmac-signing", export: "hmacSigning" }, ["."])
 * definition.name // "hmac-signing"
 * ```
 *
 * @since 0.2.0
 */
export const load = async (reference: Reference, from: ReadonlyArray<string>): Promise<Loaded> => {
  const found = findPackage(reference.package, from)
  if (found === undefined)
    throw new LoadError(
      `the package ${JSON.stringify(reference.package)} is not installed (or in the workspace)`,
    )
  const manifest = readJson(join(found.dir, "package.json")) ?? {}
  const entry = entryOf(found.dir, manifest)
  if (entry === undefined)
    throw new LoadError(`the package ${JSON.stringify(reference.package)} has no entry module`)
  const module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>
  const definition = module[reference.export]
  if (!isDefinition(definition))
    throw new LoadError(
      `${JSON.stringify(reference.package)} has no export ${JSON.stringify(reference.export)} holding an Auth.Definition (name, options schema, layer)`,
    )
  const version = found.workspace ? "workspace:*" : `^${String(manifest.version ?? "0.0.0")}`
  return { ...reference, definition, version }
}

/**
 * The JSON Schema of a definition's options, with its definitions.
 *
 * @example
 * ```ts
 * import { CustomPlugins } from "@keyway/codegen"
 * declare const loaded: CustomPlugins.Loaded
 * const { schema } = await CustomPlugins.optionsJsonSchema(loaded.definition)
 * ```
 *
 * @since 0.2.0
 */
export const optionsJsonSchema = async (
  definition: Auth.Definition<unknown, unknown>,
): Promise<{ readonly schema: JsonSchemaObject; readonly definitions: Record<string, JsonSchemaObject> }> => {
  const { Schema } = await import("effect")
  const document = Schema.toJsonSchemaDocument(definition.options) as unknown as {
    schema: JsonSchemaObject
    definitions?: Record<string, JsonSchemaObject>
  }
  return { schema: document.schema, definitions: document.definitions ?? {} }
}

/**
 * Validates a strategy's options with the plugin's schema (excess properties are errors); returns
 * the issues as `[path, message]`.
 *
 * @example
 * ```ts
 * import { CustomPlugins } from "@keyway/codegen"
 * declare const loaded: CustomPlugins.Loaded
 * const issues = await CustomPlugins.validateOptions(loaded.definition, { keyId: 1 })
 * ```
 *
 * @since 0.2.0
 */
export const validateOptions = async (
  definition: Auth.Definition<unknown, unknown>,
  options: unknown,
): Promise<ReadonlyArray<readonly [path: ReadonlyArray<string | number>, message: string]>> => {
  const { Effect, Schema, SchemaIssue } = await import("effect")
  const result = await Effect.runPromise(
    Effect.result(
      Schema.decodeUnknownEffect(definition.options)(options ?? {}, {
        onExcessProperty: "error",
        errors: "all",
      }),
    ),
  )
  if (result._tag === "Success") return []
  return SchemaIssue.makeFormatterStandardSchemaV1()(result.failure.issue).issues.map(
    (issue) =>
      [
        (issue.path ?? []).map((p) =>
          typeof p === "object" && p !== null && "key" in p ? p.key : p,
        ) as Array<string | number>,
        issue.message,
      ] as const,
  )
}
