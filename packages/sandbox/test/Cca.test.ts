import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CcaSandbox, startCcaSandbox } from "../src/index.ts"
import { bearer, call, postForm, postJson } from "./Helpers.ts"

let sb: CcaSandbox
beforeAll(async () => {
  sb = await startCcaSandbox({
    permanentTokens: [
      {
        token: "A-b189a7c5-804d-403f-ac4a-a940dfsfdfs",
        username: "keyway.agent",
        module: "KeywayIntegration",
      },
      {
        token: "A-old",
        username: "keyway.agent",
        module: "KeywayIntegration",
        expiresAt: "2024-01-01T00:00:00Z",
      },
      {
        token: "A-soon",
        username: "keyway.agent",
        module: "KeywayIntegration",
        expiresAt: Math.floor(Date.now() / 1000) + 86_400,
      },
    ],
  })
})
afterAll(() => sb.stop())

const login = async () => {
  const { username, password, module } = sb.credentials
  const r = await postJson(sb.urls.sessionUrl as string, { username, password, module })
  expect(r.status).toBe(200)
  return r.body as { token: string; expiresIn: number }
}

describe("CCA sessions", () => {
  it("logs in with username, password and module and returns an S- token valid 60 s", async () => {
    expect(sb.baseUrl).toBe(`${sb.origin}/CcaAPI`)
    const s = await login()
    expect(s.token).toMatch(/^S-[0-9a-f-]{36}$/)
    expect(s.expiresIn).toBe(60)
    const agents = await call(`${sb.baseUrl}/agents`, { headers: bearer(s.token) })
    expect(agents.status).toBe(200)
    expect(Array.isArray(agents.body)).toBe(true)
    expect(agents.body[0]).toEqual(
      expect.objectContaining({
        id: 1001,
        name: expect.any(String),
        login: expect.any(String),
        state: expect.any(String),
      }),
    )
  })

  it("refuses a wrong password with 401 and a missing field with 400", async () => {
    const { username, module } = sb.credentials
    const wrong = await postJson(sb.urls.sessionUrl as string, { username, password: "nope", module })
    expect(wrong.status).toBe(401)
    const missing = await postJson(sb.urls.sessionUrl as string, { username })
    expect(missing.status).toBe(400)
  })

  it("expires the session with the clock offset; a new login works", async () => {
    const s = await login()
    sb.control.advanceClock(61)
    try {
      const r = await call(`${sb.baseUrl}/queues`, { headers: bearer(s.token) })
      expect(r.status).toBe(401)
      expect(r.body).toEqual({ message: "Token expired" })
      const again = await login()
      expect((await call(`${sb.baseUrl}/queues`, { headers: bearer(again.token) })).status).toBe(200)
    } finally {
      sb.control.setClockOffset(0)
    }
  })

  it("takes the session lifetime from control", async () => {
    sb.control.setLifetimes({ session: 5 })
    try {
      const s = await login()
      expect(s.expiresIn).toBe(5)
      sb.control.advanceClock(5)
      expect((await call(`${sb.baseUrl}/agents`, { headers: bearer(s.token) })).status).toBe(401)
    } finally {
      sb.control.reset()
    }
  })

  it("logs out with DELETE /session", async () => {
    const s = await login()
    const out = await call(sb.urls.sessionUrl as string, { method: "DELETE", headers: bearer(s.token) })
    expect(out.status).toBe(204)
    const after = await call(`${sb.baseUrl}/agents`, { headers: bearer(s.token) })
    expect(after.status).toBe(401)
  })
})

describe("CCA permanent tokens", () => {
  it("accepts a permanent token and refuses an expired one with 401 Token expired", async () => {
    expect(sb.credentials.permanentToken).toBe("A-b189a7c5-804d-403f-ac4a-a940dfsfdfs")
    expect(sb.credentials.expiredPermanentToken).toBe("A-old")
    expect(
      (await call(`${sb.baseUrl}/campaigns`, { headers: bearer(sb.credentials.permanentToken) })).status,
    ).toBe(200)
    const old = await call(`${sb.baseUrl}/campaigns`, { headers: bearer("A-old") })
    expect(old.status).toBe(401)
    expect(old.body).toEqual({ message: "Token expired" })
  })

  it("expires a dated permanent token when the clock passes its date", async () => {
    expect((await call(`${sb.baseUrl}/agents`, { headers: bearer("A-soon") })).status).toBe(200)
    sb.control.advanceClock(86_401)
    try {
      const r = await call(`${sb.baseUrl}/agents`, { headers: bearer("A-soon") })
      expect(r.status).toBe(401)
      expect(r.body.message).toBe("Token expired")
    } finally {
      sb.control.setClockOffset(0)
    }
  })

  it("answers an unknown token with 401", async () => {
    const r = await call(`${sb.baseUrl}/agents`, { headers: bearer("A-unknown") })
    expect(r.status).toBe(401)
  })
})

describe("CCA resources", () => {
  const get = (path: string) =>
    call(`${sb.baseUrl}${path}`, { headers: bearer(sb.credentials.permanentToken) })

  it("serves agents, queues, statistics and campaigns", async () => {
    expect((await get("/agents/1002")).body.id).toBe(1002)
    const queues = await get("/queues")
    expect(queues.body).toHaveLength(12)
    expect(queues.body[0]).toEqual({ id: 201, name: expect.any(String), waiting: expect.any(Number) })
    const stats = await get("/queues/201/statistics")
    expect(Object.keys(stats.body).sort()).toEqual([
      "abandoned",
      "averageWaitSeconds",
      "handled",
      "queueId",
      "waiting",
    ])
    const campaigns = await get("/campaigns")
    expect(campaigns.body[0]).toEqual({ id: 301, name: expect.any(String), active: expect.any(Boolean) })
    const missing = await get("/agents/9")
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({ message: "Not found" })
  })

  it("creates and reads contacts, validating fields", async () => {
    const h = bearer(sb.credentials.permanentToken)
    const bad = await postJson(`${sb.baseUrl}/contacts`, { firstName: "Ada" }, h)
    expect(bad.status).toBe(400)
    const created = await postJson(
      `${sb.baseUrl}/contacts`,
      { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" },
      h,
    )
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" })
    const read = await get(`/contacts/${created.body.id}`)
    expect(read.body).toEqual(created.body)
  })

  it("filters interactions by from, to and limit", async () => {
    const all = await get("/interactions?limit=1000")
    expect(all.body).toHaveLength(600)
    const window = await get("/interactions?from=2024-06-02T00:00:00Z&to=2024-06-03T00:00:00Z&limit=1000")
    expect(window.body.length).toBeGreaterThan(50)
    for (const i of window.body) {
      expect(i.startedAt >= "2024-06-02T00:00:00").toBe(true)
      expect(i.startedAt < "2024-06-03T00:00:00").toBe(true)
      expect(Object.keys(i).sort()).toEqual([
        "agentId",
        "durationSeconds",
        "id",
        "queueId",
        "startedAt",
        "type",
      ])
    }
    expect((await get("/interactions?limit=7")).body).toHaveLength(7)
    expect((await get("/interactions")).body).toHaveLength(100)
    expect((await get("/interactions?from=yesterday")).status).toBe(400)
    expect((await get("/interactions?limit=0")).status).toBe(400)
  })
})

describe("CCA password grant", () => {
  const grant = (fields: Record<string, string>) =>
    postForm(sb.urls.tokenUrl as string, {
      grant_type: "password",
      client_id: sb.credentials.oauthClientId,
      username: sb.credentials.username,
      password: sb.credentials.password,
      ...fields,
    })

  it("answers an OAuth token for the user's module; the token opens the API", async () => {
    const r = await grant({ scope: sb.credentials.module })
    expect(r.status).toBe(200)
    const body = r.body as { access_token: string; token_type: string; expires_in: number; scope: string }
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 60, scope: sb.credentials.module })
    expect((await call(`${sb.baseUrl}/agents`, { headers: bearer(body.access_token) })).status).toBe(200)
  })

  it("refuses a wrong password with invalid_grant, another client with invalid_client, another grant", async () => {
    const wrong = await grant({ password: "nope" })
    expect(wrong.status).toBe(400)
    expect(wrong.body).toEqual({ error: "invalid_grant" })
    const client = await grant({ client_id: "someone-else" })
    expect(client.status).toBe(401)
    expect(client.body).toEqual({ error: "invalid_client" })
    const other = await grant({ grant_type: "client_credentials" })
    expect(other.body).toEqual({ error: "unsupported_grant_type" })
    const module = await grant({ scope: "NotMyModule" })
    expect(module.body).toEqual({ error: "invalid_scope" })
  })
})
