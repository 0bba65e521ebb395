/**
 * `keyway:operations`, the built-in plugin that adds one function per operation, named after its
 * operationId: `client.op.searchCandidates(init)` is `client.POST("/API/candidates/search", init)`,
 * typed from the same `paths` (a wrong parameter or body does not compile). Both APIs get it:
 * the Effect client's `op` functions return Effects.
 *
 * @example
 * ```ts
 * import { OperationsPlugin } from "@keyway/codegen"
 * OperationsPlugin.plugin.dependsOn // ["keyway:client"]
 * ```
 *
 * @since 0.1.0
 */
import * as Emit from "../Emit.ts"
import { errorTypeOf } from "../internal/ClientTypes.ts"
import { arrow, iface, typeAlias } from "../internal/Structures.ts"
import { operationKey } from "../Model.ts"
import type { Plugin } from "../Plugin.ts"
import { make as makePlan } from "./ProviderPlan.ts"

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { OperationsPlugin } from "@keyway/codegen"
 * OperationsPlugin.plugin.name // "keyway:operations"
 * ```
 *
 * @since 0.1.0
 */
export const plugin: Plugin = {
  name: "keyway:operations",
  dependsOn: ["keyway:client"],
  client: (ctx) => {
    const T = ctx.model.typeName
    const error = errorTypeOf(ctx.model, makePlan(ctx.model))
    const members = (operation: string) =>
      ctx.model.operations.map((op) =>
        Emit.property(op.name, `${operation}<${Emit.string(op.path)}, ${Emit.string(op.method)}>`, {
          doc: `${operationKey(op)}${op.summary ? ` — ${op.summary}` : ""}`,
          deprecated: op.deprecated === true,
        }),
      )
    ctx.addStatements([
      iface(`${T}Operations`, members(`${T}Operation`), {
        doc: "One function per operation, named after its operationId (Promise API).",
      }),
      arrow(
        "bindOperations",
        "client: object",
        `${T}Operations`,
        `OperationTable.bind<${T}Operations>(client, operationTable)`,
        {
          exported: false,
        },
      ),
    ])
    ctx.addImport({ from: "openapi-typescript-helpers", types: ["HttpMethod"] }, "effect")
    ctx.addImport({ from: "@keyway/core/OperationTable", namespace: "OperationTable" }, "effect")
    ctx.addImport({ from: "./client.ts", values: ["operationTable"] }, "effect")
    ctx.addStatements(
      [
        typeAlias(`${T}EffectOperation`, `EffectClient.Operation<paths, P, M, ${error}>`, {
          typeParameters: [
            { name: "P", constraint: "keyof paths" },
            { name: "M", constraint: "HttpMethod" },
          ],
          doc: "An operation of the Effect API: `client.op.x(init)` is an `Effect` of the typed data.",
        }),
        iface(`${T}EffectOperations`, members(`${T}EffectOperation`), {
          doc: "One function per operation, named after its operationId (Effect API).",
        }),
        arrow(
          "bindEffectOperations",
          "client: object",
          `${T}EffectOperations`,
          `OperationTable.bind<${T}EffectOperations>(client, operationTable)`,
          { exported: false },
        ),
      ],
      "effect",
    )
    ctx.extend({
      name: "op",
      type: `${T}Operations`,
      make: { call: "bindOperations" },
      effectType: `${T}EffectOperations`,
      effectMake: { call: "bindEffectOperations" },
      doc: "One function per operation, named after its operationId.",
    })
  },
}
