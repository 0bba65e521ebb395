/**
 * The CCW sandbox's API: candidate search and contingent-worker search (JSON bodies, exact
 * case-insensitive field filters, `meta.limit`/`meta.offset` pagination up to 50) and candidate
 * confirmation with an optional start date.
 *
 * @example
 * ```ts
 * import { startCcwSandbox } from "@keyway/sandbox"
 * await using sb = await startCcwSandbox()
 * const { clientId, clientSecret } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, scope: "ccw.candidate", grant_type: "client_credential" }),
 * }).then((r) => r.json())) as Record<string, any>
 * const search = await fetch(`${sb.baseUrl}/API/contingent_workers`, {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json", "x-correlation-id": "c-1" },
 *   body: JSON.stringify({ data: { status: "active" } }),
 * }) // 403: the token lacks ccw.contingent_workers
 * ```
 *
 * @since 0.1.0
 */

import { slicePage } from "../Api.ts"
import { isObject, sendJson } from "../Http.ts"
import type { Router } from "../Router.ts"
import type { Handler, RequestContext, Runtime } from "../SandboxServer.ts"
import { guard } from "./Auth.ts"
import { CANDIDATE_FIELDS, type Row, seedCcw, WORKER_FIELDS } from "./Data.ts"
import { ccwError } from "./Errors.ts"

/**
 * Seeds the data and registers the API routes.
 *
 * @example
 * ```ts
 * import { startCcwSandbox } from "@keyway/sandbox"
 * await using sb = await startCcwSandbox()
 * const { clientId, clientSecret } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, scope: "ccw.candidate", grant_type: "client_credential" }),
 * }).then((r) => r.json())) as Record<string, any>
 * const confirmed = await fetch(`${sb.baseUrl}/API/candidates/10002/confirm`, {
 *   method: "PUT",
 *   headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json", "x-correlation-id": "c-2" },
 * }) // 200 { id: "10002" }
 * ```
 */
export const resourceRoutes = (rt: Runtime, router: Router<Handler>): void => {
  const data = seedCcw()
  const candidatesById = new Map(data.candidates.map((c) => [c.id as string, c]))

  const invalid = (ctx: RequestContext, sub: string, desc: string) =>
    sendJson(ctx.res, 400, ccwError("E4000000", "Invalid request", [[sub, desc]]))

  const search = (rows: Row[], fields: readonly string[], scope: string): Handler => {
    return (ctx) => {
      if (!guard(ctx, scope)) return
      const body = ctx.fields()
      if (!body) return invalid(ctx, "E4000002", "The request body must be a JSON object")
      const meta = (body.meta ?? {}) as Record<string, unknown>
      if (meta === null || typeof meta !== "object") return invalid(ctx, "E4000003", "meta must be an object")
      const limit = meta.limit ?? 50
      const offset = meta.offset ?? 0
      if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 50)
        return invalid(ctx, "E4000003", "meta.limit must be an integer between 1 and 50")
      if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0)
        return invalid(ctx, "E4000003", "meta.offset must be an integer greater than or equal to 0")
      const data = body.data
      const filters: Array<[string, string]> = []
      if (isObject(data)) {
        for (const [key, value] of Object.entries(data)) {
          if (!fields.includes(key) || value === null || value === undefined || value === "") continue
          if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
            return invalid(ctx, "E4000004", `data.${key} must be a string`)
          filters.push([key, String(value).toLowerCase()])
        }
      }
      if (filters.length === 0)
        return invalid(
          ctx,
          "E4000004",
          `data must hold at least one non-empty search field (${fields.slice(0, 6).join(", ")}, …)`,
        )
      const matches = rows.filter((row) =>
        filters.every(([k, v]) => String(row[k] ?? "").toLowerCase() === v),
      )
      sendJson(ctx.res, 200, {
        meta: { limit, offset, total: matches.length },
        data: slicePage(matches, offset, limit).items,
      })
    }
  }

  router.add(
    "POST",
    "/API/candidates/search",
    "api",
    search(data.candidates, CANDIDATE_FIELDS, "ccw.candidate"),
  )
  router.add(
    "POST",
    "/API/contingent_workers",
    "api",
    search(data.workers, WORKER_FIELDS, "ccw.contingent_workers"),
  )
  router.add("PUT", "/API/candidates/{id}/confirm", "api", (ctx) => {
    if (!guard(ctx, "ccw.candidate")) return
    const id = ctx.params.id as string
    const candidate = candidatesById.get(id)
    if (!candidate)
      return sendJson(
        ctx.res,
        404,
        ccwError("E4040000", "Resource not found", [["E4040001", `Candidate ${id} not found`]]),
      )
    const body = ctx.body.length > 0 ? ctx.fields() : {}
    if (!body) return invalid(ctx, "E4000002", "The request body must be a JSON object")
    const startDate = body.start_date
    if (startDate !== undefined) {
      const at =
        typeof startDate === "string" && /^\d{4}-\d{2}-\d{2}$/.test(startDate) ? Date.parse(startDate) : NaN
      if (Number.isNaN(at)) return invalid(ctx, "E4000007", "Invalid start date")
      if (at / 1000 + 86_400 <= rt.clock.now()) return invalid(ctx, "E4000006", "Start date is in the past")
      candidate.start_date = startDate as string
    }
    candidate.status = "confirmed"
    candidate.updated_at = new Date(rt.clock.now() * 1000).toISOString()
    sendJson(ctx.res, 200, { id })
  })
}
