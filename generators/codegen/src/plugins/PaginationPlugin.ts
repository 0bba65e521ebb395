/**
 * `keyway:pagination`, the built-in plugin that adds `client.paginate.<operation>(init)` for the
 * operations the descriptor's `pagination` names: an async iterator over the items of every
 * page, in the descriptor's style: `next-url` (follow the URL in the body), `cursor` (send the
 * body's cursor back as a parameter) or `offset` (advance an offset by the page's size). The
 * cursor or offset goes into the query when the operation has a query parameter of that name,
 * else into the JSON body at the dotted path (CCW's `meta.offset`).
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

const runtime = `type PageResult = { readonly data?: unknown; readonly error?: unknown; readonly response: Response }

interface PageStyle {
  readonly style: "next-url" | "cursor" | "offset"
  readonly items: string
  readonly next?: string | undefined
  readonly param?: string | undefined
  readonly paramIn: "query" | "body"
  readonly limitParam?: string | undefined
  readonly limitIn: "query" | "body"
  readonly pageSize?: number | undefined
}

const getPath = (value: unknown, path: string): unknown => {
  let node = value
  for (const key of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

const setPath = (value: unknown, path: string, next: unknown): Record<string, unknown> => {
  const [head, ...rest] = path.split(".")
  const base = value !== null && typeof value === "object" ? { ...(value as Record<string, unknown>) } : {}
  base[head!] = rest.length === 0 ? next : setPath(base[head!], rest.join("."), next)
  return base
}

const place = (init: Record<string, unknown>, where: "query" | "body", name: string, value: unknown): Record<string, unknown> => {
  if (where === "body") return { ...init, body: setPath(init.body, name, value) }
  const params = (init.params ?? {}) as Record<string, unknown>
  return { ...init, params: { ...params, query: { ...(params.query as object | undefined), [name]: value } } }
}

const pageError = (page: PageResult): Error => {
  const info = Client.callInfo(page.response)
  const error = new Error(\`\${info?.method ?? "GET"} \${info?.url ?? page.response.url} answered \${page.response.status} while paging\`)
  return Object.assign(error, { _tag: "HttpError", status: page.response.status, body: page.error, correlationId: info?.correlationId })
}

async function* iteratePages(
  call: (init: Record<string, unknown>) => Promise<PageResult>,
  first: Record<string, unknown>,
  style: PageStyle,
  baseUrl: string,
): AsyncGenerator<unknown, void, undefined> {
  let init = first
  let pageSize = style.pageSize
  if (style.limitParam) {
    const current = style.limitIn === "body" ? getPath(init.body, style.limitParam) : getPath(init.params, \`query.\${style.limitParam}\`)
    if (current === undefined && pageSize !== undefined) init = place(init, style.limitIn, style.limitParam, pageSize)
    else if (current !== undefined && Number.isFinite(Number(current))) pageSize = Number(current)
  }
  let offset = style.style === "offset" && style.param
    ? Number((style.paramIn === "body" ? getPath(init.body, style.param) : getPath(init.params, \`query.\${style.param}\`)) ?? 0)
    : 0
  for (let pages = 0; pages < 100_000; pages++) {
    const page = await call(init)
    if (page.error !== undefined || !page.response.ok) throw pageError(page)
    const items = getPath(page.data, style.items)
    const list = Array.isArray(items) ? items : []
    yield* list
    if (style.style === "offset") {
      if (list.length === 0 || (pageSize !== undefined && list.length < pageSize) || !style.param) return
      offset += list.length
      init = place(init, style.paramIn, style.param, offset)
    } else {
      const next = style.next ? getPath(page.data, style.next) : undefined
      if (next === undefined || next === null || next === "") return
      if (style.style === "cursor") {
        if (!style.param) return
        init = place(init, style.paramIn, style.param, next)
      } else {
        const url = new URL(String(next), baseUrl.endsWith("/") ? baseUrl : \`\${baseUrl}/\`)
        const query: Record<string, string> = {}
        for (const [k, v] of url.searchParams) query[k] = v
        const params = (init.params ?? {}) as Record<string, unknown>
        init = { ...init, params: { ...params, query } }
      }
    }
  }
}

type At<T, P extends string> = P extends \`\${infer H}.\${infer R}\`
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
        const paramIn = p.param && !op.queryParams.includes(p.param) && op.hasBody ? "body" : "query"
        const limitIn = p.limitParam && !op.queryParams.includes(p.limitParam) && op.hasBody ? "body" : "query"
        const style = {
          style: p.style,
          items: p.items,
          ...(p.next ? { next: p.next } : {}),
          ...(p.param ? { param: p.param } : {}),
          paramIn,
          ...(p.limitParam ? { limitParam: p.limitParam } : {}),
          limitIn,
          ...(p.pageSize !== undefined ? { pageSize: p.pageSize } : {}),
        }
        entries.push(`  [${literal(op.name)}, ${literal(op.method.toUpperCase())}, ${literal(op.path)}, ${JSON.stringify(style)}],`)
        fields.push(
          `  /** ${docText(`Every item of ${operationKey(op)}, page after page (${p.style})`)} */\n  readonly ${propertyName(op.name)}: (...init: OperationArgs<MaybeOptionalInit<paths[${literal(op.path)}] & Record<${literal(op.method)}, unknown>, ${literal(op.method)}>>) => AsyncIterableIterator<PageItem<OperationData<${literal(op.path)}, ${literal(op.method)}>, ${literal(p.items)}>>`,
        )
      }
    }
    if (entries.length === 0) return
    ctx.sourceFile.addStatements(
      `\n${[
      runtime,
      `/** Async iterators over the items of the paged operations. */
export interface ${T}Paginators {
${fields.join("\n")}
}`,
      `const pagedOperations: ReadonlyArray<readonly [string, string, string, PageStyle]> = [
${entries.join("\n")}
]`,
      `/**
 * Binds the paginators to a Promise API client.
 *
 * @example
 * \`\`\`ts
 * for await (const item of bindPaginators(client, baseUrl).someOperation()) console.log(item)
 * \`\`\`
 */
export const bindPaginators = (client: object, baseUrl: string): ${T}Paginators => {
  const methods = client as Readonly<Record<string, (path: string, init?: Record<string, unknown>) => Promise<PageResult>>>
  const out: Record<string, (init?: Record<string, unknown>) => AsyncGenerator<unknown, void, undefined>> = {}
  for (const [name, method, path, style] of pagedOperations)
    out[name] = (init = {}) => iteratePages((i) => methods[method]!(path, i), init, style, baseUrl)
  return out as unknown as ${T}Paginators
}`,
      ].join("\n\n")}`,
    )
    ctx.extend({
      name: "paginate",
      type: `${T}Paginators`,
      make: `bindPaginators(client, settings.baseUrl)`,
      effectType: `${T}Paginators`,
      effectMake: `bindPaginators(client.promise, settings.baseUrl)`,
      doc: "Async iterators over the items of the paged operations.",
    })
  },
}
