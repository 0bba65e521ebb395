import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, References, Tracer } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Auth, Client } from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"
import * as Server from "./fixtures/Server.ts"

let server: Server.TestServer
beforeAll(async () => {
  server = await Server.start()
})
afterAll(() => server.close())

const logs: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
const logger = Logger.make((options) => {
  logs.push({
    message: options.message,
    annotations: { ...options.fiber.getRef(References.CurrentLogAnnotations) },
  })
})

describe("spans and log annotations", () => {
  it.live("one span per call with method, route, status, attempts and correlation id", () =>
    Effect.gen(function* () {
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span(options) {
          const span = new Tracer.NativeSpan(options)
          spans.push(span)
          return span
        },
      })
      server.queue.push(Server.json(503, { error: "busy" }, { "retry-after": "0" }))
      server.setDefault(Server.json(200, { id: 1, name: "Rex" }))
      const api = yield* Client.makeEffect<paths>({ provider: "petstore", baseUrl: server.url })
      yield* api
        .GET("/pets/{petId}", { params: { path: { petId: "7" } }, keyway: { correlationId: "corr-123" } })
        .pipe(Effect.withTracer(tracer))
      const call = spans.find((s) => s.name === "keyway.call")!
      assert.isDefined(call)
      assert.strictEqual(call.attributes.get("http.method"), "GET")
      assert.strictEqual(call.attributes.get("http.route"), "/pets/{petId}")
      assert.strictEqual(call.attributes.get("http.status_code"), 200)
      assert.strictEqual(call.attributes.get("keyway.attempts"), 2)
      assert.strictEqual(call.attributes.get("keyway.correlation_id"), "corr-123")
      assert.strictEqual(call.attributes.get("keyway.provider"), "petstore")
      const retryLog = logs.find((l) => String(l.message).includes("attempt 2"))
      assert.isDefined(retryLog)
      assert.strictEqual(retryLog!.annotations.correlationId, "corr-123")
      assert.strictEqual(retryLog!.annotations.route, "/pets/{petId}")
    }).pipe(
      Effect.provide(Layer.succeed(Auth.Auth, Auth.make({ name: "none", authenticate: Effect.succeed }))),
      Effect.provide(Logger.layer([logger])),
      Effect.provideService(References.MinimumLogLevel, "All"),
      Effect.scoped,
    ),
  )
})
