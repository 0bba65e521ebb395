/**
 * The Culture Amp sandbox's employees: the list (by `employee_identifier` or `email`), one employee, their demographics and their manager reviews.
 *
 * @example
 * ```ts
 * employeeRoutes(makeCultureAmpContext(rt, router, { jwtSecret, pageSize: 100 }))
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
 * employeeRoutes(c)
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
