/**
 * A {@link TokenStore.TokenStore} on a SQLite file, with Node's built-in `node:sqlite`: the
 * default store whenever a path is configured. Several processes on one host can share the file.
 *
 * - **Compare-and-set** runs in a `BEGIN IMMEDIATE` transaction: the revision check and the
 *   write happen under SQLite's write lock, so two processes can never both win.
 * - **Refresh lock**: a row per key in `keyway_locks` with a holder id, a fencing number that
 *   grows with every acquisition, and an expiry. A process takes the row when it is free or
 *   expired, renews it while its refresh runs, and releases it only if the row still carries its
 *   holder id and fencing number. Others poll with a short backoff. Once the record has changed
 *   and is surely fresh, they run their refresh effect without the lock (TokenLifecycle's refresh
 *   re-reads the store and returns the record another process just wrote instead of refreshing
 *   again); when the lock is free or expired and nothing fresh was stored, they take it in turn
 *   and their refresh re-reads the store under it.
 * - **Call budgets** (`budgets`, for core's `Throttle`): a row per budget in `keyway_budgets`
 *   with its GCRA theoretical arrival time, read and written in one `BEGIN IMMEDIATE`
 *   transaction, so the processes of one host share a budget; its concurrency is a row per
 *   expiring lease in `keyway_budget_leases`.
 * - WAL journal, `synchronous=FULL` (a rotated refresh token survives a power cut once written),
 *   `busy_timeout` for writers that meet each other.
 * - **Tokens at rest**: the database, its `-wal` and `-shm` files are `0600` (an existing file's
 *   mode is corrected when the store opens it); a folder the store creates is `0700`. With
 *   `encryption` (the same AES-256-GCM {@link Keyring} as the Redis store), every record is
 *   encrypted, bound to its key and revision; plaintext records written before are still read
 *   and are encrypted when next written.
 *
 * `node:sqlite` is synchronous: a statement that waits on another process's write lock blocks
 * the event loop for up to `busyTimeout`. Every transaction here is a handful of statements, so
 * waits are short.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenLifecycle } from "@keyway/core"
 * import { SqliteStore } from "@keyway/store-sqlite"
 *
 * const program = Effect.gen(function*() {
 *   const tokens = yield* TokenLifecycle.make({
 *     provider: "example",
 *     fetch: () => Effect.succeed({ accessToken: Redacted.make("t"), expiresIn: 3600 }),
 *   })
 *   return yield* tokens.get([])
 * }).pipe(Effect.provide(SqliteStore.layer({ path: "./.keyway/tokens.db" })))
 * ```
 *
 * @since 0.1.0
 */
import { Errors, Keyring, TokenStore } from "@keyway/core"
import { Duration, Effect, Layer, type Scope } from "effect"
import { makeBudgets } from "./internal/budgets.ts"
import { makeCodec } from "./internal/codec.ts"
import { openDb } from "./internal/database.ts"
import { makeRefreshLock } from "./internal/lock.ts"
import { makeRecords } from "./internal/records.ts"

/**
 * Options of a SQLite store.
 *
 * @example
 * ```ts
 * import type { SqliteStore } from "@keyway/store-sqlite"
 * const options: SqliteStore.Options = { path: "./.keyway/tokens.db", lockTtl: "10 seconds" }
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  /** The database file; created (mode `0600`, with its directory) when missing. `:memory:` for tests. */
  readonly path: string
  /**
   * How long a refresh lock lasts without renewal; default 10 seconds. The holder renews it every
   * third of this while its refresh runs, so a slow token endpoint does not lose the lock; a
   * crashed holder blocks others for at most this long.
   */
  readonly lockTtl?: Duration.Input | undefined
  /** Longest pause between two looks at a lock held by another process; default 20 ms. */
  readonly lockPollInterval?: Duration.Input | undefined
  /** How long a caller waits for another process's refresh before failing; default 60 seconds. */
  readonly lockWaitTimeout?: Duration.Input | undefined
  /** SQLite's busy timeout for writers that meet; default 5 seconds. */
  readonly busyTimeout?: Duration.Input | undefined
  /** Encrypt records at rest with this AES-256-GCM keyring (`Keyring` of `@keyway/core`). */
  readonly encryption?: Keyring.Options | undefined
}

/**
 * A SQLite store: the {@link TokenStore.TokenStoreShape} plus the file it uses.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqliteStore } from "@keyway/store-sqlite"
 * const path = SqliteStore.make({ path: "/tmp/t.db" }).pipe(Effect.map((store) => store.path))
 * ```
 *
 * @since 0.1.0
 */
export interface SqliteTokenStore extends TokenStore.TokenStoreShape {
  readonly path: string
}

const millis = (input: Duration.Input | undefined, fallback: Duration.Input): number =>
  Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))

const keyringOf = (options: Options) =>
  Effect.try({
    try: () => (options.encryption === undefined ? undefined : Keyring.make(options.encryption)),
    catch: (cause) =>
      cause instanceof Errors.ConfigError
        ? new Errors.TokenStoreUnavailable({ store: "sqlite", operation: "open", reason: cause.message })
        : new Errors.TokenStoreUnavailable({
            store: "sqlite",
            operation: "open",
            reason: "invalid keyring",
          }),
  })

/**
 * Opens (creating when missing) a SQLite store; the database is closed with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { SqliteStore } from "@keyway/store-sqlite"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const store = yield* SqliteStore.make({ path: "/tmp/keyway-tokens.db", lockTtl: "5 seconds" })
 *   return yield* store.get(TokenStore.key({ provider: "ccw", connection: "default", scopes: [] }))
 * }))
 * ```
 *
 * @since 0.1.0
 */
export const make = (
  options: Options,
): Effect.Effect<SqliteTokenStore, Errors.TokenStoreUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const codec = makeCodec(yield* keyringOf(options))
    const db = yield* openDb(options, millis(options.busyTimeout, "5 seconds"))
    const records = makeRecords(db, codec)
    const withRefreshLock = makeRefreshLock(db, codec, {
      lockTtlMs: millis(options.lockTtl, "10 seconds"),
      maxPollMs: Math.max(1, millis(options.lockPollInterval, "20 millis")),
      waitTimeoutMs: millis(options.lockWaitTimeout, "60 seconds"),
    })
    return {
      name: "sqlite",
      path: options.path,
      budgets: makeBudgets(db),
      get: records.get,
      compareAndSet: records.compareAndSet,
      delete: records.delete,
      withRefreshLock,
      list: records.list,
    } satisfies SqliteTokenStore
  })

/**
 * A layer with a SQLite store as the {@link TokenStore.TokenStore}.
 *
 * @example
 * ```ts
 * import { SqliteStore } from "@keyway/store-sqlite"
 * const layer = SqliteStore.layer({ path: "./.keyway/tokens.db" })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<TokenStore.TokenStore, Errors.TokenStoreUnavailable> =>
  Layer.effect(TokenStore.TokenStore, make(options))
