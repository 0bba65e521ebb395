import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CchSandbox, startCchSandbox } from "../src/index.ts"
import { authorize, bearer, call, postForm, postJson } from "./Helpers.ts"

const REDIRECT = "http://127.0.0.1:9/callback"
const VND = "application/vnd.ucf.v1+json"
let sb: CchSandbox
beforeAll(async () => {
  sb = await startCchSandbox()
})
afterAll(() => sb.stop())

const codeFor = async (state = "xyz") => {
  const q = new URLSearchParams({
    client_id: sb.credentials.clientId,
    response_type: "code",
    state,
    scope: "read",
    redirect_uri: REDIRECT,
  })
  const r = await authorize(`${sb.urls.authorizeUrl}?${q}`)
  expect(r.status).toBe(302)
  expect(r.location.startsWith(REDIRECT)).toBe(true)
  expect(r.query.get("state")).toBe(state)
  return r.query.get("code") as string
}
const exchange = (code: string, extra?: Record<string, string>) =>
  postJson(
    sb.urls.tokenUrl as string,
    {
      grant_type: "authorization_code",
      code,
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
      redirect_uri: REDIRECT,
      ...extra,
    },
    { accept: VND },
  )
const refresh = (refresh_token: string) =>
  postJson(
    sb.urls.tokenUrl as string,
    {
      grant_type: "refresh_token",
      refresh_token,
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
      redirect_uri: REDIRECT,
    },
    { accept: VND },
  )
const tokens = async () => {
  const r = await exchange(await codeFor())
  expect(r.status).toBe(200)
  return r.body as { access_token: string; refresh_token: string; expires_in: number; token_type: string }
}
const me = (token: string) => call(`${sb.baseUrl}/my-account`, { headers: bearer(token) })

describe("CCH authorization code flow", () => {
  it("redirects with code and state, exchanges the code once (JSON body), echoes the vnd content type", async () => {
    const code = await codeFor("s-1")
    const r = await exchange(code)
    expect(r.status).toBe(200)
    expect(r.headers.get("content-type")).toBe(VND)
    expect(r.body).toMatchObject({ token_type: "Bearer", expires_in: 3600 })
    expect(typeof r.body.refresh_token).toBe("string")
    expect((await me(r.body.access_token)).status).toBe(200)
    const again = await exchange(code)
    expect(again.status).toBe(400)
    expect(again.body.error).toBe("invalid_grant")
  })

  it("refuses a code with another redirect_uri, a wrong secret, a bad scope", async () => {
    const mismatch = await exchange(await codeFor(), { redirect_uri: "http://127.0.0.1:9/other" })
    expect(mismatch.body.error).toBe("invalid_grant")
    const secret = await exchange(await codeFor(), { client_secret: "nope" })
    expect(secret.status).toBe(401)
    expect(secret.body.error).toBe("invalid_client")
    const q = new URLSearchParams({
      client_id: sb.credentials.clientId,
      response_type: "code",
      scope: "write",
      redirect_uri: REDIRECT,
    })
    const bad = await authorize(`${sb.urls.authorizeUrl}?${q}`)
    expect(bad.query.get("error")).toBe("invalid_scope")
  })

  it("rotates refresh tokens: the old one answers 400 invalid_grant", async () => {
    const first = await tokens()
    const second = await refresh(first.refresh_token)
    expect(second.status).toBe(200)
    expect(second.body.refresh_token).not.toBe(first.refresh_token)
    const reused = await refresh(first.refresh_token)
    expect(reused.status).toBe(400)
    expect(reused.body).toMatchObject({ error: "invalid_grant" })
    expect((await refresh(second.body.refresh_token)).status).toBe(200)
  })

  it("keeps the refresh token when rotation is off", async () => {
    await using other = await startCchSandbox({ rotateRefreshTokens: false })
    const code = (
      await authorize(
        `${other.urls.authorizeUrl}?client_id=${other.credentials.clientId}&response_type=code&scope=read&redirect_uri=${REDIRECT}`,
      )
    ).query.get("code") as string
    const body = {
      client_id: other.credentials.clientId,
      client_secret: other.credentials.clientSecret,
      redirect_uri: REDIRECT,
    }
    const t = await postJson(other.urls.tokenUrl as string, {
      ...body,
      grant_type: "authorization_code",
      code,
    })
    const r1 = await postJson(other.urls.tokenUrl as string, {
      ...body,
      grant_type: "refresh_token",
      refresh_token: t.body.refresh_token,
    })
    const r2 = await postJson(other.urls.tokenUrl as string, {
      ...body,
      grant_type: "refresh_token",
      refresh_token: t.body.refresh_token,
    })
    expect(r1.body.refresh_token).toBe(t.body.refresh_token)
    expect(r2.status).toBe(200)
  })

  it("answers an expired access token with 401 'has expired', an unknown one with 'is invalid'", async () => {
    const t = await tokens()
    sb.control.advanceClock(3600)
    try {
      const expired = await me(t.access_token)
      expect(expired.status).toBe(401)
      expect(expired.body).toEqual({ message: "The access token provided has expired" })
      const refreshed = await refresh(t.refresh_token)
      expect((await me(refreshed.body.access_token)).status).toBe(200)
    } finally {
      sb.control.setClockOffset(0)
    }
    const invalid = await me("nope")
    expect(invalid.status).toBe(401)
    expect(invalid.body).toEqual({ message: "The access token provided is invalid" })
  })

  it("expires refresh tokens after two weeks, rotation included", async () => {
    const t = await tokens()
    sb.control.advanceClock(1_209_000)
    try {
      const rotated = await refresh(t.refresh_token)
      expect(rotated.status).toBe(200)
      sb.control.advanceClock(601)
      const late = await refresh(rotated.body.refresh_token)
      expect(late.status).toBe(400)
      expect(late.body.error).toBe("invalid_grant")
    } finally {
      sb.control.setClockOffset(0)
    }
  })

  it("revokes per RFC 7009 with a form or JSON body", async () => {
    const t = await tokens()
    const r = await postForm(sb.urls.revokeUrl as string, {
      token: t.refresh_token,
      token_type_hint: "refresh_token",
    })
    expect(r.status).toBe(200)
    expect((await refresh(t.refresh_token)).body.error).toBe("invalid_grant")
    expect((await me(t.access_token)).status).toBe(401)
    const u = await tokens()
    expect((await postJson(sb.urls.revokeUrl as string, { token: u.access_token })).status).toBe(200)
    expect((await me(u.access_token)).status).toBe(401)
    expect((await postJson(sb.urls.revokeUrl as string, { token: "unknown" })).status).toBe(200)
  })
})

describe("CCH resources", () => {
  const get = (url: string) => call(url, { headers: bearer(sb.credentials.apiKey) })

  it("accepts the non-expiring API key, even far in the future", async () => {
    sb.control.advanceClock(10 * 365 * 86_400)
    try {
      const r = await get(`${sb.baseUrl}/my-account`)
      expect(r.status).toBe(200)
      expect(r.body.id).toBe(sb.credentials.accountId)
    } finally {
      sb.control.setClockOffset(0)
    }
  })

  it("links related resources with absolute _href URLs on the sandbox that resolve", async () => {
    const account = (await get(`${sb.baseUrl}/cch-account/${sb.credentials.accountId}`)).body
    expect(account.owner).toEqual({
      _href: `${sb.origin}/cch-user/${sb.credentials.userId}`,
      id: sb.credentials.userId,
    })
    const users = await get(account.users._href)
    expect(users.body).toHaveLength(40)
    expect(users.body[0]).toEqual({ _href: `${sb.origin}/cch-user/2001`, id: 2001 })
    for (const path of [
      "/cch-account/1001/groups",
      "/cch-account/1001/initiatives",
      "/cch-account/1001/roles",
      "/cch-user/2002",
      "/cch-user/2002/ad-lists",
      "/cch-user/2002/groups",
      "/cch-user/2002/initiatives",
      "/cch-group/3001",
      "/cch-group/3001/users",
      "/cch-group/3007/parents",
      "/cch-group/3001/children",
      "/cch-group/3001/initiatives",
      "/cch-group/3001/ad-lists",
      "/cch-initiative/4001",
      "/cch-role/5001",
      "/cch-ad-list/6001",
      "/cch-ad-list/6001/authority-documents",
      "/cch-ad-list/6001/tracked-controls",
      "/cch-ad-list/6001/users",
      "/cch-ad-list/6001/groups",
      "/cch-ad-list/6001/initiatives",
    ]) {
      const r = await get(sb.baseUrl + path)
      expect(r.status, path).toBe(200)
    }
    const parents = (await get(`${sb.baseUrl}/cch-group/3007/parents`)).body
    expect(parents.length).toBeGreaterThan(0)
    expect((await get(parents[0]._href)).status).toBe(200)
    const controls = (await get(`${sb.baseUrl}/cch-ad-list/6001/tracked-controls`)).body
    expect((await get(controls[0]._href)).status).toBe(200)
  })

  it("answers 404 {message: Not found}", async () => {
    for (const path of ["/cch-user/1", "/cch-group/abc", "/cch-nothing"]) {
      const r = await get(sb.baseUrl + path)
      expect(r.status).toBe(404)
      expect(r.body).toEqual({ message: "Not found" })
    }
  })
})
