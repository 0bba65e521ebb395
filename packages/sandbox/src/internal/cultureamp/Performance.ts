/**
 * The Culture Amp sandbox's performance cycles (by state, processed after a date), one cycle and its manager reviews, and the manager reviews.
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
 * const cycles = (await fetch(`${sb.baseUrl}/performance-cycles?state=active`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import { CYCLES, REVIEWS } from "./Auth.ts"
import type { CultureAmpContext } from "./Context.ts"

const CYCLE_STATES = ["active", "closed", "ready"]

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
 * const cycles = (await fetch(`${sb.baseUrl}/performance-cycles?state=active`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const performanceRoutes = (amp: CultureAmpContext): void => {
  const { router, data, error, afterDate, list, one, param, processedAfter } = amp
  router.add("GET", "/v1/performance-cycles", "api", (ctx) =>
    list(
      ctx,
      "performance-cycles",
      CYCLES,
      (c, f) => {
        const state = c.query.get("state")
        if (state !== null) {
          if (!CYCLE_STATES.includes(state)) {
            error(c, 400, `state must be one of ${CYCLE_STATES.join(", ")}`)
            return false
          }
          f.state = state
        }
        return afterDate(c, f)
      },
      (f) => processedAfter(f.state ? data().cycles.filter((x) => x.state === f.state) : data().cycles, f),
      true,
    ),
  )
  router.add("GET", "/v1/performance-cycles/{id}", "api", (ctx) =>
    one(ctx, CYCLES, () => data().cyclesById.get(param(ctx, "id"))),
  )
  router.add("GET", "/v1/performance-cycles/{id}/manager-reviews", "api", (ctx) => {
    const id = param(ctx, "id")
    list(
      ctx,
      `performance-cycles/${id}/manager-reviews`,
      REVIEWS,
      undefined,
      () =>
        data().cyclesById.has(id) ? data().reviews.filter((r) => r.performanceCycleId === id) : undefined,
      true,
    )
  })
  router.add("GET", "/v1/manager-reviews", "api", (ctx) =>
    list(ctx, "manager-reviews", REVIEWS, afterDate, (f) => processedAfter(data().reviews, f), true),
  )
  router.add("GET", "/v1/manager-reviews/{id}", "api", (ctx) =>
    one(ctx, REVIEWS, () => data().reviewsById.get(param(ctx, "id"))),
  )
}
