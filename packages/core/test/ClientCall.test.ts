/**
 * One call close to the socket: the request built once (openapi-fetch's serializers and header
 * rules, no WHATWG `Request`), the body read as openapi-fetch reads it, the `Response` built only
 * when asked for; and the Effect API running the pipeline in the caller's fiber (interruption,
 * TestClock).
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Stream, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { afterEach, beforeEach } from "vitest"
import { Auth, Client, EffectClient, Http, Pagination } from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"
import * as Server from "./fixtures/Server.ts"

const bearer = Layer.succeed(
  Auth.Auth,
  Auth.make({
    name: "static",
    authenticate: (request) => Effect.succeed(Http.setHeader(request, "authorization", "Bearer t")),
  }),
)

let server: Server.TestServer
let client: Client.Client<paths>
beforeEach(async () => {
  server = await Server.start(Server.json(200, [{ id: 1, name: "Rex" }]))
  client = Client.make<paths>({
    provider: "petstore",
    baseUrl: server.url,
    auth: bearer,
    headers: { "X-Client": "keyway", Accept: "application/json" },
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  })
})
afterEach(async () => {
  await client.close()
  await server.close()
})

const raw =
  (status: number, body: string, headers: Record<string, string> = {}): Server.Handler =>
  (_req, res) => {
    res.writeHead(status, headers)
    res.end(body)
  }

describe("the response", () => {
  it("is built only when read, once, and knows its call", async () => {
    const result = await client.GET("/pets")
    const descriptor = Object.getOwnPropertyDescriptor(result, "response")
    assert.isFunction(descriptor?.get, "response is a getter")
    const response = result.response
    assert.strictEqual(result.response, response, "the same Response every time")
    assert.instanceOf(response, Response)
    assert.strictEqual(response.status, 200)
    assert.strictEqual(response.statusText, "OK")
    assert.strictEqual(response.headers.get("content-type"), "application/json")
    assert.strictEqual(response.url, `${server.url}/pets`)
    assert.isTrue(response.bodyUsed, "the body was read into data, as openapi-fetch leaves it")
    assert.strictEqual(Client.callInfo(response)?.attempts, 1)
    assert.deepStrictEqual({ ...result }.data, [{ id: 1, name: "Rex" }], "a spread copies it")
  })

  it("parses as openapi-fetch does: parseAs, empty bodies, error text", async () => {
    server.setDefault(raw(200, "plain words", { "content-type": "text/plain" }))
    assert.strictEqual((await client.GET("/pets", { parseAs: "text" })).data, "plain words")
    const buffer = (await client.GET("/pets", { parseAs: "arrayBuffer" })).data as ArrayBuffer
    assert.strictEqual(new TextDecoder().decode(buffer), "plain words")
    const blob = (await client.GET("/pets", { parseAs: "blob" })).data as Blob
    assert.strictEqual(blob.type, "text/plain")
    assert.strictEqual(await blob.text(), "plain words")
    const stream = await client.GET("/pets", { parseAs: "stream" })
    assert.strictEqual(await new Response(stream.data as ReadableStream).text(), "plain words")
    assert.strictEqual(stream.response.body, stream.data, "the stream is the response's body")

    server.setDefault(raw(204, ""))
    const none = await client.GET("/pets/{petId}", { params: { path: { petId: "1" } } })
    assert.isUndefined(none.data)
    assert.strictEqual(none.response.status, 204)
    server.setDefault(raw(200, "", { "content-type": "application/json", "content-length": "0" }))
    assert.isUndefined((await client.GET("/pets")).data)
    server.setDefault(raw(200, "", { "content-type": "application/json" }))
    assert.isUndefined((await client.GET("/pets")).data, "an empty chunked JSON body is no data")

    server.setDefault(raw(500, "<h1>down</h1>", { "content-type": "text/html" }))
    const failed = await client.GET("/pets", { keyway: { retry: { maxAttempts: 1 } } })
    assert.strictEqual(failed.error as unknown, "<h1>down</h1>")
    assert.strictEqual(failed.response.status, 500)
    assert.isTrue(failed.response.bodyUsed)
  })
})

describe("the request", () => {
  it("merges headers as openapi-fetch does: later wins, null removes, arrays append, params.header", async () => {
    await client.GET("/pets", {
      headers: { "x-client": "call", Accept: null, "X-List": ["a", "b"] },
      params: { query: { limit: 3 }, header: { "X-Trace": 7 } } as never,
    })
    const seen = server.seen[0]!
    assert.strictEqual(seen.headers["x-client"], "call")
    assert.isUndefined(seen.headers.accept)
    assert.strictEqual(seen.headers["x-list"], "a, b")
    assert.strictEqual(seen.headers["x-trace"], "7")
    assert.strictEqual(seen.url, "/pets?limit=3")
    assert.isUndefined(seen.headers["content-type"], "no body, no content type")
  })

  it("serializes the body once: JSON by default, FormData as multipart, Content-Type removed as fetch does", async () => {
    server.setDefault(Server.json(201, { id: 2, name: "Fido" }))
    await client.POST("/pets", { body: { name: "Fido" } })
    assert.strictEqual(server.seen[0]!.headers["content-type"], "application/json")
    assert.strictEqual(server.seen[0]!.body, '{"name":"Fido"}')

    const form = new FormData()
    form.append("name", "Fido")
    await client.POST("/pets", { body: { name: "x" }, bodySerializer: () => form })
    assert.match(String(server.seen[1]!.headers["content-type"]), /^multipart\/form-data; boundary=/)
    assert.include(server.seen[1]!.body, 'name="name"')
    assert.include(server.seen[1]!.body, "Fido")

    await client.POST("/pets", { body: { name: "Rex" }, headers: { "Content-Type": null } })
    assert.strictEqual(server.seen[2]!.headers["content-type"], "text/plain;charset=UTF-8")

    await client.POST("/pets", {
      body: { name: "Rex" },
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    })
    assert.strictEqual(server.seen[3]!.body, "name=Rex")
  })

  it("takes openapi-fetch's per-call serializers and base URL", async () => {
    await client.GET("/pets", {
      params: { query: { limit: 5 } },
      querySerializer: (query: Record<string, unknown>) => `n=${query.limit}`,
    })
    assert.strictEqual(server.seen[0]!.url, "/pets?n=5")
    await client.GET("/pets/{petId}", {
      params: { path: { petId: "7" } },
      pathSerializer: (path: string, params: Record<string, unknown>) =>
        path.replace("{petId}", `id-${params.petId}`),
    })
    assert.strictEqual(server.seen[1]!.url, "/pets/id-7")
    await client.GET("/pets", { baseUrl: `${server.url}/v2/` })
    assert.strictEqual(server.seen[2]!.url, "/v2/pets")
  })

  it("refuses a header fetch would refuse with a typed ConfigError, before sending", async () => {
    const error = await client
      .GET("/pets", { params: { header: { "X-Bad": "a\r\nb" } } as never })
      .catch((e) => e)
    assert.strictEqual(error._tag, "ConfigError")
    assert.strictEqual(server.seen.length, 0)
  })
})

describe("the Effect API, end to end in the caller's fiber", () => {
  it.effect("waits for Retry-After on the caller's TestClock", () =>
    Effect.gen(function* () {
      server.queue.push(Server.json(503, { error: "busy" }, { "retry-after": "30" }))
      const api = yield* EffectClient.make<paths>({ provider: "petstore", baseUrl: server.url })
      const fiber = yield* Effect.forkChild(api.GET("/pets"))
      // The first attempt is real I/O: let it land, then move the test clock past Retry-After.
      yield* Effect.promise(() => waitFor(() => server.seen.length === 1))
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.strictEqual(server.seen.length, 1, "the retry waits for the clock, not for real time")
      yield* TestClock.adjust("30 seconds")
      const pets = yield* Fiber.join(fiber)
      assert.deepStrictEqual(pets, [{ id: 1, name: "Rex" }])
      assert.strictEqual(server.seen.length, 2)
    }).pipe(Effect.provide(bearer)),
  )

  it.effect(
    "an Effect paginator's pages run on the caller's TestClock too (through the client's promise)",
    () =>
      Effect.gen(function* () {
        server.queue.push(Server.json(503, { error: "busy" }, { "retry-after": "30" }))
        server.setDefault(Server.json(200, { items: [{ id: 1 }, { id: 2 }], pagination: {} }))
        // Built on the live clock: only the caller's context has the TestClock.
        const api = yield* EffectClient.make<paths>({ provider: "petstore", baseUrl: server.url }).pipe(
          Effect.provideService(Clock.Clock, Clock.Clock.defaultValue()),
        )
        const items = Pagination.stream(api.promise, "GET", "/pets", {}, { style: "cursor", items: "items" })
        const fiber = yield* Effect.forkChild(Stream.runCollect(items))
        yield* Effect.promise(() => waitFor(() => server.seen.length === 1))
        yield* TestClock.adjust("30 seconds")
        const collected = yield* Fiber.join(fiber)
        assert.deepStrictEqual(Array.from(collected), [{ id: 1 }, { id: 2 }])
        assert.strictEqual(server.seen.length, 2)
      }).pipe(Effect.provide(bearer)),
  )

  it.live("an interrupted call stops its request", () =>
    Effect.gen(function* () {
      let closed = false
      server.setDefault((_req, res) => {
        res.on("close", () => {
          closed = true
        })
      })
      const api = yield* EffectClient.make<paths>({ provider: "petstore", baseUrl: server.url })
      const fiber = yield* Effect.forkChild(api.GET("/pets"))
      yield* Effect.promise(() => waitFor(() => server.seen.length === 1))
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() => waitFor(() => closed))
      assert.isTrue(closed, "the connection of the interrupted attempt was closed")
      assert.strictEqual(server.seen.length, 1, "and nothing was sent again")
    }).pipe(Effect.provide(bearer)),
  )

  it.live("the call's span is a child of the caller's span, on the caller's tracer", () =>
    Effect.gen(function* () {
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span(options) {
          const span = new Tracer.NativeSpan(options)
          spans.push(span)
          return span
        },
      })
      const api = yield* EffectClient.make<paths>({ provider: "petstore", baseUrl: server.url })
      yield* api.GET("/pets").pipe(Effect.withSpan("caller"), Effect.withTracer(tracer))
      const caller = spans.find((s) => s.name === "caller")
      const call = spans.find((s) => s.name === "keyway.call")
      assert.isDefined(caller)
      assert.isDefined(call)
      assert.strictEqual(call!.parent._tag === "Some" ? call!.parent.value.spanId : undefined, caller!.spanId)
    }).pipe(Effect.provide(bearer)),
  )

  it.live("fails with UnexpectedResponse for a 2xx body that is no JSON, naming the call", () =>
    Effect.gen(function* () {
      server.setDefault(raw(200, "<html>", { "content-type": "application/json" }))
      const api = yield* EffectClient.make<paths>({ provider: "petstore", baseUrl: server.url })
      const error = yield* Effect.flip(api.GET("/pets", { keyway: { correlationId: "odd-2" } }))
      assert.strictEqual(error._tag, "UnexpectedResponse")
      if (error._tag === "UnexpectedResponse") {
        assert.strictEqual(error.correlationId, "odd-2")
        assert.match(error.message, /status 200 with a body that could not be read/)
      }
    }).pipe(Effect.provide(bearer)),
  )
})

const waitFor = async (condition: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms
  while (!condition()) {
    if (Date.now() > until) throw new Error("timed out waiting")
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
