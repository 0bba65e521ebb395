import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type CultureAmpSandbox,
  decodeJwtPayload,
  startCultureAmpSandbox,
  verifyHs256,
} from "../src/index.ts"
import { bearer, call, postForm, postJson } from "./Helpers.ts"

let sb: CultureAmpSandbox
beforeAll(async () => {
  sb = await startCultureAmpSandbox()
})
afterAll(() => sb.stop())

const basic = () =>
  `Basic ${Buffer.from(`${sb.credentials.clientId}:${sb.credentials.clientSecret}`).toString("base64")}`
const scopeOf = (...permissions: string[]) =>
  `target-entity:${sb.credentials.entityId}:${permissions.join(",")}`
const tokenFor = async (...permissions: string[]) => {
  const r = await postForm(
    sb.urls.tokenUrl as string,
    { grant_type: "client_credentials", scope: scopeOf(...permissions) },
    { authorization: basic() },
  )
  expect(r.status).toBe(200)
  return r.body.access_token as string
}
const get = (path: string, token: string) =>
  call(`${sb.origin}${path.startsWith("/v1") ? "" : "/v1"}${path}`, { headers: bearer(token) })

describe("Culture Amp token endpoint", () => {
  it("authenticates the client with HTTP Basic", async () => {
    const scope = scopeOf("employees-read", "performance-evaluations-read")
    const r = await postForm(
      sb.urls.tokenUrl as string,
      { grant_type: "client_credentials", scope },
      { authorization: basic() },
    )
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ expires_in: 3599, scope, token_type: "Bearer" })
    expect(sb.urls.tokenUrl).toBe(`${sb.origin}/v1/oauth2/token`)
    expect(sb.baseUrl).toBe(`${sb.origin}/v1`)
  })

  it("authenticates the client in the form body", async () => {
    const r = await postForm(sb.urls.tokenUrl as string, {
      grant_type: "client_credentials",
      scope: scopeOf("employees-read"),
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
    })
    expect(r.status).toBe(200)
  })

  it("refuses a JSON body, a wrong secret, another grant type", async () => {
    const json = await postJson(sb.urls.tokenUrl as string, {
      grant_type: "client_credentials",
      scope: scopeOf("employees-read"),
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
    })
    expect(json.status).toBe(400)
    expect(json.body.error).toBe("invalid_request")
    const wrong = await postForm(sb.urls.tokenUrl as string, {
      grant_type: "client_credentials",
      scope: scopeOf("employees-read"),
      client_id: sb.credentials.clientId,
      client_secret: "nope",
    })
    expect(wrong.status).toBe(401)
    expect(wrong.body.error).toBe("invalid_client")
    const grant = await postForm(
      sb.urls.tokenUrl as string,
      { grant_type: "password", scope: scopeOf("employees-read") },
      { authorization: basic() },
    )
    expect(grant.body.error).toBe("unsupported_grant_type")
  })

  it("checks the scope template, the entity id and the permissions", async () => {
    for (const scope of [
      "employees-read",
      `target-entity:${sb.credentials.entityId}`,
      "target-entity:00000000-0000-0000-0000-000000000000:employees-read",
      scopeOf("employees-write"),
      scopeOf("employees-read", ""),
      `target-entity:${sb.credentials.entityId}:employees-read performance-evaluations-read`,
    ]) {
      const r = await postForm(
        sb.urls.tokenUrl as string,
        { grant_type: "client_credentials", scope },
        { authorization: basic() },
      )
      expect(r.status, scope).toBe(400)
      expect(r.body.error).toBe("invalid_scope")
    }
  })

  it("issues an HS256 JWT with sub, scope and exp = iat + 3599; expired by the clock offset", async () => {
    const token = await tokenFor("employees-read")
    const verified = verifyHs256(token, sb.credentials.jwtSecret)
    expect(verified.ok).toBe(true)
    const claims = decodeJwtPayload(token) as Record<string, any>
    expect(claims.sub).toBe(sb.credentials.clientId)
    expect(claims.scope).toBe(scopeOf("employees-read"))
    expect(claims.exp - claims.iat).toBe(3599)
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(5)
    expect((await get("/employees", token)).status).toBe(200)
    sb.control.advanceClock(3600)
    try {
      const r = await get("/employees", token)
      expect(r.status).toBe(401)
      expect(r.body).toEqual({ code: 401, message: "Token expired" })
    } finally {
      sb.control.setClockOffset(0)
    }
  })
})

describe("Culture Amp API", () => {
  it("checks each endpoint's permission (403 otherwise)", async () => {
    const token = await tokenFor("employees-read")
    expect((await get("/employees", token)).status).toBe(200)
    const reviews = await get("/manager-reviews", token)
    expect(reviews.status).toBe(403)
    expect(reviews.body.code).toBe(403)
    expect((await get("/surveys", token)).status).toBe(403)
    const id = (await get("/employees", token)).body.data[0].id
    expect((await get(`/employees/${id}/demographics`, token)).status).toBe(403)
    expect((await get("/employees", "not-a-jwt")).status).toBe(401)
  })

  it("serves the 19 GET operations of the upstream spec", async () => {
    const token = await tokenFor(
      "employees-read",
      "employee-demographics-read",
      "performance-evaluations-read",
      "surveys-read",
    )
    const employee = (await get("/employees", token)).body.data[0]
    const cycle = (await get("/performance-cycles", token)).body.data[0]
    const review = (await get("/manager-reviews", token)).body.data[0]
    const survey = (await get("/surveys", token)).body.data[0]
    const question = (await get(`/surveys/${survey.id}/questions`, token)).body.data[0]
    const response = (await get(`/surveys/${survey.id}/responses`, token)).body.data[0]
    const factor = (await get(`/surveys/${survey.id}/factors`, token)).body.data[0]
    const section = (await get(`/surveys/${survey.id}/sections`, token)).body.data[0]
    const paths = [
      "/employees",
      `/employees/${employee.id}`,
      `/employees/${employee.id}/demographics`,
      `/employees/${employee.id}/manager-reviews`,
      "/performance-cycles",
      `/performance-cycles/${cycle.id}`,
      `/performance-cycles/${cycle.id}/manager-reviews`,
      "/manager-reviews",
      `/manager-reviews/${review.managerReviewId}`,
      "/surveys",
      `/surveys/${survey.id}`,
      `/surveys/${survey.id}/questions`,
      `/surveys/${survey.id}/question/${question.id}`,
      `/surveys/${survey.id}/responses`,
      `/surveys/${survey.id}/responses/${response.id}`,
      `/surveys/${survey.id}/factors`,
      `/surveys/${survey.id}/factors/${factor.id}`,
      `/surveys/${survey.id}/sections`,
      `/surveys/${survey.id}/sections/${section.id}`,
    ]
    expect(new Set(paths).size).toBe(19)
    for (const path of paths) {
      const r = await get(path, token)
      expect(r.status, path).toBe(200)
      expect(r.body.data, path).toBeDefined()
    }
    expect(employee.links[0]).toEqual({
      rel: "demographics",
      uri: `/v1/employees/${employee.id}/demographics`,
    })
    expect(review).toMatchObject({ employeeId: expect.any(String), performanceCycleId: expect.any(String) })
    const missing = await get("/employees/00000000-0000-4000-8000-000000000000", token)
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({ code: 404, message: "Not found" })
  })

  it("pages employees with cursor / afterKey / nextPath over three pages", async () => {
    const token = await tokenFor("employees-read")
    const ids = new Set<string>()
    let path: string | undefined = "/v1/employees"
    let pages = 0
    let afterKey: string | undefined
    while (path) {
      const r = await get(path, token)
      expect(r.status).toBe(200)
      for (const e of r.body.data) ids.add(e.id)
      pages++
      if (pages === 1) afterKey = r.body.pagination.afterKey
      path = r.body.pagination?.nextPath
      if (path) expect(path.startsWith("/v1/employees?cursor=")).toBe(true)
    }
    expect(pages).toBe(3)
    expect(ids.size).toBe(250)
    const viaAfterKey = await get(`/employees?after_key=${encodeURIComponent(afterKey as string)}`, token)
    const viaCursor = await get(`/employees?cursor=${encodeURIComponent(afterKey as string)}`, token)
    expect(viaAfterKey.body.data[0].id).toBe(viaCursor.body.data[0].id)
    expect((await get("/employees?cursor=garbage", token)).status).toBe(400)
    const reviewsCursor = (await get("/manager-reviews", await tokenFor("performance-evaluations-read"))).body
      .pagination.afterKey
    expect((await get(`/employees?cursor=${encodeURIComponent(reviewsCursor)}`, token)).status).toBe(400)
  })

  it("filters employees by email and employee_identifier (identifier wins)", async () => {
    const token = await tokenFor("employees-read")
    const second = (await get("/employees", token)).body.data[1]
    const byEmail = await get(`/employees?email=${encodeURIComponent(second.email)}`, token)
    expect(byEmail.body.data.map((e: any) => e.id)).toEqual([second.id])
    const both = await get(
      `/employees?email=${encodeURIComponent(second.email)}&employee_identifier=1000`,
      token,
    )
    expect(both.body.data[0].employeeIdentifier).toBe("1000")
  })

  it("filters performance cycles by state and after_date; an unescaped + is a 400", async () => {
    const token = await tokenFor("performance-evaluations-read")
    const active = await get("/performance-cycles?state=active", token)
    expect(active.body.data.length).toBeGreaterThan(0)
    expect(active.body.data.every((c: any) => c.state === "active")).toBe(true)
    expect((await get("/performance-cycles?state=open", token)).status).toBe(400)
    const after = await get(
      `/manager-reviews?after_date=${encodeURIComponent("2024-03-01T00:00:00+00:00")}`,
      token,
    )
    expect(after.status).toBe(200)
    expect(after.body.data.every((r: any) => r.processedAt > "2024-03-01")).toBe(true)
    const raw = await get("/manager-reviews?after_date=2024-03-01T00:00:00+08:00", token)
    expect(raw.status).toBe(400)
    // the filter travels in the cursor: the next page keeps it
    const firstPage = await get(`/manager-reviews?after_date=2024-01-01T00:00:00Z`, token)
    const nextPage = await get(firstPage.body.pagination.nextPath, token)
    expect(nextPage.body.data.every((r: any) => r.processedAt > "2024-01-01")).toBe(true)
  })

  it("throttles with 429 or 503 and Retry-After through fault injection", async () => {
    const token = await tokenFor("employees-read")
    sb.control.injectFault({ type: "429", retryAfter: 3, times: 1 })
    sb.control.injectFault({ type: "5xx", status: 503, retryAfter: 2, times: 1 })
    try {
      const first = await get("/employees", token)
      expect(first.status).toBe(429)
      expect(first.headers.get("retry-after")).toBe("3")
      expect(first.body).toEqual({ code: 429, message: "Too many requests" })
      const second = await get("/employees", token)
      expect(second.status).toBe(503)
      expect(second.headers.get("retry-after")).toBe("2")
      expect((await get("/employees", token)).status).toBe(200)
    } finally {
      sb.control.clearFaults()
    }
  })
})
