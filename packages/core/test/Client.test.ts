import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { afterEach, beforeEach } from "vitest"
import { Auth, Client, Errors, Http } from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"
import * as Server from "./fixtures/Server.ts"

const bearer = (token: string) =>
  Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "static",
      authenticate: (request) => Effect.succeed(Http.setHeader(request, "authorization", `Bearer ${token}`)),
    }),
  )

let server: Server.TestServer
let client: Client.Client<paths>
beforeEach(async () => {
  server = await Server.start(Server.json(200, [{ id: 1, name: "Rex" }]))
  client = Client.make<paths>({
    provider: "petstore",
    baseUrl: server.url,
    auth: bearer("t0ken"),
    correlation: { header: "X-Correlation-id" },
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  })
})
afterEach(async () => {
  await client.close()
  await server.close()
})

describe("Promise API", () => {
  it("returns openapi-fetch's { data, response } with auth and a correlation id", async () => {
    const { data, error, response } = await client.GET("/pets", { params: { query: { limit: 2 } } })
    assert.deepStrictEqual(data, [{ id: 1, name: "Rex" }])
    assert.isUndefined(error)
    assert.strictEqual(response.status, 200)
    const seen = server.seen[0]!
    assert.strictEqual(seen.url, "/pets?limit=2")
    assert.strictEqual(seen.headers.authorization, "Bearer t0ken")
    const id = seen.headers["x-correlation-id"] as string
    assert.match(id, /^[0-9a-f-]{36}$/)
    assert.strictEqual(Client.callInfo(response)?.correlationId, id)
  })

  it("returns { error } for a non-2xx answer", async () => {
    server.setDefault(Server.json(404, { error: "Not found" }))
    const { data, error, response } = await client.GET("/pets/{petId}", { params: { path: { petId: "9" } } })
    assert.isUndefined(data)
    assert.deepStrictEqual(error, { error: "Not found" })
    assert.strictEqual(response.status, 404)
  })

  it("re-sends an identical body and the same correlation id on every attempt", async () => {
    server.queue.push(Server.json(503, { error: "busy" }, { "retry-after": "0" }))
    server.setDefault(Server.json(201, { id: 2, name: "Fido" }))
    const { data, response } = await client.POST("/pets", { body: { name: "Fido" } })
    assert.deepStrictEqual(data, { id: 2, name: "Fido" })
    assert.strictEqual(server.seen.length, 2)
    assert.strictEqual(server.seen[0]!.body, '{"name":"Fido"}')
    assert.strictEqual(server.seen[1]!.body, '{"name":"Fido"}')
    assert.strictEqual(
      server.seen[0]!.headers["x-correlation-id"],
      server.seen[1]!.headers["x-correlation-id"],
    )
    assert.strictEqual(Client.callInfo(response)?.attempts, 2)
  })

  it("uses the caller's correlation id and refuses a bad one", async () => {
    await client.GET("/pets", { keyway: { correlationId: "order-42" } })
    assert.strictEqual(server.seen[0]!.headers["x-correlation-id"], "order-42")
    const tooLong = await client.GET("/pets", { keyway: { correlationId: "x".repeat(37) } }).catch((e) => e)
    assert.strictEqual(tooLong._tag, "ConfigError")
    assert.match(tooLong.message, /1 to 36 characters \(X-Correlation-id\)/)
    const control = await client.GET("/pets", { keyway: { correlationId: "a\nb" } }).catch((e) => e)
    assert.strictEqual(control._tag, "ConfigError")
    assert.strictEqual(server.seen.length, 1)
  })

  it("rejects with a typed NetworkError when the connection is reset mid-response", async () => {
    server.setDefault((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
      res.write('{"partial":')
      setTimeout(() => res.socket?.destroy(), 5)
    })
    const error = await client.GET("/pets", { keyway: { retry: { maxAttempts: 2 } } }).catch((e) => e)
    assert.strictEqual(error._tag, "NetworkError")
    assert.isTrue(Errors.isKeywayError(error))
    assert.strictEqual(server.seen.length, 2, "a GET is retried after a reset")
    assert.match(error.correlationId, /^[0-9a-f-]{36}$/)
  })

  it("recovers from a reset on the first attempt", async () => {
    server.queue.push((_req, res) => res.socket?.destroy())
    const { data } = await client.GET("/pets")
    assert.deepStrictEqual(data, [{ id: 1, name: "Rex" }])
    assert.strictEqual(server.seen.length, 2)
  })

  it("times out a slow attempt with a typed TimeoutError", async () => {
    server.setDefault((_req, res) => {
      setTimeout(() => Server.json(200, [])(_req, res, ""), 500)
    })
    const error = await client
      .GET("/pets", { keyway: { timeoutMs: 50, retry: { maxAttempts: 1 } } })
      .catch((e) => e)
    assert.strictEqual(error._tag, "TimeoutError")
    assert.strictEqual(error.scope, "attempt")
  })

  it("does not retry a POST that reached the server without an idempotency key", async () => {
    server.setDefault(Server.json(503, { error: "busy" }))
    const { response } = await client.POST("/pets", { body: { name: "x" } })
    assert.strictEqual(response.status, 503)
    assert.strictEqual(server.seen.length, 1)
  })

  it("retries a POST that carries an idempotency key", async () => {
    server.queue.push(Server.json(500, { error: "oops" }))
    server.setDefault(Server.json(201, { id: 3, name: "x" }))
    const { response } = await client.POST("/pets", {
      body: { name: "x" },
      keyway: { idempotencyKey: "k-1" },
    })
    assert.strictEqual(response.status, 201)
    assert.strictEqual(server.seen.length, 2)
    assert.strictEqual(server.seen[1]!.headers["idempotency-key"], "k-1")
  })

  it("fails fast with RateLimited when Retry-After exceeds the maximum", async () => {
    server.setDefault(Server.json(429, { error: "slow down" }, { "retry-after": "3600" }))
    const error = await client.GET("/pets").catch((e) => e)
    assert.strictEqual(error._tag, "RateLimited")
    assert.strictEqual(error.retryAfterMs, 3_600_000)
    assert.strictEqual(server.seen.length, 1)
  })

  it("refreshes once on 401 and re-sends with the new credential", async () => {
    let token = "old"
    let refreshes = 0
    const plugin = Layer.succeed(
      Auth.Auth,
      Auth.make({
        name: "refreshing",
        authenticate: (request) =>
          Effect.sync(() => Http.setHeader(request, "authorization", `Bearer ${token}`)),
        onUnauthorized: () =>
          Effect.sync(() => {
            refreshes++
            token = `new${refreshes}`
            return "retry" as const
          }),
      }),
    )
    const c = Client.make<paths>({ provider: "p", baseUrl: server.url, auth: plugin })
    server.queue.push(Server.json(401, { error: "expired" }))
    const { response } = await c.GET("/pets")
    assert.strictEqual(response.status, 200)
    assert.deepStrictEqual(
      server.seen.map((s) => s.headers.authorization),
      ["Bearer old", "Bearer new1"],
    )
    assert.strictEqual(
      server.seen[0]!.headers["x-correlation-id"],
      server.seen[1]!.headers["x-correlation-id"],
    )
    // A second 401 is handed to the caller: no refresh loop.
    server.setDefault(Server.json(401, { error: "nope" }))
    const second = await c.GET("/pets")
    assert.strictEqual(second.response.status, 401)
    assert.strictEqual(refreshes, 2)
    assert.strictEqual(server.seen.length, 4)
    await c.close()
  })
})

describe("Effect API", () => {
  it.live("gives typed data and fails with HttpError carrying the correlation id", () =>
    Effect.gen(function* () {
      const api = yield* Client.makeEffect<paths, { error: string }>({
        provider: "petstore",
        baseUrl: server.url,
      })
      const pets = yield* api.GET("/pets")
      assert.deepStrictEqual(pets, [{ id: 1, name: "Rex" }])
      server.setDefault(Server.json(404, { error: "Not found" }))
      const error = yield* Effect.flip(api.GET("/pets/{petId}", { params: { path: { petId: "1" } } }))
      assert.strictEqual(error._tag, "HttpError")
      if (error._tag === "HttpError") {
        assert.strictEqual(error.status, 404)
        assert.deepStrictEqual(error.body, { error: "Not found" })
        assert.strictEqual(error.correlationId, server.seen[1]!.headers["x-correlation-id"])
        assert.strictEqual(error.url, `${server.url}/pets/1`)
      }
    }).pipe(Effect.provide(bearer("abc")), Effect.scoped),
  )
})

describe("secrets", () => {
  it("keeps Redacted values out of JSON and inspect output", () => {
    const secret = Redacted.make("s3cr3t-value")
    assert.notInclude(JSON.stringify({ secret }), "s3cr3t-value")
    assert.notInclude(String(secret), "s3cr3t-value")
  })
})

describe("a provider's odd response", () => {
  it("a 200 whose body is not JSON is a typed UnexpectedResponse naming the call", async () => {
    const server = await Server.start((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.write("<html>maintenance")
      res.end("</html>")
    })
    const c = Client.make<paths>({ provider: "p", baseUrl: server.url, auth: Auth.layerNone })
    const error = await c.GET("/pets", { keyway: { correlationId: "odd-1" } }).catch((e) => e)
    assert.strictEqual(error._tag, "UnexpectedResponse")
    assert.strictEqual(error.correlationId, "odd-1")
    assert.strictEqual(error.url, `${server.url}/pets`)
    assert.match(error.message, /status 200 with a body that could not be read/)
    server.setDefault((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "5" })
      res.end("{oops")
    })
    const sized = await c.GET("/pets").catch((e) => e)
    assert.strictEqual(sized._tag, "UnexpectedResponse")
    await c.close()
    await server.close()
  })
})
