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
 * `--quick`: 2 rounds instead of 5.
 *
 * Redis is a private redis-server on loopback (`KEYWAY_REDIS_URL` to use another). Writes
 * `bench/results/token-stores.json`.
 */
import "./Source.ts"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const { TokenStore } = await import("@keyway/core")
const { SqliteStore } = await import("@keyway/store-sqlite")
const { RedisStore } = await import("@keyway/store-redis")
const { Bench, Pool, RedisServer, Scenarios, TokenServer } = await import("@keyway/store-testkit")
const { median, table, writeResults } = await import("./Stats.ts")

const quick = process.argv.includes("--quick")
const ROUNDS = quick ? 2 : 5
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
  log(
    `token stores: ${ROUNDS} rounds, node ${process.version}, ${Os.cpus().length} cpus, load ${Os.loadavg()[0]!.toFixed(2)}`,
  )

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
  // One warm-up round, not counted. Each round interleaves short batches of every store (rotating
  // the order) so that drift (JIT, GC, a neighbour's load) hits every store alike, and takes each
  // store's median batch; lifecycle calls and store calls are measured apart so that one's garbage
  // does not land on the other.
  const BATCHES = 21
  const gc = (globalThis as { gc?: () => void }).gc
  const measure = async (
    total: (name: string) => number,
    rate: typeof Bench.lifecycleGets,
  ): Promise<Record<string, number>> => {
    const rates: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
    for (let batch = 0; batch < BATCHES; batch++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + batch) % names.length]!
        rates[name]!.push(await rate(opened.get(name)!, Math.round(total(name) / BATCHES)))
      }
    }
    return Object.fromEntries(names.map((n) => [n, median(rates[n]!)]))
  }
  for (let round = 0; round <= ROUNDS; round++) {
    gc?.()
    const a = await measure(() => LIFECYCLE_GETS, Bench.lifecycleGets)
    gc?.()
    const b = await measure((name) => STORE_GETS[name]!, Bench.storeGets)
    if (round === 0) continue
    for (const name of names) {
      lifecycle[name]!.push(a[name]!)
      storeGet[name]!.push(b[name]!)
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
    sqlite: {
      script: Path.join(stores, "sqlite", "test", "worker.ts"),
      store: { path: Path.join(dir, "lock.db") },
    },
    redis: {
      script: Path.join(stores, "redis", "test", "worker.ts"),
      store: { url: redis.url, prefix: "bench-lock" },
    },
  }
  const pools = new Map<string, Awaited<ReturnType<typeof Pool.start>>>()
  for (const [name, setup] of Object.entries(crossProcess)) {
    const pool = await Pool.start({
      script: setup.script,
      size: PROCESSES,
      config: {
        tokenUrl: server.url,
        provider: "bench",
        connection: name,
        scopes: ["bench"],
        store: setup.store,
      },
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
  // What one caller alone pays for a refresh through the lifecycle and the store: the token
  // endpoint's latency as a caller sees it (timer, HTTP, parsing, the write).
  const solo: Record<string, number[]> = { sqlite: [], redis: [] }
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
  // Last, because it leaves the other processes' caches behind: one process refreshes alone,
  // 5 times in a row (it holds the newest record each time, so each call goes to the endpoint).
  for (const [name, pool] of pools) {
    for (let round = 0; round < ROUNDS; round++)
      solo[name]!.push((await pool.burst(0, 1, "refresh")).latencies[0]!)
  }
  const targetMs = ENDPOINT_MS + 50
  const waitRows = Object.entries(waits).map(([name, rounds]) => ({
    store: name,
    callers: PROCESSES * CALLERS,
    "p50 ms": median(rounds.map((r) => r.p50)),
    "p99 ms": median(rounds.map((r) => r.p99)),
    "max ms": median(rounds.map((r) => r.max)),
    "1 caller ms": median(solo[name]!),
    "refreshes/round": rounds.map((r) => r.refreshes).join(","),
    target: `<= ${targetMs}`,
  }))
  log(
    `\nrefresh-lock wait, ${PROCESSES} processes x ${CALLERS} callers, token endpoint ${ENDPOINT_MS} ms (median of rounds)`,
  )
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
        names.map((n) => [
          n,
          {
            median: median(lifecycle[n]!),
            rounds: lifecycle[n],
            ratioToMemory: median(lifecycle[n]!) / median(lifecycle.memory!),
          },
        ]),
      ),
      storeGet: Object.fromEntries(
        names.map((n) => [
          n,
          {
            median: median(storeGet[n]!),
            rounds: storeGet[n],
            ratioToMemory: median(storeGet[n]!) / median(storeGet.memory!),
          },
        ]),
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
          {
            p50: median(rounds.map((r) => r.p50)),
            p99: median(rounds.map((r) => r.p99)),
            max: median(rounds.map((r) => r.max)),
            oneCallerMs: median(solo[n]!),
            rounds,
          },
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
