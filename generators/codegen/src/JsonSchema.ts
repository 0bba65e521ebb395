/**
 * The descriptor's JSON Schema, `specs/provider.schema.json`: effect's
 * `Schema.toJsonSchemaDocument(ProviderDescriptor)` made into a plain draft 2020-12 file that
 * editors accept (`$defs` instead of `definitions`, numbers as numbers, no excess properties,
 * the name pattern), so that `# yaml-language-server: $schema=../provider.schema.json` in a
 * descriptor gives completion and checks while typing.
 *
 * @example
 * ```ts
 * import { JsonSchema } from "@keyway/codegen"
 * const schema = await JsonSchema.descriptorSchema()
 * schema.$schema // "https://json-schema.org/draft/2020-12/schema"
 * ```
 *
 * @since 0.1.0
 */
import { HEADER_TEXT } from "./Header.ts"

/**
 * A JSON Schema object.
 *
 * @example
 * ```ts
 * import type { JsonSchema } from "@keyway/codegen"
 * declare const jsonSchemaObject: JsonSchema.JsonSchemaObject
 * console.log(jsonSchemaObject)
 * ```
 *
 * @since 0.1.0
 */
export type JsonSchemaObject = Record<string, unknown>

let cached: JsonSchemaObject | undefined

/**
 * The descriptor's JSON Schema (computed once per process).
 *
 * @example
 * ```ts
 * import { JsonSchema } from "@keyway/codegen"
 * Object.keys((await JsonSchema.descriptorSchema()).$defs as object).includes("ProviderDescriptor") // true
 * ```
 *
 * @since 0.1.0
 */
export const descriptorSchema = async (): Promise<JsonSchemaObject> => {
  if (cached) return cached
  const [{ Schema }, { ProviderDescriptor }] = await Promise.all([
    import("effect"),
    import("@keyway/core/Descriptor"),
  ])
  const document = Schema.toJsonSchemaDocument(ProviderDescriptor) as unknown as {
    schema: JsonSchemaObject
    definitions?: Record<string, JsonSchemaObject>
  }
  const defs: Record<string, unknown> = {}
  for (const name of Object.keys(document.definitions ?? {}).sort())
    defs[name] = clean(document.definitions![name])
  const root = defs.ProviderDescriptor as JsonSchemaObject | undefined
  const name = (root?.properties as Record<string, JsonSchemaObject> | undefined)?.name
  if (name && name.pattern === undefined) name.pattern = "^[a-z][a-z0-9-]*$"
  cached = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $comment: `${HEADER_TEXT}; the JSON Schema of specs/<provider>/provider.yaml`,
    title: "Keyway provider descriptor",
    ...(clean(document.schema) as JsonSchemaObject),
    $defs: defs,
  }
  return cached
}

/**
 * The descriptor schema with the options of the custom plugins the specs use: for each plugin an
 * `if` (its `package` and `export`) / `then` (its options schema) on `CustomStrategy`, so an
 * editor completes and checks a custom strategy's `options` too.
 *
 * @example
 * ```ts
 * import { JsonSchema } from "@keyway/codegen"
 * const schema = JsonSchema.withCustomPlugins(await JsonSchema.descriptorSchema(), [])
 * ```
 *
 * @since 0.2.0
 */
export const withCustomPlugins = (
  schema: JsonSchemaObject,
  plugins: ReadonlyArray<{
    readonly package: string
    readonly export: string
    readonly schema: JsonSchemaObject
    readonly definitions: Record<string, JsonSchemaObject>
  }>,
): JsonSchemaObject => {
  if (plugins.length === 0) return schema
  const defs = { ...(schema.$defs as Record<string, JsonSchemaObject>) }
  for (const plugin of plugins)
    for (const [name, def] of Object.entries(plugin.definitions)) defs[name] = clean(def) as JsonSchemaObject
  const custom = defs.CustomStrategy
  if (custom === undefined) return schema
  defs.CustomStrategy = {
    ...custom,
    allOf: plugins.map((plugin) => ({
      if: {
        properties: {
          plugin: {
            properties: { package: { const: plugin.package }, export: { const: plugin.export } },
          },
        },
      },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword
      then: { properties: { options: clean(plugin.schema) } },
    })),
  }
  return { ...schema, $defs: defs }
}

const isNonFiniteNumber = (v: unknown): boolean => {
  if (!v || typeof v !== "object") return false
  const any = (v as { anyOf?: Array<JsonSchemaObject> }).anyOf
  return (
    Array.isArray(any) &&
    any.length === 2 &&
    any[0]?.type === "number" &&
    any[1]?.type === "string" &&
    Array.isArray(any[1]?.enum) &&
    (any[1]!.enum as Array<unknown>).includes("NaN")
  )
}

const clean = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(clean)
  if (!value || typeof value !== "object") return value
  const obj = value as JsonSchemaObject
  if (isNonFiniteNumber(obj)) {
    const { anyOf: _a, ...rest } = obj
    return { type: "number", ...(clean(rest) as JsonSchemaObject) }
  }
  const out: JsonSchemaObject = {}
  for (const [k, v] of Object.entries(obj)) {
    if (k === "$ref" && typeof v === "string") out[k] = v.replace("#/definitions/", "#/$defs/")
    else out[k] = clean(v)
  }
  if (out.type === "object" && out.properties && out.additionalProperties === true)
    out.additionalProperties = false
  return out
}

/**
 * The sub-schema for a path inside a descriptor value (following `$ref`s, choosing the auth
 * strategy by its `type`), used to say which keys are allowed where an unknown one was found.
 *
 * @example
 * ```ts
 * import { JsonSchema } from "@keyway/codegen"
 * const schema = await JsonSchema.descriptorSchema()
 * JsonSchema.allowedKeys(schema, [], {}) // ["$schema", "name", "title", ...]
 * ```
 *
 * @since 0.1.0
 */
export const allowedKeys = (
  schema: JsonSchemaObject,
  path: ReadonlyArray<string | number>,
  value: unknown,
): ReadonlyArray<string> | undefined => {
  const defs = schema.$defs as Record<string, JsonSchemaObject>
  const deref = (s: JsonSchemaObject | undefined): JsonSchemaObject | undefined => {
    let cur = s
    for (let i = 0; i < 10 && cur && typeof cur.$ref === "string"; i++)
      cur = defs[(cur.$ref as string).replace("#/$defs/", "")]
    return cur
  }
  const pick = (s: JsonSchemaObject | undefined, v: unknown): JsonSchemaObject | undefined => {
    const d = deref(s)
    if (d && Array.isArray(d.anyOf)) {
      const type = (v as { type?: unknown } | undefined)?.type
      for (const option of d.anyOf as Array<JsonSchemaObject>) {
        const o = deref(option)
        const t = (o?.properties as Record<string, JsonSchemaObject> | undefined)?.type
        if (t && Array.isArray(t.enum) && t.enum.includes(type)) return o
      }
      return deref((d.anyOf as Array<JsonSchemaObject>).find((o) => deref(o)?.properties))
    }
    return d
  }
  let node = pick(schema, value)
  let current: unknown = value
  for (const segment of path) {
    if (!node) return undefined
    current = (current as Record<string, unknown> | undefined)?.[segment as string]
    if (node.type === "array") node = pick(node.items as JsonSchemaObject, current)
    else if (node.properties && Object.hasOwn(node.properties as object, segment))
      node = pick((node.properties as Record<string, JsonSchemaObject>)[segment as string], current)
    else if (node.additionalProperties && typeof node.additionalProperties === "object")
      node = pick(node.additionalProperties as JsonSchemaObject, current)
    else return undefined
  }
  return node?.properties ? Object.keys(node.properties as object) : undefined
}
