/**
 * CCA end to end through @keyway/provider-cca against its sandbox: the permanent token (and what
 * happens once it expired), the session login, its re-login after the session's lifetime, and the
 * logout when the client closes.
 */
import { Client } from "@keyway/core"
import * as Cca from "@keyway/provider-cca"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as CcaScenario from "../src/CcaScenario.ts"
import * as Scenario from "../src/Scenario.ts"

const settings = Scenario.settings({ phase: "clean" })
let sb: Sandbox<"cca">
beforeAll(async () => {
  sb = await startSandbox("cca")
})
afterAll(() => sb.stop())
beforeEach(() => sb.control.reset())

describe("cca permanent token", () => {
  it("makes typed calls with the permanent token, no login", async () => {
    await using cca = CcaScenario.client(sb, settings, CcaScenario.permanentAuth(sb))
    const agents = Scenario.data(await cca.op.listAgents())
    expect(agents.length).toBeGreaterThan(0)
    const agentId = String(agents[0]!.id)
    expect(String(Scenario.data(await cca.op.getAgent({ params: { path: { agentId } } })).id)).toBe(agentId)
    const interactions = Scenario.data(await cca.op.listInteractions({ params: { query: { limit: 25 } } }))
    expect(interactions).toHaveLength(25)
    const missing = await cca.op.getContact({ params: { path: { contactId: "404404" } } })
    expect(missing.response.status).toBe(404)
    expect(missing.error?.message).toBe("Not found")
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 0, logins: 0, calls: 4 })
  })

  it("createPathBasedClient: openapi-fetch's path-based client on the same pipeline (auth, correlation id)", async () => {
    await using api = Cca.createPathBasedClient({
      server: new URL(sb.urls.origin).host,
      baseUrl: sb.baseUrl,
      auth: CcaScenario.permanentAuth(sb),
      retry: settings.retry,
    })
    const agents = Scenario.data(await api["/agents"].GET())
    const agentId = String(agents[0]!.id)
    const { data, response } = await api["/agents/{agentId}"].GET({ params: { path: { agentId } } })
    expect(response.status).toBe(200)
    expect(String(data?.id)).toBe(agentId)
    expect(Client.callInfo(response)?.correlationId).toMatch(/^[0-9a-f-]{36}$/)
    expect(sb.counters().totals).toMatchObject({ logins: 0, calls: 2 })
  })

  it("says CredentialsExpired without a request when the token's configured expiry has passed", async () => {
    await using cca = CcaScenario.client(sb, settings, {
      type: "permanent-token",
      token: Redacted.make(sb.credentials.expiredPermanentToken),
      expiresAt: "2024-01-01T00:00:00Z",
    })
    await expect(cca.op.listAgents()).rejects.toMatchObject({ _tag: "CredentialsExpired", provider: "cca" })
    expect(sb.counters().totals.calls).toBe(0)
  })

  it("says CredentialsExpired after one 401 when the server finds the token expired, and never retries", async () => {
    await using cca = CcaScenario.client(sb, settings, {
      type: "permanent-token",
      token: Redacted.make(sb.credentials.expiredPermanentToken),
    })
    const error = await cca.op.listAgents().catch((e: unknown) => e)
    expect(error).toMatchObject({ _tag: "CredentialsExpired" })
    expect(String((error as Error).message)).not.toContain(sb.credentials.expiredPermanentToken)
    expect(sb.counters().totals.calls).toBe(1)
  })
})

describe("cca session login", () => {
  it("logs in once, shares the session between calls, logs in again after its lifetime", async () => {
    await using cca = CcaScenario.client(sb, settings, CcaScenario.sessionAuth(sb))
    await Promise.all([cca.op.listAgents(), cca.op.listQueues(), cca.op.listCampaigns()])
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 1, logins: 1, calls: 3 })

    // 61 s later on the sandbox clock the session is gone: 401, a new login, the call goes through.
    sb.control.advanceClock(61)
    const { response } = await cca.op.listAgents()
    expect(response.status).toBe(200)
    expect(Client.callInfo(response)?.refreshed).toBe(true)
    expect(sb.counters().totals).toMatchObject({ logins: 2, calls: 5 })
  })

  it("logs the session out when the client closes", async () => {
    const cca = CcaScenario.client(sb, settings, CcaScenario.sessionAuth(sb))
    await cca.op.listAgents()
    await cca.close()
    expect(sb.counters().totals.revocations).toBe(1)
  })

  it("fails with InvalidClient on a wrong password, without retrying", async () => {
    await using cca = CcaScenario.client(sb, settings, {
      ...CcaScenario.sessionAuth(sb),
      password: Redacted.make("not-the-password"),
    })
    const error = await cca.op.listAgents().catch((e: unknown) => e)
    expect(error).toMatchObject({ _tag: "InvalidClient", provider: "cca", status: 401 })
    expect(String(error)).not.toContain("not-the-password")
    // One login attempt, refused; no API call goes out without a session.
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 1, calls: 0 })
  })
})
