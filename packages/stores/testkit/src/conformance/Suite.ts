/**
 * What the three groups of conformance checks (records, refresh lock, across processes) share:
 * the suite's secrets, key and record, the check registrar (skipped when a capability is missing,
 * expected to fail when the options say so), store openers, and `contend`, two stores racing for
 * one refresh lock.
 *
 * @example
 * ```ts
 * const suite = makeSuite(options)
 * suite.check("delete")("deletes", () => run(Effect.gen(function* () { yield* (yield* suite.open()).delete(KEY) })))
 * ```
 *
 * @since 0.1.0
 */
import { TokenStore } from "@keyway/core"
import { Effect, Fiber, Redacted, type Scope } from "effect"
import { expect, it } from "vitest"
import type { Capabilities, CheckName, Locks, Options, StoreSettings } from "./Options.ts"

/** The suite's secrets: a broken store that leaks them is caught by looking for them. */
export const ACCESS = "access-SECRET-123"
export const REFRESH = "refresh-SECRET-456"
/** The scopes of the suite's key (not sorted, on purpose). */
export const SCOPES = ["w_jobs", "r_jobs"]
/** The key most checks use. */
export const KEY = TokenStore.key({ provider: "workable", connection: "acme", scopes: SCOPES })

/**
 * A record holding the suite's secrets, fresh for an hour, with a new revision.
 *
 * @example
 * ```ts
 * import { record } from "@keyway/store-testkit/Conformance"
 * const expired = record({ expiresAt: Date.now() - 1 })
 * ```
 *
 * @since 0.1.0
 */
export const record = (over: Partial<TokenStore.StoredToken> = {}): TokenStore.StoredToken => ({
  accessToken: Redacted.make(ACCESS),
  refreshToken: Redacted.make(REFRESH),
  tokenType: "Bearer",
  expiresAt: Date.now() + 3_600_000,
  obtainedAt: Date.now(),
  revision: TokenStore.newRevision(),
  ...over,
})

/** Runs a check's effect in a scope of its own. */
export const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect))

/** The fields of a record other than its secrets. */
export const plainFields = (token: TokenStore.StoredToken | undefined) =>
  token === undefined ? undefined : { ...token, accessToken: undefined, refreshToken: undefined }

/** A secret's value; one handed out in clear (a broken store) as it is, for the `redacted` check to catch. */
export const reveal = (value: Redacted.Redacted<string> | undefined): unknown =>
  Redacted.isRedacted(value) ? Redacted.value(value) : value

/** The refresh lock's TTL in the crash check; the soak uses a shorter one. */
export const LOCK_TTL_MS = 1000

/** The time, as an effect. */
export const clock = Effect.sync(() => Date.now())

/**
 * Two stores contend for one refresh lock: `holder` takes it and runs `holding`; `afterMs` later
 * `waiter` asks for it and runs `waiting`. Returns what each run gave (the holder's as a
 * `Result`, so that it may fail) and when each began and ended.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { contend } from "@keyway/store-testkit/Conformance"
 * const { waiter } = yield* contend({ holder: a, waiter: b, key, holding: Effect.sleep("300 millis"), waiting: Effect.void })
 * ```
 *
 * @since 0.1.0
 */
export const contend = <A, E, B, E2>(options: {
  readonly holder: TokenStore.TokenStoreShape
  readonly waiter: TokenStore.TokenStoreShape
  readonly key?: TokenStore.TokenKey | undefined
  readonly holding: Effect.Effect<A, E>
  readonly waiting: Effect.Effect<B, E2>
  /** Default 20. */
  readonly afterMs?: number | undefined
}) =>
  Effect.gen(function* () {
    const key = options.key ?? KEY
    const span = <X, Y>(effect: Effect.Effect<X, Y>) =>
      Effect.all([clock, effect, clock]).pipe(
        Effect.map(([startedAt, value, endedAt]) => ({ startedAt, value, endedAt })),
      )
    let heldFrom = 0
    let heldUntil = 0
    const holding = yield* Effect.forkChild(
      Effect.result(
        options.holder.withRefreshLock(
          key,
          Effect.sync(() => {
            heldFrom = Date.now()
          }).pipe(
            Effect.andThen(options.holding),
            Effect.ensuring(
              Effect.sync(() => {
                heldUntil = Date.now()
              }),
            ),
          ),
        ),
      ),
    )
    yield* Effect.sleep(`${options.afterMs ?? 20} millis`)
    const waiter = yield* options.waiter.withRefreshLock(key, span(options.waiting))
    const result = yield* Fiber.join(holding)
    return { holder: { result, startedAt: heldFrom, endedAt: heldUntil }, waiter }
  })

/**
 * Registers the conformance checks for one store (call it at the top level of a test file).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { runStoreConformance } from "@keyway/store-testkit/Conformance"
 *
 * runStoreConformance({
 *   name: "memory",
 *   makeStore: () => Effect.sync(TokenStore.makeMemory),
 *   capabilities: { durable: false, refreshLock: false },
 * })
 * ```
 *
 * @since 0.1.0

/**
 * The suite of one store: its options and capabilities, and the helpers its checks use.
 *
 * @example
 * ```ts
 * const { open, check, caps } = makeSuite(options)
 * ```
 */
export interface Suite<S extends TokenStore.TokenStoreShape> {
  readonly options: Options<S>
  readonly caps: Capabilities
  /** Opens a store (closed with the scope). */
  readonly open: (settings?: StoreSettings<S>) => Effect.Effect<S, unknown, Scope.Scope>
  /** A store holding a record that was rotated once: `first` written, then replaced by `second`. */
  readonly rotated: Effect.Effect<
    { readonly store: S; readonly first: TokenStore.StoredToken; readonly second: TokenStore.StoredToken },
    unknown,
    Scope.Scope
  >
  /** Two stores on the same data, the first holding `seed` when given. */
  readonly openPair: (
    settings?: StoreSettings<S>,
    seed?: TokenStore.StoredToken,
  ) => Effect.Effect<readonly [S, S], unknown, Scope.Scope>
  /** The lock probe, when the store has a refresh lock and the options one. */
  readonly locks: Locks<S> | undefined
  /** Registers a check: skipped unless `condition`, expected to fail when the options list it. */
  readonly check: (
    name: CheckName,
    condition?: boolean,
  ) => (title: string, body: () => Promise<unknown>, timeout?: number) => void
  /** Runs `effect` with the lock probe, which the check's condition guarantees. */
  readonly withLocks: <A, E>(
    effect: (locks: Locks<S>) => Effect.Effect<A, E, Scope.Scope>,
  ) => Effect.Effect<A, E, Scope.Scope>
}

/**
 * The suite of the options.
 *
 * @example
 * ```ts
 * const suite = makeSuite({ name: "memory", makeStore: () => Effect.sync(TokenStore.makeMemory), capabilities: { durable: false, refreshLock: false } })
 * ```
 */
export const makeSuite = <S extends TokenStore.TokenStoreShape>(options: Options<S>): Suite<S> => {
  const caps: Capabilities = {
    durable: true,
    refreshLock: true,
    idempotentRetry: false,
    releaseWakeMs: 100,
    ...options.capabilities,
  }
  const open = (settings: StoreSettings<S> = {}) => options.makeStore(settings)
  const rotated = Effect.gen(function* () {
    const store = yield* open()
    const first = record()
    const second = record()
    expect(yield* store.compareAndSet(KEY, undefined, first)).toBe(true)
    expect(yield* store.compareAndSet(KEY, first, second)).toBe(true)
    return { store, first, second }
  })
  const openPair = (settings: StoreSettings<S> = {}, seed?: TokenStore.StoredToken) =>
    Effect.gen(function* () {
      const a = yield* open(settings)
      const b = yield* open({ ...settings, sameAs: a })
      if (seed !== undefined) expect(yield* a.compareAndSet(KEY, undefined, seed)).toBe(true)
      return [a, b] as const
    })
  const locks = caps.refreshLock ? options.locks : undefined
  const check = (name: CheckName, condition = true) => {
    const runner = !condition ? it.skip : options.expectFailures?.includes(name) ? it.fails : it
    return (title: string, body: () => Promise<unknown>, timeout?: number) => runner(title, body, timeout)
  }
  const withLocks = <A, E>(
    effect: (locks: Locks<S>) => Effect.Effect<A, E, Scope.Scope>,
  ): Effect.Effect<A, E, Scope.Scope> => (locks === undefined ? Effect.die("no lock probe") : effect(locks))
  return { options, caps, open, rotated, openPair, locks, check, withLocks }
}
