import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Pull, Random, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { Auth, Call, Errors, Http, Retry } from "../src/index.ts"
import type { TransportShape } from "../src/Transport.ts"

/** A transport answering from a script, recording when (TestClock time) each attempt was sent. */
const scripted = (answers: Array<Http.HttpResponse | Errors.NetworkError>) => {
  const sentAt: Array<number> = []
  const transport: TransportShape = {
    send: () =>
      Effect.clockWith((clock) => {
        sentAt.push(clock.currentTimeMillisUnsafe())
        const next = answers.length > 1 ? answers.shift()! : answers[0]!
        return next instanceof Errors.NetworkError ? Effect.fail(next) : Effect.succeed(next)
      }),
  }
  return { transport, sentAt }
}

const response = (status: number, headers: Record<string, string> = {}): Http.HttpResponse => ({
  status,
  headers,
  body: new TextEncoder().encode("{}"),
})

const runtime = (transport: TransportShape, retry: Partial<Retry.Policy> = {}): Call.Runtime => ({
  provider: "test",
  auth: Auth.make({ name: "none", authenticate: Effect.succeed }),
  transport,
  retry: Retry.merge(Retry.defaults, retry),
  correlation: { header: "X-Correlation-id", maxLength: 36 },
})

// Random.next always 1: the jitter draws the full backoff, so delays are predictable.
const maxJitter = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Random.Random, { nextIntUnsafe: () => 0, nextDoubleUnsafe: () => 0.999999 })

describe("Retry", () => {
  it("computes full-jitter exponential backoff with a cap", () => {
    const policy = Retry.merge(Retry.defaults, { baseDelayMs: 100, maxDelayMs: 1000 })
    assert.strictEqual(Retry.backoff(policy, 1, 1), 100)
    assert.strictEqual(Retry.backoff(policy, 3, 1), 400)
    assert.strictEqual(Retry.backoff(policy, 10, 1), 1000)
    assert.strictEqual(Retry.backoff(policy, 3, 0), 0)
    assert.strictEqual(Retry.backoff(policy, 3, 0.5), 200)
  })

  it("parses Retry-After as seconds and as an HTTP date", () => {
    assert.strictEqual(Retry.parseRetryAfter("7", 0), 7000)
    assert.strictEqual(Retry.parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4000), 6000)
    assert.strictEqual(Retry.parseRetryAfter("Thu, 01 Jan 1970 00:00:01 GMT", 4000), 0)
    assert.isUndefined(Retry.parseRetryAfter("soon", 0))
    assert.isUndefined(Retry.parseRetryAfter(undefined, 0))
  })

  it("applies the method rules", () => {
    const p = Retry.defaults
    assert.isTrue(
      Retry.isRetryable(p, "GET", { _tag: "Status", status: 502, retryAfterMs: undefined }, false),
    )
    assert.isFalse(
      Retry.isRetryable(p, "GET", { _tag: "Status", status: 501, retryAfterMs: undefined }, false),
    )
    assert.isFalse(
      Retry.isRetryable(p, "POST", { _tag: "Status", status: 502, retryAfterMs: undefined }, false),
    )
    assert.isTrue(Retry.isRetryable(p, "POST", { _tag: "Status", status: 429, retryAfterMs: 0 }, false))
    assert.isFalse(Retry.isRetryable(p, "PATCH", { _tag: "Status", status: 500, retryAfterMs: 10 }, false))
    assert.isTrue(
      Retry.isRetryable(p, "PATCH", { _tag: "Status", status: 500, retryAfterMs: undefined }, true),
    )
    assert.isTrue(Retry.isRetryable(p, "POST", { _tag: "Network", reachedServer: false }, false))
    assert.isFalse(Retry.isRetryable(p, "POST", { _tag: "Network", reachedServer: true }, false))
    assert.isTrue(Retry.isRetryable(p, "PUT", { _tag: "Timeout" }, false))
  })

  it.effect("waits the backoff between attempts on the TestClock", () =>
    Effect.gen(function* () {
      const { transport, sentAt } = scripted([response(503), response(503), response(200)])
      const rt = runtime(transport, { baseDelayMs: 1000, maxDelayMs: 60_000 })
      const fiber = yield* Effect.forkChild(
        maxJitter(Call.execute(rt, Http.makeRequest("GET", "http://x/a"), {})),
      )
      // full jitter at its maximum draw: 999 ms, then 1999 ms (base × 2)
      yield* TestClock.adjust("998 millis")
      assert.deepStrictEqual(sentAt, [0])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(sentAt, [0, 999])
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual(sentAt, [0, 999, 2998])
      assert.strictEqual(result.attempts, 3)
      assert.strictEqual(result.response.status, 200)
    }),
  )

  it.effect("treats Retry-After as a minimum delay", () =>
    Effect.gen(function* () {
      const { transport, sentAt } = scripted([response(429, { "retry-after": "5" }), response(200)])
      const fiber = yield* Effect.forkChild(
        maxJitter(Call.execute(runtime(transport), Http.makeRequest("POST", "http://x/a"), {})),
      )
      yield* TestClock.adjust("4999 millis")
      assert.deepStrictEqual(sentAt, [0])
      yield* TestClock.adjust("1 millis")
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual(sentAt, [0, 5000])
      assert.strictEqual(result.response.status, 200)
    }),
  )

  it.effect("fails fast with RateLimited instead of sleeping past the maximum", () =>
    Effect.gen(function* () {
      const { transport, sentAt } = scripted([response(503, { "retry-after": "600" })])
      const error = yield* Effect.flip(
        Call.execute(runtime(transport), Http.makeRequest("GET", "http://x/a?api_key=k"), {}),
      )
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag === "RateLimited") {
        assert.strictEqual(error.retryAfterMs, 600_000)
        assert.notInclude(error.url, "api_key=k")
        assert.match(error.correlationId, /^[0-9a-f-]{36}$/)
      }
      assert.deepStrictEqual(sentAt, [0])
    }),
  )

  it.effect("gives up at the attempt limit and returns the last response", () =>
    Effect.gen(function* () {
      const { transport, sentAt } = scripted([response(500)])
      const fiber = yield* Effect.forkChild(
        Call.execute(runtime(transport, { maxAttempts: 3 }), Http.makeRequest("GET", "http://x/a"), {}),
      )
      yield* TestClock.adjust("1 minute")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.response.status, 500)
      assert.strictEqual(sentAt.length, 3)
    }),
  )

  it.effect("stops at the overall deadline", () =>
    Effect.gen(function* () {
      const reset = new Errors.NetworkError({
        method: "GET",
        url: "http://x/a",
        correlationId: "c",
        reason: "ECONNRESET",
        reachedServer: true,
      })
      const { transport, sentAt } = scripted([reset])
      const fiber = yield* Effect.forkChild(
        maxJitter(
          Call.execute(
            runtime(transport, { maxAttempts: 100, baseDelayMs: 1000, maxDelayMs: 1000, deadlineMs: 3500 }),
            Http.makeRequest("GET", "http://x/a"),
            {},
          ),
        ),
      )
      yield* TestClock.adjust("10 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "TimeoutError")
      assert.deepStrictEqual(sentAt, [0, 999, 1998, 2997])
    }),
  )

  it.effect("per-call overrides win over the provider policy", () =>
    Effect.gen(function* () {
      const { transport, sentAt } = scripted([response(503)])
      const result = yield* Call.execute(runtime(transport), Http.makeRequest("GET", "http://x/a"), {
        retry: { maxAttempts: 1 },
      })
      assert.strictEqual(result.response.status, 503)
      assert.strictEqual(sentAt.length, 1)
    }),
  )

  it("decides one step: give up, refuse, or wait at least the Retry-After", () => {
    const target = { method: "GET", repeatable: false, deadline: 10_000 }
    const status = (code: number, retryAfterMs?: number): Retry.Outcome => ({
      _tag: "Status",
      status: code,
      retryAfterMs,
    })
    const one = () => 1
    assert.deepStrictEqual(Retry.decide(Retry.defaults, target, 1, status(404), 0, one), { _tag: "GiveUp" })
    assert.deepStrictEqual(Retry.decide(Retry.defaults, target, 1, status(503, 3000), 0, one), {
      _tag: "Retry",
      delayMs: 3000,
    })
    assert.deepStrictEqual(Retry.decide(Retry.defaults, target, 4, status(503, 70_000), 0, one), {
      _tag: "RateLimited",
      retryAfterMs: 70_000,
      maxWaitMs: 60_000,
    })
    assert.deepStrictEqual(Retry.decide(Retry.defaults, target, 1, status(503, 9000), 2000, one), {
      _tag: "RateLimited",
      retryAfterMs: 9000,
      maxWaitMs: 8000,
    })
    assert.deepStrictEqual(Retry.decide(Retry.defaults, target, 1, status(503), 9900, one), {
      _tag: "GiveUp",
    })
    assert.deepStrictEqual(Retry.decide(Retry.defaults, target, 1, { _tag: "Timeout" }, 9900, one), {
      _tag: "Deadline",
    })
    assert.deepStrictEqual(Retry.decide(Retry.defaults, target, 4, { _tag: "Timeout" }, 0, one), {
      _tag: "GiveUp",
    })
  })

  it.effect("is an effect Schedule: steps count attempts and halt at the limit", () =>
    maxJitter(
      Effect.gen(function* () {
        const policy = Retry.merge(Retry.defaults, { maxAttempts: 3, baseDelayMs: 100 })
        const step = yield* Schedule.toStep(
          Retry.schedule(policy, { method: "GET", repeatable: false, deadline: 60_000 }),
        )
        const timeout: Retry.Outcome = { _tag: "Timeout" }
        assert.strictEqual((yield* step(0, timeout))[0], 99)
        assert.strictEqual((yield* step(0, timeout))[0], 199)
        const halted = yield* Effect.exit(step(0, timeout))
        assert.isTrue(halted._tag === "Failure" && Pull.isDoneCause(halted.cause))
      }),
    ),
  )
})
