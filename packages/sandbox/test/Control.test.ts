import { createServer } from "node:net"
import { describe, expect, it } from "vitest"
import { PROVIDERS, startAll, startSandbox } from "../src/index.ts"
import { bearer, call, postForm, postJson } from "./Helpers.ts"

const cultureAmpToken = async (sb: Awaited<ReturnType<typeof startSandbox<"cultureamp">>>) => {
  const r = await postForm(sb.urls.tokenUrl as string, {
    grant_type: "client_credentials",
    scope: sb.credentials.scope,
    client_id: sb.credentials.clientId,
    client_secret: sb.credentials.clientSecret,
  })
  return r.body.access_token as string
}

describe("fault injection", () => {
  it("answers 429 with Retry-After at rate 1, and stops after `times`", async () => {
    await using sb = await startSandbox("cca")
    const h = bearer(sb.credentials.permanentToken)
    sb.control.injectFault({ type: "429", rate: 1, retryAfter: 7 })
    for (let i = 0; i < 3; i++) {
      const r = await call(`${sb.baseUrl}/agents`, { headers: h })
      expect(r.status).toBe(429)
      expect(r.headers.get("retry-after")).toBe("7")
      expect(r.body).toEqual({ message: "Too many requests" })
    }
    sb.control.clearFaults()
    sb.control.injectFault({ type: "429", times: 2 })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await call(`${sb.baseUrl}/agents`, { headers: h })).status)
    expect(statuses).toEqual([429, 429, 200, 200])
    expect(sb.control.listFaults()[0]).toMatchObject({ type: "429", fired: 2 })
  })

  it("answers a 5xx burst of `count` consecutive requests", async () => {
    await using sb = await startSandbox("cca")
    const h = bearer(sb.credentials.permanentToken)
    sb.control.injectFault({ type: "5xx", status: 502, count: 3, times: 3 })
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await call(`${sb.baseUrl}/campaigns`, { headers: h })).status)
    expect(statuses).toEqual([502, 502, 502, 200, 200])
  })

  it("resets the connection mid-response, or before any response", async () => {
    await using sb = await startSandbox("cca")
    const h = bearer(sb.credentials.permanentToken)
    sb.control.injectFault({ type: "reset", times: 1 })
    const midBody = await fetch(`${sb.baseUrl}/agents`, { headers: h })
      .then((r) => r.text())
      .then(
        () => "ok",
        (e: Error) => e.name,
      )
    expect(midBody).not.toBe("ok")
    sb.control.injectFault({ type: "reset", when: "immediate", times: 1 })
    await expect(fetch(`${sb.baseUrl}/agents`, { headers: h })).rejects.toThrow()
    expect((await call(`${sb.baseUrl}/agents`, { headers: h })).status).toBe(200)
    expect(sb.counters().totals.faults).toBe(2)
  })

  it("adds latency to matching routes, and a separate token-endpoint latency", async () => {
    await using sb = await startSandbox("cultureamp")
    const token = await cultureAmpToken(sb)
    const timed = async (f: () => Promise<unknown>) => {
      const t0 = performance.now()
      await f()
      return performance.now() - t0
    }
    sb.control.injectFault({ type: "latency", ms: 250, route: "/employees" })
    expect(
      await timed(() => call(`${sb.baseUrl}/employees`, { headers: bearer(token) })),
    ).toBeGreaterThanOrEqual(230)
    expect(await timed(() => call(`${sb.baseUrl}/surveys`, { headers: bearer(token) }))).toBeLessThan(200)
    sb.control.clearFaults()
    sb.control.setTokenLatency(300)
    expect(await timed(() => cultureAmpToken(sb))).toBeGreaterThanOrEqual(280)
    expect(await timed(() => call(`${sb.baseUrl}/employees`, { headers: bearer(token) }))).toBeLessThan(200)
  })

  it("targets api or auth routes and methods; applies the rate with seeded dice", async () => {
    await using sb = await startSandbox("cultureamp", { seed: 42 })
    sb.control.injectFault({ type: "5xx", status: 500, target: "auth" })
    const failed = await postForm(sb.urls.tokenUrl as string, { grant_type: "client_credentials" })
    expect(failed.status).toBe(500)
    expect(failed.body).toEqual({ code: 500, message: "Server error" })
    sb.control.clearFaults()
    const token = await cultureAmpToken(sb)
    sb.control.injectFault({ type: "429", target: "api", method: "GET", rate: 0.5 })
    let limited = 0
    for (let i = 0; i < 100; i++)
      if ((await call(`${sb.baseUrl}/surveys`, { headers: bearer(token) })).status === 429) limited++
    expect(limited).toBeGreaterThan(30)
    expect(limited).toBeLessThan(70)
  })

  it("rejects an invalid fault", async () => {
    await using sb = await startSandbox("ccw")
    expect(() => sb.control.injectFault({ type: "429", rate: 2 })).toThrow(/rate/)
    expect(() => sb.control.injectFault({ type: "boom" } as never)).toThrow(/type/)
    expect(() => sb.control.injectFault({ type: "latency" })).toThrow(/ms/)
  })
})

describe("counters", () => {
  it("counts token requests, refreshes, logins, calls and faults per connection", async () => {
    await using sb = await startSandbox("workable")
    const redirect = "http://127.0.0.1:9/cb"
    const auth = await fetch(
      `${sb.urls.authorizeUrl}?client_id=${sb.credentials.clientId}&redirect_uri=${redirect}&resource=user&response_type=code&scope=r_jobs`,
      { redirect: "manual" },
    )
    const code = new URL(auth.headers.get("location") as string).searchParams.get("code") as string
    const client = { client_id: sb.credentials.clientId, client_secret: sb.credentials.clientSecret }
    const t1 = await postForm(sb.urls.tokenUrl as string, {
      ...client,
      grant_type: "authorization_code",
      code,
      redirect_uri: redirect,
    })
    const t2 = await postForm(sb.urls.tokenUrl as string, {
      ...client,
      grant_type: "refresh_token",
      refresh_token: t1.body.refresh_token,
    })
    for (let i = 0; i < 3; i++) await call(`${sb.baseUrl}/jobs`, { headers: bearer(t2.body.access_token) })
    sb.control.injectFault({ type: "429", times: 1 })
    await call(`${sb.baseUrl}/jobs`, { headers: bearer(t2.body.access_token) })
    await call(`${sb.baseUrl}/jobs`, { headers: bearer(sb.credentials.apiToken) })
    const connection = `${sb.credentials.clientId}|${sb.credentials.userId}`
    const counters = sb.counters()
    expect(counters.connections[connection]).toEqual({
      tokenRequests: 2,
      refreshes: 1,
      logins: 1,
      calls: 4,
      faults: 1,
      revocations: 0,
      rateLimited: 0,
    })
    expect(counters.connections[`api-token|${sb.credentials.userId}`]?.calls).toBe(1)
    expect(counters.totals).toMatchObject({ tokenRequests: 2, refreshes: 1, logins: 1, calls: 5, faults: 1 })
    sb.control.resetCounters()
    expect(sb.counters().totals.calls).toBe(0)
  })

  it("counts CCA session logins and client-credentials token requests", async () => {
    await using all = await startAll()
    const { cca, ccw } = all
    const { username, password, module } = cca.credentials
    await postJson(cca.urls.sessionUrl as string, { username, password, module })
    await postJson(cca.urls.sessionUrl as string, { username, password: "x", module })
    expect(cca.counters().connections[`${module}|${username}`]).toMatchObject({ logins: 2, tokenRequests: 2 })
    await postJson(ccw.urls.tokenUrl as string, {
      client_id: ccw.credentials.clientId,
      client_secret: ccw.credentials.clientSecret,
      scope: "ccw.candidate",
      grant_type: "client_credential",
    })
    expect(
      ccw.counters().connections[`${ccw.credentials.clientId}|${ccw.credentials.realm}`]?.tokenRequests,
    ).toBe(1)
  })
})

describe("control over HTTP", () => {
  it("sets the clock, lifetimes and faults with POST /__sandbox/control and reads state and counters", async () => {
    await using sb = await startSandbox("cca")
    const info = await call(`${sb.origin}/__sandbox/info`)
    expect(info.body).toMatchObject({
      provider: "cca",
      baseUrl: sb.baseUrl,
      credentials: { username: sb.credentials.username },
    })
    const applied = await postJson(sb.urls.controlUrl, {
      clockOffset: 120,
      lifetimes: { session: 30 },
      faults: [{ type: "5xx", status: 503, times: 1, route: "/CcaAPI/queues" }],
      tokenLatencyMs: 0,
    })
    expect(applied.status).toBe(200)
    expect(applied.body.faultIds).toHaveLength(1)
    expect(applied.body.state).toMatchObject({ clockOffset: 120, lifetimes: { session: 30 } })
    expect(sb.control.getLifetimes().session).toBe(30)
    const { username, password, module } = sb.credentials
    const session = await postJson(sb.urls.sessionUrl as string, { username, password, module })
    expect(session.body.expiresIn).toBe(30)
    expect((await call(`${sb.baseUrl}/queues`, { headers: bearer(session.body.token) })).status).toBe(503)
    await postJson(sb.urls.controlUrl, { advanceClock: 31 })
    expect((await call(`${sb.baseUrl}/queues`, { headers: bearer(session.body.token) })).status).toBe(401)
    const state = await call(`${sb.origin}/__sandbox/state`)
    expect(state.body.clockOffset).toBe(151)
    expect(state.body.faults[0]).toMatchObject({ type: "5xx", fired: 1 })
    const counters = await call(`${sb.origin}/__sandbox/counters`)
    expect(counters.body.totals).toMatchObject({ logins: 1, calls: 2, faults: 1 })
    await postJson(`${sb.origin}/__sandbox/counters/reset`, {})
    expect((await call(`${sb.origin}/__sandbox/counters`)).body.totals.calls).toBe(0)
    const reset = await postJson(sb.urls.controlUrl, { reset: true })
    expect(reset.body.state).toMatchObject({ clockOffset: 0, lifetimes: { session: 60 }, faults: [] })
  })

  it("revokes grants by user over HTTP and refuses bad requests with 400", async () => {
    await using sb = await startSandbox("cca")
    const { username, password, module } = sb.credentials
    const session = await postJson(sb.urls.sessionUrl as string, { username, password, module })
    const revoked = await postJson(sb.urls.controlUrl, { revoke: { user: username } })
    expect(revoked.body.revoked).toBeGreaterThan(0)
    expect((await call(`${sb.baseUrl}/agents`, { headers: bearer(session.body.token) })).status).toBe(401)
    expect(
      (await call(`${sb.baseUrl}/agents`, { headers: bearer(sb.credentials.permanentToken) })).status,
    ).toBe(401)
    const fresh = await postJson(sb.urls.sessionUrl as string, { username, password, module })
    expect((await call(`${sb.baseUrl}/agents`, { headers: bearer(fresh.body.token) })).status).toBe(200)
    const bad = await postJson(sb.urls.controlUrl, { clockOffset: "soon", faults: [{ type: "429" }] })
    expect(bad.status).toBe(400)
    expect(sb.control.listFaults()).toHaveLength(0)
    expect((await call(sb.urls.controlUrl, { method: "POST", body: "{not json" })).status).toBe(400)
    expect((await call(`${sb.origin}/__sandbox/nothing`)).status).toBe(404)
  })

  it("revokes a refresh token's grant with control.revoke", async () => {
    await using sb = await startSandbox("cch")
    const redirect = "http://127.0.0.1:9/cb"
    const auth = await fetch(
      `${sb.urls.authorizeUrl}?client_id=${sb.credentials.clientId}&response_type=code&scope=read&redirect_uri=${redirect}`,
      { redirect: "manual" },
    )
    const code = new URL(auth.headers.get("location") as string).searchParams.get("code")
    const t = await postJson(sb.urls.tokenUrl as string, {
      grant_type: "authorization_code",
      code,
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
      redirect_uri: redirect,
    })
    expect(sb.control.revoke({ refreshToken: t.body.refresh_token })).toBe(1)
    expect((await call(`${sb.baseUrl}/my-account`, { headers: bearer(t.body.access_token) })).status).toBe(
      401,
    )
  })
})

describe("lifecycle", () => {
  it("stop() frees the port and is idempotent; await using stops too", async () => {
    const sb = await startSandbox("ccw")
    const port = sb.port
    await Promise.all([sb.stop(), sb.stop()])
    await sb.stop()
    await new Promise<void>((resolve, reject) => {
      const server = createServer()
      server.once("error", reject)
      server.listen(port, "127.0.0.1", () => server.close(() => resolve()))
    })
    let kept: number
    {
      await using scoped = await startSandbox("workable")
      kept = scoped.port
      expect(
        (await call(`${scoped.baseUrl}/accounts`, { headers: bearer(scoped.credentials.apiToken) })).status,
      ).toBe(200)
    }
    await expect(fetch(`http://127.0.0.1:${kept}/spi/v3/accounts`)).rejects.toThrow()
  })

  it("stop() closes kept-alive connections", async () => {
    const sb = await startSandbox("cca")
    await call(`${sb.baseUrl}/agents`, { headers: bearer(sb.credentials.permanentToken) })
    const t0 = performance.now()
    await sb.stop()
    expect(performance.now() - t0).toBeLessThan(1000)
  })

  it("startAll() starts the five providers on distinct ports, with base URLs matching their servers", async () => {
    await using all = await startAll()
    const ports = new Set(PROVIDERS.map((p) => all[p].port))
    expect(ports.size).toBe(5)
    expect(all.ccw.baseUrl).toBe(all.ccw.origin)
    expect(all.cca.baseUrl).toBe(`${all.cca.origin}/CcaAPI`)
    expect(all.cch.baseUrl).toBe(all.cch.origin)
    expect(all.cultureamp.baseUrl).toBe(`${all.cultureamp.origin}/v1`)
    expect(all.workable.baseUrl).toBe(`${all.workable.origin}/spi/v3`)
    await expect(startSandbox("nope" as never)).rejects.toThrow(/unknown/)
  })
})
