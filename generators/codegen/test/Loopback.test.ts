// Each provider's generated client makes typed calls against a loopback node:http server: the
// auth strategy (token endpoint or static token), required headers, the operation functions and
// the pagination helpers, through @keyway/core.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { Effect, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { pkgDir, project, run } from "./helpers.ts"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

const serve = async (handler: (req: Seen, res: ServerResponse) => void) => {
  const seen: Array<Seen> = []
  const server = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      const r = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body }
      seen.push(r)
      handler(r, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

let out: string
beforeAll(async () => {
  const dir = project("loopback", [], { specs: join(pkgDir, "..", "..", "specs"), schemaFile: false })
  const r = await run(["generate"], dir)
  expect(r.err).toBe("")
  out = join(dir, "packages")
}, 120_000)

const load = async (provider: string) => import(join(out, provider, "src", "index.ts"))
// the Effect API: the package's `./effect` entry
const loadEffect = async (provider: string) => import(join(out, provider, "src", "effect.ts"))

describe("generated clients against loopback servers", () => {
  const servers: Array<{ close: () => Promise<void> }> = []
  afterAll(async () => {
    for (const s of servers) await s.close()
  })

  it("CCW: client credentials with a JSON token body, correlation header, op functions, offset pagination", async () => {
    const candidates = Array.from({ length: 120 }, (_, i) => ({ id: String(i + 1), first_name: `c${i + 1}` }))
    const s = await serve((req, res) => {
      if (req.url === "/token")
        return json(res, 200, { access_token: "tok-1", token_type: "Bearer", expires_in: 3600 })
      if (req.url === "/API/candidates/search") {
        const body = JSON.parse(req.body) as { meta: { offset: number; limit: number } }
        const page = candidates.slice(body.meta.offset, body.meta.offset + body.meta.limit)
        return json(res, 200, {
          meta: { offset: body.meta.offset, limit: body.meta.limit, total: candidates.length },
          data: page,
        })
      }
      if (req.url === "/API/candidates/42/confirm") return json(res, 200, { id: "42" })
      json(res, 404, { error_code: "E404", error_summary: "not found", error_causes: [] })
    })
    servers.push(s)
    const Ccw = await load("ccw")
    const client = Ccw.createClient({
      baseUrl: s.url,
      tokenUrl: `${s.url}/token`,
      auth: { clientId: "id", clientSecret: "secret" },
    })
    const confirmed = await client.op.confirmCandidate({ params: { path: { id: "42" } } })
    expect(confirmed.data).toEqual({ id: "42" })
    const token = s.seen.find((r) => r.url === "/token")!
    expect(JSON.parse(token.body)).toMatchObject({
      grant_type: "client_credential",
      client_id: "id",
      client_secret: "secret",
      scope: "ccw.candidate",
    })
    const call = s.seen.find((r) => r.url === "/API/candidates/42/confirm")!
    expect(call.method).toBe("PUT")
    expect(call.headers.authorization).toBe("Bearer tok-1")
    expect(String(call.headers["x-correlation-id"]).length).toBeGreaterThan(0)
    expect(String(call.headers["x-correlation-id"]).length).toBeLessThanOrEqual(36)
    const seen: Array<string> = []
    for await (const c of client.paginate.searchCandidates({
      body: { meta: { offset: 0 }, data: { status: "Submitted" } },
    }))
      seen.push((c as { id: string }).id)
    expect(seen).toEqual(candidates.map((c) => c.id))
    // pages of the descriptor's pageSize (50), the offset in the JSON body at meta.offset
    const pages = s.seen.filter((r) => r.url === "/API/candidates/search").map((r) => JSON.parse(r.body).meta)
    expect(pages).toEqual([
      { offset: 0, limit: 50 },
      { offset: 50, limit: 50 },
      { offset: 100, limit: 50 },
    ])
    await client.close()
  })

  it("CCW through the Effect API: typed data, and a typed HttpError with the error envelope", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/token")
        return json(res, 200, { access_token: "tok-e", token_type: "Bearer", expires_in: 3600 })
      json(res, 400, { error_code: "E4000007", error_summary: "invalid start date", error_causes: [] })
    })
    servers.push(s)
    const Ccw = await loadEffect("ccw")
    type Failure = {
      readonly _tag: "HttpError"
      readonly status: number
      readonly body: { readonly error_code: string }
    }
    const call = Effect.gen(function* () {
      const client = yield* Ccw.CcwClient
      return yield* client.op.confirmCandidate({ params: { path: { id: "1" } } })
    }) as Effect.Effect<unknown, Failure, never>
    const program = call.pipe(
      Effect.catchTag("HttpError", (e) => Effect.succeed(`${e.status} ${e.body.error_code}`)),
      Effect.provide(
        Ccw.layer({
          baseUrl: s.url,
          tokenUrl: `${s.url}/token`,
          auth: { clientId: "id", clientSecret: "s" },
          retry: { maxAttempts: 1 },
        }),
      ),
    )
    expect(await Effect.runPromise(program as Effect.Effect<unknown>)).toBe("400 E4000007")
  })

  it("Culture Amp: Basic client auth, form body, the scope template with entityId, cursor pagination", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/oauth2/token")
        return json(res, 200, { access_token: "ca-1", token_type: "Bearer", expires_in: 3599 })
      if (req.url?.startsWith("/employees")) {
        const cursor = new URL(req.url, "http://x").searchParams.get("cursor")
        if (!cursor)
          return json(res, 200, { data: [{ id: "e1" }, { id: "e2" }], pagination: { afterKey: "k2" } })
        return json(res, 200, { data: [{ id: "e3" }], pagination: { afterKey: null } })
      }
      json(res, 404, {})
    })
    servers.push(s)
    const CultureAmp = await load("cultureamp")
    const client = CultureAmp.createClient({
      baseUrl: s.url,
      tokenUrl: `${s.url}/oauth2/token`,
      entityId: "ent-9",
      auth: { clientId: "cid", clientSecret: "csec" },
    })
    const ids: Array<string> = []
    for await (const e of client.paginate.listEmployees()) ids.push((e as { id: string }).id)
    expect(ids).toEqual(["e1", "e2", "e3"])
    const token = s.seen.find((r) => r.url === "/oauth2/token")!
    expect(token.headers.authorization).toBe(`Basic ${Buffer.from("cid:csec").toString("base64")}`)
    expect(token.headers["content-type"]).toContain("application/x-www-form-urlencoded")
    expect(new URLSearchParams(token.body).get("scope")).toBe("target-entity:ent-9:employees-read")
    expect(s.seen.filter((r) => r.url.startsWith("/employees")).map((r) => r.headers.authorization)).toEqual([
      "Bearer ca-1",
      "Bearer ca-1",
    ])
    await client.close()
  })

  it("Workable: an API token, next-url pagination following paging.next", async () => {
    let base = ""
    const s = await serve((req, res) => {
      const url = new URL(req.url, "http://x")
      if (url.pathname === "/jobs") {
        if (url.searchParams.get("since_id") === "j2")
          return json(res, 200, { jobs: [{ shortcode: "j3" }], paging: {} })
        return json(res, 200, {
          jobs: [{ shortcode: "j1" }, { shortcode: "j2" }],
          paging: { next: `${base}/jobs?limit=100&since_id=j2` },
        })
      }
      json(res, 404, { error: "Not found" })
    })
    base = s.url
    servers.push(s)
    const Workable = await load("workable")
    const client = Workable.createClient({
      subdomain: "acme",
      baseUrl: s.url,
      auth: { type: "api-token", token: "wt" },
    })
    const codes: Array<string> = []
    for await (const j of client.paginate.listJobs()) codes.push((j as { shortcode: string }).shortcode)
    expect(codes).toEqual(["j1", "j2", "j3"])
    expect(s.seen.map((r) => r.url)).toEqual(["/jobs?limit=100", "/jobs?limit=100&since_id=j2"])
    expect(s.seen.every((r) => r.headers.authorization === "Bearer wt")).toBe(true)
    await client.close()
  })

  it("Workable through the Effect API: paginate is a Stream; a failing page fails it with the typed HttpError", async () => {
    let base = ""
    const s = await serve((req, res) => {
      const url = new URL(req.url, "http://x")
      if (url.pathname === "/jobs") {
        const since = url.searchParams.get("since_id")
        if (since === "j4") return json(res, 200, { jobs: [{ shortcode: "j5" }], paging: {} })
        if (since === "j2")
          return json(res, 200, {
            jobs: [{ shortcode: "j3" }, { shortcode: "j4" }],
            paging: { next: `${base}/jobs?limit=100&since_id=j4` },
          })
        return json(res, 200, {
          jobs: [{ shortcode: "j1" }, { shortcode: "j2" }],
          paging: { next: `${base}/jobs?limit=100&since_id=j2` },
        })
      }
      if (url.pathname === "/candidates") {
        if (url.searchParams.get("since_id") === "c2") return json(res, 404, { error: "Not found" })
        return json(res, 200, {
          candidates: [{ id: "c1" }, { id: "c2" }],
          paging: { next: `${base}/candidates?limit=100&since_id=c2` },
        })
      }
      json(res, 404, { error: "Not found" })
    })
    base = s.url
    servers.push(s)
    const Workable = await loadEffect("workable")
    type Failure = { readonly _tag: string; readonly status?: number; readonly correlationId?: string }
    const program = Effect.gen(function* () {
      const client = yield* Workable.WorkableClient
      const jobs = yield* Stream.runCollect(
        client.paginate.listJobs() as Stream.Stream<{ readonly shortcode: string }, Failure>,
      )
      const failure = yield* Effect.flip(
        Stream.runCollect(client.paginate.listCandidates() as Stream.Stream<unknown, Failure>),
      )
      return { codes: Array.from(jobs, (j) => j.shortcode), failure }
    }).pipe(
      Effect.provide(
        Workable.layer({
          subdomain: "acme",
          baseUrl: s.url,
          auth: { type: "api-token", token: "wt" },
          retry: { maxAttempts: 1 },
        }),
      ),
    ) as Effect.Effect<{ codes: Array<string>; failure: Failure }>
    const { codes, failure } = await Effect.runPromise(program)
    expect(codes).toEqual(["j1", "j2", "j3", "j4", "j5"])
    expect(failure._tag).toBe("HttpError")
    expect(failure.status).toBe(404)
    expect(failure.correlationId).toMatch(/^[0-9a-f-]{36}$/)
    expect(s.seen.map((r) => r.url)).toEqual([
      "/jobs?limit=100",
      "/jobs?limit=100&since_id=j2",
      "/jobs?limit=100&since_id=j4",
      "/candidates?limit=100",
      "/candidates?limit=100&since_id=c2",
    ])
  })

  it("CCH: an API key as a bearer token", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/my-account") return json(res, 200, { id: 7, _href: "x" })
      json(res, 404, { message: "no" })
    })
    servers.push(s)
    const Cch = await load("cch")
    const client = Cch.createClient({ baseUrl: s.url, auth: { type: "api-key", token: "key-1" } })
    const r = await client.op.getMyAccount()
    expect(r.response.status).toBe(200)
    expect(s.seen[0]!.headers.authorization).toBe("Bearer key-1")
    await client.close()
  })

  it("CCA: a session login, then the session token on calls", async () => {
    const s = await serve((req, res) => {
      if (req.url === "/CcaAPI/session" && req.method === "POST")
        return json(res, 200, { token: "sess-1", expiresIn: 60 })
      if (req.url === "/CcaAPI/agents") return json(res, 200, [{ id: "a1" }])
      if (req.url === "/CcaAPI/session" && req.method === "DELETE") return json(res, 200, {})
      json(res, 404, {})
    })
    servers.push(s)
    const Cca = await load("cca")
    const client = Cca.createClient({
      server: "ignored",
      baseUrl: `${s.url}/CcaAPI`,
      auth: { type: "session", username: "u", password: "p", module: "m" },
    })
    const r = await client.op.listAgents()
    expect(r.response.status).toBe(200)
    const login = s.seen.find((x) => x.url === "/CcaAPI/session")!
    expect(JSON.parse(login.body)).toEqual({ username: "u", password: "p", module: "m" })
    expect(s.seen.find((x) => x.url === "/CcaAPI/agents")!.headers.authorization).toBe("Bearer sess-1")
    await client.close()
  })
})
