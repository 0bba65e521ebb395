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
import { operationKey } from "../Model.ts"
import type { Plugin } from "../Plugin.ts"

const runtime = (T: string) => `/** The element type of the array at a dotted path of a page. */
export type PageItem<T, P extends string> = Pagination.PageItem<T, P>

/**
 * A paged operation of the Effect API: an Effect \`Stream\` of the items of every page
 * (\`Pagination.stream\` of @keyway/core), failing with the typed error of a failing page.
 *
 * @example
 * \`\`\`ts
 * const items = Stream.runCollect(client.paginate.someOperation())
 * \`\`\`
 */
export type EffectPaginator<P extends keyof paths, M extends HttpMethod, Items extends string> = (
  ...init: OperationArgs<Client.OperationInit<paths, P, M>>
) => Stream.Stream<
  PageItem<OperationData<P, M>, Items>,
  Errors.HttpError<${T}ErrorEnvelope> | Call.CallError | Errors.UnexpectedResponse
>`

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
    const effectFields: Array<string> = []
    for (const p of ctx.model.descriptor.pagination ?? []) {
      for (const id of p.operations) {
        const op = byId.get(id)
        if (!op) continue
        // Every field of the descriptor's entry but the operation list is the runtime's spec.
        const { operations: _operations, ...style } = p
        entries.push(
          `  [${Emit.string(op.name)}, ${Emit.string(op.method.toUpperCase())}, ${Emit.string(op.path)}, ${Emit.json(style)}],`,
        )
        fields.push(
          `  /** ${Emit.docText(`Every item of ${operationKey(op)}, page after page (${p.style})`)} */\n  readonly ${Emit.propertyName(op.name)}: Pagination.Paginator<paths, ${Emit.string(op.path)}, ${Emit.string(op.method)}, ${Emit.string(p.items)}>`,
        )
        effectFields.push(
          `  /** ${Emit.docText(`Every item of ${operationKey(op)}, page after page (${p.style}), as a stream`)} */\n  readonly ${Emit.propertyName(op.name)}: EffectPaginator<${Emit.string(op.path)}, ${Emit.string(op.method)}, ${Emit.string(p.items)}>`,
        )
      }
    }
    if (entries.length === 0) return
    ctx.addStatements(
      `\n${[
        runtime(T),
        `/** Async iterators over the items of the paged operations (Promise API). */
export interface ${T}Paginators {
${fields.join("\n")}
}`,
        `/** Effect \`Stream\`s of the items of the paged operations (Effect API). */
export interface ${T}EffectPaginators {
${effectFields.join("\n")}
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
        `/**
 * Binds the stream paginators to an Effect API client's \`promise\`: \`Pagination.bindStreams\` of @keyway/core (each is \`Pagination.stream\`).
 *
 * @example
 * \`\`\`ts
 * const items = yield* Stream.runCollect(bindEffectPaginators(client.promise).someOperation())
 * \`\`\`
 */
export const bindEffectPaginators = (client: Pagination.PagedClient): ${T}EffectPaginators =>
  Pagination.bindStreams(client, pagedOperations) as unknown as ${T}EffectPaginators`,
      ].join("\n\n")}`,
    )
    ctx.extend({
      name: "paginate",
      type: `${T}Paginators`,
      make: `bindPaginators(client)`,
      effectType: `${T}EffectPaginators`,
      effectMake: `bindEffectPaginators(client.promise)`,
      doc: "The items of the paged operations: async iterators (Promise API), Effect `Stream`s (Effect API).",
    })
  },
}
