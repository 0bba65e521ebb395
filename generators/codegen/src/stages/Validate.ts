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
 * @example
 * ```ts
 * import { Validate } from "@keyway/codegen"
 * const problems = await Validate.descriptor(descriptorSource)
 * problems.map((p) => p.message)
 * ```
 *
 * @since 0.1.0
 */
import { existsSync } from "node:fs"
import { dirname, resolve } from "node:path"
import type { ProviderDescriptor } from "@keyway/core/Descriptor"
import * as Descriptor from "@keyway/core/Descriptor"
import * as CustomPlugins from "../CustomPlugins.ts"
import { DescriptorError, type GenerateError, SpecError, show, UnknownAuthStrategy } from "../Errors.ts"
import { allowedKeys, descriptorSchema } from "../JsonSchema.ts"
import { fallbackOperationId, type HttpMethod, identifier, methods, type Operation } from "../Model.ts"
import * as Rules from "../Rules.ts"
import * as Source from "../Source.ts"
import type { Bundle } from "./Load.ts"

const strategyTypes: ReadonlyArray<string> = Descriptor.strategyTypes

const descriptorProblem = (
  source: Source.Source,
  path: ReadonlyArray<string | number>,
  found: string,
  expected: string,
  Ctor: typeof DescriptorError | typeof UnknownAuthStrategy = DescriptorError,
) => {
  const pos = source.locate(path)
  return new Ctor({
    file: source.display,
    line: pos?.line,
    column: pos?.column,
    pointer: Source.pointer(path),
    found,
    expected,
  })
}

const closest = (word: string, options: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  for (const option of options) {
    const d = distance(word.toLowerCase(), option.toLowerCase())
    if (d < bestScore) {
      bestScore = d
      best = option
    }
  }
  return bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined
}

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]!
}

/**
 * Validates a parsed descriptor; returns the decoded value or the problems.
 *
 * @example
 * ```ts
 * import { Validate } from "@keyway/codegen"
 * const result = await Validate.descriptor(source)
 * if ("problems" in result) console.log(result.problems.length)
 * ```
 *
 * @since 0.1.0
 */
export const descriptor = async (
  source: Source.Source,
): Promise<{ readonly value: ProviderDescriptor } | { readonly problems: ReadonlyArray<GenerateError> }> => {
  const raw = source.value
  const problems: Array<GenerateError> = []
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      problems: [
        descriptorProblem(source, [], show(raw), "a mapping with name, title, spec, baseUrl and auth"),
      ],
    }
  }
  const auth = (raw as { auth?: unknown }).auth
  const unknownStrategies = new Set<number>()
  if (Array.isArray(auth)) {
    auth.forEach((strategy, i) => {
      const type = (strategy as { type?: unknown } | null)?.type
      if (typeof type === "string" && !strategyTypes.includes(type)) {
        unknownStrategies.add(i)
        const near = closest(type, strategyTypes)
        problems.push(
          descriptorProblem(
            source,
            ["auth", i, "type"],
            JSON.stringify(type),
            `one of ${strategyTypes.join(", ")}${near ? ` (did you mean "${near}"?)` : ""}`,
            UnknownAuthStrategy,
          ),
        )
      }
    })
  }
  const [{ Effect, Schema, SchemaIssue }, { ProviderDescriptor }] = await Promise.all([
    import("effect"),
    import("@keyway/core/Descriptor"),
  ])
  const result = await Effect.runPromise(
    Effect.result(
      Schema.decodeUnknownEffect(ProviderDescriptor)(raw, { onExcessProperty: "error", errors: "all" }),
    ),
  )
  if (result._tag === "Success" && problems.length === 0) {
    const value = result.success as ProviderDescriptor
    const findings = Rules.descriptor(value)
    if (findings.length === 0) return { value }
    return { problems: findings.map((f) => descriptorProblem(source, f.path, f.found, f.expected)) }
  }
  if (result._tag === "Failure") {
    const schema = await descriptorSchema()
    const issues = SchemaIssue.makeFormatterStandardSchemaV1()(result.failure.issue).issues
    const seen = new Set<string>()
    for (const issue of issues) {
      const path = (issue.path ?? []).map((p) =>
        typeof p === "object" && p !== null && "key" in p ? p.key : p,
      ) as Array<string | number>
      if (path[0] === "auth" && typeof path[1] === "number" && unknownStrategies.has(path[1])) continue
      const key = `${Source.pointer(path)} ${issue.message}`
      if (seen.has(key)) continue
      seen.add(key)
      const value = Source.get(raw, path)
      if (issue.message === "Expected no excess property") {
        const allowed = allowedKeys(schema, path.slice(0, -1), raw) ?? []
        const name = String(path[path.length - 1])
        const near = closest(name, allowed)
        problems.push(
          descriptorProblem(
            source,
            path,
            `unknown field "${name}"`,
            `one of ${allowed.join(", ")}${near ? ` (did you mean "${near}"?)` : ""}`,
          ),
        )
      } else if (issue.message === "Missing key") {
        problems.push(
          descriptorProblem(source, path, `no "${String(path[path.length - 1])}"`, "this required field"),
        )
      } else {
        const expected = issue.message.replace(/^Expected /, "")
        problems.push(
          descriptorProblem(
            source,
            path,
            show(value),
            expected === "AuthStrategy"
              ? `an auth strategy: an object whose type is one of ${strategyTypes.join(", ")}`
              : expected,
          ),
        )
      }
    }
  }
  return { problems }
}

/**
 * Loads the plugins of the descriptor's `type: custom` strategies and validates each strategy's
 * `options` with the schema its plugin ships. Packages are looked up from the descriptor's folder
 * and from `cwd`.
 *
 * @example
 * ```ts
 * import { Validate } from "@keyway/codegen"
 * const { plugins, problems } = await Validate.customPlugins(descriptorSource, descriptor, process.cwd())
 * ```
 *
 * @since 0.2.0
 */
export const customPlugins = async (
  source: Source.Source,
  descriptor: ProviderDescriptor,
  cwd: string,
): Promise<{
  readonly plugins: ReadonlyMap<number, CustomPlugins.Loaded>
  readonly problems: ReadonlyArray<GenerateError>
}> => {
  const plugins = new Map<number, CustomPlugins.Loaded>()
  const problems: Array<GenerateError> = []
  for (const [i, strategy] of descriptor.auth.entries()) {
    if (strategy.type !== "custom") continue
    let loaded: CustomPlugins.Loaded
    try {
      loaded = await CustomPlugins.load(strategy.plugin, [dirname(source.path), cwd])
    } catch (error) {
      problems.push(
        descriptorProblem(
          source,
          ["auth", i, "plugin"],
          error instanceof CustomPlugins.LoadError
            ? error.message
            : `a plugin that failed to load (${show(String(error))})`,
          "an installed package exporting an Auth.Definition",
        ),
      )
      continue
    }
    plugins.set(i, loaded)
    for (const [path, message] of await CustomPlugins.validateOptions(loaded.definition, strategy.options)) {
      const full = ["auth", i, "options", ...path]
      problems.push(
        descriptorProblem(
          source,
          full,
          message === "Expected no excess property"
            ? `unknown option "${String(path.at(-1))}"`
            : show(Source.get(source.value, full)),
          `${message.replace(/^Expected /, "")} (the options schema of ${loaded.definition.name})`,
        ),
      )
    }
  }
  return { plugins, problems }
}

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

/**
 * The cross-checks between a valid descriptor and its spec.
 *
 * @example
 * ```ts
 * import { Validate } from "@keyway/codegen"
 * Validate.crossCheck(descriptorSource, descriptor, bundle, operations).length // 0
 * ```
 *
 * @since 0.1.0
 */
export const crossCheck = (
  source: Source.Source,
  value: ProviderDescriptor,
  bundle: Bundle | undefined,
  operations: ReadonlyArray<Operation>,
): ReadonlyArray<GenerateError> => {
  const problems: Array<GenerateError> = []
  const specPath = resolve(dirname(source.path), value.spec)
  if (!existsSync(specPath)) {
    problems.push(
      descriptorProblem(
        source,
        ["spec"],
        `${JSON.stringify(value.spec)} (${Source.displayPath(specPath)} does not exist)`,
        "the path of an OpenAPI file, relative to provider.yaml",
      ),
    )
    return problems
  }
  if (!bundle) return problems
  if (value.errors) {
    const ptr = value.errors.envelope
    const target = ptr.startsWith("#") ? Source.get(bundle.document, Source.segments(ptr)) : undefined
    if (target === undefined)
      problems.push(
        descriptorProblem(
          source,
          ["errors", "envelope"],
          JSON.stringify(ptr),
          `a JSON pointer to a schema of ${bundle.root.display}, e.g. "#/components/schemas/Error"`,
        ),
      )
  }
  const ids = new Set(operations.map((o) => o.operationId))
  // Fields a pagination style reads; any other is a mistake (a field of another style).
  const styleFields: Record<string, ReadonlyArray<string>> = {
    "next-url": ["next", "limitParam", "pageSize", "crossOrigin"],
    cursor: ["next", "param", "limitParam", "pageSize"],
    offset: ["param", "limitParam", "pageSize", "total"],
    page: ["param", "limitParam", "pageSize", "firstPage", "total", "totalPages"],
    link: ["limitParam", "pageSize", "crossOrigin"],
  }
  value.pagination?.forEach((page, i) => {
    const allowed = styleFields[page.style] ?? []
    for (const field of Object.keys(page))
      if (!["operations", "style", "items", ...allowed].includes(field))
        problems.push(
          descriptorProblem(
            source,
            ["pagination", i, field],
            `${field} with style ${page.style}`,
            `only ${allowed.join(", ")} beside operations, style and items for style ${page.style}`,
          ),
        )
  })
  value.pagination?.forEach((page, i) => {
    page.operations.forEach((id, j) => {
      if (!ids.has(id)) {
        const near = closest(id, [...ids])
        problems.push(
          descriptorProblem(
            source,
            ["pagination", i, "operations", j],
            JSON.stringify(id),
            `an operationId of ${bundle.root.display}${near ? ` (did you mean "${near}"?)` : ""}`,
          ),
        )
      }
    })
  })
  const envs = value.environments ?? {}
  const vars = Object.keys(value.variables ?? {})
  for (const [env, values] of Object.entries(envs))
    for (const name of Object.keys(values))
      if (!vars.includes(name))
        problems.push(
          descriptorProblem(
            source,
            ["environments", env, name],
            `variable "${name}"`,
            `one of the declared variables: ${vars.join(", ") || "none"}`,
          ),
        )
  return problems
}
