/**
 * Call budgets on SQLite (core's `Throttle`), shared by the processes of one host: a row per
 * budget in `keyway_budgets` with its GCRA theoretical arrival time, read and written in one
 * `BEGIN IMMEDIATE` transaction, and a row per expiring concurrency lease in
 * `keyway_budget_leases`.
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
 *   return yield* store.budgets!.reserve("ccw", { now: Date.now(), intervalMs: 100, burst: 10, maxWaitMs: 1000 })
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { Throttle } from "@keyway/core"
import type { Db } from "./database.ts"

/**
 * The budget store over a database.
 *
 * @example
 * ```ts
 * const budgets: Throttle.BudgetStore = makeBudgets(db)
 * ```
 */
export const makeBudgets = (db: Db): Throttle.BudgetStore => {
  const { sql, run, transaction } = db
  const tatOf = (key: string): number | undefined => {
    const row = sql("SELECT tat FROM keyway_budgets WHERE key = ?").get(key)
    return row === undefined ? undefined : Number(row.tat)
  }
  const setTat = (key: string, tat: number) =>
    sql(
      "INSERT INTO keyway_budgets (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
    ).run(key, tat)
  return {
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
}
