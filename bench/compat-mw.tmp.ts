import { spawn } from "node:child_process"
import { loadavg } from "node:os"
import { Auth, Client, Http } from "@keyway/core"
import { Effect, Layer } from "effect"
import { median } from "./Stats.ts"

interface paths {
  "/pets": { get: { parameters: {}; responses: { 200: { content: { "application/json": Array<{ id: number }> } } } } }
}
const CALLS = Number(process.env.BENCH_CALLS ?? 10_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const CONCURRENCY = 32
const child = spawn(process.execPath, [new URL("./server.ts", import.meta.url).pathname], { stdio: ["ignore", "pipe", "inherit"] })
const port = await new Promise<number>((r) => child.stdout.once("data", (d: Buffer) => r(Number(d.toString().trim()))))
const url = `http://127.0.0.1:${port}`
const bearer = Layer.succeed(Auth.Auth, Auth.make({ name: "static", authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", "Bearer bench")) }))
const opts = { provider: "bench", baseUrl: url, auth: bearer, correlation: { header: "X-Correlation-id" } }
const plain = Client.make<paths>(opts)
const mw = Client.make<paths>({ ...opts, provider: "bench-mw" })
mw.use({ onRequest: ({ request }) => request })
const run = async (one: () => Promise<unknown>, calls: number) => {
  let next = 0
  const t = performance.now()
  const cpu = process.cpuUsage()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next++ < calls) await one() }))
  const used = process.cpuUsage(cpu)
  return { rps: calls / ((performance.now() - t) / 1000), cpu: (used.user + used.system) / calls }
}
const clients: Record<string, () => Promise<unknown>> = {
  keyway: async () => { const { data } = await plain.GET("/pets"); if (!data) throw new Error("no data") },
  "keyway+1 middleware": async () => { const { data } = await mw.GET("/pets"); if (!data) throw new Error("no data") },
}
for (const one of Object.values(clients)) await run(one, 2000)
const rps: Record<string, number[]> = { keyway: [], "keyway+1 middleware": [] }
const cpu: Record<string, number[]> = { keyway: [], "keyway+1 middleware": [] }
const names = Object.keys(clients)
for (let i = 0; i < ROUNDS; i++) for (const n of i % 2 ? [...names].reverse() : names) { const r = await run(clients[n]!, CALLS); rps[n]!.push(r.rps); cpu[n]!.push(r.cpu) }
for (const n of names) console.log(n, Math.round(median(rps[n]!)), "req/s", median(cpu[n]!).toFixed(1), "us cpu/call", rps[n]!.map(Math.round).join(" "))
console.log("ratio rps", (median(rps["keyway+1 middleware"]!) / median(rps.keyway!)).toFixed(3), "cpu ratio", (median(cpu.keyway!) / median(cpu["keyway+1 middleware"]!)).toFixed(3), "loadavg", loadavg().map((l) => l.toFixed(2)).join(" "))
await plain.close(); await mw.close(); child.kill("SIGTERM")
