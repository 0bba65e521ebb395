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
import * as Fs from "node:fs"
import * as Path from "node:path"
import { DatabaseSync, type StatementSync } from "node:sqlite"
import { Errors, KeyedMutex, Keyring, Throttle, TokenStore } from "@keyway/core"
import { Clock, Duration, Effect, Fiber, Layer, type Scope } from "effect"

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

interface Lease {
  readonly id: string
  readonly holder: string
  readonly fence: number
}

type Attempt =
  | { readonly _tag: "Acquired"; readonly lease: Lease }
  | { readonly _tag: "Held"; readonly remainingMs: number; readonly revision: string }
  | {
      readonly _tag: "Changed"
      readonly revision: string
      readonly record: TokenStore.StoredToken | undefined
    }

type Outcome<A> =
  | { readonly _tag: "Done"; readonly value: A }
  | { readonly _tag: "Held"; readonly remainingMs: number; readonly revision: string }
  | {
      readonly _tag: "Changed"
      readonly revision: string
      readonly record: TokenStore.StoredToken | undefined
    }

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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS keyway_tokens (
  key TEXT PRIMARY KEY,
  revision TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keyway_budgets (
  key TEXT PRIMARY KEY,
  tat REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keyway_budget_leases (
  key TEXT NOT NULL,
  id TEXT NOT NULL,
  expires_at REAL NOT NULL,
  PRIMARY KEY (key, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keyway_locks (
  key TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  fence INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
`

const millis = (input: Duration.Input | undefined, fallback: Duration.Input): number =>
  Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))

/** A failure reason fit for an error: SQLite's own message, never a bound value. */
const reasonOf = (cause: unknown): string => {
  if (typeof cause === "object" && cause !== null) {
    const errstr = (cause as { errstr?: unknown }).errstr
    if (typeof errstr === "string") return errstr
    const message = (cause as { message?: unknown }).message
    if (typeof message === "string") return message.slice(0, 200)
  }
  return "unknown failure"
}

/** Only the owner may read the database and its journals (tokens are in them). */
const restrictFiles = (path: string) => {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      const stat = Fs.statSync(file)
      if (stat.isFile() && (stat.mode & 0o777) !== 0o600) Fs.chmodSync(file, 0o600)
    } catch (cause) {
      if ((cause as { code?: unknown }).code !== "ENOENT") throw cause
    }
  }
}

const openDatabase = (options: Options, busyTimeoutMs: number): DatabaseSync => {
  const onDisk = options.path !== ":memory:" && !options.path.startsWith("file:")
  if (onDisk) {
    const folder = Path.dirname(Path.resolve(options.path))
    // A folder we create is the owner's alone; an existing one (the working directory, /tmp) is
    // left as it is.
    if (!Fs.existsSync(folder)) {
      Fs.mkdirSync(folder, { recursive: true, mode: 0o700 })
      Fs.chmodSync(folder, 0o700)
    }
    if (!Fs.existsSync(options.path)) Fs.closeSync(Fs.openSync(options.path, "a", 0o600))
    restrictFiles(options.path)
  }
  const db = new DatabaseSync(options.path, { timeout: busyTimeoutMs })
  try {
    db.exec("PRAGMA journal_mode = WAL")
    db.exec("PRAGMA synchronous = FULL")
    db.exec(SCHEMA)
    if (onDisk) restrictFiles(options.path)
  } catch (cause) {
    db.close()
    throw cause
  }
  return db
}

// An encrypted value: this prefix, then the keyring's JSON envelope. A plaintext record is JSON.
const SEALED = "gcm1:"

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
    const lockTtlMs = millis(options.lockTtl, "10 seconds")
    const maxPollMs = Math.max(1, millis(options.lockPollInterval, "20 millis"))
    const waitTimeoutMs = millis(options.lockWaitTimeout, "60 seconds")
    const busyTimeoutMs = millis(options.busyTimeout, "5 seconds")

    const keyring = yield* Effect.try({
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
    const db = yield* Effect.acquireRelease(
      Effect.try({
        try: () => openDatabase(options, busyTimeoutMs),
        catch: (cause) =>
          new Errors.TokenStoreUnavailable({ store: "sqlite", operation: "open", reason: reasonOf(cause) }),
      }),
      (db) => Effect.sync(() => (db.isOpen ? db.close() : undefined)),
    )

    const statements = new Map<string, StatementSync>()
    const sql = (text: string): StatementSync => {
      let statement = statements.get(text)
      if (statement === undefined) {
        statement = db.prepare(text)
        statements.set(text, statement)
      }
      return statement
    }

    const run = <A>(operation: string, f: () => A): Effect.Effect<A, Errors.TokenStoreUnavailable> =>
      Effect.try({
        try: f,
        catch: (cause) =>
          new Errors.TokenStoreUnavailable({ store: "sqlite", operation, reason: reasonOf(cause) }),
      })

    const transaction = <A>(f: () => A): A => {
      db.exec("BEGIN IMMEDIATE")
      try {
        const result = f()
        db.exec("COMMIT")
        return result
      } catch (cause) {
        if (db.isTransaction) db.exec("ROLLBACK")
        throw cause
      }
    }

    // The additional authenticated data: a sealed value only opens under its own key and revision.
    const aadOf = (id: string, revision: string) => `keyway:v1:sqlite:${id}:${revision}`

    const encode = (id: string, token: TokenStore.StoredToken): string => {
      const plain = TokenStore.serialize(token)
      return keyring === undefined
        ? plain
        : `${SEALED}${JSON.stringify(keyring.encrypt(plain, aadOf(id, token.revision)))}`
    }

    const decode = (id: string, revision: string, value: string): TokenStore.StoredToken => {
      let plain = value
      if (value.startsWith(SEALED)) {
        if (keyring === undefined)
          throw new Error("the record is encrypted and no encryption key is configured")
        let envelope: Keyring.Envelope
        try {
          envelope = JSON.parse(value.slice(SEALED.length)) as Keyring.Envelope
        } catch {
          throw new Error("the stored record is unreadable")
        }
        plain = keyring.decrypt(envelope, aadOf(id, revision))
      }
      try {
        return TokenStore.deserialize(plain)
      } catch {
        throw new Error("the stored record is unreadable")
      }
    }

    const get = (key: TokenStore.TokenKey) =>
      run("get", () => {
        const id = TokenStore.keyString(key)
        const row = sql("SELECT revision, value FROM keyway_tokens WHERE key = ?").get(id)
        return row === undefined ? undefined : decode(id, row.revision as string, row.value as string)
      })

    const compareAndSet = (
      key: TokenStore.TokenKey,
      expected: TokenStore.StoredToken | undefined,
      next: TokenStore.StoredToken | undefined,
    ) =>
      run("compareAndSet", () => {
        const id = TokenStore.keyString(key)
        return transaction(() => {
          const row = sql("SELECT revision FROM keyway_tokens WHERE key = ?").get(id)
          const stored = row === undefined ? undefined : (row.revision as string)
          const matches = stored === undefined ? expected === undefined : stored === expected?.revision
          if (!matches) return false
          if (next === undefined) {
            sql("DELETE FROM keyway_tokens WHERE key = ?").run(id)
          } else {
            sql(
              `INSERT INTO keyway_tokens (key, revision, value, updated_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (key) DO UPDATE SET revision = excluded.revision, value = excluded.value, updated_at = excluded.updated_at`,
            ).run(id, next.revision, encode(id, next), Date.now())
          }
          return true
        })
      })

    const del = (key: TokenStore.TokenKey) =>
      run("delete", () => {
        sql("DELETE FROM keyway_tokens WHERE key = ?").run(TokenStore.keyString(key))
      })

    /**
     * Takes the lock, or says who has it; with a `baseline` revision (the record when we began
     * waiting), first says whether the record changed since, without taking the lock.
     */
    const tryAcquire = (
      id: string,
      baseline: string | undefined,
    ): Effect.Effect<Attempt, Errors.TokenStoreUnavailable> =>
      run("withRefreshLock", () => {
        const row = sql("SELECT revision, value FROM keyway_tokens WHERE key = ?").get(id)
        const revision = row === undefined ? "" : (row.revision as string)
        if (baseline !== undefined && revision !== baseline) {
          return {
            _tag: "Changed",
            revision,
            record: row === undefined ? undefined : decode(id, revision, row.value as string),
          }
        }
        const holder = `${process.pid}:${crypto.randomUUID()}`
        const now = Date.now()
        const taken = sql(
          `INSERT INTO keyway_locks (key, holder, fence, expires_at) VALUES (?, ?, 1, ?)
           ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, fence = keyway_locks.fence + 1,
             expires_at = excluded.expires_at
           WHERE keyway_locks.expires_at <= ?
           RETURNING fence`,
        ).get(id, holder, now + lockTtlMs, now)
        if (taken !== undefined)
          return { _tag: "Acquired", lease: { id, holder, fence: Number(taken.fence) } }
        const lock = sql("SELECT expires_at FROM keyway_locks WHERE key = ?").get(id)
        const remainingMs = lock === undefined ? 0 : Math.max(0, Number(lock.expires_at) - Date.now())
        return { _tag: "Held", remainingMs, revision }
      })

    /** Extends the lease; false when another process has taken the lock over. */
    const renew = (lease: Lease) =>
      run("withRefreshLock", () => {
        const result = sql(
          "UPDATE keyway_locks SET expires_at = ? WHERE key = ? AND holder = ? AND fence = ?",
        ).run(Date.now() + lockTtlMs, lease.id, lease.holder, lease.fence)
        return Number(result.changes) === 1
      })

    const release = (lease: Lease) =>
      run("withRefreshLock", () => {
        sql("UPDATE keyway_locks SET expires_at = 0 WHERE key = ? AND holder = ? AND fence = ?").run(
          lease.id,
          lease.holder,
          lease.fence,
        )
      }).pipe(Effect.ignore)

    const heartbeat = (lease: Lease) =>
      Effect.sleep(Duration.millis(Math.max(1, Math.floor(lockTtlMs / 3)))).pipe(
        Effect.andThen(renew(lease)),
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

    const withRefreshLock = <A, E, R>(
      key: TokenStore.TokenKey,
      refresh: Effect.Effect<A, E, R>,
    ): Effect.Effect<A, E | Errors.TokenStoreUnavailable, R> => {
      const id = TokenStore.keyString(key)
      const attempt = (
        baseline: string | undefined,
      ): Effect.Effect<Outcome<A>, E | Errors.TokenStoreUnavailable, R> =>
        Effect.acquireUseRelease(
          tryAcquire(id, baseline),
          (result): Effect.Effect<Outcome<A>, E, R> =>
            result._tag !== "Acquired"
              ? Effect.succeed(result)
              : Effect.gen(function* () {
                  const renewing = yield* Effect.forkChild(heartbeat(result.lease))
                  return yield* refresh.pipe(
                    Effect.map((value): Outcome<A> => ({ _tag: "Done", value })),
                    Effect.ensuring(Fiber.interrupt(renewing)),
                  )
                }),
          (result) => (result._tag === "Acquired" ? release(result.lease) : Effect.void),
        )
      return mutex(
        id,
        Effect.gen(function* () {
          const deadline = Date.now() + waitTimeoutMs
          let pause = 1
          // The record's revision when we found the lock held: once another process has stored a
          // new record that is surely fresh, we run `refresh` without the lock (it re-reads the
          // store and returns that record) instead of queueing for the lock behind every waiter.
          let baseline: string | undefined
          while (true) {
            const outcome = yield* attempt(baseline)
            if (outcome._tag === "Done") return outcome.value
            if (outcome._tag === "Changed") {
              if (surelyFresh(outcome.record, yield* Clock.currentTimeMillis)) return yield* refresh
              baseline = outcome.revision
              continue
            }
            baseline ??= outcome.revision
            if (Date.now() >= deadline) {
              return yield* new Errors.TokenStoreUnavailable({
                store: "sqlite",
                operation: "withRefreshLock",
                reason: `another process held the refresh lock for more than ${waitTimeoutMs} ms`,
              })
            }
            // Jittered so that waiting processes do not poll in lockstep.
            const jittered = pause * (0.75 + Math.random() / 2)
            yield* Effect.sleep(Duration.millis(Math.max(1, Math.min(jittered, outcome.remainingMs + 1))))
            pause = Math.min(pause * 2, maxPollMs)
          }
        }),
      )
    }

    // Keys are `provider/connection/scopes` with each part URI-encoded: one provider's records
    // are the key range [`provider/`, `provider0`) ("0" follows "/").
    const list = (provider: string) =>
      run("list", () => {
        const from = `${encodeURIComponent(provider)}/`
        const to = `${encodeURIComponent(provider)}0`
        return sql("SELECT key, revision, value FROM keyway_tokens WHERE key >= ? AND key < ? ORDER BY key")
          .all(from, to)
          .map((row) => ({
            key: TokenStore.parseKeyString(row.key as string),
            token: decode(row.key as string, row.revision as string, row.value as string),
          }))
      })

    const tatOf = (key: string): number | undefined => {
      const row = sql("SELECT tat FROM keyway_budgets WHERE key = ?").get(key)
      return row === undefined ? undefined : Number(row.tat)
    }
    const setTat = (key: string, tat: number) =>
      sql(
        "INSERT INTO keyway_budgets (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
      ).run(key, tat)
    const budgets: Throttle.BudgetStore = {
      name: "sqlite",
      reserve: (key, request) =>
        run("throttle.reserve", () =>
          transaction(() => {
            const out = Throttle.decide(tatOf(key), request)
            if (out.tat !== undefined) setTat(key, out.tat)
            return { granted: out.granted, waitMs: out.waitMs }
          }),
        ),
      hold: (key, until, request) =>
        run("throttle.hold", () =>
          transaction(() => void setTat(key, Throttle.held(tatOf(key), until, request))),
        ),
      lease: (key, request) =>
        run("throttle.lease", () =>
          transaction(() => {
            sql("DELETE FROM keyway_budget_leases WHERE key = ? AND expires_at <= ?").run(key, request.now)
            const row = sql(
              "SELECT COUNT(*) AS n, MIN(expires_at) AS first FROM keyway_budget_leases WHERE key = ?",
            ).get(key)
            if (Number(row?.n ?? 0) < request.limit) {
              sql("INSERT INTO keyway_budget_leases (key, id, expires_at) VALUES (?, ?, ?)").run(
                key,
                request.id,
                request.now + request.leaseMs,
              )
              return { acquired: true, retryInMs: 0 }
            }
            return { acquired: false, retryInMs: Math.max(0, Number(row?.first) - request.now) }
          }),
        ),
      release: (key, id) =>
        run("throttle.release", () => {
          sql("DELETE FROM keyway_budget_leases WHERE key = ? AND id = ?").run(key, id)
        }),
    }

    return {
      name: "sqlite",
      path: options.path,
      budgets,
      get,
      compareAndSet,
      delete: del,
      withRefreshLock,
      list,
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
