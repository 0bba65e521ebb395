/**
 * The CCA sandbox's resources: agents, queues and their statistics, campaigns, contacts (one, and
 * creating one) and interactions (by `from`/`to`, at most `limit`).
 *
 * @example
 * ```ts
 * import { startCcaSandbox } from "@keyway/sandbox"
 * await using sb = await startCcaSandbox()
 * const { username, password, module } = sb.credentials
 * const { token } = (await fetch(sb.urls.sessionUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ username, password, module }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${token}` }
 * const calls = (await fetch(`${sb.baseUrl}/interactions?from=2024-06-01T00:00:00Z&limit=10`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */

import { sendJson, str } from "../Http.ts"
import type { Router } from "../Router.ts"
import type { Handler, Runtime } from "../SandboxServer.ts"
import { sessionAuth as auth, message } from "./Auth.ts"
import { type Row, seedCca } from "./Data.ts"

/**
 * Seeds the data and registers the resource routes.
 *
 * @example
 * ```ts
 * import { startCcaSandbox } from "@keyway/sandbox"
 * await using sb = await startCcaSandbox()
 * const { username, password, module } = sb.credentials
 * const { token } = (await fetch(sb.urls.sessionUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ username, password, module }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${token}` }
 * const queue = (await fetch(`${sb.baseUrl}/queues/201/statistics`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const resourceRoutes = (rt: Runtime, router: Router<Handler>): void => {
  const data = seedCca()
  const byId = (rows: Row[]) => new Map(rows.map((r) => [String(r.id), r]))
  const agents = byId(data.agents)
  const queues = byId(data.queues)
  const stats = new Map(data.stats.map((s) => [String(s.queueId), s]))
  let nextContact = 5051
  const list =
    (rows: () => unknown[]): Handler =>
    (ctx) => {
      if (auth(ctx)) sendJson(ctx.res, 200, rows())
    }
  const one =
    (rows: Map<string, Row>, param: string): Handler =>
    (ctx) => {
      if (!auth(ctx)) return
      const row = rows.get(ctx.params[param] as string)
      if (row) sendJson(ctx.res, 200, row)
      else message(ctx, 404, "Not found")
    }

  router.add(
    "GET",
    "/CcaAPI/agents",
    "api",
    list(() => data.agents),
  )
  router.add("GET", "/CcaAPI/agents/{agentId}", "api", one(agents, "agentId"))
  router.add(
    "GET",
    "/CcaAPI/queues",
    "api",
    list(() => data.queues),
  )
  router.add("GET", "/CcaAPI/queues/{queueId}", "api", one(queues, "queueId"))
  router.add("GET", "/CcaAPI/queues/{queueId}/statistics", "api", one(stats, "queueId"))
  router.add(
    "GET",
    "/CcaAPI/campaigns",
    "api",
    list(() => data.campaigns),
  )
  router.add("GET", "/CcaAPI/contacts/{contactId}", "api", one(data.contacts, "contactId"))
  router.add("POST", "/CcaAPI/contacts", "api", (ctx) => {
    if (!auth(ctx)) return
    const body = ctx.fields()
    if (!body) return message(ctx, 400, "The request body must be a JSON object")
    const firstName = str(body, "firstName")
    const lastName = str(body, "lastName")
    const phone = str(body, "phone")
    const email = str(body, "email")
    if (!firstName || !lastName) return message(ctx, 400, "firstName and lastName are required")
    if (!phone && !email) return message(ctx, 400, "phone or email is required")
    if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(email))
      return message(ctx, 400, "email is not valid")
    const id = nextContact++
    const contact: Row = { id, firstName, lastName, phone: phone ?? "", email: email ?? "" }
    data.contacts.set(String(id), contact)
    sendJson(ctx.res, 201, contact, { location: `${rt.origin}/CcaAPI/contacts/${id}` })
  })
  router.add("GET", "/CcaAPI/interactions", "api", (ctx) => {
    if (!auth(ctx)) return
    const q = ctx.query
    const bound = (name: string): number | undefined | null => {
      const v = q.get(name)
      if (v === null || v === "") return undefined
      const ms = Date.parse(v)
      return Number.isNaN(ms) ? null : ms
    }
    const from = bound("from")
    const to = bound("to")
    if (from === null) return message(ctx, 400, "from must be an ISO 8601 date-time")
    if (to === null) return message(ctx, 400, "to must be an ISO 8601 date-time")
    const limitText = q.get("limit")
    const limit = limitText === null || limitText === "" ? 100 : Number(limitText)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return message(ctx, 400, "limit must be an integer between 1 and 1000")
    const out: Row[] = []
    for (const row of data.interactions) {
      const at = Date.parse(row.startedAt as string)
      if (from !== undefined && at < from) continue
      if (to !== undefined && at >= to) break
      out.push(row)
      if (out.length >= limit) break
    }
    sendJson(ctx.res, 200, out)
  })
}
