/**
 * The Redis store's cross-process refresh lock: `SET NX PX` on `{prefix}:lock:...` with a fencing
 * token (a per-key counter plus a random id), renewed while the refresh runs, released by a
 * compare-and-delete script that publishes a release message. Waiters wake on that message or on
 * the holder's write (polling is the fallback) or when the lock expires. When the record changed
 * meanwhile and is surely fresh, they run their refresh effect without the lock (TokenLifecycle's
 * refresh re-reads the store and returns that record instead of calling the token endpoint);
 * otherwise they take the lock in turn, and their refresh re-reads the store under it. Within one
 * process, callers of one key queue on a keyed mutex first.
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
 *   return yield* store.withRefreshLock(key, Effect.succeed("refreshed under the lock"))
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { type Errors, RefreshLock, type TokenStore } from "@keyway/core"
import { Effect } from "effect"
import type { HotCache } from "./cache.ts"
import type { Codec } from "./codec.ts"
import { type Settings, unavailable } from "./connection.ts"
import { idOf, redisKey, suffix } from "./keys.ts"
import { type Eval, SCRIPTS } from "./scripts.ts"

interface Lease {
  readonly lockKey: string
  readonly token: string
}

/**
 * Lock releases and record writes seen on the channels, by key id: they wake waiters.
 *
 * @example
 * ```ts
 * const signals = makeSignals()
 * signals.signal(id) // wakes every waiter of id
 * ```
 */
export interface Signals {
  readonly signal: (id: string) => void
  /** How many signals of the id were seen so far. */
  readonly seen: (id: string) => number
  /** Waits until a release or write message for `id` arrives after `seen` of them, or `maxMs` passes. */
  readonly wait: (id: string, seen: number, maxMs: number) => Effect.Effect<void>
}

/**
 * The signals of one store.
 *
 * @example
 * ```ts
 * yield* makeSignals().wait(id, 0, 100) // resumes after 100 ms without a signal
 * ```
 */
export const makeSignals = (): Signals => {
  const signals = new Map<string, number>()
  const wakers = new Map<string, Set<() => void>>()
  const signal = (id: string) => {
    signals.set(id, (signals.get(id) ?? 0) + 1)
    for (const wake of wakers.get(id) ?? []) wake()
  }
  const wait = (id: string, seen: number, maxMs: number) =>
    Effect.callback<void>((resume) => {
      if ((signals.get(id) ?? 0) !== seen) return resume(Effect.void)
      let set = wakers.get(id)
      if (set === undefined) {
        set = new Set()
        wakers.set(id, set)
      }
      const own = set
      const done = () => {
        clearTimeout(timer)
        own.delete(wake)
        if (own.size === 0 && wakers.get(id) === own) wakers.delete(id)
      }
      const wake = () => {
        done()
        resume(Effect.void)
      }
      const timer = setTimeout(wake, Math.max(1, maxMs))
      own.add(wake)
      return Effect.sync(done)
    })
  return { signal, seen: (id) => signals.get(id) ?? 0, wait }
}

/**
 * Runs an effect under a key's refresh lock.
 *
 * @example
 * ```ts
 * const locked: WithRefreshLock = withRefreshLock
 * ```
 */
export type WithRefreshLock = RefreshLock.WithRefreshLock

/**
 * The refresh lock of a store.
 *
 * @example
 * ```ts
 * const withRefreshLock = makeRefreshLock({ settings, cache, codec, signals, run })
 * ```
 */
export const makeRefreshLock = (deps: {
  readonly settings: Settings
  readonly cache: HotCache
  readonly codec: Codec
  readonly signals: Signals
  readonly run: Eval
}): WithRefreshLock => {
  const { settings, cache, codec, signals, run } = deps
  const { prefix, lockTtlMs, maxPollMs, waitTimeoutMs, releasedChannel } = settings

  /**
   * Takes the lock, or says who has it; with a `baseline` revision (the record when we began
   * waiting), first says whether the record changed since (and decodes it), without taking the lock.
   */
  const tryAcquire = (
    lockKey: string,
    fenceKey: string,
    rkey: string,
    baseline: string | undefined,
  ): Effect.Effect<RefreshLock.Attempt<Lease>, Errors.TokenStoreUnavailable> =>
    run(
      "withRefreshLock",
      SCRIPTS.acquire,
      [lockKey, fenceKey, rkey],
      [crypto.randomUUID(), lockTtlMs, baseline === undefined ? "0" : "1", baseline ?? ""],
    ).pipe(
      Effect.flatMap((reply): Effect.Effect<RefreshLock.Attempt<Lease>, Errors.TokenStoreUnavailable> => {
        const [tag, value, revision, fmt, val] = reply as [number, string | number, string?, string?, string?]
        switch (Number(tag)) {
          case 1:
            return Effect.succeed({ _tag: "Acquired", lease: { lockKey, token: String(value) } })
          case 2: {
            const changed = (record: TokenStore.StoredToken | undefined): RefreshLock.Attempt<Lease> => ({
              _tag: "Changed",
              revision: revision ?? "",
              record,
            })
            if (revision === undefined || revision === "" || val === undefined || val === "")
              return Effect.succeed(changed(undefined))
            return Effect.try({
              try: () => changed(codec.decode(rkey, revision, fmt ?? "", val)),
              catch: (cause) => unavailable("withRefreshLock", cause),
            })
          }
          default:
            return Effect.succeed({
              _tag: "Held",
              remainingMs: Math.max(0, Number(value)),
              revision: revision ?? "",
            })
        }
      }),
    )

  return RefreshLock.make<Lease>({
    store: "redis",
    lockTtlMs,
    maxPollMs,
    waitTimeoutMs,
    initialPauseMs: 5,
    forKey: (key) => {
      const id = idOf(key)
      const lockKey = `${prefix}:lock:${suffix(key)}`
      const fenceKey = `${prefix}:fence:${suffix(key)}`
      const rkey = redisKey(prefix, key)
      return {
        id,
        tryAcquire: (baseline) => tryAcquire(lockKey, fenceKey, rkey, baseline),
        renew: (lease) =>
          run("withRefreshLock", SCRIPTS.renew, [lease.lockKey], [lease.token, lockTtlMs]).pipe(
            Effect.map((renewed) => Number(renewed) === 1),
          ),
        release: (lease) =>
          run("withRefreshLock", SCRIPTS.release, [lease.lockKey], [lease.token, releasedChannel, id]).pipe(
            Effect.ensuring(Effect.sync(() => cache.unhold(id))),
          ),
        onAcquired: () => Effect.sync(() => cache.hold(id)),
        onFresh: (record) => cache.remember(id, record),
        watch: () => {
          const seen = signals.seen(id)
          return (maxMs) => signals.wait(id, seen, maxMs)
        },
      }
    },
  })
}
