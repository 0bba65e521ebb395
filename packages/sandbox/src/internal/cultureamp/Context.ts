/**
 * What the Culture Amp API routes share: the lazily seeded account, the `{ code, message }`
 * error reply, the permission check, `after_date` filters and the cursor pagination (an opaque
 * base64 cursor that carries the collection, the offset and the filters; `pagination.afterKey` and
 * `nextPath`).
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox } from "@keyway/sandbox"
 * await using sb = await startCultureAmpSandbox()
 * const { clientId, clientSecret, scope } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
 *   body: new URLSearchParams({ grant_type: "client_credentials", scope }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${access_token}` }
 * const first = (await fetch(`${sb.baseUrl}/employees`, { headers }).then((r) => r.json())) as Record<string, any>
 * const second = (await fetch(`${sb.origin}${first.pagination.nextPath}`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */

import { slicePage } from "../Api.ts"
import { sendJson } from "../Http.ts"
import type { Router } from "../Router.ts"
import type { Handler, RequestContext, Runtime } from "../SandboxServer.ts"
import { type CultureAmpError, permissionGuard } from "./Auth.ts"
import { type Dataset, type Item, seedCultureAmp } from "./Data.ts"

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i

interface Cursor {
  readonly PK: string
  readonly SK: number
  readonly F?: Record<string, string>
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64")
const decodeCursor = (text: string): Cursor | undefined => {
  try {
    const value = JSON.parse(Buffer.from(text.replace(/ /g, "+"), "base64").toString("utf8")) as Cursor
    return typeof value.PK === "string" && Number.isInteger(value.SK) && value.SK >= 0 ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * Reads a list's filters from the query into `filters`; answers and returns `false` when one is invalid.
 *
 * @example
 * ```ts
 * const readState: ReadFilters = (ctx, filters) => { filters.state = ctx.query.get("state") ?? "active"; return true }
 * ```
 */
export type ReadFilters = (ctx: RequestContext, filters: Record<string, string>) => boolean

/**
 * The state and helpers the Culture Amp route groups share.
 *
 * @example
 * ```ts
 * const register = (c: CultureAmpContext) => c.router.add("GET", "/v1/employees/{id}", "api", (ctx) => c.one(ctx, ["employees-read"], () => c.data().employeesById.get(c.param(ctx, "id"))))
 * ```
 */
export interface CultureAmpContext {
  readonly rt: Runtime
  readonly router: Router<Handler>
  /** The seeded account, seeded on first use. */
  readonly data: () => Dataset
  readonly error: CultureAmpError
  /** Checks the token and one of the permissions; answers and returns false when refused. */
  readonly guard: (ctx: RequestContext, permissions: readonly string[]) => boolean
  /** Reads `after_date` (RFC 3339) into the filters. */
  readonly afterDate: ReadFilters
  /** Answers one page of a list; filters come from the query or, when a cursor is given, from the cursor. */
  readonly list: (
    ctx: RequestContext,
    collection: string,
    permissions: readonly string[],
    readFilters: ReadFilters | undefined,
    rows: (filters: Record<string, string>) => Item[] | undefined,
    withAfterKey: boolean,
  ) => void
  /** Answers `{ data }` with one item, 404 when there is none. */
  readonly one: (ctx: RequestContext, permissions: readonly string[], item: () => unknown) => void
  readonly param: (ctx: RequestContext, name: string) => string
  /** The items processed after the filters' `after_date`, all of them without it. */
  readonly processedAfter: (items: Item[], filters: Record<string, string>) => Item[]
}

/**
 * Builds the shared helpers.
 *
 * @example
 * ```ts
 * const c = makeCultureAmpContext(rt, new Router<Handler>(), { jwtSecret: "s", pageSize: 100 })
 * ```
 */
export const makeCultureAmpContext = (
  rt: Runtime,
  router: Router<Handler>,
  settings: { readonly jwtSecret: string; readonly pageSize: number },
): CultureAmpContext => {
  const { jwtSecret, pageSize } = settings
  let dataset: Dataset | undefined
  const data = (): Dataset => {
    if (!dataset) dataset = seedCultureAmp()
    return dataset
  }
  const error = (ctx: RequestContext, code: number, message: string, headers?: Record<string, string>) =>
    sendJson(ctx.res, code, { code, message }, headers)
  const guard = permissionGuard(rt, jwtSecret, error)
  const afterDate = (ctx: RequestContext, filters: Record<string, string>): boolean => {
    const value = ctx.query.get("after_date")
    if (value === null) return true
    if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
      error(ctx, 400, "after_date must be an RFC 3339 date-time, e.g. 2023-05-01T00:00:00Z (escape + as %2B)")
      return false
    }
    filters.after_date = new Date(value).toISOString()
    return true
  }

  const list: CultureAmpContext["list"] = (ctx, collection, permissions, readFilters, rows, withAfterKey) => {
    if (!guard(ctx, permissions)) return
    const cursorText = ctx.query.get("cursor") ?? ctx.query.get("after_key")
    let start = 0
    let filters: Record<string, string> = {}
    if (cursorText !== null && cursorText !== "") {
      const cursor = decodeCursor(cursorText)
      if (!cursor || cursor.PK !== collection) return error(ctx, 400, "Invalid cursor")
      start = cursor.SK
      filters = cursor.F ?? {}
    } else if (readFilters && !readFilters(ctx, filters)) return
    const all = rows(filters)
    if (!all) return error(ctx, 404, "Not found")
    const { items: page, next } = slicePage(all, start, pageSize)
    if (next === undefined) return sendJson(ctx.res, 200, { data: page })
    const afterKey = encodeCursor(
      Object.keys(filters).length > 0
        ? { PK: collection, SK: next, F: filters }
        : { PK: collection, SK: next },
    )
    const nextPath = `${ctx.path}?cursor=${encodeURIComponent(afterKey)}`
    sendJson(ctx.res, 200, { data: page, pagination: withAfterKey ? { afterKey, nextPath } : { nextPath } })
  }
  const one = (ctx: RequestContext, permissions: readonly string[], item: () => unknown) => {
    if (!guard(ctx, permissions)) return
    const value = item()
    if (value === undefined) error(ctx, 404, "Not found")
    else sendJson(ctx.res, 200, { data: value })
  }
  const param = (ctx: RequestContext, name: string) => ctx.params[name] as string
  const processedAfter = (items: Item[], filters: Record<string, string>) => {
    const after = filters.after_date
    return after === undefined ? items : items.filter((x) => (x.processedAt as string) > after)
  }
  return { rt, router, data, error, guard, afterDate, list, one, param, processedAfter }
}
