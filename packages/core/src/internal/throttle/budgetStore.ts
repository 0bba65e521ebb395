/**
 * Where a call budget lives (part of `Throttle`, which re-exports the public names): the
 * budget store contract a token store backend implements (GCRA reservations, concurrency
 * leases), the GCRA decision itself, and the in-memory store.
 */
import { Effect } from "effect"
import type { TokenStoreUnavailable } from "../../Errors.ts"

/**
 * The answer to a reservation: wait `waitMs` then send, or (not granted) the wait it would take.
 *
 * @example
 * ```ts
 * import type { Throttle } from "@keyway/core"
 * const reservation: Throttle.Reservation = { granted: true, waitMs: 200 }
 * ```
 *
 * @since 0.1.0
 */
export interface Reservation {
  readonly granted: boolean
  readonly waitMs: number
}

/**
 * What a reservation asks of a budget store: the spacing between calls, the burst, the caller's
 * clock and how long the caller can wait.
 *
 * @example
 * ```ts
 * import type { Throttle } from "@keyway/core"
 * const request: Throttle.ReserveRequest = { intervalMs: 100, burst: 5, now: Date.now(), maxWaitMs: 30_000 }
 * ```
 *
 * @since 0.1.0
 */
export interface ReserveRequest {
  readonly intervalMs: number
  readonly burst: number
  readonly now: number
  readonly maxWaitMs: number
}

/**
 * Where budgets live: memory, SQLite, Redis. `reserve` and `hold` must be atomic per key.
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * const store: Throttle.BudgetStore = Throttle.makeMemoryStore()
 * ```
 *
 * @since 0.1.0
 */
export interface BudgetStore {
  readonly name: string
  /** Takes the next slot of `key` unless its wait exceeds `maxWaitMs` (then changes nothing). */
  readonly reserve: (
    key: string,
    request: ReserveRequest,
  ) => Effect.Effect<Reservation, TokenStoreUnavailable>
  /** No slot of `key` before `until` (epoch ms). */
  readonly hold: (
    key: string,
    until: number,
    request: Omit<ReserveRequest, "maxWaitMs">,
  ) => Effect.Effect<void, TokenStoreUnavailable>
  /**
   * Stores shared by processes: takes one of `limit` leases of `key` for `leaseMs` (a holder that
   * crashes frees it when it expires), or says when the earliest lease runs out. Without it,
   * `concurrency` holds per process only.
   */
  readonly lease?: (key: string, request: LeaseRequest) => Effect.Effect<Lease, TokenStoreUnavailable>
  /** Gives a lease back. */
  readonly release?: (key: string, id: string) => Effect.Effect<void, TokenStoreUnavailable>
  /**
   * The same operations run at once, for a store that neither fails nor waits (memory): the
   * throttle then takes its lease and reserves its slot in one step on the hot path.
   */
  readonly sync?: SyncBudgetStore | undefined
}

/**
 * The synchronous operations of an in-process budget store (see {@link BudgetStore.sync}).
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * const sync = Throttle.makeMemoryStore().sync
 * sync?.reserve("acme", { intervalMs: 100, burst: 1, now: 0, maxWaitMs: 1_000 }) // { granted: true, waitMs: 0 }
 * ```
 *
 * @since 0.1.0
 */
export interface SyncBudgetStore {
  readonly reserve: (key: string, request: ReserveRequest) => Reservation
  readonly lease: (key: string, request: LeaseRequest) => Lease
  readonly release: (key: string, id: string) => void
}

/**
 * A lease request: `id` names the lease, `now` is the caller's clock.
 *
 * @example
 * ```ts
 * import type { Throttle } from "@keyway/core"
 * const request: Throttle.LeaseRequest = { id: crypto.randomUUID(), limit: 4, leaseMs: 31_000, now: Date.now() }
 * ```
 *
 * @since 0.1.0
 */
export interface LeaseRequest {
  readonly id: string
  readonly limit: number
  readonly leaseMs: number
  readonly now: number
}

/**
 * The answer to a lease request: taken, or the ms until the earliest lease expires.
 *
 * @example
 * ```ts
 * import type { Throttle } from "@keyway/core"
 * const lease: Throttle.Lease = { acquired: false, retryInMs: 120 }
 * ```
 *
 * @since 0.1.0
 */
export interface Lease {
  readonly acquired: boolean
  readonly retryInMs: number
}

/**
 * The GCRA step every store runs atomically: from the stored theoretical arrival time (`tat`,
 * epoch ms; `undefined` when absent), the reservation and the new `tat` to store (`undefined`:
 * leave it).
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * const request = { intervalMs: 100, burst: 1, now: 1_000, maxWaitMs: 500 }
 * Throttle.decide(undefined, request) // { granted: true, waitMs: 0, tat: 1_100 }
 * Throttle.decide(1_100, request) // { granted: true, waitMs: 100, tat: 1_200 }
 * ```
 *
 * @since 0.1.0
 */
export const decide = (
  tat: number | undefined,
  request: ReserveRequest,
): Reservation & { readonly tat: number | undefined } => {
  const tolerance = Math.max(0, request.burst - 1) * request.intervalMs
  const start = Math.max(tat ?? request.now, request.now)
  const waitMs = Math.max(0, start - tolerance - request.now)
  if (waitMs > request.maxWaitMs) return { granted: false, waitMs, tat: undefined }
  return { granted: true, waitMs, tat: start + request.intervalMs }
}

/**
 * The `tat` after a {@link BudgetStore.hold}: the first slot is at `until` at the earliest.
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * Throttle.held(undefined, 5_000, { intervalMs: 100, burst: 3, now: 0 }) // 5_200
 * ```
 *
 * @since 0.1.0
 */
export const held = (
  tat: number | undefined,
  until: number,
  request: Omit<ReserveRequest, "maxWaitMs">,
): number => Math.max(tat ?? 0, until + Math.max(0, request.burst - 1) * request.intervalMs)

/**
 * A budget store in this process's memory.
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * const store = Throttle.makeMemoryStore()
 * ```
 *
 * @since 0.1.0
 */
export const makeMemoryStore = (): BudgetStore => {
  const tats = new Map<string, number>()
  const leases = new Map<string, Map<string, number>>()
  const sync: SyncBudgetStore = {
    reserve: (key, request) => {
      const out = decide(tats.get(key), request)
      if (out.tat !== undefined) tats.set(key, out.tat)
      return { granted: out.granted, waitMs: out.waitMs }
    },
    lease: (key, request) => {
      let held = leases.get(key)
      if (held === undefined) {
        held = new Map<string, number>()
        leases.set(key, held)
      }
      // Expired leases only matter to a full set (and a set that never fills stays under the
      // limit): they are swept then, not on every lease.
      if (held.size >= request.limit) {
        let first = Number.POSITIVE_INFINITY
        for (const [id, expiresAt] of held) {
          if (expiresAt <= request.now) held.delete(id)
          else first = Math.min(first, expiresAt)
        }
        if (held.size >= request.limit) return { acquired: false, retryInMs: first - request.now }
      }
      held.set(request.id, request.now + request.leaseMs)
      return { acquired: true, retryInMs: 0 }
    },
    release: (key, id) => void leases.get(key)?.delete(id),
  }
  return {
    name: "memory",
    reserve: (key, request) => Effect.sync(() => sync.reserve(key, request)),
    hold: (key, until, request) => Effect.sync(() => void tats.set(key, held(tats.get(key), until, request))),
    lease: (key, request) => Effect.sync(() => sync.lease(key, request)),
    release: (key, id) => Effect.sync(() => sync.release(key, id)),
    sync,
  }
}
