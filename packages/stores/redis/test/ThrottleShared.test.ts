// The throttle measured across processes: 4 processes share one budget of N calls/s through
// Redis against the CCW sandbox, which answers 429 above N (a token bucket of N/s, 10 deep).
// Throttle on: no 429 and at least 0.95 N calls/s achieved. Throttle off: the sandbox's 429s.
import { execFile } from "node:child_process"
import * as Path from "node:path"
import { promisify } from "node:util"
import { type CcwSandbox, startCcwSandbox } from "@keyway/sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { useRedis } from "./redis.ts"

const run = promisify(execFile)
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
  const startAt = Date.now() + 2_500 // the processes start, load and fetch their token meanwhile
  const config = {
    baseUrl: sandbox.baseUrl,
    tokenUrl: sandbox.urls.tokenUrl,
    clientId: sandbox.credentials.clientId,
    clientSecret: sandbox.credentials.clientSecret,
    redisUrl: redis.url,
    prefix,
    throttle,
    concurrency: 4,
    startAt,
    endAt: startAt + WINDOW_MS,
  }
  const script = Path.join(import.meta.dirname, "throttle-worker.ts")
  const before = sandbox.counters().totals
  const outputs = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      run(
        process.execPath,
        [
          "--conditions=@keyway/source",
          "--disable-warning=ExperimentalWarning",
          script,
          JSON.stringify(config),
        ],
        { timeout: 20_000 },
      ),
    ),
  )
  const after = sandbox.counters().totals
  const reports = outputs.map((o) => JSON.parse(o.stdout.trim().split("\n").at(-1)!) as Report)
  const ok = reports.reduce((n, r) => n + r.okInWindow, 0)
  return {
    rate: ok / (WINDOW_MS / 1000),
    rateLimited: after.rateLimited - before.rateLimited,
    statuses: reports.map((r) => r.statuses),
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
