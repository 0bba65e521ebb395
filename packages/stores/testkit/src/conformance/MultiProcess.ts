/**
 * The conformance checks of worker processes on one store: a cold and a warm burst, a `kill -9` of the lock holder, and the rotation soak with random kills.
 *
 * @example
 * ```ts
 * describe("TokenStore conformance: mine", () => multiProcessChecks(makeSuite(options)))
 * ```
 *
 * @since 0.1.0
 */
import { TokenStore } from "@keyway/core"
import { afterEach, describe, expect } from "vitest"
import * as Pool from "../Pool.ts"
import * as Scenarios from "../Scenarios.ts"
import * as Soak from "../Soak.ts"
import * as TokenServer from "../TokenServer.ts"
import { LOCK_TTL_MS, type Suite } from "./Suite.ts"

/**
 * Registers the checks (inside the suite's `describe`).
 *
 * @example
 * ```ts
 * multiProcessChecks(suite)
 * ```
 */
export const multiProcessChecks = <S extends TokenStore.TokenStoreShape>(suite: Suite<S>): void => {
  const { options, check } = suite
  const mp = options.multiProcess
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
}
