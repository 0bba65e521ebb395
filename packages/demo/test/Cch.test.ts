/**
 * CCH end to end through @keyway/provider-cch against its sandbox: consent by a scripted user
 * agent, the code exchange through the authorization-code plugin's helpers, typed calls, refresh
 * after expiry with rotation (the old refresh token is dead afterwards), the two-week refresh
 * token limit, revocation, and the API key strategy.
 */
import { AuthorizationCode } from "@keyway/auth-authorization-code"
import { Client, TokenStore } from "@keyway/core"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as CchScenario from "../src/CchScenario.ts"
import * as Consent from "../src/Consent.ts"
import * as Scenario from "../src/Scenario.ts"
import * as UserAgent from "../src/UserAgent.ts"

const settings = Scenario.settings({ phase: "clean" })
let sb: Sandbox<"cch">
beforeAll(async () => {
  sb = await startSandbox("cch")
})
afterAll(() => sb.stop())
beforeEach(() => sb.control.reset())

const connected = async (connection?: string) => {
  const store = TokenStore.makeMemory()
  const config = CchScenario.consentConfig(sb, connection)
  const stored = await Consent.run(config, store)
  return { store, config, stored }
}

const postToken = (body: Record<string, string>) =>
  fetch(sb.urls.tokenUrl!, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      ...body,
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
    }),
  })

describe("cch authorization code", () => {
  it("consents, exchanges the code, and makes typed calls that follow the _href links", async () => {
    const { store, stored } = await connected()
    expect(stored.refreshToken).toBeDefined()
    expect(stored.scope).toBe("read")
    expect(sb.counters().totals).toMatchObject({ logins: 1, tokenRequests: 1 })

    await using cch = CchScenario.client(sb, settings, store)
    const me = Scenario.data(await cch.op.getMyAccount())
    expect(me.id).toBe(sb.credentials.accountId)
    const owner = (me as { owner?: { _href?: string; id?: number } }).owner
    expect(owner?._href).toBe(`${sb.urls.origin}/cch-user/${sb.credentials.userId}`)
    const user = Scenario.data(await cch.op.getUser({ params: { path: { id: String(owner!.id) } } }))
    expect(user.id).toBe(sb.credentials.userId)
    const missing = await cch.op.getRole({ params: { path: { id: "999999" } } })
    expect(missing.response.status).toBe(404)
    expect(missing.error?.message).toBe("Not found")
    // The grant came from the store: the client made no token request of its own.
    expect(sb.counters().totals.tokenRequests).toBe(1)
  })

  it("refreshes after the access token expired, rotating the refresh token (the old one is dead)", async () => {
    const { store, config, stored } = await connected()
    await using cch = CchScenario.client(sb, settings, store)
    Scenario.data(await cch.op.getMyAccount())

    sb.control.advanceClock(3_601)
    const { response } = await cch.op.getMyAccount()
    expect(response.status).toBe(200)
    expect(Client.callInfo(response)?.refreshed).toBe(true)
    expect(sb.counters().totals).toMatchObject({ tokenRequests: 2, refreshes: 1 })

    const rotated = await Consent.stored(store, config)
    expect(Consent.reveal(rotated?.refreshToken)).not.toBe(Consent.reveal(stored.refreshToken))
    // The grant's refresh deadline is kept across the rotation (two weeks from the consent).
    expect(rotated?.refreshExpiresAt).toBe(stored.refreshExpiresAt)
    const reused = await postToken({
      grant_type: "refresh_token",
      refresh_token: Consent.reveal(stored.refreshToken)!,
    })
    expect(reused.status).toBe(400)
    expect(await reused.json()).toMatchObject({ error: "invalid_grant" })
  })

  it("asks for a new consent once the refresh token passed its two weeks", async () => {
    const { store, config } = await connected("carol")
    await using cch = CchScenario.client(sb, settings, store, { connection: "carol" })
    Scenario.data(await cch.op.getMyAccount())
    sb.control.advanceClock(15 * 24 * 3600)
    const error = await cch.op.getMyAccount().catch((e: unknown) => e)
    expect(error).toMatchObject({ _tag: "ReauthorizationRequired", provider: "cch", connection: "carol" })
    // The grant is kept, marked, for the app to prompt its user.
    expect((await Consent.stored(store, config))?.needsReauthorization).toBeDefined()
  })

  it("revokes the grant on release()", async () => {
    const { store, config } = await connected()
    const cch = CchScenario.client(sb, settings, store)
    Scenario.data(await cch.op.getMyAccount())
    await cch.release()
    expect(sb.counters().totals.revocations).toBe(1)
    expect(await Consent.stored(store, config)).toBeUndefined()
    await expect(cch.op.getMyAccount()).rejects.toMatchObject({ _tag: "ReauthorizationRequired" })
    await cch.close()
  })

  it("refuses a callback whose state does not match, without exchanging the code", async () => {
    const config = CchScenario.consentConfig(sb)
    const helpers = AuthorizationCode.consent(config)
    const redirectUri = "http://127.0.0.1:9/cb"
    const start = helpers.authorizeUrl({ redirectUri })
    const callback = await UserAgent.authorize(start.url)
    callback.searchParams.set("state", "someone-else")
    const exit = await Effect.runPromiseExit(
      helpers
        .handleCallback({ callbackUrl: callback, expectedState: start.state, redirectUri })
        .pipe(Effect.provide(TokenStore.layerMemory)),
    )
    expect(JSON.stringify(exit)).toContain("state-mismatch")
    expect(sb.counters().totals.tokenRequests).toBe(0)
  })
})

describe("cch api key", () => {
  it("makes typed calls with the non-expiring API key", async () => {
    await using cch = CchScenario.client(sb, settings, TokenStore.makeMemory(), {
      auth: { type: "api-key", token: Redacted.make(sb.credentials.apiKey) },
    })
    sb.control.advanceClock(365 * 24 * 3600)
    expect(Scenario.data(await cch.op.getMyAccount()).id).toBe(sb.credentials.accountId)
    expect(sb.counters().totals.tokenRequests).toBe(0)
  })
})
