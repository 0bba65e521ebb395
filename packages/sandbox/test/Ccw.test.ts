import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CcwSandbox, startCcwSandbox } from "../src/index.ts"
import { bearer, call, postForm, postJson } from "./Helpers.ts"

let sb: CcwSandbox
beforeAll(async () => {
  sb = await startCcwSandbox()
})
afterAll(() => sb.stop())

const token = async (scope: string, grant_type = "client_credential") => {
  const r = await postJson(sb.urls.tokenUrl as string, {
    client_id: sb.credentials.clientId,
    client_secret: sb.credentials.clientSecret,
    scope,
    grant_type,
  })
  expect(r.status).toBe(200)
  return r.body.access_token as string
}
const headers = (t: string, correlation = "corr-1") => bearer(t, { "x-correlation-id": correlation })
const search = (t: string, body: unknown, h?: Record<string, string>) =>
  postJson(`${sb.baseUrl}/API/candidates/search`, body, h ?? headers(t))

describe("CCW token endpoint", () => {
  it("issues a Bearer token for a JSON body with the documented client_credential grant", async () => {
    const r = await postJson(sb.urls.tokenUrl as string, {
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
      scope: "ccw.candidate ccw.contingent_workers",
      grant_type: "client_credential",
    })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({
      token_type: "Bearer",
      expires_in: 3600,
      scope: "ccw.candidate ccw.contingent_workers",
    })
    expect(typeof r.body.access_token).toBe("string")
    expect(sb.urls.tokenUrl).toMatch(/\/auth\/realms\/ccw-na-stg\/protocol\/openid-connect\/token$/)
    expect(sb.baseUrl).toBe(sb.origin)
  })

  it("also accepts the standard client_credentials literal", async () => {
    expect(await token("ccw.candidate", "client_credentials")).toBeTruthy()
  })

  it("refuses a form body with 400 invalid_request", async () => {
    const r = await postForm(sb.urls.tokenUrl as string, {
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
      scope: "ccw.candidate",
      grant_type: "client_credential",
    })
    expect(r.status).toBe(400)
    expect(r.body.error).toBe("invalid_request")
  })

  it("answers 401 invalid_client for a wrong secret, 400 invalid_scope for an unknown scope, 404 for an unknown realm", async () => {
    const base = {
      client_id: sb.credentials.clientId,
      scope: "ccw.candidate",
      grant_type: "client_credential",
    }
    const wrong = await postJson(sb.urls.tokenUrl as string, { ...base, client_secret: "nope" })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error).toBe("invalid_client")
    const scope = await postJson(sb.urls.tokenUrl as string, {
      ...base,
      client_secret: sb.credentials.clientSecret,
      scope: "ccw.admin",
    })
    expect(scope.status).toBe(400)
    expect(scope.body.error).toBe("invalid_scope")
    const realm = await postJson(`${sb.origin}/auth/realms/nope/protocol/openid-connect/token`, {
      ...base,
      client_secret: sb.credentials.clientSecret,
    })
    expect(realm.status).toBe(404)
    const grant = await postJson(sb.urls.tokenUrl as string, {
      ...base,
      client_secret: sb.credentials.clientSecret,
      grant_type: "password",
    })
    expect(grant.body.error).toBe("unsupported_grant_type")
  })
})

describe("CCW API", () => {
  it("requires X-Correlation-id (at most 36 chars) and echoes it", async () => {
    const t = await token("ccw.candidate")
    const missing = await search(t, { data: { status: "submitted" } }, bearer(t))
    expect(missing.status).toBe(400)
    expect(missing.body.error_code).toBe("E4000000")
    expect(missing.body.error_summary).toBe("Missing required headers")
    expect(missing.body.error_causes[0].error_sub_code).toBe("E4000001")
    const long = await search(t, { data: { status: "submitted" } }, headers(t, "x".repeat(37)))
    expect(long.status).toBe(400)
    expect(long.body.error_causes[0].error_sub_code).toBe("E4000001")
    const id = "123e4567-e89b-12d3-a456-426614174000"
    const ok = await search(t, { data: { status: "submitted" } }, headers(t, id))
    expect(ok.status).toBe(200)
    expect(ok.headers.get("x-correlation-id")).toBe(id)
  })

  it("requires Content-Type: application/json", async () => {
    const t = await token("ccw.candidate")
    const r = await call(`${sb.baseUrl}/API/candidates/search`, {
      method: "POST",
      headers: { ...headers(t), "content-type": "text/plain" },
      body: JSON.stringify({ data: { status: "submitted" } }),
    })
    expect(r.status).toBe(400)
    expect(r.body.error_code).toBe("E4000000")
  })

  it("checks the token's scope: 403 with the error envelope", async () => {
    const t = await token("ccw.candidate")
    const r = await postJson(
      `${sb.baseUrl}/API/contingent_workers`,
      { data: { status: "active" } },
      headers(t),
    )
    expect(r.status).toBe(403)
    expect(r.body.error_code).toBe("E4030000")
    const both = await token("ccw.candidate ccw.contingent_workers")
    const ok = await postJson(
      `${sb.baseUrl}/API/contingent_workers`,
      { data: { status: "active" } },
      headers(both),
    )
    expect(ok.status).toBe(200)
    expect(ok.body.meta.total).toBe(48)
  })

  it("pages candidates by offset across several pages", async () => {
    const t = await token("ccw.candidate")
    const ids = new Set<string>()
    let offset = 0
    let pages = 0
    for (;;) {
      const r = await search(t, { meta: { limit: 25, offset }, data: { status: "submitted" } })
      expect(r.status).toBe(200)
      expect(r.body.meta).toEqual({ limit: 25, offset, total: 60 })
      for (const c of r.body.data) ids.add(c.id)
      pages++
      offset += 25
      if (offset >= r.body.meta.total) break
    }
    expect(pages).toBe(3)
    expect(ids.size).toBe(60)
    const defaults = await search(t, { data: { status: "submitted" } })
    expect(defaults.body.meta).toEqual({ limit: 50, offset: 0, total: 60 })
    expect(defaults.body.data).toHaveLength(50)
  })

  it("filters on data fields and validates meta and data", async () => {
    const t = await token("ccw.candidate")
    const first = (await search(t, { data: { status: "submitted" } })).body.data[0]
    const byEmail = await search(t, { data: { email: first.email } })
    expect(byEmail.body.data.map((c: any) => c.id)).toEqual([first.id])
    const byName = await search(t, {
      data: { last_name: first.last_name.toUpperCase(), first_name: first.first_name },
    })
    expect(byName.body.data.every((c: any) => c.last_name === first.last_name)).toBe(true)
    for (const bad of [
      { meta: { limit: 51 }, data: { status: "submitted" } },
      { meta: { limit: 0 }, data: { status: "submitted" } },
      { meta: { offset: -1 }, data: { status: "submitted" } },
      { data: {} },
      { data: { status: "" } },
      {},
    ]) {
      const r = await search(t, bad)
      expect(r.status, JSON.stringify(bad)).toBe(400)
      expect(r.body.error_code).toBe("E4000000")
    }
  })

  it("confirms a candidate, 404s an unknown one, refuses a past start date", async () => {
    const t = await token("ccw.candidate")
    const put = (id: string, body?: unknown) =>
      call(`${sb.baseUrl}/API/candidates/${id}/confirm`, {
        method: "PUT",
        headers: { ...headers(t), "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    const ok = await put("10002")
    expect(ok.status).toBe(200)
    expect(ok.body).toEqual({ id: "10002" })
    const found = await search(t, { data: { id: "10002" } })
    expect(found.body.data[0].status).toBe("confirmed")
    const missing = await put("99999")
    expect(missing.status).toBe(404)
    expect(missing.body.error_code).toBe("E4040000")
    const past = await put("10004", { start_date: "2001-01-01" })
    expect(past.body.error_causes[0].error_sub_code).toBe("E4000006")
    const invalid = await put("10004", { start_date: "tomorrow" })
    expect(invalid.body.error_causes[0].error_sub_code).toBe("E4000007")
  })

  it("answers 401 with the envelope once the token has expired (clock offset)", async () => {
    const t = await token("ccw.candidate")
    sb.control.advanceClock(3600)
    try {
      const r = await search(t, { data: { status: "submitted" } })
      expect(r.status).toBe(401)
      expect(r.body.error_code).toBe("E4010000")
      expect(r.headers.get("www-authenticate")).toContain("invalid_token")
    } finally {
      sb.control.setClockOffset(0)
    }
    const none = await search(t, { data: { status: "submitted" } }, { "x-correlation-id": "x" })
    expect(none.status).toBe(401)
  })
})
