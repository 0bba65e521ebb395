/**
 * What a distributed TokenStore's refresh lock does around its backend's acquire, renew and
 * release. For TokenStore authors: the SQLite and Redis stores build their `withRefreshLock` on it.
 *
 * Callers of one key in one process queue on a keyed mutex first. Then a caller tries to take the
 * backend's lock: once it has it, it renews the lease every third of the TTL while its refresh runs
 * (and stops renewing, with a warning, when another process took the lock over), and releases it
 * afterwards. While another process holds it, the caller waits (a jittered exponential pause, at
 * most until the lock expires; the backend says how to wait) and tries again, remembering the
 * record's revision when it first found the lock held. Once the record changed since and is surely
 * fresh, the caller runs its refresh without the lock (TokenLifecycle's refresh re-reads the store
 * and returns the record another process just wrote). Past `waitTimeoutMs` it fails with
 * `TokenStoreUnavailable`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RefreshLock, TokenStore } from "@keyway/core"
 *
 * let holder: string | undefined
 * const withRefreshLock = RefreshLock.make<string>({
 *   store: "memory",
 *   lockTtlMs: 30_000,
 *   maxPollMs: 100,
 *   waitTimeoutMs: 10_000,
 *   initialPauseMs: 1,
 *   forKey: (key) => {
 *     const id = TokenStore.keyString(key)
 *     return {
 *       id,
 *       tryAcquire: () =>
 *         Effect.sync((): RefreshLock.Attempt<string> => {
 *           if (holder !== undefined) return { _tag: "Held", remainingMs: 10, revision: "" }
 *           holder = id
 *           return { _tag: "Acquired", lease: id }
 *         }),
 *       renew: (lease) => Effect.sync(() => holder === lease),
 *       release: () => Effect.sync(() => { holder = undefined }),
 *     }
 *   },
 * })
 * const key = TokenStore.key({ provider: "ccw", connection: "default", scopes: [] })
 * const program = withRefreshLock(key, Effect.succeed("refreshed under the lock"))
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Fiber } from "effect"
import * as Errors from "./Errors.ts"
import * as KeyedMutex from "./KeyedMutex.ts"
import type * as TokenStore from "./TokenStore.ts"

/**
 * What one try at a backend's lock found: the lock taken (with its lease), the lock held by
 * another process (how long until it expires, and the record's revision), or, when the try was
 * given a baseline revision, the record changed since (its new revision and the decoded record).
 *
 * @example
 * ```ts
 * import type { RefreshLock } from "@keyway/core"
 *
 * const held: RefreshLock.Attempt<string> = { _tag: "Held", remainingMs: 250, revision: "7" }
 * ```
 *
 * @since 0.1.0
 */
export type Attempt<Lease> =
  | { readonly _tag: "Acquired"; readonly lease: Lease }
  | { readonly _tag: "Held"; readonly remainingMs: number; readonly revision: string }
  | {
      readonly _tag: "Changed"
      readonly revision: string
      readonly record: TokenStore.StoredToken | undefined
    }

/**
 * A backend's lock operations for one key.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { RefreshLock } from "@keyway/core"
 *
 * const backend: RefreshLock.Backend<string> = {
 *   id: "ccw/default/",
 *   tryAcquire: () => Effect.succeed({ _tag: "Acquired", lease: "lease-1" }),
 *   renew: () => Effect.succeed(true),
 *   release: () => Effect.void,
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface Backend<Lease> {
  /** The key's id: callers of one id in this process queue on one in-process mutex. */
  readonly id: string
  /**
   * Takes the lock, or says who has it; with a `baseline` revision (the record when we began
   * waiting), first says whether the record changed since, without taking the lock.
   */
  readonly tryAcquire: (
    baseline: string | undefined,
  ) => Effect.Effect<Attempt<Lease>, Errors.TokenStoreUnavailable>
  /** Extends the lease; false when another process has taken the lock over. Failures are ignored. */
  readonly renew: (lease: Lease) => Effect.Effect<boolean, unknown>
  /** Gives the lock up. Failures are ignored. */
  readonly release: (lease: Lease) => Effect.Effect<void, unknown>
  /** Runs once the lock is taken, before the refresh (default: nothing). */
  readonly onAcquired?: (lease: Lease) => Effect.Effect<void>
  /** Runs with a surely fresh record another process stored, before the refresh runs without the lock. */
  readonly onFresh?: (record: TokenStore.StoredToken) => void
  /**
   * Called before each try; the function it returns waits after a try that found the lock held,
   * for at most `maxMs` (default: a sleep of `maxMs`, at least 1 ms). A backend that is told of
   * releases waits for that message instead.
   */
  readonly watch?: () => (maxMs: number) => Effect.Effect<void>
}

/**
 * Runs an effect under a key's refresh lock: TokenStore's `withRefreshLock`.
 *
 * @example
 * ```ts
 * import type { RefreshLock, TokenStore } from "@keyway/core"
 *
 * const fromStore = (store: TokenStore.TokenStoreShape): RefreshLock.WithRefreshLock => store.withRefreshLock
 * ```
 *
 * @since 0.1.0
 */
export type WithRefreshLock = TokenStore.TokenStoreShape["withRefreshLock"]

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

const sleep = () => (maxMs: number) => Effect.sleep(Duration.millis(Math.max(1, maxMs)))

type Outcome<A> = { readonly _tag: "Done"; readonly value: A } | Exclude<Attempt<never>, { _tag: "Acquired" }>

/**
 * Makes a store's `withRefreshLock` from its backend's lock operations: `store` names the store in
 * its errors, `lockTtlMs` is the lease's TTL (renewed every third of it), `initialPauseMs` and
 * `maxPollMs` the first and the longest pause between two tries, `waitTimeoutMs` how long a caller
 * waits for another holder.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RefreshLock, TokenStore } from "@keyway/core"
 *
 * const withRefreshLock = RefreshLock.make<string>({
 *   store: "memory",
 *   lockTtlMs: 30_000,
 *   maxPollMs: 100,
 *   waitTimeoutMs: 10_000,
 *   initialPauseMs: 1,
 *   forKey: (key) => ({
 *     id: TokenStore.keyString(key),
 *     tryAcquire: () => Effect.succeed({ _tag: "Acquired", lease: "lease-1" }),
 *     renew: () => Effect.succeed(true),
 *     release: () => Effect.void,
 *   }),
 * })
 * ```
 *
 * @since 0.1.0
 */
export const make = <Lease>(options: {
  readonly store: string
  readonly lockTtlMs: number
  readonly maxPollMs: number
  readonly waitTimeoutMs: number
  readonly initialPauseMs: number
  readonly forKey: (key: TokenStore.TokenKey) => Backend<Lease>
}): WithRefreshLock => {
  const { store, lockTtlMs, maxPollMs, waitTimeoutMs, initialPauseMs, forKey } = options

  const heartbeat = (backend: Backend<Lease>, lease: Lease) =>
    Effect.sleep(Duration.millis(Math.max(1, Math.floor(lockTtlMs / 3)))).pipe(
      Effect.andThen(backend.renew(lease)),
      Effect.flatMap((held) =>
        held
          ? Effect.void
          : Effect.logWarning("refresh lock was taken over by another process").pipe(
              Effect.andThen(Effect.interrupt),
            ),
      ),
      Effect.catch(() => Effect.void),
      Effect.forever,
    )

  const mutex = KeyedMutex.make()

  return <A, E, R>(
    key: TokenStore.TokenKey,
    refresh: Effect.Effect<A, E, R>,
  ): Effect.Effect<A, E | Errors.TokenStoreUnavailable, R> => {
    const backend = forKey(key)
    const watch = backend.watch ?? sleep
    const attempt = (
      baseline: string | undefined,
    ): Effect.Effect<Outcome<A>, E | Errors.TokenStoreUnavailable, R> =>
      Effect.acquireUseRelease(
        backend.tryAcquire(baseline),
        (result): Effect.Effect<Outcome<A>, E, R> =>
          result._tag !== "Acquired"
            ? Effect.succeed(result)
            : Effect.gen(function* () {
                if (backend.onAcquired !== undefined) yield* backend.onAcquired(result.lease)
                const renewing = yield* Effect.forkChild(heartbeat(backend, result.lease))
                return yield* refresh.pipe(
                  Effect.map((value): Outcome<A> => ({ _tag: "Done", value })),
                  Effect.ensuring(Fiber.interrupt(renewing)),
                )
              }),
        (result) => (result._tag === "Acquired" ? Effect.ignore(backend.release(result.lease)) : Effect.void),
      )
    return mutex(
      backend.id,
      Effect.gen(function* () {
        const deadline = Date.now() + waitTimeoutMs
        let pause = initialPauseMs
        // The record's revision when we found the lock held: once another process has stored a
        // new record that is surely fresh, we run `refresh` without the lock (it re-reads the
        // store and returns that record) instead of queueing for the lock behind every waiter.
        let baseline: string | undefined
        while (true) {
          const wait = watch()
          const outcome = yield* attempt(baseline)
          if (outcome._tag === "Done") return outcome.value
          if (outcome._tag === "Changed") {
            if (surelyFresh(outcome.record, yield* Clock.currentTimeMillis)) {
              backend.onFresh?.(outcome.record!)
              return yield* refresh
            }
            baseline = outcome.revision
            continue
          }
          baseline ??= outcome.revision
          if (Date.now() >= deadline) {
            return yield* new Errors.TokenStoreUnavailable({
              store,
              operation: "withRefreshLock",
              reason: `another process held the refresh lock for more than ${waitTimeoutMs} ms`,
            })
          }
          // Jittered so that waiting processes do not poll in lockstep.
          const jittered = pause * (0.75 + Math.random() / 2)
          yield* wait(Math.min(jittered, outcome.remainingMs + 1))
          pause = Math.min(pause * 2, maxPollMs)
        }
      }),
    )
  }
}
