/**
 * The spec checks of the validate stage: the OpenAPI structure basics (version, info, paths,
 * responses, unique operationIds) and the structure later stages read without checking (path
 * templates and their parameters, responses, parameters, request bodies, the shape of every
 * schema), each problem located. Internal to `stages/Validate.ts`, which re-exports {@link spec}.
 *
 * @since 0.1.0
 */
import { type GenerateError, SpecError, show } from "../Errors.ts"
import { fallbackOperationId, type HttpMethod, identifier, methods, type Operation } from "../Model.ts"
import * as Rules from "../Rules.ts"
import * as Source from "../Source.ts"
import type { Bundle } from "../stages/Load.ts"

/**
 * The OpenAPI structure basics of a bundled document, and its operations.
 *
 * @example
 * ```ts
 * import { Validate } from "@keyway/codegen"
 * const { operations, problems } = Validate.spec(bundle)
 * ```
 *
 * @since 0.1.0
 */
export const spec = (
  bundle: Bundle,
): { readonly operations: ReadonlyArray<Operation>; readonly problems: ReadonlyArray<GenerateError> } => {
  const doc = bundle.document
  const problems: Array<GenerateError> = []
  const problem = (segments: ReadonlyArray<string | number>, found: string, expected: string) => {
    const loc = bundle.locate(segments)
    problems.push(new SpecError({ ...loc, found, expected }))
  }
  const version = doc.openapi
  if (typeof version !== "string" || !/^3\.[01]\.\d+/.test(version)) {
    problem(
      ["openapi"],
      doc.swagger !== undefined ? `swagger: ${show(doc.swagger)}` : show(version),
      'an OpenAPI 3.0 or 3.1 version string, e.g. "3.1.0"',
    )
    return { operations: [], problems }
  }
  const info = doc.info as Record<string, unknown> | undefined
  if (!info || typeof info !== "object")
    problem(["info"], show(info), "an info object with title and version")
  else {
    if (typeof info.title !== "string") problem(["info", "title"], show(info.title), "a string")
    if (typeof info.version !== "string") problem(["info", "version"], show(info.version), "a string")
  }
  const paths = doc.paths as Record<string, unknown> | undefined
  const operations: Array<Operation> = []
  if (paths === undefined && version.startsWith("3.0")) problem(["paths"], "nothing", "a paths object")
  else if (paths !== undefined && (paths === null || typeof paths !== "object" || Array.isArray(paths)))
    problem(["paths"], show(paths), "a paths object")
  const rootSecurity = doc.security
  /** Schema objects already checked (shared and cyclic ones are walked once). */
  const seen = new Set<object>()
  const ids = new Map<string, string>()
  const names = new Set<string>()
  for (const [path, item] of Object.entries(paths ?? {})) {
    if (!path.startsWith("/")) problem(["paths", path], JSON.stringify(path), 'a path starting with "/"')
    if (!item || typeof item !== "object") {
      problem(["paths", path], show(item), "a path item object")
      continue
    }
    const pathItem = item as Record<string, unknown>
    const template = Rules.placeholders(path)
    if ("error" in template)
      problem(
        ["paths", path],
        JSON.stringify(path),
        `a path template with balanced {parameters}, not ${template.error}`,
      )
    const pathParams = parameterList(doc, pathItem.parameters, ["paths", path, "parameters"], problem)
    for (const method of methods) {
      const op = pathItem[method] as Record<string, unknown> | undefined
      if (op === undefined) continue
      if (!op || typeof op !== "object") {
        problem(["paths", path, method], show(op), "an operation object")
        continue
      }
      const at = ["paths", path, method]
      if (
        (version.startsWith("3.0") && op.responses === undefined) ||
        (op.responses !== undefined && !isObject(op.responses))
      ) {
        problem([...at, "responses"], show(op.responses), "a responses object")
        continue
      }
      const responses = Object.entries((op.responses ?? {}) as Record<string, unknown>).filter(
        ([code, r]) => !isObject(r) && !code.startsWith("x-"),
      )
      if (responses.length > 0) {
        problem([...at, "responses", responses[0]![0]], show(responses[0]![1]), "a response object")
        continue
      }
      if (op.requestBody !== undefined && !isObject(op.requestBody)) {
        problem([...at, "requestBody"], show(op.requestBody), "a request body object")
        continue
      }
      const opParams = parameterList(doc, op.parameters, [...at, "parameters"], problem)
      if (opParams === undefined || pathParams === undefined) continue
      if (!operationShape(op, at, problem, seen)) continue
      if (!("error" in template)) {
        const declared = new Set(
          [...pathParams, ...opParams].filter((p) => p.in === "path").map((p) => String(p.name)),
        )
        const missing = template.names.filter((n) => !declared.has(n))
        if (missing.length > 0) {
          problem(
            ["paths", path],
            `{${missing[0]}} in ${JSON.stringify(path)}`,
            `a path parameter (in: path) named ${JSON.stringify(missing[0])} on ${method.toUpperCase()} or its path item`,
          )
          continue
        }
      }
      let operationId = op.operationId
      if (operationId !== undefined && typeof operationId !== "string") {
        problem(["paths", path, method, "operationId"], show(operationId), "a string")
        operationId = undefined
      }
      const id = (operationId as string | undefined) ?? fallbackOperationId(method, path)
      const where = `${method.toUpperCase()} ${path}`
      if (operationId !== undefined && ids.has(id)) {
        problem(
          ["paths", path, method, "operationId"],
          `${JSON.stringify(id)} again`,
          `a unique operationId (also on ${ids.get(id)})`,
        )
        continue
      }
      ids.set(id, where)
      let name = identifier(id)
      for (let n = 2; names.has(name); n++) name = `${identifier(id)}${n}`
      names.add(name)
      const security = (op.security ?? rootSecurity) as Array<Record<string, Array<string>>> | undefined
      const scopes = [
        ...new Set((Array.isArray(security) ? security : []).flatMap((s) => Object.values(s ?? {}).flat())),
      ]
        .filter((s): s is string => typeof s === "string")
        .sort()
      const params = [...pathParams, ...opParams]
      const queryParams = [
        ...new Set(
          params
            .filter((p): p is { in: string; name: string } => !!p && (p as { in?: unknown }).in === "query")
            .map((p) => p.name),
        ),
      ]
      operations.push({
        method: method as HttpMethod,
        path,
        operationId: id,
        name,
        scopes,
        summary: typeof op.summary === "string" ? op.summary : undefined,
        deprecated: op.deprecated === true,
        queryParams,
        hasBody: op.requestBody !== undefined,
      })
    }
  }
  const components = doc.components
  if (components !== undefined && !isObject(components))
    problem(["components"], show(components), "a components object")
  else
    for (const kind of [
      "schemas",
      "responses",
      "parameters",
      "requestBodies",
      "headers",
      "securitySchemes",
    ]) {
      const bucket = (components as Record<string, unknown> | undefined)?.[kind]
      if (bucket === undefined) continue
      if (!isObject(bucket)) {
        problem(["components", kind], show(bucket), `a map of ${kind}`)
        continue
      }
      if (kind === "schemas")
        for (const [name, schema] of Object.entries(bucket))
          schemaShape(schema, ["components", "schemas", name], problem, seen)
      else
        for (const [name, value] of Object.entries(bucket))
          if (!isObject(value)) problem(["components", kind, name], show(value), "an object")
    }
  return { operations, problems }
}

type Report = (segments: ReadonlyArray<string | number>, found: string, expected: string) => void

const textFields = ["summary", "description"] as const

/**
 * The parts of an operation openapi-typescript reads without checking: its texts, the schemas of
 * its parameters, bodies and responses, response headers. Reports the first problem; false then.
 */
const operationShape = (
  op: Record<string, unknown>,
  at: ReadonlyArray<string | number>,
  problem: Report,
  seen: Set<object>,
) => {
  let count = 0
  const report: Report = (...args) => {
    count++
    problem(...args)
  }
  for (const k of textFields)
    if (op[k] !== undefined && typeof op[k] !== "string") report([...at, k], show(op[k]), "a string")
  for (const [i, p] of ((op.parameters as Array<Record<string, unknown>> | undefined) ?? []).entries())
    if (isObject(p) && p.schema !== undefined)
      schemaShape(p.schema, [...at, "parameters", i, "schema"], report, seen)
  const media = (content: unknown, where: ReadonlyArray<string | number>) => {
    if (!isObject(content)) return
    for (const [type, m] of Object.entries(content))
      if (isObject(m) && m.schema !== undefined)
        schemaShape(m.schema, [...where, "content", type, "schema"], report, seen)
  }
  if (isObject(op.requestBody)) media(op.requestBody.content, [...at, "requestBody"])
  for (const [code, r] of Object.entries((op.responses ?? {}) as Record<string, unknown>)) {
    if (!isObject(r)) continue
    for (const k of textFields)
      if (r[k] !== undefined && typeof r[k] !== "string")
        report([...at, "responses", code, k], show(r[k]), "a string")
    media(r.content, [...at, "responses", code])
    if (r.headers !== undefined && isObject(r.headers))
      for (const [name, h] of Object.entries(r.headers)) {
        if (!isObject(h)) report([...at, "responses", code, "headers", name], show(h), "a header object")
        else if (h.schema !== undefined)
          schemaShape(h.schema, [...at, "responses", code, "headers", name, "schema"], report, seen)
      }
  }
  return count === 0
}

const schemaMaps = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"] as const
const schemaLists = ["allOf", "oneOf", "anyOf", "prefixItems"] as const
const schemaSingles = [
  "additionalProperties",
  "not",
  "contains",
  "if",
  "then",
  "else",
  "propertyNames",
  "unevaluatedItems",
  "unevaluatedProperties",
] as const

/** A JSON Schema's shape, as far as openapi-typescript relies on it (types of keywords it reads). */
const schemaShape = (
  schema: unknown,
  at: ReadonlyArray<string | number>,
  problem: Report,
  seen: Set<object>,
): void => walkSchema(schema, [...at], problem, seen)

/** {@link schemaShape} on a mutable path (pushed and popped, copied only for a problem). */
const walkSchema = (
  schema: unknown,
  at: Array<string | number>,
  problem: Report,
  seen: Set<object>,
): void => {
  if (typeof schema === "boolean") return
  if (!isObject(schema)) {
    problem([...at], show(schema), "a schema object")
    return
  }
  if (seen.has(schema)) return
  seen.add(schema)
  if (typeof schema.$ref === "string") return
  const bad = (k: string, expected: string) => problem([...at, k], show(schema[k]), expected)
  for (const k of ["title", "description", "summary", "format"] as const)
    if (schema[k] !== undefined && typeof schema[k] !== "string") {
      bad(k, "a string")
      return
    }
  if (
    schema.required !== undefined &&
    !(Array.isArray(schema.required) && schema.required.every((r) => typeof r === "string"))
  ) {
    bad("required", "a list of property names")
    return
  }
  if (schema.enum !== undefined && !Array.isArray(schema.enum)) {
    bad("enum", "a list of values")
    return
  }
  const child = (key: string | number, value: unknown) => {
    at.push(key)
    walkSchema(value, at, problem, seen)
    at.pop()
  }
  for (const k of schemaMaps) {
    const map = schema[k]
    if (map === undefined) continue
    if (!isObject(map)) {
      bad(k, "a map of schemas")
      return
    }
    at.push(k)
    for (const name in map) child(name, map[name])
    at.pop()
  }
  for (const k of schemaLists) {
    const list = schema[k]
    if (list === undefined) continue
    if (!Array.isArray(list)) {
      bad(k, "a list of schemas")
      return
    }
    at.push(k)
    for (let i = 0; i < list.length; i++) child(i, list[i])
    at.pop()
  }
  for (const k of schemaSingles) if (schema[k] !== undefined) child(k, schema[k])
  const items = schema.items
  if (Array.isArray(items)) {
    at.push("items")
    for (let i = 0; i < items.length; i++) child(i, items[i])
    at.pop()
  } else if (items !== undefined) child("items", items)
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v)

/** The (dereferenced) parameter objects of a `parameters` list, or `undefined` after reporting one that is none. */
const parameterList = (
  doc: unknown,
  value: unknown,
  at: ReadonlyArray<string | number>,
  problem: (segments: ReadonlyArray<string | number>, found: string, expected: string) => void,
): Array<Record<string, unknown>> | undefined => {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    problem(at, show(value), "a list of parameter objects")
    return undefined
  }
  const out: Array<Record<string, unknown>> = []
  for (const [i, item] of value.entries()) {
    const p = deref(doc, item)
    if (!isObject(p) || typeof p.name !== "string" || typeof p.in !== "string") {
      problem([...at, i], show(item), "a parameter object with a name and an in")
      return undefined
    }
    if (p.in === "header" && !Rules.isHeaderName(p.name)) {
      problem(
        [...at, i, "name"],
        show(p.name),
        "a header name: an RFC 9110 token (letters, digits and !#$%&'*+.^_`|~-)",
      )
      return undefined
    }
    out.push(p)
  }
  return out
}

const deref = (doc: unknown, value: unknown): unknown => {
  let cur = value
  for (
    let i = 0;
    i < 10 && cur && typeof cur === "object" && typeof (cur as { $ref?: unknown }).$ref === "string";
    i++
  )
    cur = Source.get(doc, Source.segments((cur as { $ref: string }).$ref))
  return cur
}
