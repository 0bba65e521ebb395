/**
 * The Workable sandbox's events (the list by type and one event) and webhook subscriptions (listed, created for a known event and an http(s) target, deleted).
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * await fetch(`${sb.baseUrl}/subscriptions`, {
 *   method: "POST",
 *   headers: { ...headers, "content-type": "application/json" },
 *   body: JSON.stringify({ target: "https://example.com/hook", event: "candidate_created" }),
 * }) // 201 { id }
 * ```
 *
 * @since 0.1.0
 */
import { isObject, sendEmpty, sendJson, str } from "../Http.ts"
import type { WorkableItem } from "../WorkableData.ts"
import type { WorkableContext } from "./Context.ts"

/** The events a subscription may name. */
const EVENTS = [
  "candidate_created",
  "candidate_moved",
  "employee_created",
  "employee_updated",
  "employee_published",
  "job_created",
  "job_updated",
]

/**
 * Registers the routes.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * await fetch(`${sb.baseUrl}/subscriptions`, {
 *   method: "POST",
 *   headers: { ...headers, "content-type": "application/json" },
 *   body: JSON.stringify({ target: "https://example.com/hook", event: "candidate_created" }),
 * }) // 201 { id }
 * ```
 */
export const eventRoutes = (w: WorkableContext): void => {
  const { data, api, notFound, unprocessable, body, paged, next, now, eventsById } = w
  const subscriptions = new Map<string, WorkableItem>()
  // events
  api("GET", "/events", "r_candidates", (ctx) => {
    let rows = data.events
    const type = ctx.query.get("type")
    if (type) rows = rows.filter((e) => e.type === type)
    paged(ctx, "events", rows)
  })
  api("GET", "/events/{id}", "r_candidates", (ctx) => {
    const e = eventsById.get(ctx.params.id as string)
    if (!e) return notFound(ctx)
    sendJson(ctx.res, 200, e)
  })

  // subscriptions (webhooks)
  api("GET", "/subscriptions", undefined, (ctx) =>
    sendJson(ctx.res, 200, { subscriptions: [...subscriptions.values()] }),
  )
  api("POST", "/subscriptions", undefined, (ctx) => {
    const b = body(ctx)
    if (!b) return
    const target = str(b, "target")
    const event = str(b, "event")
    if (!target) return unprocessable(ctx, "target is required")
    try {
      const url = new URL(target)
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("scheme")
    } catch {
      return unprocessable(ctx, "target must be an http(s) URL")
    }
    if (!event || !EVENTS.includes(event))
      return unprocessable(ctx, `event must be one of ${EVENTS.join(", ")}`)
    const args = b.args
    if (args !== undefined && !isObject(args)) return unprocessable(ctx, "args must be an object")
    const id = next("subscription")
    subscriptions.set(id, { id, target, event, args: args ?? {}, created_at: now() })
    sendJson(ctx.res, 201, { id })
  })
  api("DELETE", "/subscriptions/{id}", undefined, (ctx) => {
    if (!subscriptions.delete(ctx.params.id as string)) return notFound(ctx)
    sendEmpty(ctx.res, 204)
  })
}
