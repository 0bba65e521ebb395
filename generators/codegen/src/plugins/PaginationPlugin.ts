/**
 * `keyway:pagination`, the built-in plugin that adds `client.paginate.<operation>(init)` for the
 * operations the descriptor's `pagination` names: an async iterator over the items of every
 * page, in the descriptor's style (`next-url`, `cursor`, `offset`), through `Pagination.iterate`
 * of `@keyway/core`; the item type is the element type of the success body at `items`.
 *
 * @example
 * ```ts
 * import { PaginationPlugin } from "@keyway/codegen"
 * PaginationPlugin.plugin.dependsOn // ["keyway:operations"]
 * ```
 *
 * @since 0.1.0
 */
import { docText, literal, operationKey, propertyName } from "../Model.ts"
import type { Plugin } from "../Plugin.ts"

const runtime = `/** The element type of the array at a dotted path of a page. */
export type PageItem<T, P extends string> = Pagination.PageItem<T, P>`

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
    const entries: Array<string> = []
    const fields: Array<string> = []
    for (const p of ctx.model.descriptor.pagination ?? []) {
      for (const id of p.operations) {
        const op = byId.get(id)
        if (!op) continue
        const style = {
          style: p.style,
          items: p.items,
          ...(p.next ? { next: p.next } : {}),
          ...(p.param ? { param: p.param } : {}),
          ...(p.limitParam ? { limitParam: p.limitParam } : {}),
          ...(p.pageSize !== undefined ? { pageSize: p.pageSize } : {}),
        }
        entries.push(
          `  [${literal(op.name)}, ${literal(op.method.toUpperCase())}, ${literal(op.path)}, ${JSON.stringify(style)}],`,
        )
        fields.push(
          `  /** ${docText(`Every item of ${operationKey(op)}, page after page (${p.style})`)} */\n  readonly ${propertyName(op.name)}: Pagination.Paginator<paths, ${literal(op.path)}, ${literal(op.method)}, ${literal(p.items)}>`,
        )
      }
    }
    if (entries.length === 0) return
    ctx.addStatements(
      `\n${[
        runtime,
        `/** Async iterators over the items of the paged operations. */
export interface ${T}Paginators {
${fields.join("\n")}
}`,
        `const pagedOperations: ReadonlyArray<Pagination.PagedOperation> = [
${entries.join("\n")}
]`,
        `/**
 * Binds the paginators to a Promise API client: \`Pagination.bind\` of @keyway/core (each is \`Pagination.iterate\`).
 *
 * @example
 * \`\`\`ts
 * for await (const item of bindPaginators(client).someOperation()) console.log(item)
 * \`\`\`
 */
export const bindPaginators = (client: Pagination.PagedClient): ${T}Paginators =>
  Pagination.bind(client, pagedOperations) as unknown as ${T}Paginators`,
      ].join("\n\n")}`,
    )
    ctx.extend({
      name: "paginate",
      type: `${T}Paginators`,
      make: `bindPaginators(client)`,
      effectType: `${T}Paginators`,
      effectMake: `bindPaginators(client.promise)`,
      doc: "Async iterators over the items of the paged operations.",
    })
  },
}
