/**
 * Stage 2, validate: the OpenAPI document's structure basics, the descriptor against
 * `ProviderDescriptor` (Effect Schema, excess properties are errors), and the cross-checks
 * between them: the descriptor's spec file exists, the error envelope pointer resolves, the
 * pagination operationIds exist. Each problem is one located error; all are reported together.
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
import { DescriptorError, type GenerateError, SpecError, show, UnknownAuthStrategy } from "../Errors.ts"
import { allowedKeys, descriptorSchema } from "../JsonSchema.ts"
import { fallbackOperationId, type HttpMethod, identifier, methods, type Operation } from "../Model.ts"
import * as Source from "../Source.ts"
import type { Bundle } from "./Load.ts"

const strategyTypes = [
  "oauth2-client-credentials",
  "oauth2-authorization-code",
  "permanent-token",
  "session-login",
]

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
  if (result._tag === "Success" && problems.length === 0)
    return { value: result.success as ProviderDescriptor }
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
  const ids = new Map<string, string>()
  const names = new Set<string>()
  for (const [path, item] of Object.entries(paths ?? {})) {
    if (!path.startsWith("/")) problem(["paths", path], JSON.stringify(path), 'a path starting with "/"')
    if (!item || typeof item !== "object") {
      problem(["paths", path], show(item), "a path item object")
      continue
    }
    const pathItem = item as Record<string, unknown>
    const pathParams = (pathItem.parameters as Array<unknown> | undefined) ?? []
    for (const method of methods) {
      const op = pathItem[method] as Record<string, unknown> | undefined
      if (op === undefined) continue
      if (!op || typeof op !== "object") {
        problem(["paths", path, method], show(op), "an operation object")
        continue
      }
      if (version.startsWith("3.0") && (op.responses === undefined || typeof op.responses !== "object"))
        problem(["paths", path, method, "responses"], show(op.responses), "a responses object")
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
      const params = [...pathParams, ...((op.parameters as Array<unknown> | undefined) ?? [])].map((p) =>
        deref(doc, p),
      )
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
  return { operations, problems }
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
