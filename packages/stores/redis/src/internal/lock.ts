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
import { Errors, KeyedMutex, type TokenStore } from "@keyway/core"
import { Clock, Duration, Effect, Fiber } from "effect"
import type { HotCache } from "./cache.ts"
import type { Codec } from "./codec.ts"
import { type Settings, unavailable } from "./connection.ts"
import { idOf, redisKey, suffix } from "./keys.ts"
import { type Eval, SCRIPTS } from "./scripts.ts"

interface Lease {
  readonly lockKey: string
  readonly token: string
}

type Attempt =
  | { readonly _tag: "Acquired"; readonly lease: Lease }
  | { readonly _tag: "Held"; readonly remainingMs: number; readonly revision: string }
  | { readonly _tag: "Changed"; readonly revision: string; readonly fmt: string; readonly val: string }

type Outcome<A> =
  | { readonly _tag: "Done"; readonly value: A }
  | { readonly _tag: "Held"; readonly remainingMs: number; readonly revision: string }
  | { readonly _tag: "Changed"; readonly revision: string; readonly fmt: string; readonly val: string }

/**
 * Whether a record another process stored while we waited is one TokenLifecycle is certain to
 * take as it is: it has an access token, is not marked for reauthorization, and is in the first
 * half of its lifetime (TokenLifecycle's refresh margin is at most half the lifetime).
 */
const surelyFresh = (token: TokenStore.StoredToken | undefined, now: number): boolean =>
  token !== undefined &&
  token.accessToken !== undefined &&
  token.needsReauthorization === undefined &&
  token.failure === undefined &&
  (token.expiresAt === undefined || now < token.obtainedAt + (token.expiresAt - token.obtainedAt) / 2)

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
export type WithRefreshLock = TokenStore.TokenStoreShape["withRefreshLock"]

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
   * waiting), first says whether the record changed since, without taking the lock.
   */
  const tryAcquire = (
    lockKey: string,
    fenceKey: string,
    rkey: string,
    baseline: string | undefined,
  ): Effect.Effect<Attempt, Errors.TokenStoreUnavailable> =>
    run(
      "withRefreshLock",
      SCRIPTS.acquire,
      [lockKey, fenceKey, rkey],
      [crypto.randomUUID(), lockTtlMs, baseline === undefined ? "0" : "1", baseline ?? ""],
    ).pipe(
      Effect.map((reply): Attempt => {
        const [tag, value, revision, fmt, val] = reply as [number, string | number, string?, string?, string?]
        switch (Number(tag)) {
          case 1:
            return { _tag: "Acquired", lease: { lockKey, token: String(value) } }
          case 2:
            return { _tag: "Changed", revision: revision ?? "", fmt: fmt ?? "", val: val ?? "" }
          default:
            return { _tag: "Held", remainingMs: Math.max(0, Number(value)), revision: revision ?? "" }
        }
      }),
    )

  const release = (lease: Lease, id: string) =>
    run("withRefreshLock", SCRIPTS.release, [lease.lockKey], [lease.token, releasedChannel, id]).pipe(
      Effect.ignore,
    )

  const heartbeat = (lease: Lease) =>
    Effect.sleep(Duration.millis(Math.max(1, Math.floor(lockTtlMs / 3)))).pipe(
      Effect.andThen(run("withRefreshLock", SCRIPTS.renew, [lease.lockKey], [lease.token, lockTtlMs])),
      Effect.flatMap((renewed) =>
        Number(renewed) === 1
          ? Effect.void
          : Effect.logWarning("refresh lock was taken over by another process").pipe(
              Effect.andThen(Effect.interrupt),
            ),
      ),
      Effect.catch(() => Effect.void),
      Effect.forever,
    )

  const mutex = KeyedMutex.make()

  const withRefreshLock = <A, E, R>(
    key: TokenStore.TokenKey,
    refresh: Effect.Effect<A, E, R>,
  ): Effect.Effect<A, E | Errors.TokenStoreUnavailable, R> => {
    const id = idOf(key)
    const lockKey = `${prefix}:lock:${suffix(key)}`
    const fenceKey = `${prefix}:fence:${suffix(key)}`
    const hold = Effect.sync(() => cache.hold(id))
    const unhold = Effect.sync(() => cache.unhold(id))
    const rkey = redisKey(prefix, key)
    const attempt = (
      baseline: string | undefined,
    ): Effect.Effect<Outcome<A>, E | Errors.TokenStoreUnavailable, R> =>
      Effect.acquireUseRelease(
        tryAcquire(lockKey, fenceKey, rkey, baseline),
        (result): Effect.Effect<Outcome<A>, E, R> =>
          result._tag !== "Acquired"
            ? Effect.succeed(result)
            : Effect.gen(function* () {
                yield* hold
                const renewing = yield* Effect.forkChild(heartbeat(result.lease))
                return yield* refresh.pipe(
                  Effect.map((value): Outcome<A> => ({ _tag: "Done", value })),
                  Effect.ensuring(Fiber.interrupt(renewing)),
                )
              }),
        (result) =>
          result._tag === "Acquired" ? release(result.lease, id).pipe(Effect.ensuring(unhold)) : Effect.void,
      )
    return mutex(
      id,
      Effect.gen(function* () {
        const deadline = Date.now() + waitTimeoutMs
        let pause = 5
        // The record's revision when we found the lock held: once another process has stored a
        // new record that is surely fresh, we run `refresh` without the lock (it re-reads the
        // store and returns that record) instead of queueing for the lock behind every waiter.
        let baseline: string | undefined
        while (true) {
          const seen = signals.seen(id)
          const outcome = yield* attempt(baseline)
          if (outcome._tag === "Done") return outcome.value
          if (outcome._tag === "Changed") {
            const record =
              outcome.revision === "" || outcome.val === ""
                ? undefined
                : yield* Effect.try({
                    try: () => codec.decode(rkey, outcome.revision, outcome.fmt, outcome.val),
                    catch: (cause) => unavailable("withRefreshLock", cause),
                  })
            if (surelyFresh(record, yield* Clock.currentTimeMillis)) {
              cache.remember(id, record!)
              return yield* refresh
            }
            baseline = outcome.revision
            continue
          }
          baseline ??= outcome.revision
          if (Date.now() >= deadline) {
            return yield* new Errors.TokenStoreUnavailable({
              store: "redis",
              operation: "withRefreshLock",
              reason: `another process held the refresh lock for more than ${waitTimeoutMs} ms`,
            })
          }
          const jittered = pause * (0.75 + Math.random() / 2)
          yield* signals.wait(id, seen, Math.min(jittered, outcome.remainingMs + 1))
          pause = Math.min(pause * 2, maxPollMs)
        }
      }),
    )
  }

  return withRefreshLock
}
