/**
 * `pnpm bench` (first part): 20,000 GETs at concurrency 32 against a loopback server in another
 * process, through a Keyway client (static token, retry and correlation on), bare openapi-fetch
 * (global fetch) and plain `fetch`, plus the Keyway client with a call budget (the throttle on its
 * hot path: a memory budget it never exhausts, so the figure is its overhead alone). Five rounds,
 * the clients alternating inside each round;
 * medians and ratios printed and written to bench/results/http.json. Then the heap after 100,000
 * Keyway calls against the heap after 10,000.
 *
 *   pnpm --filter @keyway/bench http        (or as part of `pnpm bench`)
 */
import { spawn } from "node:child_process"
import { Auth, Client, Http } from "@keyway/core"
import { Effect, Layer } from "effect"
import createClient from "openapi-fetch"
import { median, table, writeResults } from "./Stats.ts"

interface paths {
  "/pets": {
    get: {
      parameters: { query?: { limit?: number } }
      responses: { 200: { content: { "application/json": Array<{ id: number; name: string }> } } }
    }
  }
}

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000)
const CONCURRENCY = 32
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

const startServer = async () => {
  const child = spawn(process.execPath, [new URL("./server.ts", import.meta.url).pathname], {
    stdio: ["ignore", "pipe", "inherit"],
  })
  const port = await new Promise<number>((resolve) =>
    child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))),
  )
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") }
}

/** Runs `calls` calls, `CONCURRENCY` at a time: throughput, and this process's CPU time per call. */
const run = async (calls: number, one: () => Promise<unknown>): Promise<{ rps: number; cpuUs: number }> => {
  let next = 0
  const started = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < calls) await one()
    }),
  )
  const used = process.cpuUsage(cpu)
  return { rps: calls / ((performance.now() - started) / 1000), cpuUs: (used.user + used.system) / calls }
}

const main = async () => {
  const server = await startServer()
  const bearer = Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "static",
      authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", "Bearer bench")),
    }),
  )
  const keyway = Client.make<paths>({
    provider: "bench",
    baseUrl: server.url,
    auth: bearer,
    correlation: { header: "X-Correlation-id" },
  })
  // The same client with a throttle whose budget never binds: a reservation per call.
  const throttled = Client.make<paths>({
    provider: "bench-throttled",
    baseUrl: server.url,
    auth: bearer,
    correlation: { header: "X-Correlation-id" },
    throttle: { rate: 1_000_000_000, burst: 1_000_000_000, concurrency: 1_000 },
  })
  const bare = createClient<paths>({ baseUrl: server.url, headers: { authorization: "Bearer bench" } })
  const clients: Record<string, () => Promise<unknown>> = {
    keyway: async () => {
      const { data } = await keyway.GET("/pets")
      if (!data) throw new Error("no data")
    },
    "keyway+throttle": async () => {
      const { data } = await throttled.GET("/pets")
      if (!data) throw new Error("no data")
    },
    "openapi-fetch": async () => {
      const { data } = await bare.GET("/pets")
      if (!data) throw new Error("no data")
    },
    fetch: async () => {
      const response = await fetch(`${server.url}/pets`, { headers: { authorization: "Bearer bench" } })
      await response.json()
    },
  }
  // Warm up every path (JIT, connection pools).
  for (const one of Object.values(clients)) await run(2_000, one)

  // Throughput is what the targets name; CPU time per call (client process only) is the steadier
  // figure on a shared machine, so both are reported.
  const samples: Record<string, Array<number>> = {
    keyway: [],
    "keyway+throttle": [],
    "openapi-fetch": [],
    fetch: [],
  }
  const cpuSamples: Record<string, Array<number>> = {
    keyway: [],
    "keyway+throttle": [],
    "openapi-fetch": [],
    fetch: [],
  }
  const names = Object.keys(clients)
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!)
    for (const name of order) {
      const { rps, cpuUs } = await run(CALLS, clients[name]!)
      samples[name]!.push(rps)
      cpuSamples[name]!.push(cpuUs)
    }
  }
  const medians = Object.fromEntries(names.map((n) => [n, median(samples[n]!)]))
  const cpuMedians = Object.fromEntries(names.map((n) => [n, median(cpuSamples[n]!)]))
  const rows = names.map((n) => ({
    client: n,
    "median req/s": Math.round(medians[n]!),
    "vs openapi-fetch": medians[n]! / medians["openapi-fetch"]!,
    "CPU us/call": cpuMedians[n]!,
    "CPU vs openapi-fetch": cpuMedians["openapi-fetch"]! / cpuMedians[n]!,
    rounds: samples[n]!.map((s) => Math.round(s)).join(" "),
  }))
  console.log(`\nHTTP: ${CALLS} GETs x ${ROUNDS} rounds, concurrency ${CONCURRENCY}, loopback`)
  console.log(table(rows))
  const throttleOverhead = 1 - medians["keyway+throttle"]! / medians.keyway!
  const loadavg = (await import("node:os")).loadavg()
  console.log(
    `throttle on the hot path: ${(throttleOverhead * 100).toFixed(1)}% of keyway's median throughput (target <= 5%), CPU ${(((cpuMedians["keyway+throttle"]! - cpuMedians.keyway!) / cpuMedians.keyway!) * 100).toFixed(1)}% per call; load average ${loadavg.map((l) => l.toFixed(2)).join(" ")}`,
  )

  // Heap: after 10,000 calls against after 100,000.
  const gc = (globalThis as { gc?: () => void }).gc
  const heap = () => {
    gc?.()
    gc?.()
    return process.memoryUsage().heapUsed
  }
  await run(10_000, clients.keyway!)

  const heap10k = heap()
  await run(90_000, clients.keyway!)
  const heap100k = heap()
  const growthMb = (heap100k - heap10k) / 1024 / 1024
  console.log(
    `heap after 10,000 calls ${(heap10k / 1048576).toFixed(1)} MB, after 100,000 ${(heap100k / 1048576).toFixed(1)} MB: growth ${growthMb.toFixed(2)} MB (target <= 5 MB${gc ? "" : "; run with --expose-gc for a precise figure"})`,
  )
  const ratio = medians.keyway! / medians["openapi-fetch"]!
  const file = writeResults("http", {
    date: new Date().toISOString(),
    node: process.version,
    calls: CALLS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    samples,
    medians,
    cpuMicrosPerCall: { samples: cpuSamples, medians: cpuMedians },
    ratios: {
      keywayVsOpenapiFetch: ratio,
      keywayVsFetch: medians.keyway! / medians.fetch!,
      cpuEfficiencyVsOpenapiFetch: cpuMedians["openapi-fetch"]! / cpuMedians.keyway!,
      throttleOverhead,
    },
    loadavg,
    heap: { after10k: heap10k, after100k: heap100k, growthMb },
    targets: { ratioAtLeast: 0.9, heapGrowthMbAtMost: 5, throttleOverheadAtMost: 0.05 },
    pass: ratio >= 0.9 && growthMb <= 5,
  })
  console.log(`written ${file}`)
  await keyway.close()
  await throttled.close()
  server.stop()
}

await main()
