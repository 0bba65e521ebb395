/**
 * The TokenStore conformance suite: one call in a store's test file registers the vitest checks
 * every durable Keyway TokenStore must pass, so each store package keeps only the tests of what
 * is its own (file modes, encryption, expiry, caching, an unreachable server...).
 *
 * | check | what it proves | skipped when |
 * | --- | --- | --- |
 * | compare-and-set | writes only over the expected revision, only-if-absent when none is expected; an older writer never overwrites a rotated record | never |
 * | retry-write | a compare-and-set retried after its reply was lost reports success without writing twice | `idempotentRetry: false` |
 * | delete | compare-and-set to `undefined` deletes under the same condition; `delete` deletes unconditionally | never |
 * | durable | a store opened later on the same data reads every field back, secrets as `Redacted` | `durable: false` |
 * | redacted | secrets come back only as `Redacted` values (not in `String`, JSON or `inspect`), every other field intact, a record without access token too | never |
 * | keys | scope order and duplicates name the same record; separators inside provider or connection never make two keys collide | never |
 * | lock-exclusion | a second store on the same data waits for the holder's release and starts promptly after it | `refreshLock: false` |
 * | lock-release | the lock is released when the refresh fails or is interrupted; the next caller gets it at once | `refreshLock: false` |
 * | lock-takeover | the lock of a holder that vanished is taken over once it expires, with a higher fencing number | no `locks` probe |
 * | lock-renewal | a slow refresh keeps the lock (renewed), nobody takes it over | `refreshLock: false` |
 * | lock-fencing | a holder whose lock was taken over leaves the new holder's lock alone | no `locks` probe |
 * | lock-wait-fresh | a waiter returns what another store just wrote without queueing for the lock | `refreshLock: false` |
 * | lock-wait-take | a waiter takes the lock itself when the holder stored nothing usable | `refreshLock: false` |
 * | lock-wait-timeout | a waiter gives up after `lockWaitTimeout` with `TokenStoreUnavailable` | no `locks` probe |
 * | lock-single-flight | two lifecycles on two stores on the same data obtain one token between them | `refreshLock: false` |
 * | mp-burst | 4 processes x 50 concurrent `get`s: one token request cold, one refresh after expiry | no `multiProcess` |
 * | mp-crash | `kill -9` of the lock holder mid-request: another process refreshes within the lock TTL, newest token stored | no `multiProcess` |
 * | mp-soak | rotation soak with random kills: zero `invalid_grant`, zero lost grants | no `multiProcess` |
 *
 * The multi-process checks run a {@link Pool} of the package's worker script (see `Worker.run`)
 * against a loopback {@link TokenServer}. This module imports `vitest`, so it is not re-exported
 * from the package's index (worker processes and benchmarks import that): import it as
 * `@keyway/store-testkit/Conformance`.
 *
 * @example
 * ```ts
 * // test/Conformance.test.ts of a store package
 * import { fileURLToPath } from "node:url"
 * import { runStoreConformance } from "@keyway/store-testkit/Conformance"
 * import { SqliteStore } from "../src/index.ts"
 *
 * let n = 0
 * runStoreConformance({
 *   name: "sqlite",
 *   makeStore: ({ sameAs, lockTtlMs }) =>
 *     SqliteStore.make({ path: sameAs?.path ?? `/tmp/t-${++n}.db`, lockTtl: lockTtlMs && `${lockTtlMs} millis` }),
 *   multiProcess: {
 *     script: fileURLToPath(new URL("./worker.ts", import.meta.url)),
 *     workerStore: ({ name, lockTtlMs }) => {
 *       const options = { path: `/tmp/${name}.db`, lockTtl: `${lockTtlMs} millis` }
 *       return { config: options, open: () => SqliteStore.make(options) }
 *     },
 *   },
 * })
 * ```
 *
 * @since 0.1.0
 */
import { inspect } from "node:util"
import { TokenLifecycle, TokenStore } from "@keyway/core"
import { Effect, Fiber, Option, Redacted, type Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import * as Pool from "./Pool.ts"
import * as Scenarios from "./Scenarios.ts"
import * as Soak from "./Soak.ts"
import * as TokenServer from "./TokenServer.ts"

/**
 * How the suite wants a store opened.
 *
 * @since 0.1.0
 */
export interface StoreSettings<S> {
  /**
   * Open on the same records and locks as this store (the same file, the same key prefix); it
   * may have been closed already. Without it: on a fresh, empty space.
   */
  readonly sameAs?: S | undefined
  /** The refresh lock's TTL; the store's default when undefined. */
  readonly lockTtlMs?: number | undefined
  /** How long `withRefreshLock` waits for another holder; the store's default when undefined. */
  readonly lockWaitTimeoutMs?: number | undefined
}

/**
 * A refresh lock as the store keeps it.
 *
 * @since 0.1.0
 */
export interface Lock {
  /** Who holds it: an id unique to one acquisition. */
  readonly holder: string
  /** The fencing number of that acquisition. */
  readonly fence: number
  /** When it expires unless renewed, epoch ms. */
  readonly expiresAt: number
}

/**
 * Direct access to a store's refresh locks, past the store's API (raw SQL, raw Redis commands),
 * for the checks that look at the lock itself or play another process.
 *
 * @since 0.1.0
 */
export interface Locks<S> {
  /** The lock of `key` as stored, `undefined` when nobody took it or its holder released it. */
  readonly read: (store: S, key: TokenStore.TokenKey) => Effect.Effect<Lock | undefined, unknown>
  /**
   * Writes the lock of `key` as another process holding it would have (whatever is there): held
   * by `holder` with fencing number `fence` (later acquisitions must number above it), expiring
   * in `ttlMs`.
   */
  readonly plant: (
    store: S,
    key: TokenStore.TokenKey,
    lock: { readonly holder: string; readonly fence: number; readonly ttlMs: number },
  ) => Effect.Effect<void, unknown>
}

/**
 * What a store can do; checks that do not apply are registered as skipped.
 *
 * @since 0.1.0
 */
export interface Capabilities {
  /** Records outlive the store: a store opened later with `sameAs` reads them. Default true. */
  readonly durable: boolean
  /** `withRefreshLock` excludes the other stores opened on the same data. Default true. */
  readonly refreshLock: boolean
  /** A compare-and-set retried after its reply was lost reports success. Default false. */
  readonly idempotentRetry: boolean
  /** A waiter starts within this many milliseconds of the holder's release. Default 100. */
  readonly releaseWakeMs: number
}

/**
 * Options of {@link runStoreConformance}.
 *
 * @since 0.1.0
 */
export interface Options<S extends TokenStore.TokenStoreShape> {
  /** Names the `describe` block and the log lines. */
  readonly name: string
  /** Opens a store (closed with the scope). */
  readonly makeStore: (settings: StoreSettings<S>) => Effect.Effect<S, unknown, Scope.Scope>
  /** Lock access for the checks that need it; they are skipped without it. */
  readonly locks?: Locks<S> | undefined
  /** The multi-process checks; skipped without it. */
  readonly multiProcess?:
    | {
        /** The package's worker script (absolute), two lines around `Worker.run`. */
        readonly script: string
        /** The workers' store options for a fresh space, and how to open it here. */
        readonly workerStore: (space: Scenarios.Space) => Scenarios.WorkerStore
      }
    | undefined
  readonly capabilities?: Partial<Capabilities> | undefined
  /**
   * For testing the kit itself: checks registered as expected to fail (a deliberately broken
   * store must be caught). A store's own conformance test never sets this.
   */
  readonly expectFailures?: ReadonlyArray<CheckName> | undefined
}

/**
 * The names of the checks, for {@link Options.expectFailures}.
 *
 * @since 0.1.0
 */
export type CheckName =
  | "compare-and-set"
  | "list"
  | "retry-write"
  | "delete"
  | "durable"
  | "redacted"
  | "keys"
  | "lock-exclusion"
  | "lock-release"
  | "lock-takeover"
  | "lock-renewal"
  | "lock-fencing"
  | "lock-wait-fresh"
  | "lock-wait-take"
  | "lock-wait-timeout"
  | "lock-single-flight"
  | "mp-burst"
  | "mp-crash"
  | "mp-soak"

const ACCESS = "access-SECRET-123"
const REFRESH = "refresh-SECRET-456"
const SCOPES = ["w_jobs", "r_jobs"]
const KEY = TokenStore.key({ provider: "workable", connection: "acme", scopes: SCOPES })

/**
 * A record holding the suite's secrets, fresh for an hour, with a new revision.
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

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect))

/** The fields of a record other than its secrets. */
const plainFields = (token: TokenStore.StoredToken | undefined) =>
  token === undefined ? undefined : { ...token, accessToken: undefined, refreshToken: undefined }

/** A secret's value; one handed out in clear (a broken store) as it is, for the `redacted` check to catch. */
const reveal = (value: Redacted.Redacted<string> | undefined): unknown =>
  Redacted.isRedacted(value) ? Redacted.value(value) : value

/** The refresh lock's TTL in the crash check; the soak uses a shorter one. */
const LOCK_TTL_MS = 1000

/** The time, as an effect. */
const clock = Effect.sync(() => Date.now())

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
 */
export const runStoreConformance = <S extends TokenStore.TokenStoreShape>(options: Options<S>): void => {
  const caps: Capabilities = {
    durable: true,
    refreshLock: true,
    idempotentRetry: false,
    releaseWakeMs: 100,
    ...options.capabilities,
  }
  const open = (settings: StoreSettings<S> = {}) => options.makeStore(settings)
  /** A store holding a record that was rotated once: `first` written, then replaced by `second`. */
  const rotated = Effect.gen(function* () {
    const store = yield* open()
    const first = record()
    const second = record()
    expect(yield* store.compareAndSet(KEY, undefined, first)).toBe(true)
    expect(yield* store.compareAndSet(KEY, first, second)).toBe(true)
    return { store, first, second }
  })
  /** Two stores on the same data, the first holding `seed` when given. */
  const openPair = (settings: StoreSettings<S> = {}, seed?: TokenStore.StoredToken) =>
    Effect.gen(function* () {
      const a = yield* open(settings)
      const b = yield* open({ ...settings, sameAs: a })
      if (seed !== undefined) expect(yield* a.compareAndSet(KEY, undefined, seed)).toBe(true)
      return [a, b] as const
    })
  const locks = caps.refreshLock ? options.locks : undefined
  const mp = options.multiProcess
  const check = (name: CheckName, condition = true) => {
    const runner = !condition ? it.skip : options.expectFailures?.includes(name) ? it.fails : it
    return (title: string, body: () => Promise<unknown>, timeout?: number) => runner(title, body, timeout)
  }
  /** Runs `effect` with the lock probe, which the check's condition guarantees. */
  const withLocks = <A, E>(
    effect: (locks: Locks<S>) => Effect.Effect<A, E, Scope.Scope>,
  ): Effect.Effect<A, E, Scope.Scope> => (locks === undefined ? Effect.die("no lock probe") : effect(locks))

  describe(`TokenStore conformance: ${options.name}`, () => {
    describe("records", () => {
      check("compare-and-set")(
        "compare-and-set writes only over the expected revision, and only-if-absent when none is expected",
        () =>
          run(
            Effect.gen(function* () {
              const store = yield* open()
              expect(yield* store.get(KEY)).toBeUndefined()
              const first = record()
              expect(yield* store.compareAndSet(KEY, undefined, first)).toBe(true)
              expect(yield* store.compareAndSet(KEY, undefined, record())).toBe(false)
              expect((yield* store.get(KEY))?.revision).toBe(first.revision)
              const second = record()
              expect(yield* store.compareAndSet(KEY, first, second)).toBe(true)
              // the old record lost: an older writer cannot overwrite the rotated one
              expect(yield* store.compareAndSet(KEY, first, record())).toBe(false)
              const read = yield* store.get(KEY)
              expect(read?.revision).toBe(second.revision)
              expect(reveal(read?.refreshToken)).toBe(REFRESH)
            }),
          ),
      )

      check("list")(
        "list gives every record of one provider with its key, and only that provider's (when the store lists)",
        () =>
          run(
            Effect.gen(function* () {
              const store = yield* open()
              if (store.list === undefined) return
              const other = TokenStore.key({ provider: "workable-2", connection: "acme", scopes: SCOPES })
              const spaced = TokenStore.key({
                provider: "workable",
                connection: "a:b c/d",
                scopes: ["x y", "z"],
              })
              for (const k of [KEY, other, spaced])
                expect(yield* store.compareAndSet(k, undefined, record())).toBe(true)
              const listed = yield* store.list("workable")
              const keys = listed.map((l) => TokenStore.keyString(l.key)).sort()
              expect(keys).toEqual([KEY, spaced].map((k) => TokenStore.keyString(k)).sort())
              expect(reveal(listed[0]?.token.refreshToken)).toBe(REFRESH)
              yield* store.delete(spaced)
              expect((yield* store.list("workable")).length).toBe(1)
            }),
          ),
      )

      check("retry-write", caps.idempotentRetry)(
        "a compare-and-set retried after its reply was lost reports success without writing twice",
        () =>
          run(
            Effect.gen(function* () {
              const { store, first, second } = yield* rotated
              expect(yield* store.compareAndSet(KEY, first, second)).toBe(true)
              expect((yield* store.get(KEY))?.revision).toBe(second.revision)
              // the retry of a write that lost stays lost
              expect(yield* store.compareAndSet(KEY, first, record())).toBe(false)
              expect((yield* store.get(KEY))?.revision).toBe(second.revision)
            }),
          ),
      )

      check("delete")(
        "deletes under a condition (compare-and-set to undefined) and unconditionally (delete)",
        () =>
          run(
            Effect.gen(function* () {
              const { store, first, second } = yield* rotated
              expect(yield* store.compareAndSet(KEY, first, undefined)).toBe(false)
              expect((yield* store.get(KEY))?.revision).toBe(second.revision)
              expect(yield* store.compareAndSet(KEY, second, undefined)).toBe(true)
              expect(yield* store.get(KEY)).toBeUndefined()
              // deleting what is absent, only if absent: nothing to do, and it says so
              expect(yield* store.compareAndSet(KEY, undefined, undefined)).toBe(true)
              expect(yield* store.compareAndSet(KEY, second, undefined)).toBe(false)
              yield* store.compareAndSet(KEY, undefined, record())
              yield* store.delete(KEY)
              expect(yield* store.get(KEY)).toBeUndefined()
              yield* store.delete(KEY)
              expect(yield* store.get(KEY)).toBeUndefined()
            }),
          ),
      )

      check("durable", caps.durable)(
        "keeps records across reopening, secrets as Redacted, and deletes unconditionally",
        async () => {
          const written = record({ refreshExpiresAt: Date.now() + 1000, scope: "r_jobs" })
          const first = await run(
            Effect.gen(function* () {
              const store = yield* open()
              expect(yield* store.compareAndSet(KEY, undefined, written)).toBe(true)
              return store
            }),
          )
          const reopen = () => open({ sameAs: first })
          const read = await run(Effect.flatMap(reopen(), (store) => store.get(KEY)))
          expect(read?.revision).toBe(written.revision)
          expect(plainFields(read)).toEqual(plainFields(written))
          expect(Redacted.isRedacted(read?.accessToken)).toBe(true)
          expect(reveal(read?.accessToken)).toBe(ACCESS)
          expect(reveal(read?.refreshToken)).toBe(REFRESH)
          expect(read?.refreshExpiresAt).toBe(written.refreshExpiresAt)
          expect(String(read?.accessToken)).not.toContain(ACCESS)
          await run(Effect.flatMap(reopen(), (store) => store.delete(KEY)))
          expect(await run(Effect.flatMap(reopen(), (store) => store.get(KEY)))).toBeUndefined()
        },
      )

      check("redacted")(
        "hands out secrets only as Redacted values and keeps every other field, with or without an access token",
        () =>
          run(
            Effect.gen(function* () {
              const store = yield* open()
              const written = record({ refreshExpiresAt: Date.now() + 86_400_000, scope: "r_jobs w_jobs" })
              yield* store.compareAndSet(KEY, undefined, written)
              const read = yield* store.get(KEY)
              expect(Redacted.isRedacted(read?.accessToken)).toBe(true)
              expect(Redacted.isRedacted(read?.refreshToken)).toBe(true)
              expect(reveal(read?.accessToken)).toBe(ACCESS)
              expect(reveal(read?.refreshToken)).toBe(REFRESH)
              expect(plainFields(read)).toEqual(plainFields(written))
              const shown = [
                String(read?.accessToken),
                String(read?.refreshToken),
                JSON.stringify(read),
                inspect(read, { depth: 10 }),
              ]
              for (const text of shown) {
                expect(text).not.toContain(ACCESS)
                expect(text).not.toContain(REFRESH)
              }
              // a refused refresh keeps the grant, marked, without an access token
              const marked: TokenStore.StoredToken = {
                ...written,
                accessToken: undefined,
                needsReauthorization: "invalid_grant",
                revision: TokenStore.newRevision(),
              }
              expect(yield* store.compareAndSet(KEY, read, marked)).toBe(true)
              const again = yield* store.get(KEY)
              expect(again?.accessToken).toBeUndefined()
              expect(again?.needsReauthorization).toBe("invalid_grant")
              expect(reveal(again?.refreshToken)).toBe(REFRESH)
              expect(plainFields(again)).toEqual(plainFields(marked))
            }),
          ),
      )

      check("keys")(
        "names a record by its normalized key: scope order and duplicates do not matter, separators never collide",
        () =>
          run(
            Effect.gen(function* () {
              const store = yield* open()
              const written = record()
              yield* store.compareAndSet(KEY, undefined, written)
              // the key as a caller may build it, without TokenStore.key
              const unnormalized = {
                provider: "workable",
                connection: "acme",
                scopes: ["r_jobs", "w_jobs", "r_jobs"],
              }
              expect((yield* store.get(unnormalized))?.revision).toBe(written.revision)
              const next = record()
              expect(yield* store.compareAndSet(unnormalized, written, next)).toBe(true)
              expect((yield* store.get(KEY))?.revision).toBe(next.revision)
              // keys that differ only in where a separator stands are different records
              const keys = [
                { provider: "a:b", connection: "c", scopes: [] },
                { provider: "a", connection: "b:c", scopes: [] },
                { provider: "a/b", connection: "c", scopes: [] },
                { provider: "a", connection: "b/c", scopes: [] },
                { provider: "a%3Ab", connection: "c", scopes: [] },
                { provider: "a", connection: "b", scopes: ["c"] },
                { provider: "a", connection: "b", scopes: [] },
                { provider: "a", connection: "b", scopes: ["c:d"] },
                { provider: "a", connection: "b:c", scopes: ["d"] },
                { provider: "ä", connection: "ü ß", scopes: ["x/y"] },
              ].map(TokenStore.key)
              const records = keys.map(() => record())
              for (const [i, k] of keys.entries()) {
                expect(yield* store.compareAndSet(k, undefined, records[i])).toBe(true)
              }
              for (const [i, k] of keys.entries()) {
                expect((yield* store.get(k))?.revision).toBe(records[i]!.revision)
              }
              yield* store.delete(keys[0]!)
              expect(yield* store.get(keys[0]!)).toBeUndefined()
              expect((yield* store.get(keys[1]!))?.revision).toBe(records[1]!.revision)
            }),
          ),
      )
    })

    describe("refresh lock", () => {
      check("lock-exclusion", caps.refreshLock)(
        "excludes a second store on the same data until the first releases, and the waiter starts promptly",
        () =>
          run(
            Effect.gen(function* () {
              const [a, b] = yield* openPair()
              const { holder, waiter } = yield* contend({
                holder: a,
                waiter: b,
                holding: Effect.sleep("300 millis"),
                waiting: Effect.void,
                afterMs: 30,
              })
              expect(holder.result._tag).toBe("Success")
              expect(waiter.startedAt).toBeGreaterThanOrEqual(holder.endedAt)
              // the waiter noticed the release promptly
              expect(waiter.startedAt - holder.endedAt).toBeLessThan(caps.releaseWakeMs)
            }),
          ),
      )

      check("lock-release", caps.refreshLock)(
        "releases the lock when the refresh fails or is interrupted, and the next one gets it at once",
        () =>
          run(
            Effect.gen(function* () {
              const store = yield* open()
              const other = yield* open({ sameAs: store })
              const failed = yield* Effect.result(store.withRefreshLock(KEY, Effect.fail("boom" as const)))
              expect(failed._tag).toBe("Failure")
              if (locks) expect(yield* locks.read(store, KEY)).toBeUndefined()

              const fiber = yield* Effect.forkChild(store.withRefreshLock(KEY, Effect.never))
              yield* Effect.sleep("50 millis")
              if (locks) expect((yield* locks.read(store, KEY))?.expiresAt).toBeGreaterThan(Date.now())
              // held: another store cannot run meanwhile
              let ran = false
              const meanwhile = yield* other
                .withRefreshLock(
                  KEY,
                  Effect.sync(() => {
                    ran = true
                  }),
                )
                .pipe(Effect.timeoutOption("100 millis"))
              expect(Option.isNone(meanwhile)).toBe(true)
              expect(ran).toBe(false)
              yield* Fiber.interrupt(fiber)
              if (locks) expect(yield* locks.read(store, KEY)).toBeUndefined()
              // and the next one gets it at once, in this store or another
              let started = Date.now()
              yield* store.withRefreshLock(KEY, Effect.void)
              expect(Date.now() - started).toBeLessThan(50)
              started = Date.now()
              yield* other.withRefreshLock(KEY, Effect.void)
              expect(Date.now() - started).toBeLessThan(50)
            }),
          ),
      )

      check("lock-takeover", locks !== undefined)(
        "takes over a lock whose holder vanished once it expires, with a higher fencing number",
        () =>
          run(
            withLocks((locks) =>
              Effect.gen(function* () {
                const store = yield* open()
                const first = yield* store.withRefreshLock(KEY, locks.read(store, KEY))
                expect(first).toBeDefined()
                const ghost = first!.fence + 6
                yield* locks.plant(store, KEY, { holder: "ghost", fence: ghost, ttlMs: 300 })
                const started = Date.now()
                const second = yield* store.withRefreshLock(KEY, locks.read(store, KEY))
                expect(Date.now() - started).toBeGreaterThanOrEqual(280)
                expect(Date.now() - started).toBeLessThan(600)
                expect(second?.fence).toBe(ghost + 1)
                expect(second?.holder).not.toBe(first!.holder)
              }),
            ),
          ),
      )

      check("lock-renewal", caps.refreshLock)(
        "renews the lock while a slow refresh runs, so nobody takes it over",
        () =>
          run(
            Effect.gen(function* () {
              const [a, b] = yield* openPair({ lockTtlMs: 150 })
              const { holder, waiter } = yield* contend({
                holder: a,
                waiter: b,
                holding: Effect.sleep("600 millis"),
                waiting: Effect.void,
              })
              expect(holder.result._tag).toBe("Success")
              expect(holder.endedAt - holder.startedAt).toBeGreaterThanOrEqual(590)
              expect(waiter.startedAt).toBeGreaterThanOrEqual(holder.endedAt)
            }),
          ),
      )

      check("lock-fencing", locks !== undefined)(
        "releases only its own lock (fencing): a holder whose lock was taken over leaves the new holder's lock alone",
        () =>
          run(
            withLocks((locks) =>
              Effect.gen(function* () {
                const store = yield* open()
                const mine = yield* store.withRefreshLock(
                  KEY,
                  Effect.gen(function* () {
                    const mine = yield* locks.read(store, KEY)
                    // another process takes the lock over (as if ours had expired while we were frozen)
                    yield* locks.plant(store, KEY, { holder: "other", fence: mine!.fence + 1, ttlMs: 60_000 })
                    return mine
                  }),
                )
                const after = yield* locks.read(store, KEY)
                expect(after?.holder).toBe("other")
                expect(after?.fence).toBe(mine!.fence + 1)
                expect(after?.expiresAt).toBeGreaterThan(Date.now())
              }),
            ),
          ),
      )

      check("lock-wait-fresh", caps.refreshLock)(
        "a waiter returns what another process just stored without queueing for the lock",
        () =>
          run(
            Effect.gen(function* () {
              const old = record()
              const [a, b] = yield* openPair({}, old)
              const fresh = record()
              const { holder, waiter } = yield* contend({
                holder: a,
                waiter: b,
                holding: Effect.gen(function* () {
                  const lock = locks ? yield* locks.read(a, KEY) : undefined
                  yield* Effect.sleep("100 millis")
                  yield* a.compareAndSet(KEY, old, fresh)
                  yield* Effect.sleep("300 millis")
                  return lock
                }),
                waiting: Effect.all({
                  record: b.get(KEY),
                  lock: locks ? locks.read(b, KEY) : Effect.undefined,
                }),
              })
              expect(holder.result._tag).toBe("Success")
              expect(waiter.value.record?.revision).toBe(fresh.revision)
              // b's refresh ran while a still held the lock: woken by a's write, not by its release
              if (locks && holder.result._tag === "Success") {
                const aLock = holder.result.success
                expect(aLock).toBeDefined()
                expect(waiter.value.lock?.holder).toBe(aLock?.holder)
                expect(waiter.value.lock?.fence).toBe(aLock?.fence)
                expect(waiter.value.lock?.expiresAt).toBeGreaterThan(waiter.startedAt)
              }
              expect(waiter.endedAt).toBeLessThan(holder.endedAt)
            }),
          ),
      )

      check("lock-wait-take", caps.refreshLock)(
        "a waiter takes the lock itself when the holder stored nothing usable",
        () =>
          run(
            Effect.gen(function* () {
              const old = record()
              const [a, b] = yield* openPair({}, old)
              let aLock: Lock | undefined
              // the holder fails after marking the grant for reauthorization: nothing fresh was stored
              const { holder, waiter } = yield* contend({
                holder: a,
                waiter: b,
                holding: Effect.gen(function* () {
                  if (locks) aLock = yield* locks.read(a, KEY)
                  yield* Effect.sleep("100 millis")
                  yield* a.compareAndSet(KEY, old, {
                    ...old,
                    accessToken: undefined,
                    needsReauthorization: "invalid_grant",
                    revision: "x",
                  })
                  return yield* Effect.fail("refused" as const)
                }),
                waiting: locks ? locks.read(b, KEY) : Effect.undefined,
              })
              expect(holder.result._tag).toBe("Failure")
              expect(waiter.startedAt).toBeGreaterThanOrEqual(holder.endedAt)
              if (locks) {
                expect(aLock).toBeDefined()
                expect(waiter.value).toBeDefined()
                expect(waiter.value?.holder).not.toBe(aLock?.holder)
                expect(waiter.value?.fence).toBe(aLock!.fence + 1)
              }
            }),
          ),
      )

      check("lock-wait-timeout", locks !== undefined)(
        "gives up waiting after lockWaitTimeout with TokenStoreUnavailable",
        () =>
          run(
            withLocks((locks) =>
              Effect.gen(function* () {
                const store = yield* open({ lockWaitTimeoutMs: 200 })
                yield* locks.plant(store, KEY, { holder: "ghost", fence: 1, ttlMs: 60_000 })
                let ran = false
                const started = Date.now()
                const result = yield* Effect.result(
                  store.withRefreshLock(
                    KEY,
                    Effect.sync(() => {
                      ran = true
                    }),
                  ),
                )
                const waited = Date.now() - started
                expect(result._tag).toBe("Failure")
                if (result._tag === "Failure") expect(result.failure._tag).toBe("TokenStoreUnavailable")
                expect(ran).toBe(false)
                expect(waited).toBeGreaterThanOrEqual(190)
                expect(waited).toBeLessThan(2000)
              }),
            ),
          ),
      )

      check("lock-single-flight", caps.refreshLock)(
        "two lifecycles on two stores on the same data obtain one token between them",
        () =>
          run(
            Effect.gen(function* () {
              let fetches = 0
              const fetch = () =>
                Effect.sleep("100 millis").pipe(
                  Effect.andThen(
                    Effect.sync(() => ({
                      accessToken: Redacted.make(`at-${++fetches}`),
                      refreshToken: Redacted.make("rt"),
                      expiresIn: 3600,
                    })),
                  ),
                )
              const lifecycle = (store: TokenStore.TokenStoreShape) =>
                TokenLifecycle.make({ provider: "workable", connection: "acme", fetch }).pipe(
                  Effect.provideService(TokenStore.TokenStore, store),
                )
              const first = yield* open()
              const one = yield* lifecycle(first)
              const two = yield* lifecycle(yield* open({ sameAs: first }))
              const tokens = yield* Effect.all(
                Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).get(SCOPES)),
                { concurrency: "unbounded" },
              )
              expect(fetches).toBe(1)
              expect(new Set(tokens.map((t) => reveal(t.accessToken))).size).toBe(1)
            }),
          ),
      )
    })

    describe("across processes", () => {
      const scopes = ["r_candidates", "r_jobs"]
      const cleanups: Array<() => Promise<void>> = []
      afterEach(async () => {
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
      })

      const setup = async (name: string, delayMs: number, expiresIn: number, lockTtlMs = LOCK_TTL_MS) => {
        if (mp === undefined) throw new Error("no multiProcess options")
        const server = await TokenServer.start({ delayMs, expiresIn })
        cleanups.push(() => server.close())
        const store = mp.workerStore({ name, lockTtlMs })
        const pool = await Pool.start({
          script: mp.script,
          size: 4,
          config: {
            tokenUrl: server.url,
            provider: "workable",
            connection: name,
            scopes,
            store: store.config,
          },
        })
        cleanups.push(() => pool.close())
        const readStored = Scenarios.refreshTokenReader(
          store.open,
          TokenStore.key({ provider: "workable", connection: name, scopes }),
        )
        return { server, pool, readStored }
      }

      check("mp-burst", mp !== undefined)(
        "4 processes x 50 concurrent gets: one token request cold, one refresh after expiry",
        async () => {
          const { server, pool } = await setup("burst", 300, 2)
          const cold = await Scenarios.coldBurst({ pool, server, perProcess: 50 })
          expect(cold.errors).toEqual([])
          expect(cold.ok).toBe(200)
          expect(cold.tokens).toHaveLength(1)
          expect(cold.server.tokenRequests).toBe(1)
          expect(cold.server.refreshRequests).toBe(0)

          // The token lives 2 s and is stale after half of it; its successor lives an hour.
          server.configure({ expiresIn: 3600 })
          const warm = await Scenarios.burstAfter({ pool, server, perProcess: 50, waitMs: 1100 })
          expect(warm.errors).toEqual([])
          expect(warm.ok).toBe(200)
          expect(warm.tokens).toHaveLength(1)
          expect(warm.tokens[0]).not.toBe(cold.tokens[0])
          expect(warm.server.tokenRequests).toBe(1)
          expect(warm.server.refreshRequests).toBe(1)
          expect(warm.server.invalidGrant).toBe(0)
          console.log(
            `${options.name} burst: cold p99 ${Scenarios.percentile(cold.latencies, 99).toFixed(0)} ms, refresh p99 ${Scenarios.percentile(warm.latencies, 99).toFixed(0)} ms (endpoint 300 ms)`,
          )
        },
      )

      check("mp-crash", mp !== undefined)(
        "kill -9 of the lock holder mid-request: another process refreshes within the lock TTL, newest token stored",
        async () => {
          const { server, pool, readStored } = await setup("crash", 0, 3600)
          const crash = await Scenarios.crashHolder({
            pool,
            server,
            perProcess: 10,
            slowMs: 3000,
            delayAfterMs: 100,
            readStored,
          })
          expect(crash.survivors.errors).toEqual([])
          expect(crash.survivors.ok).toBe(30)
          expect(crash.survivors.tokens).toHaveLength(1)
          // the killed request was never answered: nothing issued to it
          expect(crash.server.abandoned).toBe(1)
          expect(crash.server.invalidGrant).toBe(0)
          // one initial grant, one completed refresh
          expect(crash.server.issued).toBe(2)
          expect(crash.stored).toBe(crash.server.lastIssued)
          expect(crash.server.live).toEqual([crash.server.lastIssued])
          // the lock expires at most LOCK_TTL after its last renewal; then one 100 ms request
          expect(crash.recoveryMs).toBeLessThan(LOCK_TTL_MS + 100 + 1500)
          console.log(
            `${options.name} crash: recovered ${crash.recoveryMs} ms after the kill (lock TTL ${LOCK_TTL_MS} ms)`,
          )
        },
      )

      check("mp-soak", mp !== undefined)(
        "rotation soak with random kills: zero invalid_grant, zero lost grants",
        async () => {
          // A kill of the lock holder stalls everyone for up to the lock TTL: a short one keeps the soak short.
          const { server, pool, readStored } = await setup("soak", 15, 3600, 500)
          const report = await Soak.run({
            pool,
            server,
            cycles: 120,
            readStored,
            killIntervalMs: [400, 1200],
            timeoutMs: 75_000,
            log: process.env.KEYWAY_SOAK_LOG ? (line) => console.log(line) : undefined,
          })
          console.log(`${options.name} soak:\n${Soak.format(report)}`)
          expect(report.cycles).toBeGreaterThanOrEqual(120)
          expect(report.kills).toBeGreaterThan(0)
          expect(report.invalidGrant).toBe(0)
          expect(report.lostGrants).toBe(0)
          expect(report.storedIsNewest).toBe(true)
          expect(report.errors).toEqual({})
        },
        90_000,
      )
    })
  })
}
