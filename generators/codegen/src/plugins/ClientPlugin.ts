/**
 * `keyway:client`, the built-in emitter of the client modules, through ts-morph structures:
 *
 * - `src/client.ts`, the Promise API: the options types derived from the descriptor (a missing
 *   credential or variable is a compile error; `internal/ClientTypes.ts`), `resolveSettings`,
 *   `authLayer` (`internal/AuthLayer.ts`) and the consent helpers, the one operation table
 *   (`operationTable`: name → method, path, operationId, scopes, pagination), the operation types
 *   (core's generics bound to the provider's `paths`), the provider's definition
 *   (`Client.defineProvider` of `@keyway/core`) and `createClient`;
 * - `src/effect.ts`, the Effect API: the Effect client type, the `Context.Service` class and
 *   `layer(options)`, built from the same definition.
 *
 * Other plugins add properties to both clients with `ctx.extend` (see `keyway:operations`,
 * `keyway:pagination`).
 *
 * @example
 * ```ts
 * import { ClientPlugin } from "@keyway/codegen"
 * ClientPlugin.plugin.name // "keyway:client"
 * ```
 *
 * @since 0.1.0
 */
import { type StatementStructures, StructureKind } from "ts-morph"
import * as Emit from "../Emit.ts"
import * as AuthLayer from "../internal/AuthLayer.ts"
import * as ClientTypes from "../internal/ClientTypes.ts"
import { arrow, block, constant, iface, indent, typeAlias, verbatimConstant } from "../internal/Structures.ts"
import * as Usage from "../internal/Usage.ts"
import type { ProviderModel } from "../Model.ts"
import type { ClientContext, ExtensionValue, Plugin } from "../Plugin.ts"
import * as ConsentHelpers from "./ConsentHelpers.ts"
import { type ClientPlan, make as makePlan, operationEntries } from "./ProviderPlan.ts"

/**
 * The operation table: operation name → `{ method, path, operationId, scopes?, pagination? }`,
 * checked against core's `OperationTable.Table`. One entry a line when it fits.
 *
 * @example
 * ```ts
 * import { ClientPlugin } from "@keyway/codegen"
 * import type { Model } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * ClientPlugin.operationTable(model).includes("export const operationTable = {") // true
 * ```
 *
 * @since 0.1.0
 */
export const operationTable = (model: ProviderModel): string => {
  const rows = operationEntries(model).map(({ name, ...entry }) => {
    const key = Emit.propertyName(name)
    const inline = Emit.value(entry).replace(/\n\s*/g, " ").replace(/, }/g, " }").replace(/,\s*]/g, "]")
    const text = `${key}: ${inline},`
    return text.length + 2 <= 110 ? text : `${key}: ${Emit.value(entry)},`
  })
  return verbatimConstant(
    "operationTable",
    `${rows.length ? `{\n${rows.map((r) => indent(r)).join("\n")}\n}` : "{}"} as const satisfies OperationTable.Table`,
    {
      doc: "Every operation of the spec, by name: its method and path, its operationId, the scopes its `security` asks for and how it pages.",
    },
  )
}

/**
 * The operation types of the Promise API: the generic ones of @keyway/core's `Client`, bound to
 * the provider's `paths`, prefixed with the provider's type name (two providers imported together
 * do not clash).
 *
 * @example
 * ```ts
 * import { ClientPlugin } from "@keyway/codegen"
 * import type { Model } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * ClientPlugin.operationTypes(model).map((s) => s.name) // ["PetstoreOperationArgs", ...]
 * ```
 *
 * @since 0.1.0
 */
export const operationTypes = (model: ProviderModel) => {
  const T = model.typeName
  const P = { name: "P", constraint: "keyof paths" }
  const M = { name: "M", constraint: "HttpMethod" }
  return [
    typeAlias(`${T}OperationArgs`, "Operation.Args<I>", {
      typeParameters: ["I"],
      doc: "The `init` argument of an operation: openapi-fetch's, plus Keyway's per-call options.",
    }),
    typeAlias(`${T}OperationOf`, "Operation.Of<paths, P, M>", {
      typeParameters: [P, M],
      doc: "The operation object of a path and method.",
    }),
    typeAlias(`${T}Operation`, "Operation.Bound<paths, P, M>", {
      typeParameters: [P, M],
      doc: "An operation of the Promise API: `client.op.x(init)` is `client.METHOD(path, init)`.",
    }),
    typeAlias(`${T}OperationData`, "Operation.Data<paths, P, M, I>", {
      typeParameters: [P, M, { name: "I", default: "{}" }],
      doc: "The typed success data of an operation.",
    }),
  ]
}

const call = (value: ExtensionValue, client: string): string =>
  "value" in value
    ? Emit.value(value.value)
    : `${value.call
        .split(".")
        .map((segment) => Emit.identifier(segment))
        .join(".")}(${value.from === "promise" ? `${client}.promise` : client})`

const typeReference = (type: string): string => {
  // A type reference a plugin names: identifiers, dots, generic arguments, unions of them.
  if (!/^[A-Za-z_$][\w$.<>, |[\]"]*$/.test(type) || /\*\/|\/\*|\/\//.test(type))
    throw new Emit.EmitError({ what: "a type reference", found: Emit.string(type) })
  return type
}

const extender = (fields: ReadonlyArray<string>): string =>
  fields.length ? `(client) => (${block("{", fields, "}", 50)})` : "() => ({})"

const factories = (ctx: ClientContext, plan: ClientPlan): void => {
  const model = ctx.model
  const T = model.typeName
  const error = ClientTypes.errorTypeOf(model, plan)
  const d = model.descriptor
  const ext = ctx.extensions
  const required = ClientTypes.clientHeaders(model)
  const retry = d.retry
    ? Object.fromEntries(
        (
          [
            ["maxAttempts", d.retry.maxAttempts],
            ["baseDelayMs", d.retry.baseDelay],
            ["maxDelayMs", d.retry.maxDelay],
            ["maxRetryAfterMs", d.retry.maxRetryAfter],
            ["deadlineMs", d.retry.deadline],
            ["attemptTimeoutMs", d.retry.attemptTimeout],
            ["retryOn", d.retry.retryOn],
          ] as const
        ).filter(([, v]) => v !== undefined),
      )
    : {}
  const inline = (v: unknown) => Emit.value(v).replace(/\n\s*/g, " ").replace(/, }/g, " }")
  const fields = [
    "provider",
    "operations: OperationTable.routes(operationTable)",
    ...(Object.keys(retry).length ? [`retry: ${inline(retry)}`] : []),
    ...(d.throttle ? [`throttle: ${inline(d.throttle)}`] : []),
    ...(d.correlation ? [`correlation: ${inline(d.correlation)}`] : []),
    ...(Object.keys(d.headers ?? {}).length ? [`headers: ${inline(d.headers)}`] : []),
    ...(required.length ? [`requiredHeaders: ${inline(required)}`] : []),
    ...(d.origins?.length ? ["origins: descriptor.origins"] : []),
    ...(d.limits ? ["limits: descriptor.limits"] : []),
    ...(d.redirects ? ["redirects: descriptor.redirects"] : []),
    "resolveSettings",
    // called, not referenced: `auth.ts` imports this module (a cycle read only inside functions)
    "authLayer: (options, settings) => authLayer(options, settings)",
  ]
  const definition = `${T.charAt(0).toLowerCase()}${T.slice(1)}Provider`
  ctx.addImport({ from: "@keyway/core/Client", namespace: "Client" })
  ctx.addImport({ from: "@keyway/core/Provider", namespace: "Provider" })
  ctx.addImport({ from: "./auth.ts", values: ["authLayer"] })
  const promise: Array<StatementStructures> = [
    constant(definition, block("{", fields, "}", 40), {
      type: `Provider.Definition<${T}ClientOptions, ${T}Settings>`,
      doc: "The provider as both APIs build it (`Provider.makeClient`, `EffectProvider.layer` of @keyway/core): the descriptor's retry policy, correlation header and headers, the operation table's routes, `resolveSettings`, `authLayer`.",
    }),
    iface(
      `${T}PromiseClient`,
      ext.map((e) => Emit.property(Emit.identifier(e.name), typeReference(e.type), { doc: e.doc })),
      {
        doc: `The Promise API client: openapi-fetch's methods running through Keyway${ext.length ? `, plus ${ext.map((e) => `\`${e.name}\``).join(", ")}` : ""}.`,
        extends: ["Client.Client<paths>"],
      },
    ),
    arrow(
      "createClient",
      `options: ${T}ClientOptions`,
      `${T}PromiseClient`,
      `Provider.makeClient<paths>()(${definition}, options${ext.length ? `, ${extender(ext.map((e) => `${Emit.identifier(e.name)}: ${call(e.make, "client")}`))}` : ""})`,
      {
        doc: "Creates a Promise API client. Constructing it does no I/O; call `close()` when done.",
        example: Usage.promise(model, Usage.declared(model)),
      },
    ),
    arrow(
      "createPathBasedClient",
      `options: ${T}ClientOptions`,
      "Client.PathBasedClient<paths>",
      "Client.wrapAsPathBased(createClient(options))",
      {
        doc: "Creates a path-based Promise API client (openapi-fetch's `createPathBasedClient`): `client[path].GET(init)`, every call through the same pipeline as `createClient`'s.",
        example: Usage.pathBased(model, Usage.declared(model)),
      },
    ),
  ]
  ctx.addStatements(promise)
  const effectExt = ext.filter((e) => e.effectType !== undefined && e.effectMake !== undefined)
  ctx.addImport({ from: "effect", values: ["Context"], types: ["Layer"] }, "effect")
  ctx.addImport({ from: "@keyway/core/EffectClient", namespace: "EffectClient", typeOnly: true }, "effect")
  ctx.addImport({ from: "@keyway/core/EffectProvider", namespace: "EffectProvider" }, "effect")
  ctx.addImport({ from: "./types.ts", types: ["paths"] }, "effect")
  ctx.addImport({ from: "./client.ts", values: [definition], types: [error, `${T}ClientOptions`] }, "effect")
  const consent = ConsentHelpers.strategyOf(plan) !== undefined
  ctx.addExport(
    {
      from: "./auth.ts",
      values: ["authLayer", ...(consent ? ["authorizationCodeConfig", "consent"] : [])],
      types: consent ? [`${T}AuthorizationCodeInput`, `${T}ConsentOptions`] : [],
    },
    "effect",
  )
  const effect: Array<StatementStructures> = [
    iface(
      `${T}EffectClient`,
      effectExt.map((e) =>
        Emit.property(Emit.identifier(e.name), typeReference(e.effectType!), { doc: e.doc }),
      ),
      {
        doc: `The Effect API client: methods return an \`Effect\` of the typed data, failing with \`HttpError<${error}>\` or another tagged error.`,
        extends: [`EffectClient.EffectClient<paths, ${error}>`],
      },
    ),
  ]
  ctx.addStatements(effect, "effect")
  ctx.addStatements(
    [
      {
        kind: StructureKind.Class,
        name: `${T}Client`,
        isExported: true,
        extends: `Context.Service<${T}Client, ${T}EffectClient>()(\n  ${Emit.string(`${model.packageName}/${T}Client`)},\n)`,
        docs: Emit.docs(
          `The ${Emit.docText(d.title)} client as an Effect service.`,
          Usage.effect(model, Usage.declared(model)),
        ),
      },
      arrow(
        "layer",
        `options: ${T}ClientOptions`,
        `Layer.Layer<${T}Client, unknown>`,
        `EffectProvider.layer<paths, ${error}>()(${definition}, ${T}Client, options, ${extender(effectExt.map((e) => `${Emit.identifier(e.name)}: ${call(e.effectMake!, "client")}`))})`,
        {
          doc: `The layer of {@link ${T}Client}: the auth plugin, the token store, retry and correlation settings.`,
          example: Usage.effect(model, Usage.declared(model)),
        },
      ),
    ],
    "effect",
  )
}

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { ClientPlugin } from "@keyway/codegen"
 * ClientPlugin.plugin.dependsOn // undefined
 * ```
 *
 * @since 0.1.0
 */
export const plugin: Plugin = {
  name: "keyway:client",
  client: (ctx) => {
    const plan = makePlan(ctx.model)
    ClientTypes.add(ctx, plan)
    AuthLayer.add(ctx, plan)
    ctx.addImport({ from: "@keyway/core/OperationTable", namespace: "OperationTable" })
    ctx.addImport({ from: "@keyway/core/Operation", namespace: "Operation", typeOnly: true })
    ctx.addImport({ from: "openapi-typescript-helpers", types: ["HttpMethod"] })
    ctx.addStatements([operationTable(ctx.model), ...operationTypes(ctx.model)])
    ctx.defer(() => factories(ctx, plan))
  },
}
