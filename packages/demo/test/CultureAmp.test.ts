/**
 * Culture Amp end to end through @keyway/provider-cultureamp against its sandbox: client
 * credentials (form body, Basic header), the `target-entity:{entityId}:{permissions}` scope in
 * the JWT, one token per permission set, cursor and next-path pagination across pages, expiry,
 * and the Effect layer.
 */
import { Client, TokenStore } from "@keyway/core"
import * as CultureAmpEffect from "@keyway/provider-cultureamp/effect"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { Effect, Layer, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as CultureAmpScenario from "../src/CultureAmpScenario.ts"
import * as Scenario from "../src/Scenario.ts"

const settings = Scenario.settings({ phase: "clean" })
let sb: Sandbox<"cultureamp">
beforeAll(async () => {
  sb = await startSandbox("cultureamp")
})
afterAll(() => sb.stop())
beforeEach(() => sb.control.reset())

describe("cultureamp", () => {
  it("asks for a JWT scoped to the entity and the operation's permission", async () => {
    const store = TokenStore.makeMemory()
    await using ca = CultureAmpScenario.client(sb, settings, store)
    Scenario.data(await ca.op.listEmployees())
    const claims = await CultureAmpScenario.claims(store, ["employees-read"])
    expect(claims).toMatchObject({
      scope: `target-entity:${sb.credentials.entityId}:employees-read`,
      permissions: ["employees-read"],
      sub: sb.credentials.clientId,
    })
    // Another permission, another token; the first one is reused.
    const cycles = Scenario.data(await ca.op.listPerformanceCycles())
    Scenario.data(await ca.op.getPerformanceCycle({ params: { path: { id: String(cycles.data?.[0]?.id) } } }))
    Scenario.data(await ca.op.listEmployees())
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 2, calls: 4 })
    const second = await CultureAmpScenario.claims(store, ["performance-evaluations-read"])
    expect(second?.scope).toBe(`target-entity:${sb.credentials.entityId}:performance-evaluations-read`)
  })

  it("follows the cursor (pagination.afterKey) across 3 pages of employees", async () => {
    await using ca = CultureAmpScenario.client(sb, settings)
    const employees = await Array.fromAsync(ca.paginate.listEmployees())
    expect(employees).toHaveLength(250)
    expect(new Set(employees.map((e) => e.id)).size).toBe(250)
    expect(sb.counters().totals.calls).toBe(3)
  })

  it("follows pagination.nextPath across the pages of survey responses, and 5 pages of reviews", async () => {
    await using ca = CultureAmpScenario.client(sb, settings)
    const surveyId = String(Scenario.data(await ca.op.listSurveys()).data?.[0]?.id)
    const before = sb.counters().totals.calls
    const responses = await Array.fromAsync(
      ca.paginate.listSurveyResponses({ params: { path: { id: surveyId } } }),
    )
    expect(responses).toHaveLength(120)
    expect(sb.counters().totals.calls - before).toBe(2)
    const reviews = await Array.fromAsync(ca.paginate.listManagerReviews())
    expect(reviews).toHaveLength(500)
    expect(sb.counters().totals.calls - before).toBe(7)
  })

  it("gets a new JWT once the old one expired on the sandbox clock", async () => {
    await using ca = CultureAmpScenario.client(sb, settings)
    Scenario.data(await ca.op.listEmployees())
    sb.control.advanceClock(3_600)
    const { response } = await ca.op.listEmployees()
    expect(response.status).toBe(200)
    expect(Client.callInfo(response)?.refreshed).toBe(true)
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 2, calls: 3 })
  })

  it("answers 403 with the typed error when the client lacks a permission", async () => {
    await using ca = CultureAmpScenario.client(sb, settings, TokenStore.makeMemory())
    // A call that names a permission the operation does not need gets a token without the right one.
    const { response, error } = await ca.op.listEmployees({ keyway: { scopes: ["surveys-read"] } })
    expect(response.status).toBe(403)
    expect(error).toMatchObject({ code: 403 })
  })

  it("works through the Effect layer", async () => {
    const program = Effect.gen(function* () {
      const ca = yield* CultureAmpEffect.CultureampClient
      const page = yield* ca.op.listEmployees()
      const employee = yield* ca.op.getEmployee({ params: { path: { id: String(page.data?.[0]?.id) } } })
      return employee
    }).pipe(
      Effect.provide(
        CultureAmpEffect.layer({
          entityId: sb.credentials.entityId,
          baseUrl: sb.baseUrl,
          tokenUrl: sb.urls.tokenUrl!,
          auth: {
            clientId: sb.credentials.clientId,
            clientSecret: Redacted.make(sb.credentials.clientSecret),
          },
          layer: Layer.mergeAll(settings.layer),
        }),
      ),
    )
    const employee = await Effect.runPromise(program)
    expect(employee.data?.id ?? (employee as { id?: string }).id).toBeDefined()
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 1, calls: 2 })
  })
})
