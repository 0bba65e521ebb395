/**
 * The Workable sandbox's offers: one offer, approving and rejecting it.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const offer = await fetch(`${sb.baseUrl}/offers/${"<offer id>"}`, { headers }) // 404 for an unknown id
 * ```
 *
 * @since 0.1.0
 */

import { sendJson } from "../Http.ts"
import type { Handler } from "../SandboxServer.ts"
import type { WorkableContext } from "./Context.ts"

/**
 * Registers the routes.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const offer = await fetch(`${sb.baseUrl}/offers/${"<offer id>"}`, { headers }) // 404 for an unknown id
 * ```
 */
export const offerRoutes = (w: WorkableContext): void => {
  const { api, notFound, body, memberId, offersById } = w
  api("GET", "/offers/{id}", "r_candidates", (ctx) => {
    const offer = offersById.get(ctx.params.id as string)
    if (!offer) return notFound(ctx)
    sendJson(ctx.res, 200, offer)
  })
  const decide =
    (status: string): Handler =>
    (ctx) => {
      const offer = offersById.get(ctx.params.id as string)
      if (!offer) return notFound(ctx)
      const b = body(ctx)
      if (!b || !memberId(ctx, b)) return
      offer.status = status
      sendJson(ctx.res, 200, offer)
    }
  api("POST", "/offers/{id}/approve", "w_candidates", decide("approved"))
  api("POST", "/offers/{id}/reject", "w_candidates", decide("rejected"))
}
