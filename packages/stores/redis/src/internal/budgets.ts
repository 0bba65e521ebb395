/**
 * Call budgets on Redis (core's `Throttle`), shared by every process on this Redis:
 * `{prefix}:budget:{key}` holds a GCRA theoretical arrival time (one script per reservation, so N
 * processes never send more than the budget between them, or a hold until a provider's reset),
 * and `.../inflight`-style keys a sorted set of expiring concurrency leases.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { RedisStore } from "@keyway/store-redis"
 *
 * const key = TokenStore.key({ provider: "ccw", connection: "default", scopes: [] })
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const store = yield* RedisStore.make({ url: "redis://127.0.0.1:6379" })
 *   return yield* store.budgets!.reserve("ccw", { now: Date.now(), intervalMs: 100, burst: 10, maxWaitMs: 1000 })
 * }))
 * ```
 *
 * @since 0.1.0
 */
import type { Throttle } from "@keyway/core"
import { Effect } from "effect"
import type { Redis } from "ioredis"
import { unavailable } from "./connection.ts"
import { type Eval, SCRIPTS } from "./scripts.ts"

/**
 * The budget store of a Redis store.
 *
 * @example
 * ```ts
 * const budgets: Throttle.BudgetStore = makeBudgets(prefix, client, run)
 * ```
 */
export const makeBudgets = (prefix: string, client: Redis, run: Eval): Throttle.BudgetStore => {
  const budgetKey = (key: string) => `${prefix}:budget:${key}`
  return {
    name: "redis",
    reserve: (key, request) =>
      run(
        "throttle.reserve",
        SCRIPTS.budget,
        [budgetKey(key)],
        ["reserve", request.now, request.intervalMs, request.burst, request.maxWaitMs],
      ).pipe(
        Effect.map((reply) => {
          const [granted, wait] = reply as [number, string]
          return { granted: granted === 1, waitMs: Number(wait) }
        }),
      ),
    hold: (key, until, request) =>
      run(
        "throttle.hold",
        SCRIPTS.budget,
        [budgetKey(key)],
        ["hold", request.now, request.intervalMs, request.burst, until],
      ).pipe(Effect.asVoid),
    lease: (key, request) =>
      run(
        "throttle.lease",
        SCRIPTS.lease,
        [budgetKey(key)],
        [request.now, request.limit, Math.ceil(request.leaseMs), request.id],
      ).pipe(
        Effect.map((reply) => {
          const [acquired, retryIn] = reply as [number, string]
          return { acquired: acquired === 1, retryInMs: Number(retryIn) }
        }),
      ),
    release: (key, id) =>
      Effect.tryPromise({
        try: () => client.zrem(budgetKey(key), id),
        catch: (cause) => unavailable("throttle.release", cause),
      }).pipe(Effect.asVoid),
  }
}
