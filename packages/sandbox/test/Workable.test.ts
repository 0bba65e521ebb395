import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startWorkableSandbox, type WorkableSandbox } from "../src/index.ts"
import { authorize, bearer, call, postForm } from "./Helpers.ts"

const REDIRECT = "http://127.0.0.1:9/workable/callback"
let sb: WorkableSandbox
beforeAll(async () => {
  sb = await startWorkableSandbox()
})
afterAll(() => sb.stop())

const authorizeUrl = (scope = "r_jobs+r_candidates+w_candidates", extra = "&resource=user") =>
  `${sb.urls.authorizeUrl}?client_id=${sb.credentials.clientId}&redirect_uri=${encodeURIComponent(REDIRECT)}${extra}&response_type=code&scope=${scope}&state=st`
const multipart = (fields: Record<string, string>) => {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  return call(sb.urls.tokenUrl as string, { method: "POST", body: form })
}
const exchange = async (scope?: string) => {
  const { query } = await authorize(authorizeUrl(scope))
  const r = await multipart({
    grant_type: "authorization_code",
    client_id: sb.credentials.clientId,
    client_secret: sb.credentials.clientSecret,
    code: query.get("code") as string,
    redirect_uri: REDIRECT,
  })
  expect(r.status).toBe(200)
  return r.body as { access_token: string; refresh_token: string; scope: string }
}
const refresh = (refresh_token: string) =>
  multipart({
    grant_type: "refresh_token",
    client_id: sb.credentials.clientId,
    client_secret: sb.credentials.clientSecret,
    refresh_token,
  })
const api = (path: string, token = sb.credentials.apiToken, init?: RequestInit) =>
  call(path.startsWith("http") ? path : `${sb.baseUrl}${path}`, {
    ...init,
    headers: { ...bearer(token), ...init?.headers },
  })
const send = (method: string, path: string, body: unknown, token = sb.credentials.apiToken) =>
  api(path, token, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe("Workable OAuth", () => {
  it("authorizes with +-joined scopes and resource=user, redirecting with code and state", async () => {
    const r = await authorize(authorizeUrl())
    expect(r.status).toBe(302)
    expect(r.location.startsWith(REDIRECT)).toBe(true)
    expect(r.query.get("code")).toBeTruthy()
    expect(r.query.get("state")).toBe("st")
    const noResource = await authorize(authorizeUrl(undefined, ""))
    expect(noResource.query.get("error")).toBe("invalid_request")
    const badScope = await authorize(authorizeUrl("r_jobs+r_everything"))
    expect(badScope.query.get("error")).toBe("invalid_scope")
  })

  it("exchanges the code as multipart/form-data: lower-case bearer, 7200 s, scope, created_at", async () => {
    const { query } = await authorize(authorizeUrl())
    const r = await multipart({
      grant_type: "authorization_code",
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
      code: query.get("code") as string,
      redirect_uri: REDIRECT,
    })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({
      token_type: "bearer",
      expires_in: 7200,
      scope: "r_jobs r_candidates w_candidates",
    })
    expect(Math.abs(r.body.created_at - Date.now() / 1000)).toBeLessThan(5)
    expect(typeof r.body.refresh_token).toBe("string")
    const accounts = await api("/accounts", r.body.access_token)
    expect(accounts.status).toBe(200)
    expect(accounts.body.accounts[0]).toMatchObject({ subdomain: "keyway-sandbox", name: expect.any(String) })
  })

  it("also takes a urlencoded form, and refuses a reused code", async () => {
    const { query } = await authorize(authorizeUrl("r_jobs"))
    const fields = {
      grant_type: "authorization_code",
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
      code: query.get("code") as string,
      redirect_uri: REDIRECT,
    }
    const r = await postForm(sb.urls.tokenUrl as string, fields)
    expect(r.status).toBe(200)
    expect(r.body.scope).toBe("r_jobs")
    const again = await postForm(sb.urls.tokenUrl as string, fields)
    expect(again.status).toBe(400)
    expect(again.body.error).toBe("invalid_grant")
  })

  it("rotates the pair on every refresh; the old refresh token answers 401", async () => {
    const first = await exchange()
    const second = await refresh(first.refresh_token)
    expect(second.status).toBe(200)
    expect(second.body.refresh_token).not.toBe(first.refresh_token)
    expect(second.body.token_type).toBe("bearer")
    const reused = await refresh(first.refresh_token)
    expect(reused.status).toBe(401)
    expect(reused.body.error).toBe("invalid_grant")
    expect((await api("/jobs", second.body.access_token)).status).toBe(200)
  })

  it("revokes the grant: its access tokens die and its refresh answers 401", async () => {
    const t = await exchange()
    const revoked = await postForm(sb.urls.revokeUrl as string, {
      client_id: sb.credentials.clientId,
      client_secret: sb.credentials.clientSecret,
      token: t.refresh_token,
    })
    expect(revoked.status).toBe(200)
    expect((await refresh(t.refresh_token)).status).toBe(401)
    expect((await api("/jobs", t.access_token)).status).toBe(401)
    const wrong = await postForm(sb.urls.revokeUrl as string, {
      client_id: sb.credentials.clientId,
      client_secret: "x",
      token: "y",
    })
    expect(wrong.status).toBe(401)
  })

  it("checks scopes per endpoint and expiry with the clock", async () => {
    const t = await exchange("r_jobs")
    expect((await api("/jobs", t.access_token)).status).toBe(200)
    const forbidden = await api("/candidates", t.access_token)
    expect(forbidden.status).toBe(403)
    sb.control.advanceClock(7200)
    try {
      const expired = await api("/jobs", t.access_token)
      expect(expired.status).toBe(401)
      expect(expired.headers.get("www-authenticate")).toContain("invalid_token")
      expect((await api("/jobs")).status).toBe(200) // static API token
    } finally {
      sb.control.setClockOffset(0)
    }
  })
})

describe("Workable API", () => {
  it("pages jobs with paging.next absolute URLs (since_id, limit) over three pages", async () => {
    const ids: string[] = []
    let url: string | undefined = `${sb.baseUrl}/jobs`
    let pages = 0
    while (url) {
      const r = await api(url)
      expect(r.status).toBe(200)
      ids.push(...r.body.jobs.map((j: any) => j.id))
      pages++
      url = r.body.paging?.next
      if (url) {
        expect(url.startsWith(`${sb.baseUrl}/jobs?`)).toBe(true)
        expect(new URL(url).searchParams.get("limit")).toBe("50")
        expect(new URL(url).searchParams.get("since_id")).toBeTruthy()
      }
    }
    expect(pages).toBe(3)
    expect(ids).toHaveLength(130)
    expect(new Set(ids).size).toBe(130)
  })

  it("pages candidates keeping filters, and employees, at limit 50", async () => {
    let url: string | undefined = `${sb.baseUrl}/candidates?stage=applied&limit=20`
    let count = 0
    while (url) {
      const r = await api(url)
      for (const c of r.body.candidates) expect(c.stage).toBe("applied")
      count += r.body.candidates.length
      url = r.body.paging?.next
    }
    expect(count).toBeGreaterThanOrEqual(57)
    const employees = await api("/employees")
    expect(employees.body.employees).toHaveLength(50)
    expect(employees.body.paging.next).toContain("since_id=")
  })

  it("gets a job and a candidate; 404 {error: Not found}; unknown paths 404", async () => {
    const jobs = (await api("/jobs?limit=1")).body.jobs
    const job = await api(`/jobs/${jobs[0].shortcode}`)
    expect(job.body.shortcode).toBe(jobs[0].shortcode)
    for (const sub of ["stages", "questions", "custom_attributes"]) {
      const r = await api(`/jobs/${jobs[0].shortcode}/${sub}`)
      expect(r.status, sub).toBe(200)
      expect(Array.isArray(r.body[sub]), sub).toBe(true)
    }
    const listed = (await api("/candidates?limit=1")).body.candidates[0]
    const full = await api(`/candidates/${listed.id}`)
    expect(full.body.candidate).toMatchObject({ id: listed.id, email: listed.email })
    expect((await api(`/candidates/${listed.id}/activities`)).body.activities.length).toBeGreaterThan(0)
    const missing = await api("/candidates/fffffff")
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({ error: "Not found" })
    expect((await api("/nothing/here")).status).toBe(404)
    expect((await api("/jobs/NOPE")).body).toEqual({ error: "Not found" })
    for (const path of ["/members", "/recruiters", "/departments", "/requisitions", "/events", "/stages"])
      expect((await api(path)).status, path).toBe(200)
    const hired = (await api("/candidates?stage=hired&limit=1")).body.candidates[0]
    expect((await api(`/candidates/${hired.id}/offer`)).body.status).toBe("accepted")
  })

  it("creates a candidate (validating required fields) and updates it with PATCH", async () => {
    const shortcode = (await api("/jobs?limit=1")).body.jobs[0].shortcode
    const bad = await send("POST", `/jobs/${shortcode}/candidates`, { candidate: { name: "No Email" } })
    expect(bad.status).toBe(422)
    expect(bad.body.error).toContain("email")
    expect((await send("POST", `/jobs/${shortcode}/candidates`, {})).status).toBe(422)
    const created = await send("POST", `/jobs/${shortcode}/candidates`, {
      sourced: true,
      candidate: { name: "Grace Hopper", email: "grace@example.com" },
    })
    expect(created.status).toBe(201)
    expect(created.body.candidate).toMatchObject({
      name: "Grace Hopper",
      firstname: "Grace",
      stage: "sourced",
    })
    const id = created.body.candidate.id
    const patched = await send("PATCH", `/candidates/${id}`, { candidate: { headline: "Admiral" } })
    expect(patched.status).toBe(200)
    expect(patched.body.candidate.headline).toBe("Admiral")
    expect((await send("PUT", `/candidates/${id}`, { candidate: { headline: "x" } })).status).toBe(404)
    expect((await send("PATCH", `/candidates/${id}`, { candidate: { email: "bad" } })).status).toBe(422)
    const tags = await send("PUT", `/candidates/${id}/tags`, { tags: ["navy", "cobol"] })
    expect(tags.body.tags).toEqual(["navy", "cobol"])
    const member = (await api("/members?limit=1")).body.members[0].id
    expect((await send("POST", `/candidates/${id}/move`, { target_stage: "interview" })).status).toBe(422)
    expect(
      (await send("POST", `/candidates/${id}/move`, { member_id: member, target_stage: "interview" })).status,
    ).toBe(200)
    expect((await api(`/candidates/${id}`)).body.candidate.stage).toBe("interview")
    expect(
      (
        await send("POST", `/candidates/${id}/disqualify`, {
          member_id: member,
          disqualification_reason: "x",
        })
      ).status,
    ).toBe(200)
    expect((await send("POST", `/candidates/${id}/revert`, { member_id: member })).status).toBe(200)
    const comment = await send("POST", `/candidates/${id}/comments`, {
      member_id: member,
      comment: { body: "Great" },
    })
    expect(comment.status).toBe(201)
    expect(comment.body.id).toBeTruthy()
    const rating = await send("POST", `/candidates/${id}/ratings`, {
      member_id: member,
      scale: "thumbs",
      grade: 1,
    })
    expect(rating.status).toBe(201)
    const other = (await api("/jobs?limit=2")).body.jobs[1].shortcode
    const copy = await send("POST", `/candidates/${id}/copy`, {
      member_id: member,
      target_job_shortcode: other,
    })
    expect(copy.status).toBe(201)
    expect((await api(`/candidates/${copy.body.candidate.id}`)).body.candidate.job.shortcode).toBe(other)
    const relocated = await send("POST", `/candidates/${id}/relocate`, {
      member_id: member,
      target_job_shortcode: other,
    })
    expect(relocated.body.candidate.id).toBe(id)
  })

  it("updates employees with PATCH and manages subscriptions", async () => {
    const employee = (await api("/employees?limit=1")).body.employees[0]
    const patched = await send("PATCH", `/employees/${employee.id}`, { data: { job_title: "CTO" } })
    expect(patched.status).toBe(200)
    expect(patched.body.job_title).toBe("CTO")
    expect((await send("PATCH", `/employees/${employee.id}`, { data: { salary: 1 } })).status).toBe(422)
    const sub = await send("POST", "/subscriptions", {
      target: "https://example.com/hook",
      event: "candidate_created",
    })
    expect(sub.status).toBe(201)
    expect(
      (await send("POST", "/subscriptions", { target: "nope", event: "candidate_created" })).status,
    ).toBe(422)
    expect((await api(`/subscriptions/${sub.body.id}`, undefined, { method: "DELETE" })).status).toBe(204)
    expect((await api(`/subscriptions/${sub.body.id}`, undefined, { method: "DELETE" })).status).toBe(404)
  })

  it("rate limits with 429, Retry-After and x-rate-limit-* headers through fault injection", async () => {
    sb.control.injectFault({ type: "429", retryAfter: 10, route: "/spi/v3/candidates*", times: 1 })
    try {
      expect((await api("/jobs?limit=1")).status).toBe(200)
      const r = await api("/candidates?limit=1")
      expect(r.status).toBe(429)
      expect(r.headers.get("retry-after")).toBe("10")
      expect(r.headers.get("x-rate-limit-limit")).toBe("10")
      expect(r.headers.get("x-rate-limit-remaining")).toBe("0")
      const reset = Number(r.headers.get("x-rate-limit-reset"))
      expect(reset - Date.now() / 1000).toBeGreaterThan(8)
      expect((await api("/candidates?limit=1")).status).toBe(200)
    } finally {
      sb.control.clearFaults()
    }
  })
})
