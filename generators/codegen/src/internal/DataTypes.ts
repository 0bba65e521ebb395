/**
 * Redocly's OpenAPI type tree with the positions that hold data marked unresolvable: a `$ref` key
 * inside an example value (`example`, `examples` of a 3.1 schema, an Example's `value`), a
 * schema's `default`, `const` or `enum` is part of the value, not a reference. Redocly's own tree
 * walks into them (and would fetch `"$ref": "https://..."` found in an example payload).
 *
 * Extensions (`x-...`) stay resolvable, as in openapi-typescript; the load stage reports a
 * `$ref` there that does not resolve as a warning.
 *
 * @internal
 * @since 0.1.0
 */
import { detectSpec, getTypes } from "@redocly/openapi-core"

type NodeTypes = ReturnType<typeof getTypes>
type NodeType = NodeTypes[keyof NodeTypes]

const dataKeys = ["example", "examples", "value", "default", "const", "enum"]

const cache = new Map<string, Record<string, NodeType>>()

/**
 * The type tree for a document's OpenAPI version.
 *
 * @example
 * ```ts
 * import { forDocument } from "@keyway/codegen/internal/DataTypes"
 * forDocument({ openapi: "3.1.0" }).Schema?.properties.default // { resolvable: false }
 * ```
 *
 * @internal
 * @since 0.1.0
 */
export const forDocument = (document: unknown): Record<string, NodeType> => {
  const version = detectSpec(document)
  const known = cache.get(version)
  if (known) return known
  const out: Record<string, NodeType> = {}
  for (const [name, type] of Object.entries(getTypes(version) as Record<string, NodeType>)) {
    const properties: Record<string, unknown> = { ...type.properties }
    for (const key of dataKeys) {
      if (!Object.hasOwn(properties, key)) continue
      const prop = properties[key]
      // a named type (`examples: "ExamplesMap"`, `default: "Response"`) is structure, not data
      if (typeof prop === "string" || typeof prop === "function") continue
      if (prop !== null && typeof prop === "object" && "name" in prop) continue
      properties[key] = { ...((prop as object | null) ?? {}), resolvable: false }
    }
    out[name] = { ...type, properties } as NodeType
  }
  cache.set(version, out)
  return out
}
