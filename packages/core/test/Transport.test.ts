import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { afterEach, beforeEach } from "vitest"
import { Auth, Call, Http, Retry, Transport } from "../src/index.ts"
import * as Server from "./fixtures/Server.ts"

let server: Server.TestServer
beforeEach(async () => {
  server = await Server.start((_req, res) => {
    res.writeHead(200, "Fine Thanks", { "content-type": "application/json", "x-one": "1" })
    res.end('{"ok":true}')
  })
})
afterEach(() => server.close())

const get = (path: string) => Http.makeRequest("GET", `${server.url}${path}`)
const options = { correlationId: "c-1", timeoutMs: 5_000 }

describe("statusText", () => {
  it.effect("the undici transport passes the server's reason phrase through", () =>
    Effect.gen(function* () {
      const response = yield* Transport.makeUndici().send(get("/a"), options)
      assert.strictEqual(response.statusText, "Fine Thanks")
      assert.strictEqual(Http.statusText(response), "Fine Thanks")
    }),
  )

  it("falls back to the standard phrase when a response has none", () => {
    assert.strictEqual(
      Http.statusText({ status: 503, headers: {}, body: new Uint8Array() }),
      "Service Unavailable",
    )
    assert.strictEqual(Http.statusText({ status: 799, headers: {}, body: new Uint8Array() }), "")
  })
})

describe("Transport.makeUndici", () => {
  const transport = Transport.makeUndici()

  it.effect("the attempt's timeout covers the body: headers at once, a body that never ends", () =>
    Effect.gen(function* () {
      const half = halfAnswer()
      server.queue.push(half.handler)
      const error = yield* Effect.flip(transport.send(get("/trickle"), { ...options, timeoutMs: 100 }))
      assert.strictEqual(error._tag, "TimeoutError")
      assert.strictEqual(error._tag === "TimeoutError" && error.scope, "attempt")
      yield* Effect.promise(() => waitFor(half.closed))
      assert.isTrue(half.closed(), "the connection was closed")
    }),
  )

  it.live("an attempt interrupted after its headers closes the connection", () =>
    Effect.gen(function* () {
      const half = halfAnswer()
      server.queue.push(half.handler)
      const fiber = yield* Effect.forkChild(transport.send(get("/half"), options))
      yield* Effect.promise(() => waitFor(() => server.seen.length === 1))
      yield* Effect.sleep(20)
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() => waitFor(half.closed))
      assert.isTrue(half.closed(), "the connection of the interrupted attempt was closed")
    }),
  )

  it.effect("counts the body as it streams: past maxResponseBytes it is ResponseTooLarge", () =>
    Effect.gen(function* () {
      server.queue.push((_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" })
        res.write("x".repeat(600))
        setTimeout(() => res.end("y".repeat(600)), 10)
      })
      const error = yield* Effect.flip(transport.send(get("/big"), { ...options, maxResponseBytes: 1000 }))
      assert.strictEqual(error._tag, "ResponseTooLarge")
    }),
  )

  it.live("an attempt interrupted before its headers aborts the request; the pool serves the next one", () =>
    Effect.gen(function* () {
      let closed = false
      server.queue.push((req) => {
        req.socket.on("close", () => {
          closed = true
        })
      })
      const fiber = yield* Effect.forkChild(transport.send(get("/never"), options))
      yield* Effect.promise(() => waitFor(() => server.seen.length === 1))
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() => waitFor(() => closed))
      assert.isTrue(closed, "the connection of the interrupted attempt was closed")
      const next = yield* transport.send(get("/next"), options)
      assert.strictEqual(next.status, 200)
    }),
  )

  it.effect("keeps the connection alive between answers, and the answers apart", () =>
    Effect.gen(function* () {
      const ports: Array<number | undefined> = []
      const answer =
        (n: number): Server.Handler =>
        (req, res) => {
          ports.push(req.socket.remotePort)
          res.writeHead(200, { "content-type": "application/json", "set-cookie": [`a=${n}`, `b=${n}`] })
          res.end(JSON.stringify({ n }))
        }
      server.queue.push(answer(1), answer(2))
      const first = yield* transport.send(get("/1"), options)
      // undici hands a connection to the next request once the turn its answer ended in is over.
      yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
      const second = yield* transport.send(get("/2"), options)
      assert.deepStrictEqual([Http.json(first), Http.json(second)], [{ n: 1 }, { n: 2 }])
      assert.deepStrictEqual(second.headers["set-cookie"], ["a=2", "b=2"])
      assert.strictEqual(ports[0], ports[1], "one connection for both")
    }),
  )

  it.effect("skips an informational answer (103 Early Hints) and sends a body with its length", () =>
    Effect.gen(function* () {
      server.queue.push((req, res, body) => {
        res.writeEarlyHints({ link: "</style.css>; rel=preload" })
        res.writeHead(201, { "content-type": "application/json" })
        res.end(JSON.stringify({ length: req.headers["content-length"], body }))
      })
      const response = yield* transport.send(
        Http.makeRequest("POST", `${server.url}/p`, {}, new TextEncoder().encode('{"name":"Rex"}')),
        options,
      )
      assert.strictEqual(response.status, 201)
      assert.deepStrictEqual(Http.json(response), { length: "14", body: '{"name":"Rex"}' })
    }),
  )

  it.effect(
    "a declared length over maxResponseBytes is refused at the headers; a 204 has an empty body",
    () =>
      Effect.gen(function* () {
        server.queue.push(
          (_req, res) => {
            res.writeHead(200, { "content-length": "5000" })
            res.end("x".repeat(5000))
          },
          (_req, res) => {
            res.writeHead(204)
            res.end()
          },
        )
        const error = yield* Effect.flip(transport.send(get("/big"), { ...options, maxResponseBytes: 1000 }))
        assert.strictEqual(error._tag, "ResponseTooLarge")
        const empty = yield* transport.send(get("/empty"), options)
        assert.strictEqual(empty.status, 204)
        assert.strictEqual(empty.body.byteLength, 0)
      }),
  )

  it.effect("a HEAD or 304 answer declaring a length over maxResponseBytes is no body, not too large", () =>
    Effect.gen(function* () {
      const big =
        (status: number): Server.Handler =>
        (_req, res) => {
          res.writeHead(status, { "content-length": "5000" })
          res.end()
        }
      server.queue.push(big(200), big(304))
      const limited = { ...options, maxResponseBytes: 1000 }
      const head = yield* transport.send(Http.makeRequest("HEAD", `${server.url}/h`), limited)
      assert.deepStrictEqual(
        [head.status, head.headers["content-length"], head.body.byteLength],
        [200, "5000", 0],
      )
      const notModified = yield* transport.send(get("/n"), limited)
      assert.deepStrictEqual([notModified.status, notModified.body.byteLength], [304, 0])
    }),
  )

  it.effect("a refused connection is a NetworkError that never reached the server", () =>
    refusedConnection(transport),
  )

  it.effect("a body in several chunks arrives whole", () =>
    Effect.gen(function* () {
      server.queue.push((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.write('{"a":"')
        setTimeout(() => res.end('b"}'), 10)
      })
      const response = yield* transport.send(get("/chunks"), options)
      assert.deepStrictEqual(Http.json(response), { a: "b" })
    }),
  )
})

describe("Call.execute on the undici transport", () => {
  it.live(
    "the slow paths still happen: 503 retried, 401 refreshed, a redirect followed; a re-run starts afresh",
    () =>
      Effect.gen(function* () {
        let token = "old"
        let refreshes = 0
        const runtime: Call.Runtime = {
          provider: "test",
          auth: Auth.make({
            name: "refreshing",
            authenticate: (request) =>
              Effect.succeed(Http.setHeader(request, "authorization", `Bearer ${token}`)),
            onUnauthorized: () =>
              Effect.sync(() => {
                refreshes++
                token = "new"
                return "retry" as const
              }),
          }),
          transport: Transport.makeUndici(),
          retry: Retry.merge(Retry.defaults, { baseDelayMs: 1 }),
          correlation: { header: "X-Correlation-Id", maxLength: 36 },
          origins: new Set([server.url]),
        }
        const queue = () => {
          server.queue.push(Server.json(503, {}))
          server.queue.push(Server.json(401, {}))
          server.queue.push((_req, res) => {
            res.writeHead(302, { location: "/moved" })
            res.end()
          })
        }
        queue()
        const call = Call.execute(runtime, get("/e"), { correlationId: "c-7" })
        const first = yield* call
        assert.strictEqual(first.response.status, 200)
        assert.strictEqual(first.attempts, 3)
        assert.isTrue(first.refreshed)
        assert.strictEqual(first.redirects, 1)
        assert.strictEqual(refreshes, 1)
        assert.deepStrictEqual(
          server.seen.map((r) => [r.url, r.headers.authorization, r.headers["x-correlation-id"]]),
          [
            ["/e", "Bearer old", "c-7"],
            ["/e", "Bearer old", "c-7"],
            ["/e", "Bearer new", "c-7"],
            ["/moved", "Bearer new", "c-7"],
          ],
        )
        // The same effect run again: its attempts, refresh and redirects are that run's own.
        token = "old"
        queue()
        const second = yield* call
        assert.strictEqual(second.attempts, 3)
        assert.isTrue(second.refreshed)
        assert.strictEqual(second.redirects, 1)
        assert.strictEqual(refreshes, 2)
      }),
  )
})

/** A handler that sends its headers and half a body, then hangs; whether its connection closed. */
const halfAnswer = () => {
  let closed = false
  const handler: Server.Handler = (_req, res) => {
    res.on("close", () => {
      closed = true
    })
    res.writeHead(200, { "content-type": "application/json" })
    res.write('{"ok":')
  }
  return { handler, closed: () => closed }
}

/** A port that was just closed is refused by the OS: a NetworkError that never reached a server. */
const refusedConnection = (transport: Transport.TransportShape) =>
  Effect.gen(function* () {
    const closed = yield* Effect.promise(() => Server.start())
    yield* Effect.promise(() => closed.close())
    const error = yield* Effect.flip(transport.send(Http.makeRequest("GET", `${closed.url}/x`), options))
    assert.strictEqual(error._tag, "NetworkError", error.message)
    assert.include(error.message, "ECONNREFUSED")
    assert.isFalse(error._tag === "NetworkError" && error.reachedServer)
  })

const waitFor = async (check: () => boolean, ms = 2_000) => {
  const until = Date.now() + ms
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 5))
}

describe("Transport.fromFetch", () => {
  const transport = Transport.fromFetch(globalThis.fetch)

  it.effect("sends through fetch: status, reason phrase, lower-case headers, whole body", () =>
    Effect.gen(function* () {
      const response = yield* transport.send(
        Http.makeRequest("POST", `${server.url}/b`, { "X-Custom": "v" }, new TextEncoder().encode("hi")),
        options,
      )
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.statusText, "Fine Thanks")
      assert.strictEqual(Http.header(response, "x-one"), "1")
      assert.deepStrictEqual(Http.json(response), { ok: true })
      assert.strictEqual(server.seen[0]!.headers["x-custom"], "v")
      assert.strictEqual(server.seen[0]!.body, "hi")
    }),
  )

  it.effect("does not follow redirects itself (the pipeline decides)", () =>
    Effect.gen(function* () {
      server.queue.push((_req, res) => {
        res.writeHead(302, { location: "/elsewhere" })
        res.end()
      })
      const response = yield* transport.send(get("/c"), options)
      assert.strictEqual(response.status, 302)
      assert.strictEqual(server.seen.length, 1)
    }),
  )

  it.effect("counts the body: past maxResponseBytes it is ResponseTooLarge", () =>
    Effect.gen(function* () {
      server.queue.push((_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" })
        res.write("x".repeat(600))
        res.end("y".repeat(600))
      })
      const error = yield* Effect.flip(transport.send(get("/big"), { ...options, maxResponseBytes: 1000 }))
      assert.strictEqual(error._tag, "ResponseTooLarge")
    }),
  )

  it.effect("one timer per attempt: a server that never answers is a TimeoutError", () =>
    Effect.gen(function* () {
      server.queue.push(() => {})
      const error = yield* Effect.flip(transport.send(get("/slow"), { ...options, timeoutMs: 100 }))
      assert.strictEqual(error._tag, "TimeoutError")
      assert.strictEqual(error._tag === "TimeoutError" && error.scope, "attempt")
    }),
  )

  it.effect("a refused connection is a NetworkError that never reached the server", () =>
    Effect.gen(function* () {
      yield* refusedConnection(transport)
      // fetch refuses port 1 itself ("bad port"): a TypeError before anything is sent
      const bad = yield* Effect.flip(transport.send(Http.makeRequest("GET", "http://127.0.0.1:1/x"), options))
      assert.isFalse(bad._tag === "NetworkError" && bad.reachedServer, bad.message)
    }),
  )

  it.live("is the transport beneath the pipeline: auth, correlation id and retries still apply", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const spy: Transport.FetchFunction = (input) => {
        seen.push(input.url)
        return globalThis.fetch(input)
      }
      server.queue.push(Server.json(503, {}))
      const runtime: Call.Runtime = {
        provider: "test",
        auth: Auth.make({
          name: "static",
          authenticate: (request) => Effect.succeed(Http.setHeader(request, "authorization", "Bearer t")),
        }),
        transport: Transport.fromFetch(spy),
        retry: Retry.merge(Retry.defaults, { baseDelayMs: 1 }),
        correlation: { header: "X-Correlation-Id", maxLength: 36 },
      }
      const result = yield* Call.execute(runtime, get("/d"), { correlationId: "c-42" })
      assert.strictEqual(result.response.status, 200)
      assert.strictEqual(result.attempts, 2)
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(server.seen[1]!.headers.authorization, "Bearer t")
      assert.strictEqual(server.seen[1]!.headers["x-correlation-id"], "c-42")
    }),
  )

  it.live("a per-call transport (a per-call fetch) replaces the runtime's for that call", () =>
    Effect.gen(function* () {
      let used = 0
      const runtime: Call.Runtime = {
        provider: "test",
        auth: Auth.make({ name: "none", authenticate: Effect.succeed }),
        transport: Transport.makeUndici(),
        retry: Retry.defaults,
        correlation: { header: "X-Correlation-Id", maxLength: 36 },
      }
      const result = yield* Call.execute(runtime, get("/e"), {
        transport: Transport.fromFetch((input) => {
          used++
          return globalThis.fetch(input)
        }),
      })
      assert.strictEqual(result.response.status, 200)
      assert.strictEqual(used, 1)
    }),
  )
})
