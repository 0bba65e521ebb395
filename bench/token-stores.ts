/**
 * `node bench/token-stores.ts`: the token stores side by side in one run, 5 rounds, medians.
 *
 * 1. Calls per second with a fresh token through `TokenLifecycle.get`, over the memory, SQLite
 *    and Redis stores (target: Redis >= 0.9x memory), and of each store's own `get` (what a
 *    lifecycle without a warm cache of its own pays; Redis with and without its in-process cache).
 * 2. The refresh-lock wait: 4 processes x 50 callers (200) force a refresh of one grant at once
 *    against a token endpoint that answers in ENDPOINT_MS; each caller's latency from call to
 *    token (target: p99 <= ENDPOINT_MS + 50 ms). Exactly one refresh request per round.
 *
 * Redis is a private redis-server on loopback (`KEYWAY_REDIS_URL` to use another). Writes
 * `bench/results/token-stores.json`.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

// The workspace packages resolve to their TypeScript sources under this export condition.
if (!`${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`.includes("@keyway/source")) {
  const again = spawnSync(
    process.execPath,
    ["--conditions=@keyway/source", ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: "inherit" },
  )
  process.exit(again.status ?? 1)
}

const { TokenStore } = await import("@keyway/core")
const { SqliteStore } = await import("../packages/stores/sqlite/src/index.ts")
const { RedisStore } = await import("../packages/stores/redis/src/index.ts")
const { Bench, Pool, RedisServer, Scenarios, TokenServer } = await import("../packages/stores/testkit/src/index.ts")
const { median, table, writeResults } = await import("./Stats.ts")

const ROUNDS = 5
const ENDPOINT_MS = 200
const PROCESSES = 4
const CALLERS = 50
const LIFECYCLE_GETS = 200_000
const STORE_GETS: Record<string, number> = {
  memory: 200_000,
  sqlite: 20_000,
  redis: 200_000,
  "redis (no cache)": 5_000,
}

const root = Path.dirname(fileURLToPath(import.meta.url))
const stores = Path.join(root, "..", "packages", "stores")
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-bench-"))
const redis = await RedisServer.start()
const server = await TokenServer.start({ delayMs: ENDPOINT_MS, expiresIn: 3600 })
const log = (line: string) => console.log(line)

const cleanup: Array<() => Promise<void>> = []
try {
  log(`token stores: ${ROUNDS} rounds, node ${process.version}, ${Os.cpus().length} cpus, load ${Os.loadavg()[0]!.toFixed(2)}`)

  // 1. Throughput, in this process.
  const opened = await Bench.open({
    memory: TokenStore.makeMemory(),
    sqlite: SqliteStore.make({ path: Path.join(dir, "throughput.db") }),
    redis: RedisStore.make({ url: redis.url, prefix: "bench" }),
    "redis (no cache)": RedisStore.make({ url: redis.url, prefix: "bench-nocache", cache: false }),
  })
  cleanup.push(() => opened.close())
  const names = ["memory", "sqlite", "redis", "redis (no cache)"]
  const lifecycle: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  const storeGet: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  // one warm-up round, not counted
  for (let round = 0; round <= ROUNDS; round++) {
    // rotate the order so that no store always runs first
    const order = names.map((_, i) => names[(i + round) % names.length]!)
    for (const name of order) {
      const store = opened.get(name)!
      const a = await Bench.lifecycleGets(store, LIFECYCLE_GETS)
      const b = await Bench.storeGets(store, STORE_GETS[name]!)
      if (round > 0) {
        lifecycle[name]!.push(a)
        storeGet[name]!.push(b)
      }
    }
  }
  const throughputRows = names.map((name) => ({
    store: name,
    "lifecycle.get /s": Math.round(median(lifecycle[name]!)),
    "x memory": median(lifecycle[name]!) / median(lifecycle.memory!),
    "store.get /s": Math.round(median(storeGet[name]!)),
    "x memory ": median(storeGet[name]!) / median(storeGet.memory!),
  }))
  log("\ncalls per second with a fresh token (median of rounds)")
  log(table(throughputRows))

  // 2. Refresh-lock wait across processes.
  const crossProcess = {
    sqlite: { script: Path.join(stores, "sqlite", "test", "worker.ts"), store: { path: Path.join(dir, "lock.db") } },
    redis: { script: Path.join(stores, "redis", "test", "worker.ts"), store: { url: redis.url, prefix: "bench-lock" } },
  }
  const pools = new Map<string, Awaited<ReturnType<typeof Pool.start>>>()
  for (const [name, setup] of Object.entries(crossProcess)) {
    const pool = await Pool.start({
      script: setup.script,
      size: PROCESSES,
      config: { tokenUrl: server.url, provider: "bench", connection: name, scopes: ["bench"], store: setup.store },
    })
    cleanup.push(() => pool.close())
    pools.set(name, pool)
    await pool.burstAll(1, "get") // the grant, and warm processes
    await pool.burstAll(CALLERS, "refresh") // warm-up round, not counted
  }
  const waits: Record<string, Array<{ p50: number; p99: number; max: number; refreshes: number }>> = {
    sqlite: [],
    redis: [],
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? ["sqlite", "redis"] : ["redis", "sqlite"]) {
      const before = server.state().refreshRequests
      const reports = await pools.get(name)!.burstAll(CALLERS, "refresh")
      const latencies = reports.flatMap((r) => r.latencies)
      const errors = reports.flatMap((r) => r.errors)
      if (errors.length > 0) throw new Error(`${name}: ${errors.length} callers failed: ${errors[0]}`)
      waits[name]!.push({
        p50: Scenarios.percentile(latencies, 50),
        p99: Scenarios.percentile(latencies, 99),
        max: Math.max(...latencies),
        refreshes: server.state().refreshRequests - before,
      })
    }
  }
  const targetMs = ENDPOINT_MS + 50
  const waitRows = Object.entries(waits).map(([name, rounds]) => ({
    store: name,
    callers: PROCESSES * CALLERS,
    "p50 ms": median(rounds.map((r) => r.p50)),
    "p99 ms": median(rounds.map((r) => r.p99)),
    "max ms": median(rounds.map((r) => r.max)),
    "refreshes/round": rounds.map((r) => r.refreshes).join(","),
    target: `<= ${targetMs}`,
  }))
  log(`\nrefresh-lock wait, ${PROCESSES} processes x ${CALLERS} callers, token endpoint ${ENDPOINT_MS} ms (median of rounds)`)
  log(table(waitRows))

  const redisRatio = median(lifecycle.redis!) / median(lifecycle.memory!)
  const results = {
    bench: "token-stores",
    command: "node bench/token-stores.ts",
    date: new Date().toISOString(),
    node: process.version,
    cpus: Os.cpus().length,
    loadAverage: Os.loadavg()[0],
    rounds: ROUNDS,
    throughput: {
      unit: "calls per second, median of rounds",
      lifecycleGet: Object.fromEntries(
        names.map((n) => [n, { median: median(lifecycle[n]!), rounds: lifecycle[n], ratioToMemory: median(lifecycle[n]!) / median(lifecycle.memory!) }]),
      ),
      storeGet: Object.fromEntries(
        names.map((n) => [n, { median: median(storeGet[n]!), rounds: storeGet[n], ratioToMemory: median(storeGet[n]!) / median(storeGet.memory!) }]),
      ),
    },
    refreshLockWait: {
      processes: PROCESSES,
      callersPerProcess: CALLERS,
      endpointMs: ENDPOINT_MS,
      targetP99Ms: targetMs,
      stores: Object.fromEntries(
        Object.entries(waits).map(([n, rounds]) => [
          n,
          { p50: median(rounds.map((r) => r.p50)), p99: median(rounds.map((r) => r.p99)), max: median(rounds.map((r) => r.max)), rounds },
        ]),
      ),
    },
    targets: {
      redisLifecycleGetVsMemory: { target: ">= 0.9", value: redisRatio, met: redisRatio >= 0.9 },
      redisStoreGetVsMemory: {
        target: ">= 0.9",
        value: median(storeGet.redis!) / median(storeGet.memory!),
        met: median(storeGet.redis!) / median(storeGet.memory!) >= 0.9,
      },
      ...Object.fromEntries(
        Object.entries(waits).map(([n, rounds]) => {
          const p99 = median(rounds.map((r) => r.p99))
          return [`${n}LockWaitP99`, { target: `<= ${targetMs} ms`, value: p99, met: p99 <= targetMs }]
        }),
      ),
      oneRefreshPerRound: {
        met: Object.values(waits).every((rounds) => rounds.every((r) => r.refreshes === 1)),
      },
    },
  }
  const file = writeResults("token-stores", results)
  log(`\ntargets: ${JSON.stringify(results.targets)}`)
  log(`wrote ${Path.relative(process.cwd(), file)}`)
} finally {
  for (const close of cleanup.reverse()) await close().catch(() => undefined)
  await server.close()
  await redis.dispose()
  Fs.rmSync(dir, { recursive: true, force: true })
}
