/**
 * The Workable sandbox's requisitions: the list, one, creating one and approving or rejecting a pending one.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const created = await fetch(`${sb.baseUrl}/requisitions`, {
 *   method: "POST",
 *   headers: { ...headers, "content-type": "application/json" },
 *   body: JSON.stringify({ job_title: "Engineer" }),
 * }) // 201
 * ```
 *
 * @since 0.1.0
 */

import { isObject, sendJson, str } from "../Http.ts"
import type { Handler } from "../SandboxServer.ts"
import type { WorkableItem } from "../WorkableData.ts"
import type { WorkableContext } from "./Context.ts"

/**
 * Registers the routes.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const created = await fetch(`${sb.baseUrl}/requisitions`, {
 *   method: "POST",
 *   headers: { ...headers, "content-type": "application/json" },
 *   body: JSON.stringify({ job_title: "Engineer" }),
 * }) // 201
 * ```
 */
export const requisitionRoutes = (w: WorkableContext): void => {
  const { data, api, notFound, unprocessable, body, memberId, paged, next, now, requisitionsByCode } = w
  api("GET", "/requisitions", "r_requisitions", (ctx) => {
    let rows = data.requisitions
    const state = ctx.query.get("state")
    if (state) rows = rows.filter((r) => r.state === state)
    paged(ctx, "requisitions", rows)
  })
  api("GET", "/requisitions/{code}", "r_requisitions", (ctx) => {
    const r = requisitionsByCode.get(ctx.params.code as string)
    if (!r) return notFound(ctx)
    sendJson(ctx.res, 200, r)
  })
  api("POST", "/requisitions", "w_requisitions", (ctx) => {
    const b = body(ctx)
    if (!b) return
    const fields = isObject(b.requisition) ? b.requisition : b
    const title = str(fields, "job_title")
    if (!title) return unprocessable(ctx, "job_title is required")
    const plan = str(fields, "plan_date")
    if (plan !== undefined && Number.isNaN(Date.parse(plan)))
      return unprocessable(ctx, "plan_date is invalid")
    const id = next("requisition")
    const n = data.counters.requisition ?? 0
    const r: WorkableItem = {
      id,
      code: `REQ-${String(n).padStart(4, "0")}`,
      state: "pending",
      job_title: title,
      job: null,
      department: str(fields, "department") ?? null,
      hiring_manager: null,
      reason: str(fields, "reason") ?? null,
      plan_date: plan ?? null,
      created_at: now(),
    }
    data.requisitions.push(r)
    requisitionsByCode.set(r.code as string, r)
    sendJson(ctx.res, 201, r)
  })
  const requisitionDecision =
    (state: string): Handler =>
    (ctx) => {
      const r = requisitionsByCode.get(ctx.params.code as string)
      if (!r) return notFound(ctx)
      const b = body(ctx)
      if (!b || !memberId(ctx, b)) return
      if (r.state !== "pending") return unprocessable(ctx, `Requisition is ${String(r.state)}, not pending`)
      r.state = state
      sendJson(ctx.res, 200, r)
    }
  api("POST", "/requisitions/{code}/approve", "w_requisitions", requisitionDecision("approved"))
  api("POST", "/requisitions/{code}/reject", "w_requisitions", requisitionDecision("rejected"))
}
