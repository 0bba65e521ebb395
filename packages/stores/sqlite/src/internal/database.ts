/**
 * The SQLite store's database: the schema (records, refresh locks, call budgets and their
 * leases), opening the file (created `0600` in a `0700` folder when missing, WAL journal,
 * `synchronous=FULL`, the busy timeout), prepared statements cached by text, `BEGIN IMMEDIATE`
 * transactions, and the failure every operation reports, `TokenStoreUnavailable`, whose reason
 * is SQLite's own message, never a bound value.
 *
 * @example
 * ```ts
 * import { SqliteStore } from "@keyway/store-sqlite"
 * // created 0600 when missing; writers that meet wait up to 2 s
 * const layer = SqliteStore.layer({ path: "./.keyway/tokens.db", busyTimeout: "2 seconds" })
 * ```
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { DatabaseSync, type StatementSync } from "node:sqlite"
import { Errors } from "@keyway/core"
import { Effect, type Scope } from "effect"
import type { Options } from "../SqliteStore.ts"

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

/**
 * An open database and its helpers.
 *
 * @example
 * ```ts
 * const written = yield* db.run("compareAndSet", () => db.transaction(() => db.sql(update).run(id)))
 * ```
 */
export interface Db {
  readonly db: DatabaseSync
  /** The prepared statement of a text, prepared once. */
  readonly sql: (text: string) => StatementSync
  /** Runs `f`; a throw is `TokenStoreUnavailable` naming the operation. */
  readonly run: <A>(operation: string, f: () => A) => Effect.Effect<A, Errors.TokenStoreUnavailable>
  /** Runs `f` in a `BEGIN IMMEDIATE` transaction (rolled back when it throws). */
  readonly transaction: <A>(f: () => A) => A
}

/**
 * Opens the database of the options; it is closed with the scope.
 *
 * @example
 * ```ts
 * const { sql, run } = yield* openDb({ path: ":memory:" }, 5000)
 * ```
 */
export const openDb = (
  options: Options,
  busyTimeoutMs: number,
): Effect.Effect<Db, Errors.TokenStoreUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
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

    return { db, sql, run, transaction }
  })
