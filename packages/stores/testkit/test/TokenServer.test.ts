import { request } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { TokenServer } from "../src/index.ts"

const servers: TokenServer.TokenServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})
const start = async (config: TokenServer.Config = {}) => {
  const server = await TokenServer.start(config)
  servers.push(server)
  return server
}

const post = async (url: string, form: Record<string, string>) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe("TokenServer", () => {
  it("issues rotating refresh tokens and refuses a reused one with invalid_grant", async () => {
    const server = await start({ expiresIn: 120 })
    const first = await post(server.url, { grant_type: "client_credentials" })
    expect(first.status).toBe(200)
    expect(first.body.expires_in).toBe(120)
    const rt1 = first.body.refresh_token as string
    const second = await post(server.url, { grant_type: "refresh_token", refresh_token: rt1 })
    expect(second.status).toBe(200)
    const rt2 = second.body.refresh_token as string
    expect(rt2).not.toBe(rt1)
    const reused = await post(server.url, { grant_type: "refresh_token", refresh_token: rt1 })
    expect(reused).toEqual({
      status: 400,
      body: { error: "invalid_grant", error_description: "refresh token unknown or already used" },
    })
    expect(server.state()).toMatchObject({
      tokenRequests: 1,
      refreshRequests: 2,
      issued: 2,
      invalidGrant: 1,
      lastIssued: rt2,
      live: [rt2],
    })
  })

  it("answers after the configured delay, and holds answers back until released", async () => {
    const server = await start({ delayMs: 150 })
    let started = Date.now()
    await post(server.url, { grant_type: "client_credentials" })
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    server.configure({ delayMs: 0 })
    server.hold()
    started = Date.now()
    const answer = post(server.url, { grant_type: "client_credentials" })
    await server.waitFor((s) => s.pending.length === 1)
    await new Promise((r) => setTimeout(r, 200))
    expect(server.state().issued).toBe(1)
    server.release()
    expect((await answer).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
  })

  it("issues nothing to a client that went away while its request waited", async () => {
    const server = await start({ delayMs: 300 })
    const first = await (async () => {
      server.configure({ delayMs: 0 })
      const r = await post(server.url, { grant_type: "client_credentials" })
      server.configure({ delayMs: 300 })
      return r.body.refresh_token as string
    })()
    const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: first }).toString()
    const req = request(server.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-worker": "42" },
    })
    req.on("error", () => {})
    req.end(body)
    const waiting = await server.waitFor((s) => s.pending.length === 1)
    expect(waiting.pending[0]?.worker).toBe("42")
    req.destroy()
    const settled = await server.waitFor((s) => s.pending.length === 0)
    expect(settled.abandoned).toBe(1)
    expect(settled.issued).toBe(1)
    // the refresh token it carried is still good
    expect(settled.live).toEqual([first])
    expect((await post(server.url, { grant_type: "refresh_token", refresh_token: first })).status).toBe(200)
  })
})
