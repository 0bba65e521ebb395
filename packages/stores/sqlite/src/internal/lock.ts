/**
 * The SQLite store's cross-process refresh lock: a row per key in `keyway_locks` with a holder
 * id, a fencing number that grows with every acquisition, and an expiry. A process takes the row
 * when it is free or expired, renews it while its refresh runs, and releases it only if the row
 * still carries its holder id and fencing number. Others poll with a short jittered backoff. Once
 * the record has changed and is surely fresh, they run their refresh effect without the lock
 * (TokenLifecycle's refresh re-reads the store and returns the record another process just wrote);
 * when the lock is free or expired and nothing fresh was stored, they take it in turn. Within one
 * process, callers of one key queue on a keyed mutex first.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { SqliteStore } from "@keyway/store-sqlite"
 *
 * const key = TokenStore.key({ provider: "ccw", connection: "default", scopes: [] })
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const store = yield* SqliteStore.make({ path: "/tmp/keyway-tokens.db" })
 *   return yield* store.withRefreshLock(key, Effect.succeed("refreshed under the lock"))
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { RefreshLock, TokenStore } from "@keyway/core"
import type { Codec } from "./codec.ts"
import type { Db } from "./database.ts"

interface Lease {
  readonly id: string
  readonly holder: string
  readonly fence: number
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
 * The refresh lock of a store: its TTL, the longest pause between two looks, and how long a
 * caller waits for another holder.
 *
 * @example
 * ```ts
 * const withRefreshLock = makeRefreshLock(db, codec, { lockTtlMs, maxPollMs, waitTimeoutMs })
 * ```
 */
export const makeRefreshLock = (
  db: Db,
  codec: Codec,
  timing: { readonly lockTtlMs: number; readonly maxPollMs: number; readonly waitTimeoutMs: number },
): WithRefreshLock => {
  const { sql, run } = db
  const { decode } = codec
  const { lockTtlMs, maxPollMs, waitTimeoutMs } = timing

  /**
   * Takes the lock, or says who has it; with a `baseline` revision (the record when we began
   * waiting), first says whether the record changed since, without taking the lock.
   */
  const tryAcquire = (id: string, baseline: string | undefined) =>
    run("withRefreshLock", (): RefreshLock.Attempt<Lease> => {
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
      if (taken !== undefined) return { _tag: "Acquired", lease: { id, holder, fence: Number(taken.fence) } }
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
    })

  return RefreshLock.make<Lease>({
    store: "sqlite",
    lockTtlMs,
    maxPollMs,
    waitTimeoutMs,
    initialPauseMs: 1,
    forKey: (key) => {
      const id = TokenStore.keyString(key)
      return { id, tryAcquire: (baseline) => tryAcquire(id, baseline), renew, release }
    },
  })
}
