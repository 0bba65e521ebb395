/**
 * The Workable sandbox's the account and its settings: the account, members, recruiters, departments (created and deleted), stages, legal entities, permission sets, work schedules, collaboration permissions, custom attributes and disqualification reasons.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const { members, paging } = (await fetch(`${sb.baseUrl}/members?limit=10`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import { sendEmpty, sendJson, str } from "../Http.ts"
import type { WorkableContext } from "./Context.ts"

/**
 * Registers the routes.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const { members, paging } = (await fetch(`${sb.baseUrl}/members?limit=10`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const accountRoutes = (w: WorkableContext): void => {
  const { data, subdomain, api, notFound, unprocessable, body, paged, next } = w
  api("GET", "/accounts", undefined, (ctx) => sendJson(ctx.res, 200, { accounts: [data.account] }))
  api("GET", "/accounts/{subdomain}", undefined, (ctx) =>
    ctx.params.subdomain === subdomain ? sendJson(ctx.res, 200, data.account) : notFound(ctx),
  )
  api("GET", "/members", "r_jobs", (ctx) => {
    let rows = data.members
    const role = ctx.query.get("role")
    const email = ctx.query.get("email")
    const name = ctx.query.get("name")?.toLowerCase()
    if (role) rows = rows.filter((m) => m.role === role)
    if (email) rows = rows.filter((m) => m.email === email)
    if (name) rows = rows.filter((m) => String(m.name).toLowerCase().includes(name))
    paged(ctx, "members", rows)
  })
  api("GET", "/recruiters", "r_jobs", (ctx) => sendJson(ctx.res, 200, { recruiters: data.recruiters }))
  api("GET", "/departments", "r_jobs", (ctx) => sendJson(ctx.res, 200, { departments: data.departments }))
  api("POST", "/departments", "w_jobs", (ctx) => {
    const b = body(ctx)
    if (!b) return
    const name = str(b, "name")
    if (!name) return unprocessable(ctx, "name is required")
    const parent = str(b, "parent_id") ?? null
    if (parent !== null && !data.departments.some((d) => d.id === parent))
      return unprocessable(ctx, "parent_id is not a department")
    const department = { id: next("department"), name, parent_id: parent }
    data.departments.push(department)
    sendJson(ctx.res, 201, department)
  })
  api("DELETE", "/departments/{id}", "w_jobs", (ctx) => {
    const i = data.departments.findIndex((d) => d.id === ctx.params.id)
    if (i === -1) return notFound(ctx)
    data.departments.splice(i, 1)
    sendEmpty(ctx.res, 204)
  })
  api("GET", "/stages", "r_jobs", (ctx) => sendJson(ctx.res, 200, { stages: data.stages }))
  api("GET", "/legal_entities", undefined, (ctx) =>
    sendJson(ctx.res, 200, {
      legal_entities: [{ id: "le1", name: data.account.name, country_code: "GR" }],
    }),
  )
  api("GET", "/permission_sets", undefined, (ctx) =>
    sendJson(ctx.res, 200, {
      permission_sets: [
        { id: "ps1", name: "Admin" },
        { id: "ps2", name: "Employee" },
      ],
    }),
  )
  api("GET", "/work_schedules", undefined, (ctx) =>
    sendJson(ctx.res, 200, { work_schedules: [{ id: "ws1", name: "Full time", weekly_hours: 40 }] }),
  )
  api("GET", "/collaboration_permissions", undefined, (ctx) =>
    sendJson(ctx.res, 200, { collaboration_permissions: [{ id: "cp1", name: "Hiring team" }] }),
  )
  api("GET", "/custom_attributes", "r_candidates", (ctx) =>
    sendJson(ctx.res, 200, { custom_attributes: data.customAttributes }),
  )
  api("GET", "/disqualification_reasons", "r_candidates", (ctx) =>
    sendJson(ctx.res, 200, { disqualification_reasons: data.disqualificationReasons }),
  )
}
