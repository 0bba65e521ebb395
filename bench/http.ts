/**
 * `pnpm bench` (first part): Keyway's call path against the limit, side by side in one process,
 * the server (bench/server.ts) in its own.
 *
 * 1. GET and POST (JSON body) scenarios: per row and round, 20,000 GETs (`BENCH_CALLS`) and 5,000
 *    POSTs (`BENCH_POST_CALLS`) at concurrency 32, in four slices with the rows rotating from slice
 *    to slice so that noise hits every row; 5 rounds (`BENCH_ROUNDS`); medians of throughput and of
 *    this process's CPU µs per call. Rows: raw `undici.request` (keep-alive pool), openapi-fetch
 *    over a ten-line `fetch` on `undici.request` (bench/UndiciFetch.ts), Keyway's Promise API
 *    (static bearer, retry and correlation on), Keyway's Effect API, Keyway with one trivial
 *    middleware (`client.use`, when the client has it), bare openapi-fetch (global fetch); GET
 *    also Keyway with a call budget that never binds (the throttle's overhead), plain `fetch`,
 *    and Keyway's transport alone (`Transport.makeUndici().send`, the socket part of a call).
 *    Every row's ratio to bare openapi-fetch and to raw undici.
 * 2. Token refresh under load: 1,000 calls paced over 3.5 token lifetimes (three expiries), 32 in
 *    flight at most, through the client-credentials plugin against the server's token endpoint:
 *    token requests, calls the server refused for an expired token, latency p50/p99/max and the
 *    calls that took at least half the token endpoint's delay (they waited for a token); medians
 *    of 3 rounds, a new client each.
 * 3. Heap after 10,000 Keyway calls against after 100,000 (after GC; run with `--expose-gc`).
 * 4. The targets, PASS or MISS (the benchmark never fails on them), and the load average.
 *
 * Results: bench/results/http.json.
 *
 *   pnpm --filter @keyway/bench http [--quick]   (or as part of `pnpm bench`)
 *   pnpm --filter @keyway/bench http --profile   the Keyway GET row under the CPU profiler
 *                                                 instead: top 15 functions by self time
 */
import "./Source.ts"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { Auth as AuthT, EffectClient as EffectClientT, TokenStore as TokenStoreT } from "@keyway/core"
import type { Effect as EffectT, Layer as LayerT } from "effect"

const { Auth, Client, Correlation, EffectClient, Http, TokenStore, Transport } = await import("@keyway/core")
const { ClientCredentials } = await import("@keyway/auth-client-credentials")
const { Context, Effect, Layer, ManagedRuntime, Redacted } = await import("effect")
const { default: createClient } = await import("openapi-fetch")
const { Agent, request } = await import("undici")
const UndiciFetch = await import("./UndiciFetch.ts")
const { concurrently, measure, paced } = await import("./Load.ts")
const Profile = await import("./Profile.ts")
const { loadavg, median, percentile, table, target, writeResults } = await import("./Stats.ts")
type Batch = import("./Load.ts").Batch

interface Pet {
  id: number
  name: string
  tags?: Array<string>
}
interface paths {
  "/pets": {
    get: {
      parameters: { query?: { limit?: number } }
      responses: { 200: { content: { "application/json": Array<Pet> } } }
    }
    post: {
      parameters: {}
      requestBody: { content: { "application/json": Omit<Pet, "id"> } }
      responses: { 201: { content: { "application/json": Pet } } }
    }
  }
}

const quick = process.argv.includes("--quick")
const profiling = process.argv.includes("--profile")
const CALLS = Number(process.env.BENCH_CALLS ?? (quick ? 2_000 : 20_000))
const POST_CALLS = Number(process.env.BENCH_POST_CALLS ?? (quick ? 2_000 : 5_000))
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 5))
const CONCURRENCY = 32
const HEAP_FROM = quick ? 2_000 : 10_000
const HEAP_TO = quick ? 20_000 : 100_000
const TOKEN_CALLS = 1_000
const TOKEN_TTL_S = 1
const TOKEN_SPAN_MS = 3.5 * TOKEN_TTL_S * 1000
const TOKEN_DELAY_MS = 25
const TOKEN_ROUNDS = quick ? 1 : 3
const AUTHORIZATION = "Bearer bench"
const pet = { name: "Rex", tags: ["good", "dog"] }

const startServer = async () => {
  const child = spawn(process.execPath, [new URL("./server.ts", import.meta.url).pathname], {
    stdio: ["ignore", "pipe", "inherit"],
  })
  const port = await new Promise<number>((resolve) =>
    child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))),
  )
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") }
}
const server = await startServer()
const stats = async (reset = false): Promise<{ tokenRequests: number; expired: number }> =>
  (await fetch(`${server.url}/stats`, { method: reset ? "POST" : "GET" })).json() as Promise<{
    tokenRequests: number
    expired: number
  }>

// ---- the clients -------------------------------------------------------------------------------

const bearer = Layer.succeed(
  Auth.Auth,
  Auth.make({
    name: "static",
    authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", AUTHORIZATION)),
  }),
)
const correlation = { header: "X-Correlation-id" }
const keywayOptions = { provider: "bench", baseUrl: server.url, auth: bearer, correlation }
const keyway = Client.make<paths>(keywayOptions)
// The same client with one middleware that does nothing, once `client.use` exists.
const withMiddleware = Client.make<paths>({ ...keywayOptions, provider: "bench-middleware" })
const use = (
  withMiddleware as unknown as { use?: (m: { onRequest: (o: { request: Request }) => Request }) => void }
).use
const hasUse = typeof use === "function"
if (hasUse) use.call(withMiddleware, { onRequest: ({ request }) => request })
// A throttle whose budget never binds: a reservation per call, its overhead alone.
const throttled = Client.make<paths>({
  ...keywayOptions,
  provider: "bench-throttled",
  throttle: { rate: 1_000_000_000, burst: 1_000_000_000, concurrency: 1_000 },
})

// The Effect API: the client is a service of a runtime; each batch runs inside Effect, 32 fibers.
class Api extends Context.Service<Api, EffectClientT.EffectClient<paths>>()("bench/Api") {}
const effectRuntime = (auth: LayerT.Layer<AuthT.Auth, unknown, TokenStoreT.TokenStore>, provider: string) =>
  ManagedRuntime.make(
    Layer.effect(Api, EffectClient.make<paths>({ provider, baseUrl: server.url })).pipe(
      Layer.provide(Layer.mergeAll(auth, Correlation.layer(correlation))),
      Layer.provide(TokenStore.layerMemory),
    ),
  )
const effectApi = effectRuntime(bearer, "bench-effect")
const effectBatch =
  (call: (api: EffectClientT.EffectClient<paths>) => EffectT.Effect<unknown, unknown>): Batch =>
  (calls) => {
    let next = 0
    const worker = (api: EffectClientT.EffectClient<paths>): EffectT.Effect<void, unknown> =>
      Effect.suspend(() => (next++ < calls ? Effect.flatMap(call(api), () => worker(api)) : Effect.void))
    return effectApi.runPromise(
      Api.use((api) =>
        Effect.all(
          Array.from({ length: CONCURRENCY }, () => worker(api)),
          { concurrency: "unbounded", discard: true },
        ),
      ),
    )
  }

// Keyway's transport alone (what the pipeline sends with), run as its own Effect per call: the
// part of a Keyway call that is the socket, beside raw undici.request.
const transport = Transport.makeUndici()
const transportGet = Http.makeRequest("GET", `${server.url}/pets`, { authorization: AUTHORIZATION })
const sendOptions = { correlationId: "bench", timeoutMs: 30_000 }
const decoder = new TextDecoder()

const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 10_000 })
const overUndici = createClient<paths>({
  baseUrl: server.url,
  headers: { authorization: AUTHORIZATION },
  fetch: UndiciFetch.make(dispatcher),
})
const bare = createClient<paths>({ baseUrl: server.url, headers: { authorization: AUTHORIZATION } })

const ok = (data: unknown) => {
  if (!data) throw new Error("no data")
}
const checked = async (
  res: { statusCode: number; body: { json: () => Promise<unknown> } },
  status: number,
) => {
  const data = await res.body.json()
  if (res.statusCode !== status) throw new Error(`status ${res.statusCode}`)
  return data
}
const body = JSON.stringify(pet)
const jsonHeaders = { authorization: AUTHORIZATION, "content-type": "application/json" }

/** A row: a batch of calls, or why it cannot run. */
type Row = { readonly batch: Batch } | { readonly missing: string }
const promise = (one: () => Promise<unknown>): Row => ({ batch: concurrently(CONCURRENCY, one) })
const BASELINE = "openapi-fetch (global fetch)"
const RAW = "undici.request (raw)"
const TRANSPORT = "keyway transport alone"
const KEYWAY = "keyway (Promise API)"
const KEYWAY_EFFECT = "keyway (Effect API)"
const KEYWAY_MIDDLEWARE = "keyway + 1 middleware"
const KEYWAY_THROTTLE = "keyway + throttle"
const HAND_WIRED = "openapi-fetch over undici"
const NO_USE = "n/a (no client.use)"

const scenarios: Record<string, { calls: number; rows: Record<string, Row> }> = {
  GET: {
    calls: CALLS,
    rows: {
      [RAW]: promise(async () =>
        ok(
          await checked(
            await request(`${server.url}/pets`, { dispatcher, headers: { authorization: AUTHORIZATION } }),
            200,
          ),
        ),
      ),
      [TRANSPORT]: promise(async () => {
        const response = await Effect.runPromise(transport.send(transportGet, sendOptions))
        if (response.status !== 200) throw new Error(`status ${response.status}`)
        ok(JSON.parse(decoder.decode(response.body)))
      }),
      [HAND_WIRED]: promise(async () => ok((await overUndici.GET("/pets")).data)),
      [KEYWAY]: promise(async () => ok((await keyway.GET("/pets")).data)),
      [KEYWAY_EFFECT]: { batch: effectBatch((api) => api.GET("/pets")) },
      [KEYWAY_MIDDLEWARE]: hasUse
        ? promise(async () => ok((await withMiddleware.GET("/pets")).data))
        : { missing: NO_USE },
      [KEYWAY_THROTTLE]: promise(async () => ok((await throttled.GET("/pets")).data)),
      [BASELINE]: promise(async () => ok((await bare.GET("/pets")).data)),
      fetch: promise(async () =>
        ok(await (await fetch(`${server.url}/pets`, { headers: { authorization: AUTHORIZATION } })).json()),
      ),
    },
  },
  POST: {
    calls: POST_CALLS,
    rows: {
      [RAW]: promise(async () =>
        ok(
          await checked(
            await request(`${server.url}/pets`, { method: "POST", dispatcher, headers: jsonHeaders, body }),
            201,
          ),
        ),
      ),
      [HAND_WIRED]: promise(async () => ok((await overUndici.POST("/pets", { body: pet })).data)),
      [KEYWAY]: promise(async () => ok((await keyway.POST("/pets", { body: pet })).data)),
      [KEYWAY_EFFECT]: { batch: effectBatch((api) => api.POST("/pets", { body: pet })) },
      [KEYWAY_MIDDLEWARE]: hasUse
        ? promise(async () => ok((await withMiddleware.POST("/pets", { body: pet })).data))
        : { missing: NO_USE },
      [BASELINE]: promise(async () => ok((await bare.POST("/pets", { body: pet })).data)),
    },
  },
}

const close = async () => {
  await keyway.close()
  await withMiddleware.close()
  await throttled.close()
  await effectApi.dispose()
  await dispatcher.close()
  server.stop()
}

// ---- --profile: the Keyway GET row under the CPU profiler, nothing else ------------------------

if (profiling) {
  const batch = (scenarios.GET!.rows[KEYWAY] as { batch: Batch }).batch
  await batch(2_000)
  const cpu = await Profile.profile(() => batch(CALLS))
  const file = Path.join(Os.tmpdir(), `keyway-bench-${Date.now()}.cpuprofile`)
  Fs.writeFileSync(file, JSON.stringify(cpu))
  const summary = Profile.summarize(cpu, 15)
  console.log(
    `\nCPU profile of ${CALLS} Keyway GETs (Promise API), concurrency ${CONCURRENCY}; load average ${loadavg()}`,
  )
  console.log(
    table(summary.groups.map((g) => ({ group: g.group, "self ms": g.selfMs, "self %": g.selfPercent }))),
  )
  console.log(`\ntop 15 functions by self time (of ${summary.totalMs.toFixed(0)} ms sampled, idle excluded)`)
  console.log(
    table(
      summary.top.map((e) => ({
        group: e.group,
        function: e.name,
        "file:line": e.location,
        "self ms": e.selfMs,
        "self %": e.selfPercent,
      })),
    ),
  )
  console.log(`profile written to ${file} (open it in Chrome DevTools or speedscope)`)
  await close()
  process.exit(0)
}

// ---- 1. throughput, GET and POST ---------------------------------------------------------------

const loadBefore = loadavg()
console.log(
  `\nHTTP: concurrency ${CONCURRENCY}, ${ROUNDS} rounds, loopback, server in its own process${quick ? " (--quick)" : ""}; node ${process.version}, ${Os.cpus().length} cpus, load average ${loadBefore}`,
)
// A row whose calls fail (an API of main that changed under the harness) is reported, not fatal.
const failures = new Map<string, string>()
const attempt = async (key: string, work: () => Promise<void>) => {
  if (failures.has(key)) return
  try {
    await work()
  } catch (error) {
    failures.set(key, `failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 80))
  }
}
// Warm up every row (JIT, connection pools).
for (const [scenario, { rows }] of Object.entries(scenarios)) {
  for (const [name, row] of Object.entries(rows)) {
    if ("batch" in row) await attempt(`${scenario} ${name}`, () => row.batch(Math.min(2_000, CALLS)))
  }
}

const samples = new Map<string, Array<{ rps: number; cpuUs: number }>>()
/** The samples of a row of a scenario. */
const samplesOf = (scenario: string, row: string) => {
  const key = `${scenario} ${row}`
  const list = samples.get(key) ?? []
  samples.set(key, list)
  return list
}
// Each round runs every row's calls in SLICES slices, the rows rotating from slice to slice, so
// that a burst of load on the shared machine lands on every row; a row's figure for the round
// is its calls over its slices' summed time (and CPU).
const SLICES = 4
for (let round = 0; round < ROUNDS; round++) {
  for (const [scenario, { calls, rows }] of Object.entries(scenarios)) {
    const names = Object.keys(rows)
    const spent = new Map<string, { seconds: number; cpuUs: number }>()
    for (let slice = 0; slice < SLICES; slice++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round * SLICES + slice) % names.length]!
        const row = rows[name]!
        if (!("batch" in row)) continue
        await attempt(`${scenario} ${name}`, async () => {
          const n = Math.round(calls / SLICES)
          const { rps, cpuUs } = await measure(n, row.batch)
          const sum = spent.get(name) ?? { seconds: 0, cpuUs: 0 }
          spent.set(name, { seconds: sum.seconds + n / rps, cpuUs: sum.cpuUs + cpuUs * n })
        })
      }
    }
    for (const [name, { seconds, cpuUs }] of spent) {
      const n = Math.round(calls / SLICES) * SLICES
      if (!failures.has(`${scenario} ${name}`))
        samplesOf(scenario, name).push({ rps: n / seconds, cpuUs: cpuUs / n })
    }
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done, load average ${loadavg()}\n`)
}

interface Figures {
  readonly rps: number
  readonly cpuUs: number
}
const figures: Record<string, Record<string, Figures | undefined>> = {}
for (const [scenario, { calls, rows }] of Object.entries(scenarios)) {
  const medians: Record<string, Figures | undefined> = {}
  for (const name of Object.keys(rows)) {
    const s = samplesOf(scenario, name)
    medians[name] =
      s.length === 0 ? undefined : { rps: median(s.map((x) => x.rps)), cpuUs: median(s.map((x) => x.cpuUs)) }
  }
  figures[scenario] = medians
  const base = medians[BASELINE]!
  const raw = medians[RAW]!
  console.log(`\n${scenario}: ${calls} calls per row per round`)
  console.log(
    table(
      Object.keys(rows).map((name) => {
        const f = medians[name]
        const missing =
          (rows[name] as { missing?: string }).missing ?? failures.get(`${scenario} ${name}`) ?? ""
        const row: Record<string, string | number> =
          f === undefined
            ? { client: name, "req/s": missing }
            : {
                client: name,
                "req/s": Math.round(f.rps),
                "x openapi-fetch": f.rps / base.rps,
                "x undici": f.rps / raw.rps,
                "CPU us/call": f.cpuUs,
                "CPU x openapi-fetch": f.cpuUs / base.cpuUs,
                "CPU x undici": f.cpuUs / raw.cpuUs,
                "rounds (req/s)": samplesOf(scenario, name)
                  .map((x) => Math.round(x.rps))
                  .join(" "),
              }
        return row
      }),
    ),
  )
}

// What one middleware costs: the extra CPU per call of its row, beside the WHATWG Request it
// must be handed, built alone (as Keyway builds it: the URL, the method and body, then the
// call's headers), 20,000 at a time, median of 5.
const requestAlone = (method: string, withBody: boolean) => {
  const url = `${server.url}/pets`
  const headers: Record<string, string> = {
    authorization: AUTHORIZATION,
    "x-correlation-id": crypto.randomUUID(),
    ...(withBody ? { "content-type": "application/json" } : {}),
  }
  const bytes = new TextEncoder().encode(body)
  const build = () => {
    const r = withBody ? new Request(url, { method, body: bytes }) : new Request(url)
    for (const name in headers) r.headers.set(name, headers[name]!)
    return r
  }
  const runs: Array<number> = []
  for (let round = 0; round < 6; round++) {
    const cpu = process.cpuUsage()
    for (let i = 0; i < 20_000; i++) build()
    const used = process.cpuUsage(cpu)
    if (round > 0) runs.push((used.user + used.system) / 20_000)
  }
  return median(runs)
}
const middlewareCost = Object.keys(scenarios).map((scenario) => {
  const f = figures[scenario]!
  const extra = f[KEYWAY_MIDDLEWARE] && f[KEYWAY] ? f[KEYWAY_MIDDLEWARE]!.cpuUs - f[KEYWAY]!.cpuUs : undefined
  return {
    scenario,
    "keyway CPU us/call": f[KEYWAY]?.cpuUs,
    "+ 1 middleware, extra CPU us/call": extra,
    "its Request built alone, CPU us": requestAlone(scenario, scenario !== "GET"),
  }
})
console.log(
  "\nwhat one middleware costs: its extra CPU per call, beside the WHATWG Request it is handed, built alone",
)
console.log(table(middlewareCost))

// ---- 2. token refresh under load ----------------------------------------------------------------

const tokenAuth = (provider: string) =>
  ClientCredentials.layer({
    provider,
    tokenUrl: `${server.url}/token?ttl=${TOKEN_TTL_S}&delay=${TOKEN_DELAY_MS}`,
    clientId: "bench",
    clientSecret: Redacted.make("bench-secret"),
  })
const tokenRows: Record<string, () => { one: () => Promise<unknown>; close: () => Promise<void> }> = {
  [KEYWAY]: () => {
    const client = Client.make<paths>({
      provider: "bench-cc",
      baseUrl: server.url,
      auth: tokenAuth("bench-cc"),
      correlation,
    })
    return { one: async () => ok((await client.GET("/pets")).data), close: () => client.close() }
  },
  [KEYWAY_EFFECT]: () => {
    const runtime = effectRuntime(tokenAuth("bench-cc-effect"), "bench-cc-effect")
    return {
      one: () => runtime.runPromise(Api.use((api) => api.GET("/pets"))),
      close: () => runtime.dispose(),
    }
  },
}
const tokenSamples: Record<
  string,
  Array<{ tokenRequests: number; expired: number; p50: number; p99: number; max: number; waited: number }>
> = Object.fromEntries(Object.keys(tokenRows).map((n) => [n, []]))
for (let round = 0; round < TOKEN_ROUNDS; round++) {
  const names = Object.keys(tokenRows)
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length]!
    await attempt(`token ${name}`, async () => {
      const client = tokenRows[name]!()
      await stats(true)
      const latencies = await paced(TOKEN_CALLS, CONCURRENCY, TOKEN_SPAN_MS, client.one).finally(client.close)
      const counted = await stats()
      tokenSamples[name]!.push({
        ...counted,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
        waited: latencies.filter((ms) => ms >= TOKEN_DELAY_MS / 2).length,
      })
    })
  }
}
const tokenFigures = Object.fromEntries(
  Object.entries(tokenSamples).map(([name, s]) => [
    name,
    {
      tokenRequests: median(s.map((x) => x.tokenRequests)),
      expired: median(s.map((x) => x.expired)),
      p50: median(s.map((x) => x.p50)),
      p99: median(s.map((x) => x.p99)),
      max: median(s.map((x) => x.max)),
      waited: median(s.map((x) => x.waited)),
    },
  ]),
)
console.log(
  `\ntoken refresh under load: ${TOKEN_CALLS} GETs paced over ${TOKEN_SPAN_MS / 1000} s, at most ${CONCURRENCY} in flight, client credentials; tokens live ${TOKEN_TTL_S} s (${TOKEN_SPAN_MS / 1000 / TOKEN_TTL_S} lifetimes: ${Math.floor(TOKEN_SPAN_MS / 1000 / TOKEN_TTL_S)} expiries, so at least ${Math.ceil(TOKEN_SPAN_MS / 1000 / TOKEN_TTL_S)} tokens), the token endpoint answers in ${TOKEN_DELAY_MS} ms; medians of ${TOKEN_ROUNDS} round(s)`,
)
console.log(
  table(
    Object.entries(tokenFigures).map(
      ([name, f]): Record<string, string | number> =>
        failures.has(`token ${name}`)
          ? { client: name, "token requests": failures.get(`token ${name}`)! }
          : {
              client: name,
              "token requests": f.tokenRequests,
              "401 (expired token sent)": f.expired,
              "p50 ms": f.p50,
              "p99 ms": f.p99,
              "max ms": f.max,
              [`calls >= ${TOKEN_DELAY_MS / 2} ms`]: f.waited,
              "rounds (tokens)": tokenSamples[name]!.map((x) => x.tokenRequests).join(" "),
            },
    ),
  ),
)

// ---- 3. heap growth ----------------------------------------------------------------------------

const gc = (globalThis as { gc?: () => void }).gc
const heap = () => {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}
const keywayGet = (scenarios.GET!.rows[KEYWAY] as { batch: Batch }).batch
await keywayGet(HEAP_FROM)
const heapFrom = heap()
await keywayGet(HEAP_TO - HEAP_FROM)
const heapTo = heap()
const growthMb = (heapTo - heapFrom) / 1024 / 1024
console.log(
  `\nheap (Keyway Promise API, GET): after ${HEAP_FROM} calls ${(heapFrom / 1048576).toFixed(1)} MB, after ${HEAP_TO} ${(heapTo / 1048576).toFixed(1)} MB: growth ${growthMb.toFixed(2)} MB${gc ? " (after GC)" : " (no --expose-gc: not after GC, imprecise)"}`,
)

// ---- 4. targets ----------------------------------------------------------------------------------

const ratio = (scenario: string, a: string, b: string) => {
  const x = figures[scenario]![a]
  const y = figures[scenario]![b]
  return x === undefined || y === undefined ? undefined : x.rps / y.rps
}
const targets = [
  ...Object.keys(scenarios).flatMap((s) => [
    target(`${s}: keyway / openapi-fetch over undici`, ratio(s, KEYWAY, HAND_WIRED), "at least", 1.0, "x"),
    target(`${s}: keyway / raw undici`, ratio(s, KEYWAY, RAW), "at least", 0.6, "x"),
    target(
      `${s}: keyway + 1 middleware / keyway`,
      ratio(s, KEYWAY_MIDDLEWARE, KEYWAY),
      "at least",
      0.9,
      "x",
      NO_USE,
    ),
  ]),
  target(
    "GET: throttle overhead (1 - keyway+throttle / keyway)",
    1 - ratio("GET", KEYWAY_THROTTLE, KEYWAY)!,
    "at most",
    0.05,
  ),
  target(`heap growth ${HEAP_FROM} -> ${HEAP_TO} calls`, growthMb, "at most", 2, " MB"),
]
const loadAfter = loadavg()
console.log(`\ntargets (the benchmark does not fail on them); load average ${loadAfter}`)
console.log(table(targets.map((t) => ({ ...t }))))

const file = writeResults("http", {
  date: new Date().toISOString(),
  command: `pnpm bench${quick ? " --quick" : ""}`,
  node: process.version,
  cpus: Os.cpus().length,
  loadavg: { before: loadBefore, after: loadAfter },
  concurrency: CONCURRENCY,
  rounds: ROUNDS,
  scenarios: Object.fromEntries(
    Object.entries(scenarios).map(([name, { calls, rows }]) => [
      name,
      {
        calls,
        medians: figures[name],
        samples: Object.fromEntries(Object.keys(rows).map((row) => [row, samplesOf(name, row)])),
        missing: Object.fromEntries(
          Object.entries(rows).flatMap(([row, r]) => ("missing" in r ? [[row, r.missing]] : [])),
        ),
        ratios: Object.fromEntries(
          Object.keys(rows).map((row) => [
            row,
            { vsOpenapiFetch: ratio(name, row, BASELINE), vsUndici: ratio(name, row, RAW) },
          ]),
        ),
      },
    ]),
  ),
  tokenRefresh: {
    calls: TOKEN_CALLS,
    spanMs: TOKEN_SPAN_MS,
    tokenTtlSeconds: TOKEN_TTL_S,
    tokenEndpointDelayMs: TOKEN_DELAY_MS,
    rounds: TOKEN_ROUNDS,
    medians: tokenFigures,
    samples: tokenSamples,
  },
  middlewareCost,
  failures: Object.fromEntries(failures),
  heap: { from: HEAP_FROM, to: HEAP_TO, heapFrom, heapTo, growthMb, afterGc: gc !== undefined },
  targets,
})
console.log(`written ${Path.relative(Path.join(import.meta.dirname, ".."), file)}`)
await close()
