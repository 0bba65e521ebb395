import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Random, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { afterEach, beforeEach } from "vitest"
import { Errors, type Http, Retry, TokenRequest, Transport } from "../src/index.ts"
import * as Server from "./fixtures/Server.ts"

let server: Server.TestServer
beforeEach(async () => {
  server = await Server.start(
    Server.json(200, { access_token: "at-1", token_type: "bearer", expires_in: "3600" }),
  )
})
afterEach(() => server.close())

const input = (kind: TokenRequest.Kind, tokenUrl = `${server.url}/token`): TokenRequest.Input => ({
  endpoint: { provider: "p", tokenUrl, bodyFormat: "form" },
  client: { clientId: "id", clientSecret: Redacted.make("secret") },
  kind,
  params: kind === "refresh_token" ? { refresh_token: Redacted.make("rt-1") } : {},
})

const fast = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provideService(Retry.Retry, { ...Retry.defaults, baseDelayMs: 1 }))

describe("TokenRequest retries", () => {
  it.live("a client credentials request is repeated after a 503", () =>
    fast(
      Effect.gen(function* () {
        server.queue.push(Server.json(503, { error: "temporarily_unavailable" }))
        const response = yield* TokenRequest.request(input("client_credentials"))
        assert.strictEqual(Redacted.value(response.accessToken), "at-1")
        assert.strictEqual(response.expiresIn, 3600)
        assert.strictEqual(server.seen.length, 2)
      }),
    ),
  )

  it.live("a refresh that reached the server is not repeated (it may have rotated)", () =>
    fast(
      Effect.gen(function* () {
        server.queue.push(Server.json(503, { error: "temporarily_unavailable" }))
        const error = yield* Effect.flip(TokenRequest.request(input("refresh_token")))
        assert.strictEqual(error._tag, "TokenEndpointError")
        assert.strictEqual(server.seen.length, 1)
      }),
    ),
  )

  it.live("a refresh is repeated when the server says it did nothing (429 + Retry-After)", () =>
    fast(
      Effect.gen(function* () {
        server.queue.push(Server.json(429, { error: "slow_down" }, { "retry-after": "0" }))
        const response = yield* TokenRequest.request(input("refresh_token"))
        assert.strictEqual(Redacted.value(response.accessToken), "at-1")
        assert.strictEqual(server.seen.length, 2)
      }),
    ),
  )

  it.live("a dead endpoint is tried three times, then a TokenEndpointError without secrets", () =>
    fast(
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          TokenRequest.request(input("client_credentials", "http://127.0.0.1:1/token")),
        )
        assert.strictEqual(error._tag, "TokenEndpointError")
        assert.notInclude(JSON.stringify(error) + error.message, "secret")
      }),
    ),
  )
})

describe("TokenRequest on the one retry engine (TestClock)", () => {
  /** A transport answering from a script, recording when (TestClock time) each attempt was sent. */
  const scripted = (answers: Array<Http.HttpResponse | Errors.NetworkError>) => {
    const sentAt: Array<number> = []
    const transport: Transport.TransportShape = {
      send: () =>
        Effect.clockWith((clock) => {
          sentAt.push(clock.currentTimeMillisUnsafe())
          const next = answers.length > 1 ? answers.shift()! : answers[0]!
          return next instanceof Errors.NetworkError ? Effect.fail(next) : Effect.succeed(next)
        }),
    }
    return { transport, sentAt }
  }
  const answer = (status: number, body: object, headers: Record<string, string> = {}): Http.HttpResponse => ({
    status,
    headers: { "content-type": "application/json", ...headers },
    body: new TextEncoder().encode(JSON.stringify(body)),
  })
  const ok = answer(200, { access_token: "at-1", token_type: "bearer", expires_in: 3600 })
  const reset = new Errors.NetworkError({
    method: "POST",
    url: "http://127.0.0.1/token",
    correlationId: "c",
    reason: "ECONNRESET",
    reachedServer: true,
  })
  const cc: TokenRequest.Input = {
    endpoint: { provider: "p", tokenUrl: "http://127.0.0.1/token" },
    client: { clientId: "id", clientSecret: Redacted.make("secret") },
    kind: "client_credentials",
  }
  // Random.next always ~1: the jitter draws the full backoff, so delays are predictable.
  const run = <A, E>(
    effect: Effect.Effect<A, E>,
    transport: Transport.TransportShape,
    policy: Partial<Retry.Policy> = {},
  ) =>
    effect.pipe(
      Effect.provideService(Transport.Transport, transport),
      Effect.provideService(Retry.Retry, Retry.merge(Retry.defaults, policy)),
      Effect.provideService(Random.Random, { nextIntUnsafe: () => 0, nextDoubleUnsafe: () => 0.999999 }),
    )

  it.effect("treats Retry-After as a minimum delay, like a call", () =>
    Effect.gen(function* () {
      const { transport, sentAt } = scripted([answer(503, {}, { "retry-after": "5" }), ok])
      const fiber = yield* Effect.forkChild(run(TokenRequest.request(cc), transport))
      yield* TestClock.adjust("10 seconds")
      const token = yield* Fiber.join(fiber)
      assert.strictEqual(Redacted.value(token.accessToken), "at-1")
      assert.deepStrictEqual(sentAt, [0, 5000])
    }),
  )

  it.effect("fails fast when Retry-After is longer than maxRetryAfterMs, without sleeping", () =>
    Effect.gen(function* () {
      const { transport, sentAt } = scripted([answer(429, {}, { "retry-after": "120" }), ok])
      const error = yield* Effect.flip(run(TokenRequest.request(cc), transport))
      assert.strictEqual(error._tag, "TokenEndpointError")
      assert.include(error.message, "rate limited")
      assert.deepStrictEqual(sentAt, [0])
    }),
  )

  it.effect("starts no attempt past the policy's deadline", () =>
    Effect.gen(function* () {
      const { transport, sentAt } = scripted([reset])
      const fiber = yield* Effect.forkChild(
        run(TokenRequest.request(cc), transport, { baseDelayMs: 1000, maxDelayMs: 1000, deadlineMs: 1500 }),
      )
      yield* TestClock.adjust("10 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "TokenEndpointError")
      assert.include(error.message, "deadline")
      // without the deadline the third attempt would have gone at 1998 ms
      assert.deepStrictEqual(sentAt, [0, 999])
    }),
  )

  it.effect("a Retry-After past the deadline is refused at once", () =>
    Effect.gen(function* () {
      const { transport, sentAt } = scripted([answer(503, {}, { "retry-after": "30" }), ok])
      const error = yield* Effect.flip(run(TokenRequest.request(cc), transport, { deadlineMs: 10_000 }))
      assert.strictEqual(error._tag, "TokenEndpointError")
      assert.include(error.message, "rate limited")
      assert.deepStrictEqual(sentAt, [0])
    }),
  )
})

describe("TokenRequest.forCall: the one route of a call's correlation id", () => {
  it.effect("the token request is sent with the call's id and its errors carry it", () =>
    Effect.gen(function* () {
      const seen: Array<string | undefined> = []
      const shared = Effect.flatMap(TokenRequest.CorrelationId, (id) => {
        seen.push(id)
        // obtained by another call's request (single flight): its error holds that call's id
        return Effect.fail(new Errors.InvalidClient({ provider: "p", status: 401, correlationId: "c-first" }))
      })
      const error = yield* Effect.flip(shared.pipe(TokenRequest.forCall("c-mine")))
      assert.deepStrictEqual(seen, ["c-mine"])
      assert.strictEqual(error.correlationId, "c-mine")
      assert.instanceOf(error, Errors.InvalidClient)
      assert.isTrue(Errors.isKeywayError(error))
      assert.strictEqual(error.status, 401)
      const config = new Errors.ConfigError({ path: "x", message: "y" })
      assert.strictEqual(TokenRequest.withCorrelationId("c")(config), config)
    }),
  )
})
