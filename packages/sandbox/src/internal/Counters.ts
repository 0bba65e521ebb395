/**
 * Request counters per connection (client id + user, `clientId|user`) and in total.
 *
 * @example
 * ```ts
 * const counters = new Counters()
 * counters.bump("client|alice", "calls")
 * counters.snapshot().connections["client|alice"]?.calls // 1
 * ```
 *
 * @since 0.1.0
 */

import type { CountersSnapshot, CounterValues } from "../Counters.ts"
import type { RouteKind } from "./Router.ts"

/**
 * Zeroed counter values.
 *
 * @example
 * ```ts
 * emptyCounters().calls // 0
 * ```
 */
export function emptyCounters(): CounterValues {
  return { tokenRequests: 0, refreshes: 0, logins: 0, calls: 0, faults: 0, revocations: 0, rateLimited: 0 }
}

/**
 * The live counters.
 *
 * @example
 * ```ts
 * new Counters().bump(undefined, "calls") // counted in totals only
 * ```
 */
export class Counters {
  #totals = emptyCounters()
  #connections = new Map<string, CounterValues>()

  /**
   * Adds one to a counter, for a connection when known, and to the totals.
   *
   * @example
   * ```ts
   * counters.bump("client|client", "tokenRequests")
   * ```
   */
  bump(connection: string | undefined, field: keyof CounterValues): void {
    this.#totals[field]++
    if (connection === undefined) return
    let values = this.#connections.get(connection)
    if (!values) {
      values = emptyCounters()
      this.#connections.set(connection, values)
    }
    values[field]++
  }

  /**
   * Counts a request by what its route does: an API call, a token request (and a refresh), a
   * session login (a token request and a login), a consent (a login), or a revocation or logout.
   *
   * @example
   * ```ts
   * counters.count("client|alice", "token", true) // tokenRequests and refreshes
   * ```
   */
  count(connection: string | undefined, kind: RouteKind, refresh = false): void {
    switch (kind) {
      case "api":
        this.bump(connection, "calls")
        break
      case "token":
        this.bump(connection, "tokenRequests")
        if (refresh) this.bump(connection, "refreshes")
        break
      case "login":
        this.bump(connection, "tokenRequests")
        this.bump(connection, "logins")
        break
      case "authorize":
        this.bump(connection, "logins")
        break
      default:
        this.bump(connection, "revocations")
    }
  }

  /**
   * A copy of the counters.
   *
   * @example
   * ```ts
   * counters.snapshot().totals.calls
   * ```
   */
  snapshot(): CountersSnapshot {
    const connections: Record<string, CounterValues> = {}
    for (const [key, values] of this.#connections) connections[key] = { ...values }
    return { totals: { ...this.#totals }, connections }
  }

  /**
   * Zeroes everything.
   *
   * @example
   * ```ts
   * counters.reset()
   * ```
   */
  reset(): void {
    this.#totals = emptyCounters()
    this.#connections.clear()
  }
}

export type { CountersSnapshot, CounterValues } from "../Counters.ts"
