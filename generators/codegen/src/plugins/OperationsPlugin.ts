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
import { operationKey } from "../Model.ts"
import type { Plugin } from "../Plugin.ts"

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
    const ops = ctx.model.operations
    const line = (effect: boolean) =>
      ops
        .map((op) => {
          const summary = `${operationKey(op)}${op.summary ? ` — ${op.summary}` : ""}`
          return `  /** ${Emit.docText(summary)}${op.deprecated ? " @deprecated" : ""} */\n  readonly ${Emit.propertyName(op.name)}: ${effect ? "EffectOperation" : "Operation"}<${Emit.string(op.path)}, ${Emit.string(op.method)}>`
        })
        .join("\n")
    const list = ops
      .map(
        (op) =>
          `  [${Emit.string(op.name)}, ${Emit.string(op.method.toUpperCase())}, ${Emit.string(op.path)}],`,
      )
      .join("\n")
    ctx.addStatements(
      `\n${[
        `/** One function per operation, named after its operationId (Promise API). */
export interface ${T}Operations {
${line(false)}
}`,
        `/** One function per operation, named after its operationId (Effect API). */
export interface ${T}EffectOperations {
${line(true)}
}`,
        `const operationList: Client.OperationList = [
${list}
]`,
        `/**
 * Binds the operation functions to a client (either API): \`Client.bindOperations\` of @keyway/core.
 *
 * @example
 * \`\`\`ts
 * const op = bindOperations(client)
 * \`\`\`
 */
export const bindOperations = (client: object): Record<string, (...init: Array<unknown>) => unknown> =>
  Client.bindOperations(client, operationList)`,
      ].join("\n\n")}`,
    )
    ctx.extend({
      name: "op",
      type: `${T}Operations`,
      make: `bindOperations(client) as unknown as ${T}Operations`,
      effectType: `${T}EffectOperations`,
      effectMake: `bindOperations(client) as unknown as ${T}EffectOperations`,
      doc: "One function per operation, named after its operationId.",
    })
  },
}
