/**
 * Polite throttling: a call budget per provider (or per connection) applied before a call is
 * sent, shared by every process that uses the same token store backend.
 *
 * - **Budget** (`rate` calls per second, `burst`, `concurrency`): declared in the provider's
 *   descriptor (`throttle:`), overridable per client (`throttle` option, `false` turns it off).
 * - **Algorithm**: GCRA (the generic cell rate algorithm, a token bucket kept as one number, the
 *   "theoretical arrival time"). Each call *reserves* its slot atomically in the budget store and
 *   sleeps until it, so N processes sharing a budget send at most `rate` calls per second in
 *   all, `burst` at once, without polling.
 * - **Where the budget lives**: in the token store's backend (`budgets` of a
 *   `TokenStore.TokenStoreShape`): Redis = many hosts, a Lua script; SQLite = one host, a
 *   transaction; memory = the clients of one process that share the store's layer. A store
 *   without budgets leaves each client a budget of its own in memory.
 * - **Deadline**: a reservation whose wait is longer than what is left of the call's deadline
 *   is refused and the call fails fast with `RateLimited` (`status: 0`: nothing was sent).
 * - **Rate-limit headers**: every response is read for `Retry-After` (on 429/503),
 *   `X-RateLimit-Limit/Remaining/Reset` (also spelled `X-Rate-Limit-*`), the IETF draft's
 *   `RateLimit-Policy`/`RateLimit` (and its older `RateLimit-Limit/Remaining/Reset`). An empty
 *   budget (`remaining: 0`) or a `Retry-After` holds the shared budget until the reset, and a
 *   declared policy slower than the configured rate slows this process's reservations to it.
 * - **Why not `rate-limiter-flexible`**: its limiters consume points in fixed windows and answer
 *   "retry in N ms", so waiting callers poll and bunch at window edges; it keeps time its own way
 *   (`Date.now`, Redis TTLs: no TestClock) and its SQLite limiter drives `sqlite3` or
 *   `better-sqlite3`, not `node:sqlite`. One GCRA script per store (the Redis store's Lua
 *   conventions) reserves exact slots in one round trip instead.
 * - **Concurrency**: at most `concurrency` calls of the budget in flight (or waiting for their
 *   slot) in this process, and across processes when the store leases (Redis, SQLite: leases that
 *   expire, so a crashed holder frees its share). A response's `remaining` counts the calls still in flight beside it,
 *   so a process holds the budget before its own calls would empty it.
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 *
 * // 5 calls per second, bursts of 10, at most 4 in flight: as a descriptor's `throttle:` says.
 * const layer = Throttle.layer({ rate: 5, burst: 10, concurrency: 4 })
 * Throttle.parseHeaders({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "3" }, 0) // { remaining: 0, resetMs: 3000, ... }
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer, Semaphore } from "effect"
import { RateLimited } from "./Errors.ts"
import * as Http from "./Http.ts"
import { type BudgetStore, makeMemoryStore, type Reservation } from "./internal/throttle/budgetStore.ts"
import { parseHeaders } from "./internal/throttle/headers.ts"
import type * as Options from "./Options.ts"
import * as Retry from "./Retry.ts"
import * as Telemetry from "./Telemetry.ts"

// The budget store (contract, GCRA, memory store) and the header parser are internal modules,
// one job each; their public names are this module's.
export {
  type BudgetStore,
  decide,
  held,
  type Lease,
  type LeaseRequest,
  makeMemoryStore,
  type Reservation,
  type ReserveRequest,
  type SyncBudgetStore,
} from "./internal/throttle/budgetStore.ts"
export { parseHeaders, type RateLimitInfo } from "./internal/throttle/headers.ts"

/**
 * A call budget. `rate` absent: no pacing of its own, only what the provider's headers say.
 *
 * @example
 * ```ts
 * import type { Throttle } from "@keyway/core"
 * const budget: Throttle.Budget = { rate: 10, burst: 10, concurrency: 8, per: "connection" }
 * ```
 *
 * @since 0.1.0
 */
export interface Budget extends Options.Budget {}

/**
 * The budget a client is built with (`undefined`: no throttle), and its connection.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Throttle } from "@keyway/core"
 * const budget = Effect.map(Throttle.Settings, (settings) => settings?.budget.rate)
 * ```
 *
 * @since 0.1.0
 */
export const Settings = Context.Reference<
  { readonly budget: Budget; readonly connection: string } | undefined
>("@keyway/core/Throttle/Settings", { defaultValue: () => undefined })

/**
 * A layer that sets the client's budget (`connection` names the per-connection budget).
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * const layer = Throttle.layer({ rate: 5, burst: 5 }, "tenant-7")
 * ```
 *
 * @since 0.1.0
 */
export const layer = (budget: Budget, connection = "default"): Layer.Layer<never> =>
  Layer.succeed(Settings, { budget, connection }) as Layer.Layer<never>

/**
 * A client's throttle: its budget, key and store, with what the headers taught it.
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * const throttle: Throttle.Throttle = Throttle.make({ provider: "ccw", budget: { rate: 10, burst: 5 } })
 * throttle.key // "ccw"
 * ```
 *
 * @since 0.1.0
 */
export interface Throttle {
  readonly provider: string
  /** The budget's key in the store: `provider` or `provider/connection`. */
  readonly key: string
  /** The key of its concurrency leases: `<key>/inflight`. */
  readonly leaseKey: string
  readonly budget: Budget
  readonly store: BudgetStore
  /** The spacing between two calls this process uses now (the budget's, or slower if a policy said so). */
  intervalMs: number
  readonly burst: number
  readonly permits: Semaphore.Semaphore | undefined
  /** Attempts of this throttle sent and not yet answered, in this process. */
  inFlight: number
  /** Lease ids: unique per throttle (a random prefix), then a counter. */
  readonly leaseIds: { readonly prefix: string; next: number }
}

/**
 * Builds a throttle for a provider's budget.
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * const throttle = Throttle.make({ provider: "ccw", budget: { rate: 5, burst: 5 } })
 * throttle.intervalMs // 200
 * ```
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly provider: string
  readonly budget: Budget
  readonly connection?: string | undefined
  readonly store?: BudgetStore | undefined
}): Throttle => {
  const { budget } = options
  const per = budget.per ?? "provider"
  const key =
    per === "connection"
      ? `${encodeURIComponent(options.provider)}/${encodeURIComponent(options.connection ?? "default")}`
      : encodeURIComponent(options.provider)
  return {
    provider: options.provider,
    key,
    leaseKey: `${key}/inflight`,
    budget,
    store: options.store ?? makeMemoryStore(),
    intervalMs: budget.rate === undefined || budget.rate <= 0 ? 0 : 1000 / budget.rate,
    burst: Math.max(1, Math.floor(budget.burst ?? 1)),
    permits:
      budget.concurrency === undefined || budget.concurrency <= 0
        ? undefined
        : Semaphore.makeUnsafe(Math.floor(budget.concurrency)),
    inFlight: 0,
    leaseIds: { prefix: crypto.randomUUID(), next: 0 },
  }
}

/**
 * What {@link guard} needs of the call: for `RateLimited` and the deadline.
 *
 * @example
 * ```ts
 * import type { Throttle } from "@keyway/core"
 * const call: Throttle.CallContext = { method: "GET", url: () => "https://api.example/items", correlationId: "c-1", deadline: Date.now() + 120_000 }
 * ```
 *
 * @since 0.1.0
 */
export interface CallContext {
  readonly method: string
  /** The URL with its secrets redacted. */
  readonly url: () => string
  readonly correlationId: string
  /** Epoch ms after which the call must not wait any more. */
  readonly deadline: number
}

/**
 * Runs one attempt under the throttle: takes a concurrency permit, reserves a slot (failing
 * fast with `RateLimited` when the wait would pass the call's deadline), sleeps until it, sends,
 * and learns from the response's rate-limit headers. A budget store that cannot be reached does
 * not stop calls: the attempt goes unthrottled, with a warning in the log.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Throttle } from "@keyway/core"
 * const throttle = Throttle.make({ provider: "ccw", budget: { rate: 5 } })
 * const call = { method: "GET", url: () => "http://127.0.0.1/x", correlationId: "c", deadline: Date.now() + 1000 }
 * const sent = Throttle.guard(throttle, call, Effect.succeed({ response: { status: 200, headers: {}, body: new Uint8Array() } }))
 * ```
 *
 * @since 0.1.0
 */
export const guard = <A extends { readonly response: Http.HttpResponse }, E, R>(
  throttle: Throttle,
  call: CallContext,
  send: Effect.Effect<A, E, R>,
): Effect.Effect<A, E | RateLimited, R> => {
  const sent = Effect.suspend(() => {
    throttle.inFlight++
    return Effect.tap(send, (attempt) => observe(throttle, attempt.response))
  }).pipe(Effect.ensuring(Effect.sync(() => void throttle.inFlight--)))
  const leases = throttle.permits !== undefined && throttle.store.lease !== undefined
  // The permit comes first: a reservation made after it sees every hold that the responses of
  // the calls in flight before it have set.
  // Built only when taken: an in-process store answers synchronously below.
  const reserved = () =>
    Effect.clockWith((clock) => {
      const now = clock.currentTimeMillisUnsafe()
      const maxWaitMs = Math.max(0, call.deadline - now)
      return throttle.store
        .reserve(throttle.key, { intervalMs: throttle.intervalMs, burst: throttle.burst, now, maxWaitMs })
        .pipe(
          Effect.catch((error) =>
            Effect.as(
              Effect.logWarning(`throttle store unavailable, sending unthrottled: ${error.message}`),
              {
                granted: true,
                waitMs: 0,
              },
            ),
          ),
          Effect.flatMap((reservation) => afterReservation(throttle, call, sent, reservation, maxWaitMs)),
        )
    })
  const general = () => (leases ? withLease(throttle, call, reserved()) : reserved())
  // An in-process store: the lease and the reservation in one synchronous step; only a lease
  // that is not free at once takes the general path (which polls for it).
  const sync = throttle.store.sync
  const guarded =
    sync === undefined
      ? general()
      : Effect.withFiber((fiber) => {
          const now = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
          let id: string | undefined
          if (leases) {
            id = `${throttle.leaseIds.prefix}:${throttle.leaseIds.next++}`
            const lease = sync.lease(throttle.leaseKey, {
              id,
              limit: leaseLimit(throttle),
              leaseMs: Math.max(1_000, call.deadline - now + 1_000),
              now,
            })
            if (!lease.acquired) return general()
          }
          const maxWaitMs = Math.max(0, call.deadline - now)
          const reservation = sync.reserve(throttle.key, {
            intervalMs: throttle.intervalMs,
            burst: throttle.burst,
            now,
            maxWaitMs,
          })
          const next = decide(fiber.getRef(Telemetry.Telemetry), throttle, call, sent, reservation, maxWaitMs)
          if (id === undefined) return next
          const leaseId = id
          return Effect.ensuring(
            next,
            Effect.sync(() => sync.release(throttle.leaseKey, leaseId)),
          )
        })
  return throttle.permits === undefined ? guarded : throttle.permits.withPermit(guarded)
}

/** The budget's refusal of a call: no status (nothing was sent), when to try again. */
const refused = (call: CallContext, retryAfterMs: number, maxWaitMs: number): RateLimited =>
  new RateLimited({
    method: call.method,
    url: call.url(),
    correlationId: call.correlationId,
    status: 0,
    retryAfterMs,
    maxWaitMs,
  })

const leaseLimit = (throttle: Throttle) =>
  throttle.permits === undefined ? 1 : Math.floor(throttle.budget.concurrency ?? 1)

// What a reservation means for the attempt: refused (the wait passes the deadline), sent at
// once, or sent after sleeping until its slot. Reported to the telemetry sink either way.
const afterReservation = <A, E, R>(
  throttle: Throttle,
  call: CallContext,
  sent: Effect.Effect<A, E, R>,
  reservation: Reservation,
  maxWaitMs: number,
): Effect.Effect<A, E | RateLimited, R> =>
  Effect.withFiber((fiber) =>
    decide(fiber.getRef(Telemetry.Telemetry), throttle, call, sent, reservation, maxWaitMs),
  )

const decide = <A, E, R>(
  sink: Telemetry.Sink | undefined,
  throttle: Throttle,
  call: CallContext,
  sent: Effect.Effect<A, E, R>,
  reservation: Reservation,
  maxWaitMs: number,
): Effect.Effect<A, E | RateLimited, R> => {
  sink?.throttle({
    provider: throttle.provider,
    outcome: !reservation.granted ? "rejected" : reservation.waitMs > 0 ? "waited" : "immediate",
    waitMs: reservation.waitMs,
  })
  if (!reservation.granted) {
    return Effect.fail(refused(call, Math.ceil(reservation.waitMs), maxWaitMs))
  }
  if (reservation.waitMs <= 0) return sent
  const waitMs = Math.ceil(reservation.waitMs)
  // On the attempt's span, when traced: how long the budget held it back.
  return Effect.annotateCurrentSpan("keyway.throttle.wait_ms", waitMs).pipe(
    Effect.andThen(Effect.sleep(waitMs)),
    Effect.andThen(sent),
  )
}

// A lease of the budget's cross-process concurrency, polled for (a few ms, doubling, at most
// 50 ms or the earliest expiry) until taken or the call's deadline; released when the attempt ends.
const withLease = <A, E, R>(
  throttle: Throttle,
  call: CallContext,
  effect: Effect.Effect<A, E | RateLimited, R>,
): Effect.Effect<A, E | RateLimited, R> =>
  Effect.clockWith((clock) => {
    const store = throttle.store
    const id = `${throttle.leaseIds.prefix}:${throttle.leaseIds.next++}`
    const key = throttle.leaseKey
    const limit = leaseLimit(throttle)
    const take = (pause: number): Effect.Effect<boolean, RateLimited> => {
      const now = clock.currentTimeMillisUnsafe()
      return store.lease!(key, {
        id,
        limit,
        leaseMs: Math.max(1_000, call.deadline - now + 1_000),
        now,
      }).pipe(
        Effect.catch((error) =>
          Effect.as(Effect.logWarning(`throttle store unavailable, no concurrency lease: ${error.message}`), {
            acquired: false,
            retryInMs: -1,
          }),
        ),
        Effect.flatMap((lease) => {
          if (lease.acquired) return Effect.succeed(true)
          if (lease.retryInMs < 0) return Effect.succeed(false)
          const wait = Math.max(1, Math.min(pause, lease.retryInMs, 50))
          if (now + wait > call.deadline) {
            return Effect.fail(refused(call, wait, Math.max(0, call.deadline - now)))
          }
          return Effect.andThen(
            Effect.sleep(wait),
            Effect.suspend(() => take(pause * 2)),
          )
        }),
      )
    }
    // Not acquireUseRelease: its acquisition is uninterruptible, and this one waits. A lease
    // lost to an interruption between taking and `ensuring` expires on its own.
    return Effect.flatMap(take(2), (taken) =>
      taken ? Effect.ensuring(effect, store.release!(key, id).pipe(Effect.ignore)) : effect,
    )
  })

/**
 * Learns from a response: `Retry-After` on a 429/503 and an exhausted `remaining` hold the shared
 * budget until the reset; a declared policy (limit per window) slower than the budget slows this
 * process's spacing to it.
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * const throttle = Throttle.make({ provider: "workable", budget: {} })
 * const learn = Throttle.observe(throttle, { status: 429, headers: { "retry-after": "2" }, body: new Uint8Array() })
 * ```
 *
 * @since 0.1.0
 */
export const observe = (throttle: Throttle, response: Http.HttpResponse): Effect.Effect<void> => {
  const headers = response.headers
  const limited = response.status === 429 || response.status === 503
  // Most responses say nothing about the budget: no clock read, no parsing for them.
  const hasInfo =
    headers["retry-after"] !== undefined ||
    headers["x-ratelimit-remaining"] !== undefined ||
    headers["x-rate-limit-remaining"] !== undefined ||
    headers.ratelimit !== undefined ||
    headers["ratelimit-remaining"] !== undefined ||
    headers["ratelimit-policy"] !== undefined
  if (!hasInfo) return Effect.void
  return Effect.clockWith((clock) => {
    const now = clock.currentTimeMillisUnsafe()
    const info = parseHeaders(headers, now)
    if (info?.limit !== undefined && info.limit > 0 && info.windowMs !== undefined) {
      const declared = info.windowMs / info.limit
      const own = throttle.budget.rate === undefined ? 0 : 1000 / throttle.budget.rate
      throttle.intervalMs = Math.max(own, declared)
    }
    const retryAfterMs = limited
      ? Retry.parseRetryAfter(Http.header(response, "retry-after"), now)
      : undefined
    // The calls in flight beside this one will spend from `remaining` too: when they would
    // empty it, hold until the reset now rather than after their 429s.
    const exhaustedMs =
      info?.remaining !== undefined && info.remaining - Math.max(0, throttle.inFlight - 1) <= 0
        ? info.resetMs
        : undefined
    const holdMs = Math.max(retryAfterMs ?? 0, exhaustedMs ?? 0)
    if (holdMs <= 0) return Effect.void
    return throttle.store
      .hold(throttle.key, now + holdMs, { intervalMs: throttle.intervalMs, burst: throttle.burst, now })
      .pipe(Effect.catch((error) => Effect.logWarning(`throttle store unavailable: ${error.message}`)))
  })
}
