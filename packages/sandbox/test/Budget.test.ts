import { afterEach, describe, expect, it } from "vitest"
import { Budget, startCcwSandbox, startCultureAmpSandbox, startWorkableSandbox } from "../src/index.ts"
import { call } from "./Helpers.ts"

const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop()
})

describe("Budget (token bucket)", () => {
  it("lets `burst` calls through at once, then one per interval, with headers", () => {
    const budget = new Budget({ limit: 5, window: 1, burst: 2, headers: "x-ratelimit" })
    expect(budget.take(0)).toMatchObject({ allowed: true, headers: { "x-ratelimit-remaining": "1" } })
    expect(budget.take(0).allowed).toBe(true)
    const refused = budget.take(100)
    expect(refused.allowed).toBe(false)
    expect(refused.retryAfter).toBe(1)
    expect(refused.headers).toMatchObject({ "x-ratelimit-limit": "5", "x-ratelimit-remaining": "0" })
    expect(budget.take(300).allowed).toBe(true) // 200 ms per call at 5/s
    expect(budget.take(310).allowed).toBe(false)
  })

  it("speaks the IETF draft's RateLimit-Policy and RateLimit", () => {
    const budget = new Budget({ limit: 10, window: 2, headers: "ietf" })
    expect(budget.take(0).headers).toEqual({
      "ratelimit-policy": '"default";q=10;w=2',
      ratelimit: '"default";r=9;t=1',
    })
  })

  it("rejects a bad spec", () => {
    expect(() => new Budget({ limit: 0 })).toThrow(/limit/)
    expect(() => new Budget({ limit: 1, status: 500 as 429 })).toThrow(/status/)
  })
})

describe("sandboxes enforce budgets on API routes", () => {
  it("CCW: its polite rate (10/s, bursts of 10), 429 without Retry-After above it", async () => {
    const sb = await startCcwSandbox({ budget: true })
    stops.push(sb.stop)
    const url = `${sb.baseUrl}/API/candidates/search`
    const answers = await Promise.all(Array.from({ length: 14 }, () => call(url, { method: "POST" })))
    const limited = answers.filter((a) => a.status === 429)
    expect(limited.length).toBeGreaterThanOrEqual(3)
    expect(limited.length).toBeLessThanOrEqual(4)
    expect(limited[0]!.headers.get("retry-after")).toBeNull()
    expect(limited[0]!.body.error_code).toBe("E4290000")
    expect(sb.counters().totals.rateLimited).toBe(limited.length)
    // below the budget the call goes on to the API's own checks (here: no token, 401)
    expect(answers.filter((a) => a.status === 401).length).toBe(14 - limited.length)
  })

  it("Culture Amp: 429 with Retry-After by default, 503 without when told so", async () => {
    const sb = await startCultureAmpSandbox({ budget: true })
    stops.push(sb.stop)
    const url = `${sb.baseUrl}/employees`
    const answers = await Promise.all(Array.from({ length: 12 }, () => call(url)))
    const limited = answers.filter((a) => a.status === 429)
    expect(limited.length).toBeGreaterThanOrEqual(1)
    expect(limited[0]!.headers.get("retry-after")).toBe("1")
    sb.control.apply({ budget: { limit: 1, window: 1, burst: 1, status: 503, retryAfter: false } })
    const [, second] = [await call(url), await call(url)]
    expect(second!.status).toBe(503)
    expect(second!.headers.get("retry-after")).toBeNull()
    sb.control.apply({ budget: null })
    expect((await call(url)).status).not.toBe(503)
  })

  it("Workable: X-Rate-Limit-* on every API response, 50 per 10-second interval", async () => {
    const sb = await startWorkableSandbox({ budget: true })
    stops.push(sb.stop)
    const first = await call(`${sb.baseUrl}/jobs`)
    expect(first.headers.get("x-rate-limit-limit")).toBe("50")
    const remaining = Number(first.headers.get("x-rate-limit-remaining"))
    expect(remaining).toBeLessThanOrEqual(49)
    const reset = Number(first.headers.get("x-rate-limit-reset"))
    expect(reset * 1000).toBeGreaterThan(Date.now())
    expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 10_000)
    // Spend the interval (unless it just turned over, which the count tolerates).
    const rest = await Promise.all(Array.from({ length: 60 }, () => call(`${sb.baseUrl}/jobs`)))
    const limited = rest.filter((a) => a.status === 429)
    expect(limited.length).toBeGreaterThanOrEqual(10)
    expect(limited[0]!.headers.get("x-rate-limit-remaining")).toBe("0")
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
  })
})
