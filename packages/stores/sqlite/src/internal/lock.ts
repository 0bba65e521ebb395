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
import { Errors, KeyedMutex, TokenStore } from "@keyway/core"
import { Clock, Duration, Effect, Fiber } from "effect"
import type { Codec } from "./codec.ts"
import type { Db } from "./database.ts"

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

  return withRefreshLock
}
