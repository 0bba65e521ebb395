/**
 * Multi-process scenarios every cross-process store must pass, run on a {@link Pool} of workers
 * against a {@link TokenServer}; they return what happened and the test asserts on it.
 *
 * @example
 * ```ts
 * import { Scenarios } from "@keyway/store-testkit"
 * const cold = await Scenarios.coldBurst({ pool, server, perProcess: 50 })
 * cold.server.tokenRequests // 1
 * ```
 *
 * @since 0.1.0
 */
import type { TokenStore } from "@keyway/core"
import { Effect, Redacted, type Scope } from "effect"
import type { Pool } from "./Pool.ts"
import type { State, TokenServer } from "./TokenServer.ts"
import type { BurstReport } from "./Worker.ts"

/**
 * The records and locks a group of worker processes shares: one SQLite file, one Redis prefix.
 *
 * @since 0.1.0
 */
export interface Space {
  /** Unique within a test file (`burst`, `crash`, `soak`). */
  readonly name: string
  /** The refresh lock's TTL in the workers' stores. */
  readonly lockTtlMs: number
}

/**
 * A store for worker processes: the options their store layer gets (JSON, see
 * {@link Worker.run}), and a way for the harness to open the same records itself.
 *
 * @since 0.1.0
 */
export interface WorkerStore {
  readonly config: unknown
  readonly open: () => Effect.Effect<TokenStore.TokenStoreShape, unknown, Scope.Scope>
}

/**
 * Reads the refresh token stored under `key`, opening a store of its own for each read (what the
 * harness compares with the refresh tokens the server issued).
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import { Scenarios } from "@keyway/store-testkit"
 * const readStored = Scenarios.refreshTokenReader(() => SqliteStore.make({ path }), TokenStore.key({ provider: "p", connection: "c", scopes: [] }))
 * await readStored() // "rt-..." or undefined
 * ```
 *
 * @since 0.1.0
 */
export const refreshTokenReader =
  (open: () => Effect.Effect<TokenStore.TokenStoreShape, unknown, Scope.Scope>, key: TokenStore.TokenKey) =>
  (): Promise<string | undefined> =>
    Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(open(), (store) => store.get(key)).pipe(
          Effect.map((t) => (t?.refreshToken === undefined ? undefined : Redacted.value(t.refreshToken))),
        ),
      ),
    )

/**
 * What a burst across the pool produced.
 *
 * @since 0.1.0
 */
export interface BurstResult {
  readonly calls: number
  readonly ok: number
  readonly errors: ReadonlyArray<string>
  /** Distinct access tokens handed out across all processes. */
  readonly tokens: ReadonlyArray<string>
  readonly server: State
  readonly latencies: ReadonlyArray<number>
}

const summarize = (reports: ReadonlyArray<BurstReport>, server: TokenServer): BurstResult => ({
  calls: reports.reduce((n, r) => n + r.ok + r.errors.length, 0),
  ok: reports.reduce((n, r) => n + r.ok, 0),
  errors: reports.flatMap((r) => r.errors),
  tokens: [...new Set(reports.flatMap((r) => r.tokens))],
  server: server.state(),
  latencies: reports.flatMap((r) => r.latencies),
})

/**
 * Every process calls `get` `perProcess` times at once on a token nobody has.
 *
 * @example
 * ```ts
 * import { Scenarios } from "@keyway/store-testkit"
 * await Scenarios.coldBurst({ pool, server, perProcess: 50 })
 * ```
 *
 * @since 0.1.0
 */
export const coldBurst = async (options: {
  readonly pool: Pool
  readonly server: TokenServer
  readonly perProcess: number
}): Promise<BurstResult> => summarize(await options.pool.burstAll(options.perProcess, "get"), options.server)

/**
 * Waits until the current token is stale, then every process calls `get` `perProcess` times at once.
 *
 * @example
 * ```ts
 * import { Scenarios } from "@keyway/store-testkit"
 * await Scenarios.burstAfter({ pool, server, perProcess: 50, waitMs: 1100 })
 * ```
 *
 * @since 0.1.0
 */
export const burstAfter = async (options: {
  readonly pool: Pool
  readonly server: TokenServer
  readonly perProcess: number
  readonly waitMs: number
}): Promise<BurstResult> => {
  await new Promise((r) => setTimeout(r, options.waitMs))
  return summarize(await options.pool.burstAll(options.perProcess, "get"), options.server)
}

/**
 * What {@link crashHolder} observed.
 *
 * @since 0.1.0
 */
export interface CrashResult {
  /** From the kill to the last surviving caller's token. */
  readonly recoveryMs: number
  readonly survivors: BurstResult
  readonly killedPid: number
  readonly server: State
  readonly stored: string | undefined
}

/**
 * Every process forces a refresh; while the lock holder's token request is in flight (the server
 * answers after `slowMs`), the holder is killed with `SIGKILL`. The survivors must complete the
 * refresh once the lock expires. The killed slot is restarted before returning.
 *
 * @example
 * ```ts
 * import { Scenarios } from "@keyway/store-testkit"
 * const crash = await Scenarios.crashHolder({ pool, server, perProcess: 10, slowMs: 2000, delayAfterMs: 100, readStored })
 * ```
 *
 * @since 0.1.0
 */
export const crashHolder = async (options: {
  readonly pool: Pool
  readonly server: TokenServer
  readonly perProcess: number
  /** The delay of the request that will be in flight at the kill. */
  readonly slowMs: number
  /** The delay of later requests. */
  readonly delayAfterMs: number
  readonly readStored: () => Promise<string | undefined>
}): Promise<CrashResult> => {
  const { pool, server } = options
  const grant = await pool.burstAll(1, "get")
  if (grant.some((r) => r.ok !== 1)) throw new Error("no grant before the crash")
  const refreshesBefore = server.state().refreshRequests
  server.configure({ delayMs: options.slowMs })
  const bursts = Array.from({ length: pool.size }, (_, i) =>
    pool.burst(i, options.perProcess, "refresh").then(
      (report) => ({ index: i, report }),
      () => ({ index: i, report: undefined }),
    ),
  )
  const inFlight = await server.waitFor(
    (s) => s.refreshRequests > refreshesBefore && s.pending.some((p) => p.grant === "refresh_token"),
  )
  server.configure({ delayMs: options.delayAfterMs })
  const killedPid = Number(inFlight.pending.find((p) => p.grant === "refresh_token")!.worker)
  const victim = pool.indexOfPid(killedPid)
  if (victim < 0) throw new Error("the request in flight came from no worker of the pool")
  const killedAt = Date.now()
  await pool.kill(victim)
  const results = await Promise.all(bursts)
  const recoveryMs = Date.now() - killedAt
  const survivors = summarize(
    results.filter((r) => r.index !== victim && r.report !== undefined).map((r) => r.report!),
    server,
  )
  const settled = await server.waitFor((s) => s.pending.length === 0)
  const stored = await options.readStored()
  await pool.respawn(victim)
  return { recoveryMs, survivors, killedPid, server: settled, stored }
}

/**
 * The value at percentile `p` (0..100) of `values`.
 *
 * @example
 * ```ts
 * import { Scenarios } from "@keyway/store-testkit"
 * Scenarios.percentile([1, 2, 3, 4], 50) // 2
 * ```
 *
 * @since 0.1.0
 */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}
