/**
 * What a sandbox counts, per connection and in total: `sandbox.counters()`.
 *
 * @since 0.1.0
 */

/**
 * The counted events.
 *
 * - `tokenRequests`: requests to a token endpoint (any grant, failed ones included) and session logins
 * - `refreshes`: refresh-token grant requests
 * - `logins`: session logins (CCA) and consents at an authorize endpoint (CCH, Workable)
 * - `calls`: API (resource) requests
 * - `faults`: injected faults (429, 5xx, resets, latency)
 * - `revocations`: revoke and logout requests
 *
 * @example
 * ```ts
 * import type { CounterValues } from "@keyway/sandbox"
 * const c: CounterValues = { tokenRequests: 1, refreshes: 0, logins: 0, calls: 3, faults: 0, revocations: 0, rateLimited: 0 }
 * ```
 */
export interface CounterValues {
  tokenRequests: number
  refreshes: number
  logins: number
  calls: number
  faults: number
  revocations: number
  /** API calls refused by the sandbox's rate-limit budget (429/503). */
  rateLimited: number
}

/**
 * A copy of the counters at one moment.
 *
 * @example
 * ```ts
 * import { startSandbox, type CountersSnapshot } from "@keyway/sandbox"
 * await using sandbox = await startSandbox("cch")
 * const { totals, connections }: CountersSnapshot = sandbox.counters()
 * ```
 */
export interface CountersSnapshot {
  readonly totals: CounterValues
  readonly connections: Record<string, CounterValues>
}
