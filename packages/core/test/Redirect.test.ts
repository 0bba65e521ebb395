import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted, Schema } from "effect"
import { TestClock } from "effect/testing"
import { afterEach, beforeEach } from "vitest"
import { Auth, Call, Client, Descriptor, Http, Origin, Redirect, Retry, Transport } from "../src/index.ts"
import * as Server from "./fixtures/Server.ts"

// Two loopback servers on two ports: two origins.
let api: Server.TestServer
let other: Server.TestServer
beforeEach(async () => {
  api = await Server.start(Server.json(200, { at: "api" }))
  other = await Server.start(Server.json(200, { at: "other" }))
})
afterEach(async () => {
  await api.close()
  await other.close()
})

const redirect =
  (status: number, location: () => string): Server.Handler =>
  (_req, res) => {
    res.writeHead(status, { location: location() })
    res.end()
  }

// A plugin that puts its credential in a header and in a query parameter.
const plugin = Auth.make({
  name: "both",
  secretQueryParams: ["api_key"],
  authenticate: (request) =>
    Effect.succeed(
      Http.setQuery(Http.setHeader(request, "authorization", "Bearer SECRET"), "api_key", "SECRET"),
    ),
})

const runtime = (redirects?: Partial<Redirect.Policy>): Call.Runtime => ({
  provider: "test",
  auth: plugin,
  transport: Transport.makeUndici(),
  retry: Retry.defaults,
  correlation: { header: "X-Correlation-Id", maxLength: 36 },
  origins: Origin.trusted(api.url),
  redirects,
})

const body = new TextEncoder().encode('{"name":"rex"}')
const post = (path: string) =>
  Http.makeRequest("POST", `${api.url}${path}`, { "content-type": "application/json" }, body)

describe("redirects on one origin", () => {
  it.live("303 after a POST: GET without a body, decorated again", () =>
    Effect.gen(function* () {
      api.queue.push(redirect(303, () => "/pets/7"))
      const result = yield* Call.execute(runtime(), post("/pets"), { correlationId: "c-303" })
      assert.strictEqual(result.response.status, 200)
      assert.strictEqual(result.redirects, 1)
      assert.strictEqual(result.finalUrl, `${api.url}/pets/7`)
      assert.strictEqual(result.attempts, 2)
      const hop = api.seen[1]!
      assert.strictEqual(hop.method, "GET")
      assert.strictEqual(hop.body, "")
      assert.isUndefined(hop.headers["content-type"])
      assert.strictEqual(hop.headers.authorization, "Bearer SECRET")
      assert.strictEqual(hop.headers["x-correlation-id"], "c-303")
    }),
  )

  it.live("301 and 302 turn a POST into a GET; 307 and 308 keep method and body", () =>
    Effect.gen(function* () {
      for (const [status, method, sent] of [
        [301, "GET", ""],
        [302, "GET", ""],
        [307, "POST", '{"name":"rex"}'],
        [308, "POST", '{"name":"rex"}'],
      ] as const) {
        api.seen.length = 0
        api.queue.push(redirect(status, () => "/moved"))
        yield* Call.execute(runtime(), post("/pets"), {})
        assert.strictEqual(api.seen[1]!.method, method, `status ${status}`)
        assert.strictEqual(api.seen[1]!.body, sent, `status ${status}`)
      }
    }),
  )

  it.live("a PUT keeps its method on 301 and 302 (only POST changes)", () =>
    Effect.gen(function* () {
      api.queue.push(redirect(302, () => "/moved"))
      yield* Call.execute(runtime(), Http.makeRequest("PUT", `${api.url}/p`, {}, body), {})
      assert.strictEqual(api.seen[1]!.method, "PUT")
      assert.strictEqual(api.seen[1]!.body, '{"name":"rex"}')
    }),
  )

  it.live(
    "past maxHops: TooManyRedirects; maxHops 0 refuses any redirect; follow false returns the 3xx",
    () =>
      Effect.gen(function* () {
        api.setDefault(redirect(302, () => "/again"))
        const error = yield* Effect.flip(Call.execute(runtime(), Http.makeRequest("GET", `${api.url}/a`), {}))
        assert.strictEqual(error._tag, "TooManyRedirects")
        assert.strictEqual(api.seen.length, 6) // the first request and 5 hops
        assert.notInclude(error.message, "SECRET")

        api.seen.length = 0
        const none = yield* Effect.flip(
          Call.execute(runtime({ maxHops: 0 }), Http.makeRequest("GET", `${api.url}/a`), {}),
        )
        assert.strictEqual(none._tag, "TooManyRedirects")
        assert.strictEqual(api.seen.length, 1)

        api.seen.length = 0
        const manual = yield* Call.execute(runtime(), Http.makeRequest("GET", `${api.url}/a`), {
          redirects: { follow: false },
        })
        assert.strictEqual(manual.response.status, 302)
        assert.strictEqual(api.seen.length, 1)
      }),
  )
})

describe("redirects to another origin", () => {
  it.live("are refused by default, before anything is sent there", () =>
    Effect.gen(function* () {
      api.queue.push(redirect(302, () => `${other.url}/steal?api_key=SECRET`))
      const error = yield* Effect.flip(Call.execute(runtime(), Http.makeRequest("GET", `${api.url}/a`), {}))
      assert.strictEqual(error._tag, "OriginRefused")
      assert.include(error.message, "redirect")
      assert.notInclude(error.message, "SECRET")
      assert.strictEqual(other.seen.length, 0)
    }),
  )

  it.live(
    "follow-without-credentials re-sends undecorated: no Authorization, no secret query parameter",
    () =>
      Effect.gen(function* () {
        api.queue.push(redirect(307, () => `${other.url}/files/1?api_key=SECRET&v=2`))
        const result = yield* Call.execute(
          runtime({ crossOrigin: "follow-without-credentials" }),
          Http.makeRequest("GET", `${api.url}/a`, { cookie: "session=SECRET" }),
          { correlationId: "c-x" },
        )
        assert.deepStrictEqual(Http.json(result.response), { at: "other" })
        const seen = other.seen[0]!
        assert.isUndefined(seen.headers.authorization)
        assert.isUndefined(seen.headers.cookie)
        assert.strictEqual(seen.url, "/files/1?v=2")
        assert.strictEqual(seen.headers["x-correlation-id"], "c-x")
      }),
  )

  it.live("once it has left its origin a call stays anonymous, even back on its own origin", () =>
    Effect.gen(function* () {
      api.queue.push(redirect(302, () => `${other.url}/bounce`))
      other.queue.push(redirect(302, () => `${api.url}/back`))
      yield* Call.execute(
        runtime({ crossOrigin: "follow-without-credentials" }),
        Http.makeRequest("GET", `${api.url}/a`),
        {},
      )
      assert.strictEqual(api.seen.length, 2)
      assert.isUndefined(api.seen[1]!.headers.authorization)
      assert.notInclude(api.seen[1]!.url, "api_key")
    }),
  )
})

describe("Redirect.decide", () => {
  const context = { hops: 0, anonymous: false, correlationId: "c" }
  const response = (location: string) => ({ status: 301, headers: { location } })
  it("refuses https → http always, even with follow-without-credentials", () => {
    const request = Http.makeRequest("GET", "https://api.example/a")
    const policy = Redirect.merge(Redirect.defaults, { crossOrigin: "follow-without-credentials" })
    const decision = Redirect.decide(policy, request, response("http://api.example/a"), context)
    assert.strictEqual(decision._tag, "Refuse")
    assert.include(decision._tag === "Refuse" ? decision.error.message : "", "downgrade")
  })

  it("refuses a target that is not http(s), answers a 3xx without Location as it is", () => {
    const request = Http.makeRequest("GET", "https://api.example/a")
    assert.strictEqual(
      Redirect.decide(Redirect.defaults, request, response("ftp://api.example/"), context)._tag,
      "Refuse",
    )
    assert.strictEqual(
      Redirect.decide(Redirect.defaults, request, { status: 302, headers: {} }, context)._tag,
      "Answer",
    )
  })
})

describe("the redirect policy flows from the descriptor to clients", () => {
  const bearer = Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "static",
      authenticate: (request) => Effect.succeed(Http.setHeader(request, "authorization", "Bearer SECRET")),
    }),
  )
  const define = (redirects: Descriptor.RedirectSettings | undefined) =>
    Client.defineProvider<any, unknown>()({
      provider: "files",
      redirects: Schema.decodeUnknownSync(Descriptor.RedirectSettings)(redirects ?? {}),
      resolveSettings: () => ({ baseUrl: api.url }),
      authLayer: () => bearer,
    })

  it.live("the descriptor's crossOrigin is the client's; the options' redirects override it", () =>
    Effect.promise(async () => {
      api.setDefault(redirect(302, () => `${other.url}/blob`))
      const following = define({ crossOrigin: "follow-without-credentials" }).make({}, () => ({}))
      const { data } = await following.GET("/file", {})
      assert.deepStrictEqual(data, { at: "other" })
      assert.isUndefined(other.seen[0]!.headers.authorization)
      await following.close()

      const refusing = define({ crossOrigin: "follow-without-credentials" }).make(
        { redirects: { crossOrigin: "refuse" } },
        () => ({}),
      )
      const error = await refusing.GET("/file", {}).catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "OriginRefused")
      await refusing.close()

      const byDefault = define(undefined).make({}, () => ({}))
      const refused = await byDefault.GET("/file", {}).catch((e: unknown) => e)
      assert.strictEqual((refused as { _tag: string })._tag, "OriginRefused")
      await byDefault.close()
      assert.strictEqual(other.seen.length, 1)
    }),
  )

  it("the descriptor schema takes redirects", () => {
    const decoded = Schema.decodeUnknownSync(Descriptor.RedirectSettings)({
      maxHops: 2,
      crossOrigin: "refuse",
    })
    assert.deepStrictEqual(decoded, { maxHops: 2, crossOrigin: "refuse" })
    assert.throws(() => Schema.decodeUnknownSync(Descriptor.RedirectSettings)({ crossOrigin: "always" }))
  })
})

describe("token requests never follow redirects", () => {
  it.live(
    "a token endpoint answering 302 to another origin: TokenEndpointError, nothing (no secret) sent there",
    () =>
      Effect.gen(function* () {
        const { TokenRequest } = yield* Effect.promise(() => import("../src/index.ts"))
        api.queue.push(redirect(302, () => `${other.url}/token`))
        const error = yield* Effect.flip(
          TokenRequest.request({
            endpoint: { provider: "p", tokenUrl: `${api.url}/token` },
            client: { clientId: "id", clientSecret: Redacted.make("SECRET") },
            kind: "client_credentials",
          }),
        )
        assert.strictEqual(error._tag, "TokenEndpointError")
        assert.strictEqual(other.seen.length, 0)
        assert.notInclude(JSON.stringify(error) + error.message, "SECRET")
      }),
  )
})

describe("redirects and the retry engine", () => {
  it.effect("each hop is retried under the same policy and deadline; attempts add up", () =>
    Effect.gen(function* () {
      const sent: Array<string> = []
      const answers: Array<Http.HttpResponse> = [
        { status: 307, headers: { location: "/b" }, body: new Uint8Array() },
        { status: 503, headers: { "retry-after": "2" }, body: new Uint8Array() },
        { status: 200, headers: {}, body: new TextEncoder().encode("{}") },
      ]
      const transport: Transport.TransportShape = {
        send: (request) =>
          Effect.sync(() => {
            sent.push(new URL(request.url).pathname)
            return answers.shift()!
          }),
      }
      const fiber = yield* Effect.forkChild(
        Call.execute(
          { ...runtime(), origins: Origin.trusted("http://127.0.0.1:9"), transport },
          Http.makeRequest("GET", "http://127.0.0.1:9/a"),
          {},
        ),
      )
      yield* TestClock.adjust("5 seconds")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.response.status, 200)
      assert.deepStrictEqual(sent, ["/a", "/b", "/b"])
      assert.strictEqual(result.attempts, 3)
      assert.strictEqual(result.redirects, 1)
    }),
  )
})

describe("the Promise client's Response after redirects", () => {
  it.live("response.url is the last hop's URL, as with fetch", () =>
    Effect.promise(async () => {
      api.queue.push(redirect(301, () => "/pets/moved"))
      const client = Client.make<any>({ provider: "p", baseUrl: api.url, auth: Auth.layerNone })
      const { response } = await client.GET("/pets", {})
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.url, `${api.url}/pets/moved`)
      await client.close()
    }),
  )
})
