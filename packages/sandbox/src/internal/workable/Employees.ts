/**
 * The Workable sandbox's employees (list, one, create, update, fields, org chart) and their time off, review cycle templates and time entries.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const { employees } = (await fetch(`${sb.baseUrl}/employees?state=active`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import { isObject, sendJson } from "../Http.ts"
import { isoAt } from "../SampleData.ts"
import type { WorkableItem } from "../WorkableData.ts"
import { EMAIL, type WorkableContext } from "./Context.ts"

/** The employee attributes a caller may write. */
const EMPLOYEE_WRITABLE = [
  "firstname",
  "lastname",
  "email",
  "personal_email",
  "phone",
  "job_title",
  "department",
  "department_id",
  "manager_id",
  "state",
  "start_date",
  "work_location",
  "employee_number",
]

/**
 * Registers the routes.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const { employees } = (await fetch(`${sb.baseUrl}/employees?state=active`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const employeeRoutes = (w: WorkableContext): void => {
  const { data, api, notFound, unprocessable, body, paged, next, now, employeesById } = w
  api("GET", "/employees", "r_employees", (ctx) => {
    let rows = data.employees
    const state = ctx.query.get("state")
    const email = ctx.query.get("email")
    if (state) rows = rows.filter((e) => e.state === state)
    if (email) rows = rows.filter((e) => e.email === email)
    paged(ctx, "employees", rows)
  })
  api("GET", "/employees/{id}", "r_employees", (ctx) => {
    const e = employeesById.get(ctx.params.id as string)
    if (!e) return notFound(ctx)
    sendJson(ctx.res, 200, e)
  })
  const employeeFields = (b: Record<string, unknown>): Record<string, unknown> | string => {
    const fields = isObject(b.data) ? b.data : isObject(b.employee) ? b.employee : undefined
    if (!fields || Object.keys(fields).length === 0) return "data must hold the employee attributes"
    for (const key of Object.keys(fields))
      if (!EMPLOYEE_WRITABLE.includes(key)) return `${key} is not an employee attribute that can be written`
    for (const key of ["email", "personal_email"])
      if (
        fields[key] !== undefined &&
        (typeof fields[key] !== "string" || !EMAIL.test(fields[key] as string))
      )
        return `${key} is invalid`
    if (
      fields.manager_id !== undefined &&
      fields.manager_id !== null &&
      !employeesById.has(String(fields.manager_id))
    )
      return "manager_id is not an employee"
    return fields
  }
  api("PATCH", "/employees/{id}", "w_employees", (ctx) => {
    const e = employeesById.get(ctx.params.id as string)
    if (!e) return notFound(ctx)
    const b = body(ctx)
    if (!b) return
    const fields = employeeFields(b)
    if (typeof fields === "string") return unprocessable(ctx, fields)
    Object.assign(e, fields)
    e.name = `${String(e.firstname)} ${String(e.lastname)}`
    e.updated_at = now()
    sendJson(ctx.res, 200, e)
  })
  api("POST", "/employees", "w_employees", (ctx) => {
    const b = body(ctx)
    if (!b) return
    const fields = employeeFields(b)
    if (typeof fields === "string") return unprocessable(ctx, fields)
    for (const key of ["firstname", "lastname", "email"])
      if (typeof fields[key] !== "string" || fields[key] === "")
        return unprocessable(ctx, `${key} is required`)
    const at = now()
    const e: WorkableItem = {
      id: next("employee"),
      state: "active",
      ...fields,
      created_at: at,
      updated_at: at,
    }
    e.name = `${String(e.firstname)} ${String(e.lastname)}`
    data.employees.push(e)
    employeesById.set(e.id as string, e)
    sendJson(ctx.res, 201, e)
  })
  api("GET", "/employee_fields", "r_employees", (ctx) =>
    sendJson(ctx.res, 200, {
      employee_fields: EMPLOYEE_WRITABLE.map((key) => ({
        key,
        label: key.replace(/_/g, " "),
        type: "string",
      })),
    }),
  )
  api("GET", "/employees/orgchart", "r_employees", (ctx) =>
    sendJson(ctx.res, 200, {
      orgchart: data.employees.map((e) => ({ id: e.id, name: e.name, manager_id: e.manager_id })),
    }),
  )
  api("GET", "/timeoff/categories", "r_employees", (ctx) =>
    sendJson(ctx.res, 200, {
      categories: [
        { id: "to1", name: "Vacation", unit: "days" },
        { id: "to2", name: "Sick leave", unit: "days" },
      ],
    }),
  )
  api("GET", "/timeoff/balances", "r_employees", (ctx) =>
    paged(
      ctx,
      "balances",
      data.employees.map((e, i) => ({
        id: e.id,
        employee_id: e.id,
        category_id: "to1",
        balance: 20 - (i % 15),
      })),
    ),
  )
  api("GET", "/timeoff/requests", "r_employees", (ctx) =>
    paged(
      ctx,
      "requests",
      data.employees.slice(0, 40).map((e, i) => ({
        id: e.id,
        employee_id: e.id,
        category_id: i % 3 === 0 ? "to2" : "to1",
        starts_on: isoAt(150 + i).slice(0, 10),
        ends_on: isoAt(152 + i).slice(0, 10),
        status: ["approved", "pending", "rejected"][i % 3],
      })),
    ),
  )
  api("GET", "/review-cycles/templates", "r_employees", (ctx) =>
    sendJson(ctx.res, 200, {
      templates: [
        { id: "rt1", name: "Annual review" },
        { id: "rt2", name: "Probation" },
      ],
    }),
  )
  api("GET", "/time-tracking/time-entries", "r_employees", (ctx) =>
    paged(
      ctx,
      "time_entries",
      data.employees.slice(0, 60).map((e, i) => ({
        id: e.id,
        employee_id: e.id,
        date: isoAt(200 + (i % 20)).slice(0, 10),
        minutes: 480 - (i % 4) * 30,
      })),
    ),
  )
}
