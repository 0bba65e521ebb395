/**
 * What every route group of the Workable sandbox shares: the seeded account and its indexes,
 * id and time helpers, Workable's error replies (`{ error }`), the body and `member_id` checks,
 * `paging.next` pagination and the `api` registrar that puts a route under `/spi/v3` behind the
 * bearer and scope check.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const first = (await fetch(`${sb.baseUrl}/jobs?limit=10`, { headers }).then((r) => r.json())) as Record<string, any>
 * const second = (await fetch(first.paging.next, { headers }).then((r) => r.json())) as Record<string, any> // the next 10, by since_id
 * ```
 *
 * @since 0.1.0
 */

import { slicePage } from "../Api.ts"
import { sendJson, str } from "../Http.ts"
import type { Router } from "../Router.ts"
import type { Handler, RequestContext, Runtime } from "../SandboxServer.ts"
import { seedWorkable, type WorkableData, type WorkableItem, workableId } from "../WorkableData.ts"
import { spiGuard } from "./Auth.ts"

/** A plausible email address. */
export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

/**
 * The given keys of an item, those it has.
 *
 * @example
 * ```ts
 * pick({ id: "1", name: "A", secret: 1 }, ["id", "name"]) // { id: "1", name: "A" }
 * ```
 */
export const pick = (item: WorkableItem, keys: readonly string[]): WorkableItem => {
  const out: WorkableItem = {}
  for (const key of keys) if (key in item) out[key] = item[key]
  return out
}

/**
 * A Workable id (hexadecimal) as a number, `NaN` when it is not a string.
 *
 * @example
 * ```ts
 * hexValue("1f") // 31
 * ```
 */
export const hexValue = (id: unknown): number =>
  typeof id === "string" ? Number.parseInt(id, 16) : Number.NaN

/**
 * The state and helpers the Workable route groups share.
 *
 * @example
 * ```ts
 * const register = (w: WorkableContext) => w.api("GET", "/accounts", undefined, (ctx) => sendJson(ctx.res, 200, { accounts: [w.data.account] }))
 * ```
 */
export interface WorkableContext {
  readonly rt: Runtime
  readonly router: Router<Handler>
  readonly subdomain: string
  readonly data: WorkableData
  readonly jobsByCode: Map<string, WorkableItem>
  readonly candidatesById: Map<string, WorkableItem>
  readonly employeesById: Map<string, WorkableItem>
  readonly requisitionsByCode: Map<string, WorkableItem>
  readonly offersById: Map<string, WorkableItem>
  readonly eventsById: Map<string, WorkableItem>
  readonly membersById: Map<string, WorkableItem>
  /** The job of the route's `{shortcode}`. */
  readonly job: (ctx: RequestContext) => WorkableItem | undefined
  /** The next id of a kind (`candidate`, `employee`, …). */
  readonly next: (kind: string) => string
  /** The sandbox clock's now as an ISO string. */
  readonly now: () => string
  /** Registers an SPI v3 route (path without `/spi/v3`) that needs a token, and the scope unless `undefined`. */
  readonly api: (method: string, path: string, scope: string | undefined, handler: Handler) => void
  readonly fail: (ctx: RequestContext, status: number, error: string, extra?: Record<string, unknown>) => void
  readonly notFound: (ctx: RequestContext) => void
  readonly unprocessable: (ctx: RequestContext, message: string) => void
  /** The JSON body, or `undefined` after answering 422. */
  readonly body: (ctx: RequestContext) => Record<string, unknown> | undefined
  /** Whether the body names a `member_id` of the account; answers 422 when not. */
  readonly memberId: (ctx: RequestContext, body: Record<string, unknown>) => boolean
  /** `{key: [...], paging: {next}}` over items sorted by id, with `limit`, `since_id` and `max_id`. */
  readonly paged: (
    ctx: RequestContext,
    key: string,
    items: WorkableItem[],
    view?: (x: WorkableItem) => unknown,
  ) => void
  /** The items whose `field` (a date) is after the query parameter `param`, all of them without it. */
  readonly after: (ctx: RequestContext, items: WorkableItem[], param: string, field: string) => WorkableItem[]
}

/**
 * Seeds the account and builds the shared helpers.
 *
 * @example
 * ```ts
 * const w = makeWorkableContext(rt, new Router<Handler>(), "acme")
 * ```
 */
export const makeWorkableContext = (
  rt: Runtime,
  router: Router<Handler>,
  subdomain: string,
): WorkableContext => {
  const data: WorkableData = seedWorkable(subdomain)
  const index = <T extends WorkableItem>(items: T[], key = "id") =>
    new Map(items.map((x) => [String(x[key]), x]))
  const membersById = index(data.members)
  const next = (kind: string) => {
    const n = data.counters[kind] ?? 0
    data.counters[kind] = n + 1
    return workableId(kind, n)
  }
  const now = () => new Date(rt.clock.now() * 1000).toISOString()
  const fail = (ctx: RequestContext, status: number, error: string, extra?: Record<string, unknown>) =>
    sendJson(ctx.res, status, { error, ...extra })
  const guard = spiGuard(fail)
  const api = (method: string, path: string, scope: string | undefined, handler: Handler) => {
    router.add(method, `/spi/v3${path}`, "api", (ctx) => {
      if (guard(ctx, scope)) return handler(ctx)
    })
  }
  const unprocessable = (ctx: RequestContext, message: string) => fail(ctx, 422, message)
  const body = (ctx: RequestContext): Record<string, unknown> | undefined => {
    const b = ctx.fields()
    if (!b) unprocessable(ctx, "The request body must be a JSON object")
    return b
  }
  const memberId = (ctx: RequestContext, b: Record<string, unknown>): boolean => {
    const id = str(b, "member_id")
    if (!id) {
      unprocessable(ctx, "member_id is required")
      return false
    }
    if (!membersById.has(id)) {
      unprocessable(ctx, `member_id ${id} is not a member of this account`)
      return false
    }
    return true
  }
  const paged = (
    ctx: RequestContext,
    key: string,
    items: WorkableItem[],
    view?: (x: WorkableItem) => unknown,
  ) => {
    const q = ctx.query
    const limitText = q.get("limit")
    let limit = limitText === null ? 50 : Number.parseInt(limitText, 10)
    if (!Number.isFinite(limit) || limit < 1) limit = 50
    limit = Math.min(limit, 100)
    const since = hexValue(q.get("since_id"))
    const max = hexValue(q.get("max_id"))
    let rows = items
    if (!Number.isNaN(since) || !Number.isNaN(max))
      rows = rows.filter((x) => {
        const v = hexValue(x.id)
        return (Number.isNaN(since) || v >= since) && (Number.isNaN(max) || v <= max)
      })
    const page = slicePage(rows, 0, limit)
    const out: Record<string, unknown> = { [key]: view ? page.items.map(view) : page.items }
    const following = page.next === undefined ? undefined : rows[page.next]
    if (following) {
      const url = new URL(rt.origin + ctx.path)
      for (const [k, v] of q) if (k !== "since_id" && k !== "limit") url.searchParams.append(k, v)
      url.searchParams.set("limit", String(limit))
      url.searchParams.set("since_id", String(following.id))
      out.paging = { next: url.toString() }
    }
    sendJson(ctx.res, 200, out)
  }
  const after = (ctx: RequestContext, items: WorkableItem[], param: string, field: string) => {
    const value = ctx.query.get(param)
    if (!value) return items
    const t = Date.parse(value)
    return Number.isNaN(t) ? items : items.filter((x) => Date.parse(x[field] as string) > t)
  }
  const jobsByCode = index(data.jobs, "shortcode")
  return {
    rt,
    router,
    subdomain,
    data,
    jobsByCode,
    candidatesById: index(data.candidates),
    employeesById: index(data.employees),
    requisitionsByCode: index(data.requisitions, "code"),
    offersById: index(data.offers),
    eventsById: index(data.events),
    membersById,
    job: (ctx) => jobsByCode.get(ctx.params.shortcode as string),
    next,
    now,
    api,
    fail,
    notFound: (ctx) => fail(ctx, 404, "Not found"),
    unprocessable,
    body,
    memberId,
    paged,
    after,
  }
}
