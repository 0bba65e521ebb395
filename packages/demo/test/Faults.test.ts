/**
 * Fault handling through the generated clients, with faults injected by the sandboxes' control
 * API: 429 with Retry-After, 5xx bursts, connection resets, latency past the attempt timeout, a
 * Retry-After too long to wait, and the retry counts `Client.callInfo` reports.
 */
import { Client, TokenStore } from "@keyway/core"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as CcwScenario from "../src/CcwScenario.ts"
import * as Recorder from "../src/Recorder.ts"
import * as SandboxControl from "../src/SandboxControl.ts"
import * as Scenario from "../src/Scenario.ts"
import * as WorkableScenario from "../src/WorkableScenario.ts"

const settings = Scenario.settings({ phase: "faults" })
let workable: Sandbox<"workable">
let ccw: Sandbox<"ccw">
beforeAll(async () => {
  ;[workable, ccw] = await Promise.all([
    startSandbox("workable", { seed: 3 }),
    startSandbox("ccw", { seed: 3 }),
  ])
})
afterAll(() => Promise.all([workable.stop(), ccw.stop()]))
beforeEach(() => {
  workable.control.reset()
  ccw.control.reset()
})

const workableClient = () =>
  WorkableScenario.client(workable, settings, TokenStore.makeMemory(), {
    auth: { type: "api-token", token: Redacted.make(workable.credentials.apiToken) },
  })
const listJobs = (client: ReturnType<typeof workableClient>) =>
  client.op.listJobs({ params: { query: { limit: 5 } } })
const search = { meta: { limit: 5, offset: 0 }, data: { status: "submitted" } }

describe("faults", () => {
  it("waits out a 429's Retry-After, then succeeds", async () => {
    await using client = workableClient()
    await SandboxControl.apply(workable.urls, {
      fault: { type: "429", retryAfter: 1, times: 1, target: "api" },
    })
    const started = performance.now()
    const { response } = await listJobs(client)
    expect(response.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(950)
    expect(Client.callInfo(response)?.attempts).toBe(2)
    expect(workable.counters().totals).toMatchObject({ calls: 2, faults: 1 })
  })

  it("rides out a burst of three 503s", async () => {
    await using client = workableClient()
    await SandboxControl.apply(workable.urls, {
      fault: { type: "5xx", status: 503, count: 3, times: 3, target: "api" },
    })
    const { response } = await listJobs(client)
    expect(response.status).toBe(200)
    expect(Client.callInfo(response)?.attempts).toBe(4)
    expect(workable.counters().totals).toMatchObject({ calls: 4, faults: 3 })
  })

  it("retries a GET whose connection was reset in the middle of the body", async () => {
    await using client = workableClient()
    await SandboxControl.apply(workable.urls, {
      fault: { type: "reset", when: "mid-body", times: 1, target: "api" },
    })
    const { response, data } = await listJobs(client)
    expect(data?.jobs).toHaveLength(5)
    expect(Client.callInfo(response)?.attempts).toBe(2)
  })

  it("does not repeat a POST the server may have processed, unless it has an idempotency key", async () => {
    await using client = CcwScenario.client(ccw, settings)
    await client.op.searchCandidates({ body: search }) // the token, before the faults
    await SandboxControl.apply(ccw.urls, {
      fault: { type: "reset", when: "mid-body", times: 1, target: "api" },
    })
    const error = await client.op.searchCandidates({ body: search }).catch((e: unknown) => e)
    expect(error).toMatchObject({ _tag: "NetworkError", reachedServer: true })
    expect((error as { correlationId: string }).correlationId.length).toBeLessThanOrEqual(36)

    await SandboxControl.apply(ccw.urls, {
      fault: { type: "reset", when: "mid-body", times: 1, target: "api" },
    })
    const { response } = await client.op.searchCandidates({
      body: search,
      keyway: { idempotencyKey: "search-1" },
    })
    expect(response.status).toBe(200)
    expect(Client.callInfo(response)?.attempts).toBe(2)
  })

  it("retries a POST on 503 with Retry-After (the server says it did nothing)", async () => {
    await using client = CcwScenario.client(ccw, settings)
    await SandboxControl.apply(ccw.urls, {
      fault: { type: "5xx", status: 503, retryAfter: 0, times: 1, target: "api" },
    })
    const { response } = await client.op.searchCandidates({ body: search })
    expect(response.status).toBe(200)
    expect(Client.callInfo(response)?.attempts).toBe(2)
  })

  it("fails fast with RateLimited when Retry-After is longer than the policy allows", async () => {
    await using client = workableClient()
    await SandboxControl.apply(workable.urls, {
      fault: { type: "429", retryAfter: 30, times: 1, target: "api" },
    })
    const started = performance.now()
    const error = await listJobs(client).catch((e: unknown) => e)
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(error).toMatchObject({ _tag: "RateLimited", status: 429, retryAfterMs: 30_000 })
  })

  it("gives up an attempt that is too slow and tries again", async () => {
    await using client = workableClient()
    await SandboxControl.apply(workable.urls, {
      fault: { type: "latency", ms: 400, times: 1, target: "api" },
    })
    const { response } = await client.op.listJobs({
      params: { query: { limit: 5 } },
      keyway: { timeoutMs: 150 },
    })
    expect(response.status).toBe(200)
    expect(Client.callInfo(response)?.attempts).toBe(2)
  })

  it("counts one retry per injected fault, as the sandbox counts them", async () => {
    const recorder = Recorder.make()
    await using client = recorder.instrument(workableClient())
    const profile = SandboxControl.faultProfile(0.45).filter((f) => f.type !== "latency")
    await SandboxControl.apply(workable.urls, { faults: [...profile] })
    const jobs = await Array.fromAsync(client.paginate.listJobs({ params: { query: { limit: 10 } } }))
    for (let i = 0; i < 10; i++)
      Scenario.data(await client.op.getJob({ params: { path: { shortcode: String(jobs[i]?.shortcode) } } }))
    expect(jobs).toHaveLength(130)
    const counted = workable.counters().totals
    expect(counted.faults).toBeGreaterThan(0)
    expect(recorder.retries()).toBe(counted.faults)
    expect(counted.calls).toBe(recorder.calls.length + recorder.retries())
  })
})
