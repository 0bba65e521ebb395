/**
 * Headers a provider requires on every call: a header parameter declared `required: true` by
 * every operation of the spec (a tenant id, an account header). They are set once on the client
 * (`createClient({ headers: { "X-Tenant-Id": "t1" } })`, checked by the type and at run time)
 * and drop out of each call's type: `src/types.ts` is generated from the document without them.
 *
 * @example
 * ```ts
 * import * as ClientHeaders from "@keyway/codegen/ClientHeaders"
 * declare const document: Record<string, unknown>
 * const names = ClientHeaders.find(document) // ["X-Tenant-Id"]
 * const forTypes = ClientHeaders.strip(document, names) // the document without those parameters
 * ```
 *
 * @since 0.1.0
 */
import { methods } from "./Model.ts"
import * as Source from "./Source.ts"

type Json = Record<string, unknown>

const isObject = (u: unknown): u is Json => u !== null && typeof u === "object" && !Array.isArray(u)

// A parameter, its local $ref followed.
const resolve = (document: Json, parameter: unknown): Json | undefined => {
  let current = parameter
  for (let i = 0; i < 10 && isObject(current) && typeof current.$ref === "string"; i++)
    current = current.$ref.startsWith("#") ? Source.get(document, Source.segments(current.$ref)) : undefined
  return isObject(current) ? current : undefined
}

const requiredHeader = (document: Json, parameter: unknown): string | undefined => {
  const p = resolve(document, parameter)
  return p && p.in === "header" && p.required === true && typeof p.name === "string" ? p.name : undefined
}

const operationsOf = (document: Json): Array<{ item: Json; operation: Json }> => {
  const out: Array<{ item: Json; operation: Json }> = []
  const paths = document.paths
  if (!isObject(paths)) return out
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue
    for (const m of methods) if (isObject(item[m])) out.push({ item, operation: item[m] as Json })
  }
  return out
}

/**
 * The header parameters every operation declares `required` (its own or its path item's), as
 * the first operation spells them; names compare case-insensitively. Empty when the spec has no
 * operation.
 *
 * @example
 * ```ts
 * import * as ClientHeaders from "@keyway/codegen/ClientHeaders"
 * ClientHeaders.find({ openapi: "3.1.0", paths: { "/a": { get: { parameters: [{ name: "X-Tenant", in: "header", required: true }] } } } }) // ["X-Tenant"]
 * ```
 *
 * @since 0.1.0
 */
export const find = (document: Json): ReadonlyArray<string> => {
  const ops = operationsOf(document)
  if (ops.length === 0) return []
  let common: Map<string, string> | undefined
  for (const { item, operation } of ops) {
    const here = new Map<string, string>()
    for (const list of [item.parameters, operation.parameters])
      if (Array.isArray(list))
        for (const p of list) {
          const name = requiredHeader(document, p)
          if (name) here.set(name.toLowerCase(), name)
        }
    if (common === undefined) common = here
    else for (const key of [...common.keys()]) if (!here.has(key)) common.delete(key)
    if (common.size === 0) return []
  }
  return [...(common?.values() ?? [])]
}

/**
 * The document without the named header parameters (in operations and path items), for the
 * types: a copy of what changes, the input untouched.
 *
 * @example
 * ```ts
 * import * as ClientHeaders from "@keyway/codegen/ClientHeaders"
 * declare const document: Record<string, unknown>
 * ClientHeaders.strip(document, ["X-Tenant-Id"]).paths
 * ```
 *
 * @since 0.1.0
 */
export const strip = (document: Json, names: ReadonlyArray<string>): Json => {
  if (names.length === 0 || !isObject(document.paths)) return document
  const drop = new Set(names.map((n) => n.toLowerCase()))
  const keep = (list: unknown): unknown =>
    Array.isArray(list)
      ? list.filter((p) => {
          const q = resolve(document, p)
          return !(q && q.in === "header" && typeof q.name === "string" && drop.has(q.name.toLowerCase()))
        })
      : list
  const paths: Json = {}
  for (const [path, item] of Object.entries(document.paths)) {
    if (!isObject(item)) {
      paths[path] = item
      continue
    }
    const copy: Json = { ...item }
    if (Array.isArray(item.parameters)) copy.parameters = keep(item.parameters)
    for (const m of methods) {
      const op = item[m]
      if (isObject(op) && Array.isArray(op.parameters)) copy[m] = { ...op, parameters: keep(op.parameters) }
    }
    paths[path] = copy
  }
  return { ...document, paths }
}
