// The throttle measured across processes: 4 processes share one budget of N calls/s through
// Redis against the CCW sandbox, which answers 429 above N (a token bucket of N/s, 10 deep).
// Throttle on: no 429 and at least 0.95 N calls/s achieved. Throttle off: the sandbox's 429s.
import { type ChildProcess, fork } from "node:child_process"
import * as Path from "node:path"
import { type CcwSandbox, startCcwSandbox } from "@keyway/sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useRedis } from "./redis.ts"

const redis = useRedis()
const N = 20
const PROCESSES = 4
const WINDOW_MS = 2_000

let sandbox: CcwSandbox
beforeAll(async () => {
  sandbox = await startCcwSandbox({
    budget: { limit: N, window: 1, burst: 10, status: 429, retryAfter: false },
  })
})
afterAll(() => sandbox.stop())

interface Report {
  readonly statuses: Record<string, number>
  readonly okInWindow: number
}

const measure = async (throttle: false | { rate: number; burst: number }, prefix: string) => {
  const config = {
    baseUrl: sandbox.baseUrl,
    tokenUrl: sandbox.urls.tokenUrl,
    clientId: sandbox.credentials.clientId,
    clientSecret: sandbox.credentials.clientSecret,
    redisUrl: redis.url,
    prefix,
    throttle,
    concurrency: 4,
  }
  const script = Path.join(import.meta.dirname, "throttle-worker.ts")
  const workers: Array<ChildProcess> = Array.from({ length: PROCESSES }, () =>
    fork(script, [JSON.stringify(config)], {
      execArgv: ["--conditions=@keyway/source", "--disable-warning=ExperimentalWarning"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  )
  const next = (worker: ChildProcess) =>
    new Promise<unknown>((resolve, reject) => {
      worker.once("message", resolve)
      worker.once("exit", (code) => reject(new Error(`worker exited with ${code}`)))
    })
  try {
    // Every process has loaded and holds its token before the window opens.
    await Promise.all(workers.map(next))
    const startAt = Date.now() + 300
    const before = sandbox.counters().totals
    const answers = workers.map(next)
    for (const worker of workers) worker.send({ startAt, endAt: startAt + WINDOW_MS })
    const reports = (await Promise.all(answers)) as Array<Report>
    const after = sandbox.counters().totals
    const ok = reports.reduce((n, r) => n + r.okInWindow, 0)
    return {
      rate: ok / (WINDOW_MS / 1000),
      rateLimited: after.rateLimited - before.rateLimited,
      statuses: reports.map((r) => r.statuses),
    }
  } finally {
    for (const worker of workers) worker.kill()
  }
}

describe("a budget shared by 4 processes through Redis", () => {
  it("throttle on: 0 429s at >= 0.95 N; off: the sandbox answers 429s", async () => {
    const on = await measure({ rate: N, burst: 1 }, `throttle-on-${Date.now()}`)
    const off = await measure(false, `throttle-off-${Date.now()}`)
    console.log(
      `shared budget N=${N}/s, ${PROCESSES} processes: throttle on ${on.rate.toFixed(1)} calls/s (${(on.rate / N).toFixed(3)} N), ${on.rateLimited} 429s; off ${off.rate.toFixed(1)} calls/s served, ${off.rateLimited} 429s`,
    )
    expect(on.rateLimited).toBe(0)
    expect(on.rate).toBeGreaterThanOrEqual(0.95 * N)
    expect(on.rate).toBeLessThanOrEqual(1.05 * N + 10 / (WINDOW_MS / 1000))
    expect(off.rateLimited).toBeGreaterThan(0)
  }, 60_000)
})
