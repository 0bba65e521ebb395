/**
 * The rotation soak: every worker of a {@link Pool} refreshes in a loop (so the refresh token
 * rotates continuously, each rotation under the store's refresh lock) while the harness kills
 * random workers with `SIGKILL` at random moments and restarts them, until the token server has
 * answered `cycles` refreshes. It then checks that no refresh token was refused
 * (`invalid_grant`), that no issued grant was lost (exactly one issued refresh token is unused,
 * and it is the one in the store), and counts the kills that hit the lock holder.
 *
 * A kill is only made while the server holds its answers back and every issued token is in the
 * store: a token that the server handed to a process that then died before writing it anywhere
 * is lost whatever the store does (see {@link TokenServer}). Kills still land anywhere else: on a
 * process waiting for the lock, on the holder while its token request is in flight, between
 * lock and request, and so on.
 *
 * @example
 * ```ts
 * import { Soak } from "@keyway/store-testkit"
 * const report = await Soak.run({ pool, server, cycles: 200, readStored })
 * console.log(Soak.format(report))
 * ```
 *
 * @since 0.1.0
 */
import { TokenStore } from "@keyway/core"
import * as Pool from "./Pool.ts"
import { refreshTokenReader, type Space, type WorkerStore } from "./Scenarios.ts"
import * as TokenServer from "./TokenServer.ts"

/**
 * Soak options.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly pool: Pool.Pool
  readonly server: TokenServer.TokenServer
  /** Refreshes the server must answer. */
  readonly cycles: number
  /** The refresh token in the store now, read by the harness itself. */
  readonly readStored: () => Promise<string | undefined>
  /** Pause between kills, picked uniformly in this range; default [150, 600] ms. */
  readonly killIntervalMs?: readonly [number, number]
  /**
   * The share of kills aimed at the process whose token request is in flight, when there is one
   * (the others pick any process); default 0.5.
   */
  readonly inFlightShare?: number
  /** Gives up after this long; default 120 s. */
  readonly timeoutMs?: number
  readonly log?: (line: string) => void
}

/**
 * What a soak found.
 *
 * @since 0.1.0
 */
export interface Report {
  /** Refreshes answered with a new token set. */
  readonly cycles: number
  readonly refreshRequests: number
  readonly tokenRequests: number
  readonly invalidGrant: number
  /** Issued refresh tokens that are neither used nor in the store. */
  readonly lostGrants: number
  /** Requests in flight when their process was killed (nothing issued). */
  readonly abandoned: number
  readonly kills: number
  /** Kills of a process whose token request was in flight (it held the refresh lock). */
  readonly killsInFlight: number
  readonly storedIsNewest: boolean
  /** Errors the surviving workers' refresh calls returned, by tag. */
  readonly errors: Readonly<Record<string, number>>
  readonly workerRefreshes: number
  readonly durationMs: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Runs a soak.
 *
 * @example
 * ```ts
 * import { Soak } from "@keyway/store-testkit"
 * const report = await Soak.run({ pool, server, cycles: 1000, readStored })
 * ```
 *
 * @since 0.1.0
 */
export const run = async (options: Options): Promise<Report> => {
  const { pool, server } = options
  const [minPause, maxPause] = options.killIntervalMs ?? [150, 600]
  const started = Date.now()
  const deadline = started + (options.timeoutMs ?? 120_000)
  const errors: Record<string, number> = {}
  let workerRefreshes = 0
  let kills = 0
  let killsInFlight = 0
  let unpersisted = 0

  // The grant: one initial token request.
  const first = await pool.burst(0, 1, "get")
  if (first.ok !== 1) throw new Error(`could not obtain the initial grant: ${first.errors.join(", ")}`)
  const baseIssued = server.state().issued

  for (let i = 0; i < pool.size; i++) await pool.startLoop(i)

  const collect = (report: { refreshes: number; errors: ReadonlyArray<string> }) => {
    workerRefreshes += report.refreshes
    for (const e of report.errors) errors[e] = (errors[e] ?? 0) + 1
  }

  const done = () => server.state().issued - baseIssued >= options.cycles
  const restarting = new Map<number, Promise<void>>()
  const inFlightShare = options.inFlightShare ?? 0.5

  while (!done()) {
    if (Date.now() > deadline) {
      await Promise.allSettled(restarting.values())
      throw new Error(`soak timed out after ${server.state().issued - baseIssued} cycles`)
    }
    const pauseUntil = Date.now() + minPause + Math.random() * (maxPause - minPause)
    while (Date.now() < pauseUntil && !done()) await sleep(5)
    if (done()) break
    server.hold()
    let victim = -1
    try {
      // Wait until the last issued refresh token is in the store (it is on its way otherwise).
      const waitUntil = Date.now() + 3000
      while ((await options.readStored()) !== server.state().lastIssued) {
        if (Date.now() > waitUntil) {
          unpersisted++
          break
        }
        await sleep(2)
      }
      const alive = Array.from({ length: pool.size }, (_, i) => i).filter((i) => !restarting.has(i))
      const holders = server
        .state()
        .pending.map((p) => pool.indexOfPid(Number(p.worker)))
        .filter((i) => alive.includes(i))
      victim =
        holders.length > 0 && Math.random() < inFlightShare
          ? holders[0]!
          : (alive[Math.floor(Math.random() * alive.length)] ?? -1)
      if (victim >= 0) {
        if (holders.includes(victim)) killsInFlight++
        await pool.kill(victim)
        kills++
        await sleep(10)
      }
    } finally {
      server.release()
    }
    if (victim >= 0) {
      const index = victim
      restarting.set(
        index,
        pool
          .respawn(index)
          .then(() => pool.startLoop(index))
          .finally(() => restarting.delete(index)),
      )
    }
    options.log?.(
      `  ${server.state().issued - baseIssued}/${options.cycles} cycles, ${kills} kills (${killsInFlight} in flight)`,
    )
  }
  await Promise.all(restarting.values())

  for (let i = 0; i < pool.size; i++) collect(await pool.stopLoop(i))
  const settled = await server.waitFor((s) => s.pending.length === 0, 15_000)
  const stored = await options.readStored()
  const live = settled.live
  const storedIsNewest = stored !== undefined && stored === settled.lastIssued
  return {
    cycles: settled.issued - baseIssued,
    refreshRequests: settled.refreshRequests,
    tokenRequests: settled.tokenRequests,
    invalidGrant: settled.invalidGrant,
    lostGrants:
      Math.max(0, live.length - 1) + (storedIsNewest && live.includes(stored!) ? 0 : 1) + unpersisted,
    abandoned: settled.abandoned,
    kills,
    killsInFlight,
    storedIsNewest,
    errors,
    workerRefreshes,
    durationMs: Date.now() - started,
  }
}

/**
 * One line per count, for a test log or the soak script.
 *
 * @example
 * ```ts
 * import { Soak } from "@keyway/store-testkit"
 * console.log(Soak.format(report))
 * ```
 *
 * @since 0.1.0
 */
export const format = (report: Report): string =>
  [
    `cycles (refreshes answered): ${report.cycles}`,
    `refresh requests: ${report.refreshRequests}, initial token requests: ${report.tokenRequests}`,
    `invalid_grant: ${report.invalidGrant}`,
    `lost grants: ${report.lostGrants}`,
    `kills: ${report.kills} (${report.killsInFlight} with the token request in flight; ${report.abandoned} requests abandoned)`,
    `stored refresh token is the newest issued: ${report.storedIsNewest}`,
    `worker errors: ${JSON.stringify(report.errors)}`,
    `duration: ${(report.durationMs / 1000).toFixed(1)} s`,
  ].join("\n")

/**
 * The body of a store package's `soak` script (`pnpm --filter <store> soak [cycles]`): four
 * worker processes refresh one grant in a loop over the store while random workers are killed
 * with `SIGKILL`; prints the counts and exits non-zero on any `invalid_grant` or lost grant.
 *
 * @example
 * ```ts
 * // test/soak.ts of a store package
 * import { fileURLToPath } from "node:url"
 * import { Soak } from "@keyway/store-testkit"
 * await Soak.main({
 *   store: "sqlite",
 *   script: fileURLToPath(new URL("./worker.ts", import.meta.url)),
 *   workerStore: ({ lockTtlMs }) => {
 *     const options = { path: "/tmp/soak.db", lockTtl: `${lockTtlMs} millis` }
 *     return { config: options, open: () => SqliteStore.make(options) }
 *   },
 * })
 * ```
 *
 * @since 0.1.0
 */
export const main = async (options: {
  /** The store's name, for the output. */
  readonly store: string
  /** The package's worker script (see `Worker.run`). */
  readonly script: string
  readonly workerStore: (space: Space) => WorkerStore
  /** Default: the script's first argument, else 1000. */
  readonly cycles?: number
  /** Runs last (stops a server, removes a directory). */
  readonly dispose?: () => Promise<void>
}): Promise<never> => {
  const cycles = options.cycles ?? Number(process.argv[2] ?? 1000)
  const scopes = ["r_jobs"]
  const store = options.workerStore({ name: "soak", lockTtlMs: 500 })
  const server = await TokenServer.start({ delayMs: 15, expiresIn: 3600 })
  let pool: Pool.Pool | undefined
  let failed = true
  try {
    pool = await Pool.start({
      script: options.script,
      size: 4,
      config: { tokenUrl: server.url, provider: "soak", connection: "default", scopes, store: store.config },
    })
    console.log(`${options.store} soak: ${cycles} refresh cycles, 4 processes, random SIGKILLs`)
    const report = await run({
      pool,
      server,
      cycles,
      readStored: refreshTokenReader(
        store.open,
        TokenStore.key({ provider: "soak", connection: "default", scopes }),
      ),
      killIntervalMs: [400, 1200],
      timeoutMs: 600_000,
      log: (line) => process.stdout.write(`${line}\r`),
    })
    console.log(`\n${format(report)}`)
    failed =
      report.invalidGrant > 0 || report.lostGrants > 0 || !report.storedIsNewest || report.cycles < cycles
  } finally {
    await pool?.close()
    await server.close()
    await options.dispose?.()
  }
  console.log(failed ? "SOAK FAILED" : "soak passed")
  return process.exit(failed ? 1 : 0)
}
