/**
 * The Culture Amp sandbox's employees: the list (by `employee_identifier` or `email`), one employee, their demographics and their manager reviews.
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
 * const { data, pagination } = (await fetch(`${sb.baseUrl}/employees`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import { sendJson } from "../Http.ts"
import { DEMOGRAPHICS, EMPLOYEES, REVIEWS } from "./Auth.ts"
import type { CultureAmpContext } from "./Context.ts"

/**
 * Registers the routes.
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
 * const { data, pagination } = (await fetch(`${sb.baseUrl}/employees`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const employeeRoutes = (amp: CultureAmpContext): void => {
  const { router, data, error, guard, list, one, param } = amp
  router.add("GET", "/v1/employees", "api", (ctx) =>
    list(
      ctx,
      "employees",
      EMPLOYEES,
      (c, f) => {
        const identifier = c.query.get("employee_identifier")
        const email = c.query.get("email")
        if (identifier) f.employee_identifier = identifier
        else if (email) f.email = email.toLowerCase()
        return true
      },
      (f) =>
        f.employee_identifier !== undefined
          ? data().employees.filter((e) => e.employeeIdentifier === f.employee_identifier)
          : f.email !== undefined
            ? data().employees.filter((e) => e.email === f.email)
            : data().employees,
      true,
    ),
  )
  router.add("GET", "/v1/employees/{id}", "api", (ctx) =>
    one(ctx, EMPLOYEES, () => data().employeesById.get(param(ctx, "id"))),
  )
  router.add("GET", "/v1/employees/{id}/demographics", "api", (ctx) => {
    if (!guard(ctx, DEMOGRAPHICS)) return
    const rows = data().demographics.get(param(ctx, "id"))
    if (rows) sendJson(ctx.res, 200, { data: rows })
    else error(ctx, 404, "Not found")
  })
  router.add("GET", "/v1/employees/{id}/manager-reviews", "api", (ctx) => {
    const id = param(ctx, "id")
    list(
      ctx,
      `employees/${id}/manager-reviews`,
      REVIEWS,
      undefined,
      () => (data().employeesById.has(id) ? data().reviews.filter((r) => r.employeeId === id) : undefined),
      true,
    )
  })
}
