/**
 * `node bench/keeper.ts`: the keeper over 10,000 connections in Redis (`KEYWAY_BENCH_CONNECTIONS`
 * to change the count; `--quick`: 2,000).
 *
 * 1. A sweep where every connection is due (access tokens expiring within the keeper's 10-minute
 *    horizon): time, requests to the token endpoint (a loopback endpoint answering in
 *    ENDPOINT_MS, rotating refresh tokens), refreshes per second.
 * 2. The next sweep, nothing due: the cost of listing and deciding (SCAN + pipelined HMGET).
 * 3. Everything due again, two keepers (each with its own Redis connections, cache and lock
 *    client, as two processes have) sweeping at once: still one token request per connection.
 *
 * Memory: RSS and heap of this process, sampled during the sweeps (peak) and after. Writes
 * `bench/results/keeper.json`.
 */
import "./Source.ts"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import type { TokenStore as TokenStoreT } from "@keyway/core"
import type { Effect as EffectT } from "effect"

const { Effect, Redacted, References } = await import("effect")
const { TokenStore } = await import("@keyway/core")
const { StrategyConfig } = await import("@keyway/auth-authorization-code")
const { RedisStore } = await import("@keyway/store-redis")
const { RedisServer } = await import("@keyway/store-testkit")
const { Keeper } = await import("@keyway/connections")
const { table, writeResults } = await import("./Stats.ts")

const CONNECTIONS = Number(
  process.env.KEYWAY_BENCH_CONNECTIONS ?? (process.argv.includes("--quick") ? 2_000 : 10_000),
)
const ENDPOINT_MS = 5
const CONCURRENCY = 64
const log = (line: string) => console.log(line)

// The token endpoint: any refresh token `rt-<connection>-<n>` is good once; counts requests.
let requests = 0
let refused = 0
const live = new Map<string, string>()
const endpoint = createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    requests++
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"))
    const token = form.get("refresh_token") ?? ""
    const connection = token.split("-")[1] ?? ""
    setTimeout(() => {
      if (live.get(connection) !== token) {
        refused++
        res.writeHead(400, { "content-type": "application/json" })
        return res.end(JSON.stringify({ error: "invalid_grant" }))
      }
      const next = `rt-${connection}-${crypto.randomUUID()}`
      live.set(connection, next)
      res.writeHead(200, { "content-type": "application/json" })
      res.end(
        JSON.stringify({
          access_token: `at-${crypto.randomUUID()}`,
          token_type: "Bearer",
          expires_in: 3600,
          refresh_token: next,
        }),
      )
    }, ENDPOINT_MS)
  })
})
await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve))
const origin = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`

const config = StrategyConfig.make(
  {
    type: "oauth2-authorization-code",
    authorizeUrl: `${origin}/authorize`,
    tokenUrl: `${origin}/token`,
    defaultScopes: ["read"],
  },
  { provider: "bench", clientId: "bench", clientSecret: "bench-secret" },
)

const redis = await RedisServer.start()
const prefix = `keyway-bench-${process.pid}`
const storeLayer = RedisStore.layer({ url: redis.url, prefix })

let peakRss = 0
let peakHeap = 0
const sampler = setInterval(() => {
  const m = process.memoryUsage()
  peakRss = Math.max(peakRss, m.rss)
  peakHeap = Math.max(peakHeap, m.heapUsed)
}, 50)
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

/** Writes every connection's record with an access token expiring in 5 minutes (due). */
const seed = Effect.gen(function* () {
  const store = yield* TokenStore.TokenStore
  const now = Date.now()
  yield* Effect.forEach(
    Array.from({ length: CONNECTIONS }, (_, i) => `c${i}`),
    (connection) =>
      Effect.gen(function* () {
        const key = TokenStore.key({ provider: "bench", connection, scopes: ["read"] })
        const refreshToken = `rt-${connection}-0`
        live.set(connection, refreshToken)
        const current = yield* store.get(key)
        yield* store.compareAndSet(key, current, {
          accessToken: Redacted.make(`at-${connection}`),
          refreshToken: Redacted.make(refreshToken),
          expiresAt: now + 5 * 60_000,
          obtainedAt: now - 55 * 60_000,
          revision: TokenStore.newRevision(),
        })
      }),
    { concurrency: 64, discard: true },
  )
})

const sweepOnce = Effect.flatMap(
  Keeper.make({ providers: [config], concurrency: CONCURRENCY }),
  (k) => k.sweep,
)
const run = <A>(effect: EffectT.Effect<A, unknown, TokenStoreT.TokenStore>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(storeLayer), Effect.provideService(References.MinimumLogLevel, "Warn")),
  )

try {
  const before = process.memoryUsage()
  const seedStart = performance.now()
  await run(seed)
  const seedMs = performance.now() - seedStart

  requests = 0
  const full = await run(sweepOnce)
  const fullRequests = requests
  const afterFull = process.memoryUsage()

  requests = 0
  const idle = await run(sweepOnce)
  const idleRequests = requests

  await run(seed)
  requests = 0
  const twoStart = performance.now()
  const [one, two] = await Promise.all([run(sweepOnce), run(sweepOnce)])
  const twoMs = performance.now() - twoStart
  const twoRequests = requests
  clearInterval(sampler)
  const after = process.memoryUsage()

  const rows = [
    {
      sweep: "all due, one keeper",
      connections: full.connections,
      "time (s)": (full.durationMs / 1000).toFixed(2),
      "token requests": fullRequests,
      "refreshes/s": Math.round(full.refreshed / (full.durationMs / 1000)),
    },
    {
      sweep: "nothing due",
      connections: idle.connections,
      "time (s)": (idle.durationMs / 1000).toFixed(2),
      "token requests": idleRequests,
      "refreshes/s": 0,
    },
    {
      sweep: "all due, two keepers at once",
      connections: one.connections,
      "time (s)": (twoMs / 1000).toFixed(2),
      "token requests": twoRequests,
      "refreshes/s": Math.round((one.refreshed + two.refreshed) / (twoMs / 1000)),
    },
  ]
  log(
    `\nkeeper over ${CONNECTIONS} connections in Redis (token endpoint ${ENDPOINT_MS} ms, concurrency ${CONCURRENCY})`,
  )
  log(table(rows))
  log(
    `memory: rss ${mb(before.rss)} MB before, ${mb(afterFull.rss)} MB after the first sweep, peak ${mb(peakRss)} MB; heap peak ${mb(peakHeap)} MB, after ${mb(after.heapUsed)} MB`,
  )
  const results = {
    bench: "keeper",
    command: "node bench/keeper.ts",
    date: new Date().toISOString(),
    node: process.version,
    cpus: Os.cpus().length,
    loadAverage: Os.loadavg()[0],
    connections: CONNECTIONS,
    endpointMs: ENDPOINT_MS,
    concurrency: CONCURRENCY,
    seedMs: Math.round(seedMs),
    sweeps: {
      allDue: { ...full, tokenRequests: fullRequests },
      nothingDue: { ...idle, tokenRequests: idleRequests },
      twoKeepers: {
        durationMs: Math.round(twoMs),
        tokenRequests: twoRequests,
        refused,
        refreshed: one.refreshed + two.refreshed,
        alreadyFresh: one.alreadyFresh + two.alreadyFresh,
        failed: one.failed + two.failed,
      },
    },
    memoryMb: {
      rssBefore: mb(before.rss),
      rssAfterFirstSweep: mb(afterFull.rss),
      rssPeak: mb(peakRss),
      heapPeak: mb(peakHeap),
      heapAfter: mb(after.heapUsed),
    },
    targets: {
      oneRequestPerConnection: { met: fullRequests === CONNECTIONS && full.refreshed === CONNECTIONS },
      nothingDueNoRequest: { met: idleRequests === 0 && idle.due === 0 },
      twoKeepersOneRequestPerConnection: {
        met: twoRequests === CONNECTIONS && one.refreshed + two.refreshed === CONNECTIONS,
      },
    },
  }
  const file = writeResults("keeper", results)
  log(`targets: ${JSON.stringify(results.targets)}`)
  log(`wrote ${Path.relative(process.cwd(), file)}`)
  if (!Object.values(results.targets).every((t) => t.met)) process.exitCode = 1
} finally {
  clearInterval(sampler)
  await redis.dispose().catch(() => undefined)
  await new Promise<void>((resolve) => endpoint.close(() => resolve()))
}
