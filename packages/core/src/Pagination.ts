/**
 * Async iteration over paged list endpoints, in the styles providers use:
 *
 * - `next-url`: the body holds the next page's URL (Workable's `paging.next`, absolute; Culture
 *   Amp's `pagination.nextPath`, relative to the host).
 * - `cursor`: the body holds a cursor to send back as a query parameter (Culture Amp's
 *   `pagination.afterKey` → `?cursor=`).
 * - `offset`: an offset and a limit, in the query (`?offset=&limit=`) or in the body at a dotted
 *   path (CCW's `meta.offset`/`meta.limit`); pages end when one comes back short or the offset
 *   passes a declared total.
 * - `page`: a page number and a page size in the query (`?page=2&per_page=50`); pages end with an
 *   empty page, or when the items seen reach the total at `total` (or the page number reaches
 *   the page count at `totalPages`).
 * - `link`: the next page's URL is the `rel="next"` target of the RFC 8288 `Link` response
 *   header (`Link: <https://api.example/items?page=2>; rel="next"`, GitHub-style); pages end
 *   when there is none.
 *
 * Every page is an ordinary call through the client: same auth, retries and correlation rules,
 * each page with its own correlation id. A page that fails throws the call's typed error.
 *
 * The Effect API pages with `Stream`s instead: `EffectPagination.stream` and
 * `EffectPagination.bindStreams` run the same page logic and fail the stream with that typed
 * error. This module's types import nothing from `effect` (a generated package's Promise entry
 * uses it).
 *
 * @example
 * ```ts
 * import { Pagination } from "@keyway/core"
 * // client: a Keyway client for Workable
 * // for await (const job of Pagination.iterate(client, "GET", "/jobs", {}, { style: "next-url", items: "jobs", next: "paging.next" })) {
 * //   console.log(job.shortcode)
 * // }
 * ```
 *
 * @since 0.1.0
 */

import type { HttpMethod } from "openapi-typescript-helpers"
import { callInfo } from "./Client.ts"
import { HttpError, OriginRefused, redactUrl } from "./Errors.ts"
import * as LinkHeader from "./internal/linkHeader.ts"
import type * as Shapes from "./internal/shapes.ts"
import type { Args as OperationArgs, Data as OperationData, Init as OperationInit } from "./Operation.ts"
import * as Origin from "./Origin.ts"

/**
 * How an endpoint pages (the descriptor's `pagination` entry without its `operations`). A plain
 * type, so that the Promise entry loads no effect: its literals come from the one list the
 * descriptor schema is built from, and `Descriptor.ts` checks at compile time that this type and
 * the schema's agree field for field.
 *
 * @example
 * ```ts
 * import type { Pagination } from "@keyway/core"
 * const spec: Pagination.Spec = { style: "next-url", items: "jobs", next: "paging.next" }
 * ```
 *
 * @since 0.1.0
 */
export interface Spec {
  readonly style: (typeof Shapes.paginationStyles)[number]
  /** Dotted path to the items array in a page; empty when the page body is the array itself. */
  readonly items: string
  /** Dotted path to the next URL (next-url) or cursor (cursor). */
  readonly next?: string | undefined
  /** Query parameter for the cursor or offset, or a dotted body path (`meta.offset`). */
  readonly param?: string | undefined
  /** Query parameter or dotted body path for the page size. */
  readonly limitParam?: string | undefined
  readonly pageSize?: number | undefined
  /**
   * A `next` link to another origin than the first page's: `refuse` (default) fails with
   * `OriginRefused`; `follow-without-credentials` calls it with no credential at all. A link from
   * https to http is always refused.
   */
  readonly crossOrigin?: (typeof Shapes.crossOrigins)[number] | undefined
  /** `page`: the number of the first page (default 1). */
  readonly firstPage?: number | undefined
  /** `offset`, `page`: dotted path to the total number of items in a page's body. */
  readonly total?: string | undefined
  /** `page`: dotted path to the number of pages in a page's body. */
  readonly totalPages?: string | undefined
}

type Init = {
  readonly params?: { readonly query?: Record<string, unknown>; readonly path?: Record<string, unknown> }
  readonly body?: unknown
  readonly baseUrl?: string
  readonly keyway?: Record<string, unknown>
  readonly [key: string]: unknown
}

type AnyMethod = (
  url: string,
  init?: Init,
) => Promise<{ data?: unknown; error?: unknown; response: Response }>

/**
 * Anything with openapi-fetch methods: a Keyway Promise client, or an Effect client's `promise`.
 *
 * @example
 * ```ts
 * import type { Pagination } from "@keyway/core"
 * declare const client: Pagination.PagedClient // a Keyway Promise client, or an Effect client's `promise`
 * ```
 *
 * @since 0.1.0
 */
export type PagedClient = { readonly [M in "GET" | "POST" | "PUT" | "PATCH" | "DELETE"]?: unknown }

/**
 * Reads a dotted path (`paging.next`) from a value; the empty path is the value itself.
 *
 * @example
 * ```ts
 * import { Pagination } from "@keyway/core"
 * Pagination.at({ paging: { next: "u" } }, "paging.next") // "u"
 * Pagination.at([1, 2], "") // [1, 2]
 * ```
 *
 * @since 0.1.0
 */
export const at = (value: unknown, path: string): unknown => {
  if (path === "") return value
  let current = value
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

const setAt = (value: unknown, path: string, leaf: unknown): unknown => {
  const [head, ...rest] = path.split(".")
  const base = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {}
  return { ...base, [head!]: rest.length === 0 ? leaf : setAt(base[head!], rest.join("."), leaf) }
}

const isBodyPath = (param: string, method: string) => method !== "GET" && param.includes(".")

const withParam = (init: Init, method: string, param: string, value: unknown): Init =>
  isBodyPath(param, method)
    ? { ...init, body: setAt(init.body, param, value) }
    : { ...init, params: { ...init.params, query: { ...init.params?.query, [param]: value } } }

/**
 * Iterates over the pages of an endpoint, yielding each page's body.
 *
 * @example
 * ```ts
 * import { Pagination } from "@keyway/core"
 * declare const client: Pagination.PagedClient
 * for await (const page of Pagination.pages(client, "GET", "/jobs", undefined, { style: "next-url", items: "jobs", next: "paging.next" }))
 *   console.log(page)
 * ```
 *
 * @since 0.1.0
 */
export async function* pages(
  client: PagedClient,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  init: Init | undefined,
  spec: Spec,
): AsyncGenerator<unknown, void, undefined> {
  const call = (client as Record<string, AnyMethod>)[method]
  if (typeof call !== "function") throw new TypeError(`the client has no ${method} method`)
  let request: Init = init ?? {}
  // The page size actually asked for: the caller's own limit wins over the declared page size.
  let limit = spec.pageSize
  if (spec.limitParam !== undefined) {
    const given = isBodyPath(spec.limitParam, method)
      ? at(request.body, spec.limitParam)
      : request.params?.query?.[spec.limitParam]
    if (given !== undefined && Number.isFinite(Number(given))) limit = Number(given)
    else if (limit !== undefined) request = withParam(request, method, spec.limitParam, limit)
  }
  let offset = 0
  let pageNumber = 0
  let seen = 0
  if (spec.style === "page") {
    const param = spec.param ?? "page"
    const given = isBodyPath(param, method) ? at(request.body, param) : request.params?.query?.[param]
    const first = spec.firstPage ?? 1
    pageNumber = given !== undefined && Number.isFinite(Number(given)) ? Number(given) : first
    if (given === undefined) request = withParam(request, method, param, pageNumber)
    // Starting later than the first page: the items before it count towards the total.
    seen = Math.max(0, pageNumber - first) * (limit ?? 0)
  }
  if (spec.style === "offset") {
    const param = spec.param ?? "offset"
    const given = isBodyPath(param, method) ? at(request.body, param) : request.params?.query?.[param]
    offset = Number(given ?? 0)
    if (given === undefined) request = withParam(request, method, param, offset)
  }
  // The first page's origin: the client's own. Credentials go only there (the call pipeline
  // enforces it too); another origin is refused or called without credentials.
  let home: string | undefined
  for (let page = 0; page < 100_000; page++) {
    const { data, error, response } = await call(path, request)
    home ??= Origin.of(response.url)
    if (!response.ok || data === undefined) {
      const info = callInfo(response)
      throw new HttpError({
        status: response.status,
        method,
        url: info?.url ?? path,
        correlationId: info?.correlationId ?? "",
        body: error,
        attempts: info?.attempts ?? 1,
      })
    }
    yield data
    const items = at(data, spec.items)
    const count = Array.isArray(items) ? items.length : 0
    if (count === 0) return
    // The next URL (next-url, link) carries every query parameter itself: call it as the base
    // URL, keeping the route template for scopes and spans. Credentials go only to the first
    // page's origin: another origin is refused or called without any credential, and a link from
    // https to http is always refused.
    const follow = (next: string) => {
      let url: URL
      try {
        url = new URL(next, response.url || undefined)
      } catch {
        throw refusal(method, next, response, "the next link is not a URL")
      }
      const target = Origin.of(url)
      if (target === undefined) throw refusal(method, url, response, "the next link is not an http(s) URL")
      if (
        Origin.relation(response.url, url.href) === "downgrade" ||
        (home?.startsWith("https:") && url.protocol === "http:")
      ) {
        throw refusal(method, url, response, "the next link downgrades https to http")
      }
      const foreign = home !== undefined && target !== home
      if (foreign && spec.crossOrigin !== "follow-without-credentials") {
        throw refusal(method, url, response, `the next link leaves ${home} for ${target}`)
      }
      const query = Object.fromEntries(url.searchParams)
      url.search = ""
      request = {
        ...request,
        baseUrl: url.toString(),
        params: { ...request.params, path: {}, query },
        keyway: { ...request.keyway, route: path, anonymous: foreign },
      }
      path = ""
    }
    switch (spec.style) {
      case "link": {
        const next = LinkHeader.find(response.headers.get("link"), "next")
        if (next === undefined || next === "") return
        follow(next)
        break
      }
      case "page": {
        seen += count
        const total = spec.total === undefined ? undefined : Number(at(data, spec.total))
        if (total !== undefined && Number.isFinite(total) && seen >= total) return
        const pagesTotal = spec.totalPages === undefined ? undefined : Number(at(data, spec.totalPages))
        const first = spec.firstPage ?? 1
        if (pagesTotal !== undefined && Number.isFinite(pagesTotal) && pageNumber - first + 1 >= pagesTotal)
          return
        pageNumber += 1
        request = withParam(request, method, spec.param ?? "page", pageNumber)
        break
      }
      case "next-url": {
        const next = at(data, spec.next ?? "paging.next")
        if (typeof next !== "string" || next === "") return
        follow(next)
        break
      }
      case "cursor": {
        const cursor = at(data, spec.next ?? "pagination.afterKey")
        if (cursor === undefined || cursor === null || cursor === "") return
        request = withParam(request, method, spec.param ?? "cursor", cursor)
        break
      }
      case "offset": {
        const pageLimit = limit ?? count
        if (count < pageLimit) return
        offset += count
        const total =
          spec.total !== undefined
            ? at(data, spec.total)
            : (at(data, "meta.total") ?? at(data, "total") ?? at(data, "totalCount"))
        if (typeof total === "number" && offset >= total) return
        request = withParam(request, method, spec.param ?? "offset", offset)
        break
      }
    }
  }
}

const refusal = (method: string, url: string | URL, response: Response, reason: string) => {
  const info = callInfo(response)
  return new OriginRefused({
    method,
    url: redactUrl(url),
    correlationId: info?.correlationId ?? "",
    origin: Origin.of(url) ?? "<none>",
    reason,
  })
}

/**
 * Iterates over the items of every page.
 *
 * @example
 * ```ts
 * import { Pagination } from "@keyway/core"
 * // const all = await Array.fromAsync(Pagination.iterate(client, "POST", "/API/candidates/search", { body }, { style: "offset", items: "data", param: "meta.offset", limitParam: "meta.limit", pageSize: 50 }))
 * ```
 *
 * @since 0.1.0
 */
export async function* iterate<Item = unknown>(
  client: PagedClient,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  init: Init | undefined,
  spec: Spec,
): AsyncGenerator<Item, void, undefined> {
  for await (const page of pages(client, method, path, init, spec)) {
    const items = at(page, spec.items)
    if (Array.isArray(items)) yield* items as Array<Item>
  }
}

type At<T, Path extends string> = Path extends ""
  ? T
  : Path extends `${infer Head}.${infer Rest}`
    ? At<NonNullable<T>[Head & keyof NonNullable<T>], Rest>
    : NonNullable<T>[Path & keyof NonNullable<T>]

/**
 * The element type of the array at a dotted path (`Spec.items`) of a page: the type
 * {@link iterate} yields for a typed page.
 *
 * @example
 * ```ts
 * import type { Pagination } from "@keyway/core"
 * type Page = { readonly paging: { readonly next?: string }; readonly data: { readonly jobs: Array<{ id: string }> } }
 * type Job = Pagination.PageItem<Page, "data.jobs"> // { id: string }
 * ```
 *
 * @since 0.1.0
 */
export type PageItem<T, Path extends string> = At<T, Path> extends ReadonlyArray<infer Item> ? Item : unknown

/**
 * An iterator over the items of a paged operation of `Paths`: it takes the operation's own
 * `init` (and Keyway's call options) and yields the elements of the array at `Items` of every page.
 *
 * @example
 * ```ts
 * import type { Pagination } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * declare const listAgents: Pagination.Paginator<paths, "/agents", "get", "">
 * for await (const agent of listAgents()) console.log(agent.id)
 * ```
 *
 * @since 0.1.0
 */
export type Paginator<Paths extends {}, P extends keyof Paths, M extends HttpMethod, Items extends string> = (
  ...init: OperationArgs<OperationInit<Paths, P, M>>
) => AsyncIterableIterator<PageItem<OperationData<Paths, P, M>, Items>>

/**
 * A paged operation to bind with {@link bind}: `[name, METHOD, path, spec]`.
 *
 * @example
 * ```ts
 * import type { Pagination } from "@keyway/core"
 * const listJobs: Pagination.PagedOperation = ["listJobs", "GET", "/jobs", { style: "next-url", items: "jobs", next: "paging.next" }]
 * ```
 *
 * @since 0.1.0
 */
export type PagedOperation = readonly [
  name: string,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  spec: Spec,
]

/**
 * Binds one iterator per paged operation to a client: `out[name](init)` is
 * `iterate(client, method, path, init, spec)`. The result is untyped; a generated client gives it
 * its paginators interface (one {@link Paginator} per name).
 *
 * @example
 * ```ts
 * import { Pagination } from "@keyway/core"
 * // const paginate = Pagination.bind(client, [["listJobs", "GET", "/jobs", { style: "next-url", items: "jobs" }]])
 * // for await (const job of paginate.listJobs!()) console.log(job)
 * ```
 *
 * @since 0.1.0
 */
export const bind = (
  client: PagedClient,
  operations: ReadonlyArray<PagedOperation>,
): Record<string, (init?: Init) => AsyncGenerator<unknown, void, undefined>> => {
  const out: Record<string, (init?: Init) => AsyncGenerator<unknown, void, undefined>> = {}
  for (const [name, method, path, spec] of operations)
    out[name] = (init) => iterate(client, method, path, init, spec)
  return out
}
