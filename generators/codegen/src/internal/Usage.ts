/**
 * The usage examples of a generated package, one definition for its README and the JSDoc of what
 * it emits: the operation an example calls (a real one of the spec, with its required
 * parameters), the options, the Promise and Effect programs. Plain TypeScript text: the callers
 * put it in a README fence or through `Emit` in a doc comment.
 */
import * as Emit from "../Emit.ts"
import type { Operation, ProviderModel } from "../Model.ts"
import type { ClientPlan } from "../plugins/ProviderPlan.ts"

type Json = Record<string, unknown>

/** A value with its local `$ref`s followed (`undefined` for a remote or broken one). */
export const deref = (document: Json, value: unknown, depth = 0): Json | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  const ref = (value as { $ref?: unknown }).$ref
  if (typeof ref !== "string" || depth > 8) return value as Json
  if (!ref.startsWith("#/")) return undefined
  let at: unknown = document
  for (const seg of ref.slice(2).split("/")) {
    at = (at as Json | undefined)?.[seg.replaceAll("~1", "/").replaceAll("~0", "~")]
    if (at === undefined) return undefined
  }
  return deref(document, at, depth + 1)
}

/**
 * A TypeScript expression of a value that a schema accepts, for examples: the first enum value,
 * a placeholder per scalar type, the required (and defaulted) properties of an object; `"..." as never` where
 * the schema says too little (it compiles wherever it is put).
 */
export const placeholder = (document: Json, schema: unknown, depth = 0): string => {
  const s = deref(document, schema)
  const loose = `"..." as never`
  if (!s || depth > 4) return loose
  if (Array.isArray(s.enum) && s.enum.length > 0) return JSON.stringify(s.enum[0])
  if (s.const !== undefined) return JSON.stringify(s.const)
  for (const key of ["oneOf", "anyOf"] as const)
    if (Array.isArray(s[key]) && (s[key] as Array<unknown>).length > 0)
      return placeholder(document, (s[key] as Array<unknown>)[0], depth + 1)
  const type = Array.isArray(s.type) ? (s.type as Array<unknown>).find((t) => t !== "null") : s.type
  switch (type) {
    case "string":
      return s.format === "binary" ? loose : `"..."`
    case "integer":
    case "number":
      return "1"
    case "boolean":
      return "true"
    case "array":
      return "[]"
    case "object": {
      if (s.allOf || s.oneOf || s.anyOf || s.additionalProperties === false) return loose
      const props = (s.properties ?? {}) as Json
      // a property with a default is required in the types of `defaultNonNullable` (the default)
      const required = [
        ...(Array.isArray(s.required) ? (s.required as Array<string>) : []),
        ...Object.keys(props).filter((k) => deref(document, props[k])?.default !== undefined),
      ].filter((k, i, all) => all.indexOf(k) === i)
      if (!required.every((r) => r in props)) return loose
      return `{ ${required.map((r) => `${Emit.propertyName(r)}: ${placeholder(document, props[r], depth + 1)}`).join(", ")} }`
    }
    default:
      return loose
  }
}

export interface ExampleCall {
  readonly name: string
  /** The argument, or "" when the operation needs none. */
  readonly args: string
  /** The path template and the upper-case method, for the path-based client. */
  readonly path: string
  readonly method: string
}

/**
 * The operation an example calls and the argument it needs: every required path, query, header
 * and cookie parameter and a required body, with placeholder values. Prefers a GET, then the
 * operation needing least; `only` narrows the candidates (e.g. to the paged operations).
 */
export const exampleCall = (
  model: ProviderModel,
  only: (op: Operation) => boolean = () => true,
): ExampleCall | undefined => {
  const document = model.document
  const paths = (document.paths ?? {}) as Json
  const candidates = model.operations.flatMap((op, index) => {
    if (!only(op)) return []
    const item = deref(document, paths[op.path]) ?? {}
    const operation = deref(document, item[op.method]) ?? {}
    const byKey = new Map<string, Json>()
    for (const raw of [
      ...((item.parameters as Array<unknown>) ?? []),
      ...((operation.parameters as Array<unknown>) ?? []),
    ]) {
      const p = deref(document, raw)
      if (p && typeof p.name === "string" && typeof p.in === "string") byKey.set(`${p.in} ${p.name}`, p)
    }
    const groups = new Map<string, Array<string>>()
    for (const p of byKey.values()) {
      if (p.in !== "path" && p.required !== true) continue
      const list = groups.get(p.in as string) ?? []
      list.push(`${Emit.propertyName(p.name as string)}: ${placeholder(document, p.schema)}`)
      groups.set(p.in as string, list)
    }
    const parts: Array<string> = []
    const params = ["path", "query", "header", "cookie"]
      .filter((g) => groups.has(g))
      .map((g) => `${g}: { ${groups.get(g)!.join(", ")} }`)
    if (params.length) parts.push(`params: { ${params.join(", ")} }`)
    const body = deref(document, operation.requestBody)
    if (body?.required === true) {
      const content = (body.content ?? {}) as Json
      const media = content["application/json"] ?? Object.values(content)[0]
      parts.push(`body: ${placeholder(document, (media as Json | undefined)?.schema)}`)
    }
    const needed = [...groups.values()].reduce((n, l) => n + l.length, 0)
    const cost = (op.method === "get" ? 0 : 1000) + (body?.required === true ? 100 : 0) + needed
    return [
      {
        index,
        cost,
        call: {
          name: op.name,
          args: parts.length ? `{ ${parts.join(", ")} }` : "",
          path: op.path,
          method: op.method.toUpperCase(),
        },
      },
    ]
  })
  candidates.sort((a, b) => a.cost - b.cost || a.index - b.index)
  return candidates[0]?.call
}

/** `const options: <T>ClientOptions = { ... }`: the location and the first strategy's required fields, from the environment. */
export const options = (model: ProviderModel, plan: ClientPlan): string => {
  const s = plan.strategies[0]!
  const auth = [
    ...(plan.strategies.length > 1 ? [`type: ${Emit.string(s.key)}`] : []),
    ...s.fields
      .filter((f) => !f.optional)
      .map(
        (f) =>
          `${Emit.identifier(f.name)}: process.env.${model.name.toUpperCase().replace(/-/g, "_")}_${f.name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}!`,
      ),
  ]
  const location: Array<string> = []
  if (plan.environments.length) location.push(`environment: ${Emit.string(plan.environments[0]!)}`)
  for (const v of plan.variables)
    if (v.exposed && v.required) location.push(`${Emit.identifier(v.name)}: "..."`)
  if (plan.baseUrlRequired) location.push(`baseUrl: "https://api.example.com"`)
  return `const options: ${model.typeName}ClientOptions = {
  ${[...location, `auth: { ${auth.join(", ")} }`].join(",\n  ")},
}`
}

/** `declare const options: <T>ClientOptions`: the short options of a doc comment's example. */
export const declared = (model: ProviderModel, type = `${model.typeName}ClientOptions`): string =>
  `declare const options: ${type}`

/** The Promise API program: `createClient`, one call, `close`. */
export const promise = (model: ProviderModel, options: string): string => {
  const op = exampleCall(model)
  return `import { createClient, type ${model.typeName}ClientOptions } from ${Emit.string(model.packageName)}

${options}
const client = createClient(options)
${op ? `const { data, error } = await client.op.${op.name}(${op.args})\nconsole.log(data ?? error)` : "// no operations"}
await client.close()`
}

/** The path-based Promise API program: `createPathBasedClient`, one call by path, `close`. */
export const pathBased = (model: ProviderModel, options: string): string => {
  const op = exampleCall(model)
  return `import { createPathBasedClient, type ${model.typeName}ClientOptions } from ${Emit.string(model.packageName)}

${options}
const api = createPathBasedClient(options)
${op ? `const { data, error } = await api[${Emit.string(op.path)}].${op.method}(${op.args})\nconsole.log(data ?? error)` : "// no operations"}
await api.close()`
}

/** The Effect API program: the service, one call, run with `layer(options)`. */
export const effect = (model: ProviderModel, options: string): string => {
  const op = exampleCall(model)
  return `import { Effect } from "effect"
import type { ${model.typeName}ClientOptions } from ${Emit.string(model.packageName)}
import { ${model.typeName}Client, layer } from ${Emit.string(`${model.packageName}/effect`)}

${options}
const program = Effect.gen(function* () {
  const client = yield* ${model.typeName}Client
  ${op ? `return yield* client.op.${op.name}(${op.args})` : "return undefined"}
})
console.log(await Effect.runPromise(program.pipe(Effect.provide(layer(options)))))`
}

/** A program of the Effect API streaming the items of a paged operation (the first one `exampleCall` picks). */
export const paginate = (model: ProviderModel): string => {
  const ids = new Set((model.descriptor.pagination ?? []).flatMap((p) => p.operations))
  const op = exampleCall(model, (o) => ids.has(o.operationId))
  return `import { Effect, Stream } from "effect"
import { ${model.typeName}Client } from ${Emit.string(`${model.packageName}/effect`)}

const items = Effect.gen(function* () {
  const client = yield* ${model.typeName}Client
  ${op ? `return yield* Stream.runCollect(client.paginate.${op.name}(${op.args}))` : "return undefined"}
})`
}

/** An example of a function of the package taking the options (`resolveSettings`, `authLayer`): imports, `declare const options`, then `body`. */
export const withOptions = (
  model: ProviderModel,
  from: { readonly main?: ReadonlyArray<string>; readonly effect?: ReadonlyArray<string> },
  body: string,
  type = `${model.typeName}ClientOptions`,
): string => {
  const fromEffect = type !== `${model.typeName}ClientOptions`
  const line = (values: ReadonlyArray<string>, withType: boolean, entry: string) =>
    values.length
      ? [
          `import { ${[...values, ...(withType ? [`type ${type}`] : [])].join(", ")} } from ${Emit.string(entry)}`,
        ]
      : withType
        ? [`import type { ${type} } from ${Emit.string(entry)}`]
        : []
  return [
    ...line(from.main ?? [], !fromEffect, model.packageName),
    ...line(from.effect ?? [], fromEffect, `${model.packageName}/effect`),
    "",
    declared(model, type),
    body,
  ].join("\n")
}
