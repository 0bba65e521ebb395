/**
 * CCW end to end through @keyway/provider-ccw against its sandbox: client credentials with a JSON
 * body and the `client_credential` grant, a token per scope set, the X-Correlation-id quirk,
 * offset pagination in the body, expiry, and the Effect API with the typed error envelope.
 */
import { Client, Pagination } from "@keyway/core"
import * as Ccw from "@keyway/provider-ccw"
import * as CcwEffect from "@keyway/provider-ccw/effect"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as CcwScenario from "../src/CcwScenario.ts"
import * as Scenario from "../src/Scenario.ts"

const settings = Scenario.settings({ phase: "clean" })
let sb: Sandbox<"ccw">
beforeAll(async () => {
  sb = await startSandbox("ccw")
})
afterAll(() => sb.stop())
beforeEach(() => sb.control.reset())

const submitted = { meta: { limit: 50, offset: 0 }, data: { status: "submitted" } }

describe("ccw", () => {
  it("gets a token with the client credentials and sends a correlation id of at most 36 characters", async () => {
    await using ccw = CcwScenario.client(sb, settings)
    const { data, response } = await ccw.op.searchCandidates({
      body: { ...submitted, meta: { limit: 5, offset: 0 } },
    })
    expect(response.status).toBe(200)
    expect(data?.data).toHaveLength(5)
    expect(data?.meta?.total).toBeGreaterThan(50)
    const info = Client.callInfo(response)!
    expect(info.attempts).toBe(1)
    expect(info.correlationId.length).toBeGreaterThan(0)
    expect(info.correlationId.length).toBeLessThanOrEqual(36)
    expect(response.headers.get("x-correlation-id")).toBe(info.correlationId)
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 1, calls: 1 })
  })

  it("sends the caller's own correlation id, and refuses one over 36 characters before any request", async () => {
    await using ccw = CcwScenario.client(sb, settings)
    const mine = "order-4711-sync"
    const { response } = await ccw.op.searchCandidates({ body: submitted, keyway: { correlationId: mine } })
    expect(response.headers.get("x-correlation-id")).toBe(mine)
    const calls = sb.counters().totals.calls
    await expect(
      ccw.op.searchCandidates({ body: submitted, keyway: { correlationId: "x".repeat(37) } }),
    ).rejects.toMatchObject({ _tag: "ConfigError" })
    expect(sb.counters().totals.calls).toBe(calls)
  })

  it("caches one token per scope set", async () => {
    await using ccw = CcwScenario.client(sb, settings)
    for (let i = 0; i < 3; i++) await ccw.op.searchCandidates({ body: submitted })
    await ccw.op.searchContingentWorkers({
      body: { meta: { limit: 10, offset: 0 }, data: { status: "active" } },
    })
    await ccw.op.searchContingentWorkers({
      body: { meta: { limit: 10, offset: 0 }, data: { status: "active" } },
    })
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 2, calls: 5 })
  })

  it("pages with meta.offset through the generated paginator and through Pagination.iterate (3 pages)", async () => {
    await using ccw = CcwScenario.client(sb, settings)
    const candidates = await Array.fromAsync(ccw.paginate.searchCandidates({ body: submitted }))
    expect(candidates.length).toBeGreaterThan(50)
    expect(new Set(candidates.map((c) => c.id)).size).toBe(candidates.length)
    expect(sb.counters().totals.calls).toBe(2)

    const before = sb.counters().totals.calls
    const workers = await Array.fromAsync(
      Pagination.iterate(
        ccw,
        "POST",
        "/API/contingent_workers",
        { body: { data: { status: "active" } } },
        { ...Ccw.descriptor.pagination[0], pageSize: CcwScenario.workerPageSize },
      ),
    )
    expect(workers).toHaveLength(48)
    expect(sb.counters().totals.calls - before).toBe(3)
  })

  it("gets a new token when the sandbox clock passes the first one's expiry", async () => {
    await using ccw = CcwScenario.client(sb, settings)
    await ccw.op.searchCandidates({ body: submitted })
    sb.control.advanceClock(3_601)
    const { response } = await ccw.op.searchCandidates({ body: submitted })
    expect(response.status).toBe(200)
    expect(Client.callInfo(response)?.refreshed).toBe(true)
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 2, calls: 3 })
  })

  it("fails with InvalidClient on a wrong secret, without retrying", async () => {
    await using ccw = CcwScenario.client(sb, settings, {
      auth: { clientId: sb.credentials.clientId, clientSecret: Redacted.make("wrong") },
    })
    const error = await ccw.op.searchCandidates({ body: submitted }).catch((e: unknown) => e)
    expect(error).toMatchObject({ _tag: "InvalidClient", provider: "ccw", status: 401 })
    expect(String(error)).not.toContain("wrong")
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 1, calls: 0 })
  })

  it("works through the Effect layer, failing with the typed error envelope", async () => {
    const program = Effect.gen(function* () {
      const ccw = yield* CcwEffect.CcwClient
      const page = yield* ccw.op.searchCandidates({ body: { ...submitted, meta: { limit: 2, offset: 0 } } })
      const missing = yield* Effect.flip(
        ccw.op.confirmCandidate({ params: { path: { id: "no-such-candidate" } } }),
      )
      return { page, missing }
    }).pipe(
      Effect.provide(
        CcwEffect.layer({
          baseUrl: sb.baseUrl,
          tokenUrl: sb.urls.tokenUrl!,
          auth: { clientId: sb.credentials.clientId, clientSecret: sb.credentials.clientSecret },
          headers: { "Content-Type": "application/json" },
          layer: settings.layer,
        }),
      ),
    )
    const { page, missing } = await Effect.runPromise(program)
    expect(page.data).toHaveLength(2)
    expect(missing._tag).toBe("HttpError")
    if (missing._tag !== "HttpError") return
    expect(missing.status).toBe(404)
    expect(missing.body.error_code).toBe("E4040000")
    expect(missing.correlationId.length).toBeLessThanOrEqual(36)
  })
})
