/**
 * `keyway:pagination`, the built-in plugin that adds `client.paginate.<operation>(init)` for the
 * operations the descriptor's `pagination` names, paging in the descriptor's style (`next-url`,
 * `cursor`, `offset`, `page`, `link`): on the Promise API an async iterator over the items of every page
 * (`Pagination.iterate` of `@keyway/core`, typed by `<Provider>Paginators`), on the Effect API an
 * Effect `Stream` of them (`Pagination.stream`, typed by `<Provider>EffectPaginators`) failing with
 * the typed `HttpError` of a failing page or another Keyway error. The item type is the element
 * type of the success body at `items`.
 *
 * @example
 * ```ts
 * import { PaginationPlugin } from "@keyway/codegen"
 * PaginationPlugin.plugin.dependsOn // ["keyway:operations"]
 * ```
 *
 * @since 0.1.0
 */
import * as Emit from "../Emit.ts"
import { errorTypeOf } from "../internal/ClientTypes.ts"
import { arrow, iface, typeAlias } from "../internal/Structures.ts"
import * as Usage from "../internal/Usage.ts"
import { operationKey } from "../Model.ts"
import type { Plugin } from "../Plugin.ts"
import { make as makePlan } from "./ProviderPlan.ts"

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { PaginationPlugin } from "@keyway/codegen"
 * PaginationPlugin.plugin.name // "keyway:pagination"
 * ```
 *
 * @since 0.1.0
 */
export const plugin: Plugin = {
  name: "keyway:pagination",
  dependsOn: ["keyway:operations"],
  client: (ctx) => {
    const T = ctx.model.typeName
    const byId = new Map(ctx.model.operations.map((op) => [op.operationId, op]))
    const paged = (ctx.model.descriptor.pagination ?? []).flatMap((p) =>
      p.operations.flatMap((id) => {
        const op = byId.get(id)
        return op ? [{ op, p }] : []
      }),
    )
    if (paged.length === 0) return
    const error = errorTypeOf(ctx.model, makePlan(ctx.model))
    const member = (paginator: string, stream: boolean) =>
      paged.map(({ op, p }) =>
        Emit.property(
          op.name,
          `${paginator}<${stream ? "" : "paths, "}${Emit.string(op.path)}, ${Emit.string(op.method)}, ${Emit.string(p.items)}>`,
          {
            doc: `Every item of ${operationKey(op)}, page after page (${p.style})${stream ? ", as a stream" : ""}`,
          },
        ),
      )
    const P = { name: "P", constraint: "keyof paths" }
    const M = { name: "M", constraint: "HttpMethod" }
    const Items = { name: "Items", constraint: "string" }
    ctx.addImport({ from: "@keyway/core/Pagination", namespace: "Pagination", typeOnly: true })
    ctx.addStatements([
      typeAlias(`${T}PageItem`, "Pagination.PageItem<T, P>", {
        typeParameters: ["T", { name: "P", constraint: "string" }],
        doc: "The element type of the array at a dotted path of a page.",
      }),
      iface(`${T}Paginators`, member("Pagination.Paginator", false), {
        doc: "Async iterators over the items of the paged operations (Promise API).",
      }),
      arrow(
        "bindPaginators",
        "client: Pagination.PagedClient",
        `${T}Paginators`,
        `OperationTable.paginators<${T}Paginators>(client, operationTable)`,
        { exported: false },
      ),
    ])
    ctx.addImport({ from: "@keyway/core/EffectOperationTable", namespace: "EffectOperationTable" }, "effect")
    ctx.addImport(
      { from: "@keyway/core/EffectPagination", namespace: "EffectPagination", typeOnly: true },
      "effect",
    )
    ctx.addImport({ from: "@keyway/core/Pagination", namespace: "Pagination", typeOnly: true }, "effect")
    ctx.addStatements(
      [
        typeAlias(`${T}EffectPaginator`, `EffectPagination.StreamPaginator<paths, P, M, Items, ${error}>`, {
          typeParameters: [P, M, Items],
          doc: "A paged operation of the Effect API: an Effect `Stream` of the items of every page (`Pagination.stream` of @keyway/core), failing with the typed error of a failing page.",
          example: Usage.paginate(ctx.model),
        }),
        iface(`${T}EffectPaginators`, member(`${T}EffectPaginator`, true), {
          doc: "Effect `Stream`s of the items of the paged operations (Effect API).",
        }),
        arrow(
          "bindEffectPaginators",
          "client: Pagination.PagedClient",
          `${T}EffectPaginators`,
          `EffectOperationTable.streams<${T}EffectPaginators>(client, operationTable)`,
          { exported: false },
        ),
      ],
      "effect",
    )
    ctx.extend({
      name: "paginate",
      type: `${T}Paginators`,
      make: { call: "bindPaginators" },
      effectType: `${T}EffectPaginators`,
      effectMake: { call: "bindEffectPaginators", from: "promise" },
      doc: "The items of the paged operations: async iterators (Promise API), Effect `Stream`s (Effect API).",
    })
  },
}
