/**
 * Workable end to end through @keyway/provider-workable against its sandbox: consent by a
 * scripted user agent (resource=user, `+`-joined scopes), paging.next across pages, refresh with
 * rotation, revocation through `client.release()` after which a refresh with the revoked grant
 * fails with ReauthorizationRequired, scopes, and the API token strategy.
 */
import { Client, TokenStore } from "@keyway/core"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Consent from "../src/Consent.ts"
import * as Scenario from "../src/Scenario.ts"
import * as UserAgent from "../src/UserAgent.ts"
import * as WorkableScenario from "../src/WorkableScenario.ts"

const settings = Scenario.settings({ phase: "clean" })
let sb: Sandbox<"workable">
beforeAll(async () => {
  sb = await startSandbox("workable")
})
afterAll(() => sb.stop())
beforeEach(() => sb.control.reset())

const connected = async () => {
  const store = TokenStore.makeMemory()
  const config = WorkableScenario.consentConfig(sb)
  const stored = await Consent.run(config, store)
  return { store, config, stored }
}

describe("workable authorization code", () => {
  it("sends resource=user and +-joined scopes to the authorize endpoint", async () => {
    const { AuthorizationCode } = await import("@keyway/auth-authorization-code")
    const start = AuthorizationCode.consent(WorkableScenario.consentConfig(sb)).authorizeUrl({
      redirectUri: "http://127.0.0.1:9/cb",
    })
    expect(start.url).toContain("resource=user")
    expect(start.url).toContain("scope=r_jobs+r_candidates+w_candidates")
    const callback = await UserAgent.authorize(start.url)
    expect(callback.searchParams.get("state")).toBe(start.state)
    expect(callback.searchParams.get("code")).toBeTruthy()
  })

  it("pages through paging.next: 130 jobs in 3 pages of 50, 400 candidates in several pages", async () => {
    const { store } = await connected()
    await using workable = WorkableScenario.client(sb, settings, store)
    const jobs = await Array.fromAsync(workable.paginate.listJobs({ params: { query: { limit: 50 } } }))
    expect(jobs).toHaveLength(130)
    expect(new Set(jobs.map((j) => j.shortcode)).size).toBe(130)
    expect(sb.counters().totals.calls).toBe(3)
    const candidates = await Array.fromAsync(workable.paginate.listCandidates())
    expect(candidates).toHaveLength(400)
    expect(new Set(candidates.map((c) => c.id)).size).toBe(400)
    // At least 4 pages (100 a page is the most Workable gives).
    expect(sb.counters().totals.calls - 3).toBeGreaterThanOrEqual(4)
  })

  it("refreshes after expiry and rotates the pair; the new refresh token is stored first", async () => {
    const { store, config, stored } = await connected()
    await using workable = WorkableScenario.client(sb, settings, store)
    Scenario.data(await workable.op.listJobs({ params: { query: { limit: 1 } } }))
    sb.control.advanceClock(7_201)
    const { response } = await workable.op.listJobs({ params: { query: { limit: 1 } } })
    expect(response.status).toBe(200)
    expect(Client.callInfo(response)?.refreshed).toBe(true)
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 2, refreshes: 1 })
    const rotated = await Consent.stored(store, config)
    expect(Consent.reveal(rotated?.refreshToken)).not.toBe(Consent.reveal(stored.refreshToken))
    expect(Consent.reveal(rotated?.accessToken)).not.toBe(Consent.reveal(stored.accessToken))
  })

  it("revokes on release(); a refresh with the revoked grant then fails with ReauthorizationRequired", async () => {
    const { store, config } = await connected()
    const workable = WorkableScenario.client(sb, settings, store)
    Scenario.data(await workable.op.listJobs({ params: { query: { limit: 1 } } }))
    // Another process kept a copy of the grant (say, a second store replica).
    const copy = await Consent.stored(store, config)
    await workable.release()
    await workable.close()
    expect(sb.counters().totals.revocations).toBe(1)
    expect(await Consent.stored(store, config)).toBeUndefined()

    const replica = TokenStore.makeMemory()
    const key = TokenStore.key({ provider: "workable", connection: "default", scopes: config.requestScopes! })
    await Effect.runPromise(replica.compareAndSet(key, undefined, copy))
    await using other = WorkableScenario.client(sb, settings, replica)
    // The revoked access token gets a 401; the refresh with the revoked refresh token gets 401.
    const error = await other.op.listJobs({ params: { query: { limit: 1 } } }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      _tag: "ReauthorizationRequired",
      provider: "workable",
      connection: "default",
    })
    expect(sb.counters().totals.refreshes).toBe(1)
    expect((await Effect.runPromise(replica.get(key)))?.needsReauthorization).toBeDefined()
  })

  it("answers 403 for an endpoint outside the granted scopes", async () => {
    const { store } = await connected()
    await using workable = WorkableScenario.client(sb, settings, store)
    const { response, error } = await workable.op.listRequisitions()
    expect(response.status).toBe(403)
    expect(error).toBeDefined()
  })
})

describe("workable api token", () => {
  it("makes typed calls with the static API token", async () => {
    await using workable = WorkableScenario.client(sb, settings, TokenStore.makeMemory(), {
      auth: { type: "api-token", token: Redacted.make(sb.credentials.apiToken) },
    })
    const jobs = await Array.fromAsync(workable.paginate.listJobs({ params: { query: { limit: 100 } } }))
    expect(jobs).toHaveLength(130)
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 0, calls: 2 })
  })
})
