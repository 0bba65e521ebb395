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

const runtime = `type At<T, P extends string> = P extends \`\${infer H}.\${infer R}\`
  ? At<NonNullable<T>[H & keyof NonNullable<T>], R>
  : NonNullable<T>[P & keyof NonNullable<T>]

/** The element type of the array at a dotted path of a page. */
export type PageItem<T, P extends string> = At<T, P> extends ReadonlyArray<infer I> ? I : unknown`

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
          `  /** ${docText(`Every item of ${operationKey(op)}, page after page (${p.style})`)} */\n  readonly ${propertyName(op.name)}: (...init: OperationArgs<MaybeOptionalInit<paths[${literal(op.path)}] & Record<${literal(op.method)}, unknown>, ${literal(op.method)}>>) => AsyncIterableIterator<PageItem<OperationData<${literal(op.path)}, ${literal(op.method)}>, ${literal(p.items)}>>`,
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
        `const pagedOperations: ReadonlyArray<readonly [string, "GET" | "POST" | "PUT" | "PATCH" | "DELETE", string, Pagination.Spec]> = [
${entries.join("\n")}
]`,
        `/**
 * Binds the paginators to a Promise API client (each is \`Pagination.iterate\` of @keyway/core).
 *
 * @example
 * \`\`\`ts
 * for await (const item of bindPaginators(client).someOperation()) console.log(item)
 * \`\`\`
 */
export const bindPaginators = (client: Pagination.PagedClient): ${T}Paginators => {
  const out: Record<string, (init?: Parameters<typeof Pagination.iterate>[3]) => AsyncGenerator<unknown, void, undefined>> = {}
  for (const [name, method, path, spec] of pagedOperations) out[name] = (init) => Pagination.iterate(client, method, path, init, spec)
  return out as unknown as ${T}Paginators
}`,
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
