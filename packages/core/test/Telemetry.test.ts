import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Random } from "effect"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll } from "vitest"
import {
  Auth,
  Call,
  Client,
  Errors,
  Http,
  Retry,
  Telemetry,
  Throttle,
  TokenRequest,
  TokenStore,
} from "../src/index.ts"
import type { TransportShape } from "../src/Transport.ts"
import type { paths } from "./fixtures/petstore.ts"
import * as Server from "./fixtures/Server.ts"

const recordingSink = () => {
  const events: Array<[string, unknown]> = []
  const sink: Telemetry.Sink = {
    call: (e) => events.push(["call", e]),
    attempt: (e) => events.push(["attempt", e]),
    retry: (e) => events.push(["retry", e]),
    tokenRequest: (e) => events.push(["token", e]),
    throttle: (e) => events.push(["throttle", e]),
  }
  return { sink, events }
}

const scripted = (
  answers: Array<Http.HttpResponse | Errors.NetworkError>,
  latencyMs: number,
): TransportShape => ({
  send: () => {
    const next = answers.length > 1 ? answers.shift()! : answers[0]!
    return Effect.andThen(
      Effect.sleep(latencyMs),
      next instanceof Errors.NetworkError ? Effect.fail(next) : Effect.succeed(next),
    )
  },
})

const response = (status: number, headers: Record<string, string> = {}): Http.HttpResponse => ({
  status,
  headers,
  body: new TextEncoder().encode("{}"),
})

const runtime = (transport: TransportShape): Call.Runtime => ({
  provider: "test",
  auth: Auth.make({ name: "none", authenticate: Effect.succeed }),
  transport,
  retry: Retry.defaults,
  correlation: { header: "X-Correlation-id", maxLength: 36 },
})

const maxJitter = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Random.Random, { nextIntUnsafe: () => 0, nextDoubleUnsafe: () => 0.999999 })

describe("Telemetry sink", () => {
  it.effect(
    "reports the call, each attempt with its latency, and the retry with its reason (TestClock)",
    () => {
      const { sink, events } = recordingSink()
      return Effect.gen(function* () {
        const rt = runtime(scripted([response(503, { "retry-after": "1" }), response(200)], 30))
        const fiber = yield* Effect.forkChild(
          Call.execute(rt, Http.makeRequest("GET", "http://127.0.0.1:1/pets/7"), { route: "/pets/{petId}" }),
        )
        yield* TestClock.adjust("2 seconds")
        yield* Fiber.join(fiber)
        assert.deepStrictEqual(events, [
          [
            "attempt",
            {
              provider: "test",
              method: "GET",
              route: "/pets/{petId}",
              status: 503,
              outcome: "response",
              durationMs: 30,
            },
          ],
          ["retry", { provider: "test", route: "/pets/{petId}", reason: "status_503" }],
          [
            "attempt",
            {
              provider: "test",
              method: "GET",
              route: "/pets/{petId}",
              status: 200,
              outcome: "response",
              durationMs: 30,
            },
          ],
          [
            "call",
            {
              provider: "test",
              method: "GET",
              route: "/pets/{petId}",
              status: 200,
              outcome: "ok",
              attempts: 2,
              durationMs: 1_060,
            },
          ],
        ])
      }).pipe(Effect.provideService(Telemetry.Telemetry, sink), maxJitter)
    },
  )

  it.effect("labels a failed call with its error's tag, and a network retry as `network`", () => {
    const { sink, events } = recordingSink()
    return Effect.gen(function* () {
      const down = new Errors.NetworkError({
        method: "GET",
        url: "http://127.0.0.1:1/pets",
        correlationId: "c",
        reason: "ECONNREFUSED",
        reachedServer: false,
      })
      const rt = runtime(scripted([down], 0))
      const fiber = yield* Effect.forkChild(
        Effect.flip(
          Call.execute(rt, Http.makeRequest("GET", "http://127.0.0.1:1/pets"), {
            route: "/pets",
            retry: { maxAttempts: 2 },
          }),
        ),
      )
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "NetworkError")
      const calls = events.filter(([kind]) => kind === "call").map(([, e]) => e as Telemetry.CallEvent)
      assert.deepStrictEqual(
        calls.map((c) => [c.outcome, c.status, c.attempts]),
        [["NetworkError", undefined, 0]],
      )
      assert.deepStrictEqual(
        events.filter(([kind]) => kind === "retry").map(([, e]) => (e as Telemetry.RetryEvent).reason),
        ["network"],
      )
      assert.deepStrictEqual(
        events.filter(([kind]) => kind === "attempt").map(([, e]) => (e as Telemetry.AttemptEvent).outcome),
        ["NetworkError", "NetworkError"],
      )
    }).pipe(Effect.provideService(Telemetry.Telemetry, sink), maxJitter)
  })

  it.effect("labels a 4xx answer `http_error`", () => {
    const { sink, events } = recordingSink()
    return Effect.gen(function* () {
      yield* Call.execute(
        runtime(scripted([response(404)], 0)),
        Http.makeRequest("GET", "http://127.0.0.1:1/x"),
        {},
      )
      const call = events.find(([kind]) => kind === "call")![1] as Telemetry.CallEvent
      assert.strictEqual(call.outcome, "http_error")
      assert.strictEqual(call.route, "/x")
    }).pipe(Effect.provideService(Telemetry.Telemetry, sink))
  })
})

describe("TokenRequest.observe", () => {
  it.effect("counts token requests by grant and outcome, with their latency", () => {
    const { sink, events } = recordingSink()
    return Effect.gen(function* () {
      const labels = { provider: "cca", grant: "session_login" }
      yield* TokenRequest.observe(labels, Effect.as(Effect.sleep(20), "token"))
      yield* Effect.flip(
        TokenRequest.observe(labels, Effect.fail(new Errors.InvalidClient({ provider: "cca", status: 401 }))),
      )
      assert.deepStrictEqual(events, [
        ["token", { provider: "cca", grant: "session_login", outcome: "success", durationMs: 20 }],
        ["token", { provider: "cca", grant: "session_login", outcome: "InvalidClient", durationMs: 0 }],
      ])
    }).pipe(Effect.provideService(Telemetry.Telemetry, sink), (effect) =>
      Effect.flatMap(Effect.forkChild(effect), (fiber) =>
        Effect.andThen(TestClock.adjust("1 second"), Fiber.join(fiber)),
      ),
    )
  })
})

describe("a budget store that fails", () => {
  it.effect("does not stop calls: the attempt goes unthrottled", () =>
    Effect.gen(function* () {
      const unavailable = new Errors.TokenStoreUnavailable({
        store: "redis",
        operation: "throttle.reserve",
        reason: "down",
      })
      const store: Throttle.BudgetStore = {
        name: "broken",
        reserve: () => Effect.fail(unavailable),
        hold: () => Effect.fail(unavailable),
      }
      const rt: Call.Runtime = {
        ...runtime(scripted([response(429, { "retry-after": "0" }), response(200)], 0)),
        throttle: Throttle.make({ provider: "test", budget: { rate: 1 }, store }),
      }
      const fiber = yield* Effect.forkChild(
        Call.execute(rt, Http.makeRequest("GET", "http://127.0.0.1:1/x"), {}),
      )
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.response.status, 200)
      assert.strictEqual(result.attempts, 2)
    }),
  )
})

let server: Server.TestServer
beforeAll(async () => {
  server = await Server.start(Server.json(200, [{ id: 1, name: "Rex" }]))
})
afterAll(() => server.close())

const bearer = Layer.succeed(Auth.Auth, Auth.make({ name: "none", authenticate: Effect.succeed }))

describe("throttle settings of a client", () => {
  it("a descriptor's budget applies, the options' merge over it, `false` turns it off", async () => {
    const seen: Array<Telemetry.ThrottleEvent> = []
    const layer = Layer.succeed(Telemetry.Telemetry, { ...Telemetry.noop, throttle: (e) => seen.push(e) })
    const petstore = Client.defineProvider<paths>()({
      provider: "petstore",
      throttle: { rate: 1, burst: 1 },
      resolveSettings: (options: Client.ProviderOptions) => ({ baseUrl: options.baseUrl ?? server.url }),
      authLayer: () => bearer,
    })
    const twice = async (options: Client.ProviderOptions) => {
      seen.length = 0
      const client = petstore.make({ ...options, layer, retry: { deadlineMs: 300 } })
      await client.GET("/pets")
      const second = await client.GET("/pets").then(
        () => "sent",
        (error: { _tag: string }) => error._tag,
      )
      await client.close()
      return [seen.map((e) => e.outcome), second]
    }
    // 1 call/s: the second call would wait 1 s, past its 300 ms deadline
    assert.deepStrictEqual(await twice({}), [["immediate", "rejected"], "RateLimited"])
    assert.deepStrictEqual(await twice({ throttle: { burst: 2 } }), [["immediate", "immediate"], "sent"])
    assert.deepStrictEqual(await twice({ throttle: false }), [[], "sent"])
  })

  it("the Effect API client (a provider's layer) is throttled by the same budget", async () => {
    const petstore = Client.defineProvider<paths>()({
      provider: "petstore",
      throttle: { rate: 1, burst: 1 },
      resolveSettings: (options: Client.ProviderOptions) => ({ baseUrl: options.baseUrl ?? server.url }),
      authLayer: () => bearer,
    })
    class Pets extends Context.Service<Pets, Client.EffectClient<paths>>()("Pets") {}
    const program = Effect.gen(function* () {
      const pets = yield* Pets
      yield* pets.GET("/pets")
      return yield* Effect.flip(pets.GET("/pets"))
    })
    const error = await Effect.runPromise(
      program.pipe(Effect.provide(petstore.layer(Pets, { retry: { deadlineMs: 300 } }, () => ({})))),
    )
    assert.strictEqual(error._tag, "RateLimited")
  })

  it.effect("per connection: each connection has its own budget in the store; per provider: one", () =>
    Effect.gen(function* () {
      const store = TokenStore.makeMemory().budgets!
      const budget = { rate: 1, burst: 1, per: "connection" as const }
      const a = Throttle.make({ provider: "p", budget, connection: "a", store })
      const b = Throttle.make({ provider: "p", budget, connection: "b", store })
      const shared = Throttle.make({ provider: "p", budget: { rate: 1 }, connection: "b", store })
      assert.deepStrictEqual([a.key, b.key, shared.key], ["p/a", "p/b", "p"])
      const request = { intervalMs: 1_000, burst: 1, now: 0, maxWaitMs: 0 }
      assert.isTrue((yield* store.reserve(a.key, request)).granted)
      assert.isTrue((yield* store.reserve(b.key, request)).granted)
      assert.isFalse((yield* store.reserve(a.key, request)).granted)
    }),
  )
})
