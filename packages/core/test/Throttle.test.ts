import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { Auth, Call, Errors, Http, Retry, Telemetry, Throttle } from "../src/index.ts"
import type { TransportShape } from "../src/Transport.ts"

/** A transport that answers from a function and records when (TestClock time) each request left. */
const recording = (answer: (n: number) => Http.HttpResponse, latencyMs = 0) => {
  const sentAt: Array<number> = []
  let inFlight = 0
  let maxInFlight = 0
  const transport: TransportShape = {
    send: () =>
      Effect.clockWith((clock) => {
        sentAt.push(clock.currentTimeMillisUnsafe())
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        const reply = Effect.succeed(answer(sentAt.length))
        return (latencyMs > 0 ? Effect.andThen(Effect.sleep(latencyMs), reply) : reply).pipe(
          Effect.ensuring(Effect.sync(() => inFlight--)),
        )
      }),
  }
  return {
    transport,
    sentAt,
    get maxInFlight() {
      return maxInFlight
    },
  }
}

const response = (status: number, headers: Record<string, string> = {}): Http.HttpResponse => ({
  status,
  headers,
  body: new TextEncoder().encode("{}"),
})

const runtime = (
  transport: TransportShape,
  throttle: Throttle.Throttle,
  retry: Partial<Retry.Policy> = {},
): Call.Runtime => ({
  provider: "test",
  auth: Auth.make({ name: "none", authenticate: Effect.succeed }),
  transport,
  retry: Retry.merge(Retry.defaults, retry),
  correlation: { header: "X-Correlation-id", maxLength: 36 },
  throttle,
})

const get = (rt: Call.Runtime) => Call.execute(rt, Http.makeRequest("GET", "http://127.0.0.1:1/items"), {})

describe("Throttle.decide (GCRA)", () => {
  it("spaces calls by the interval after the burst, and refuses a wait past maxWaitMs", () => {
    const request = { intervalMs: 100, burst: 3, now: 0, maxWaitMs: 1_000 }
    let tat: number | undefined
    const waits: Array<number> = []
    for (let i = 0; i < 6; i++) {
      const out = Throttle.decide(tat, request)
      assert.isTrue(out.granted)
      tat = out.tat
      waits.push(out.waitMs)
    }
    // three at once (the burst), then one every 100 ms
    assert.deepStrictEqual(waits, [0, 0, 0, 100, 200, 300])
    const refused = Throttle.decide(tat, { ...request, maxWaitMs: 350 })
    assert.isFalse(refused.granted)
    assert.strictEqual(refused.waitMs, 400)
    assert.isUndefined(refused.tat)
    // later, the burst is back
    assert.strictEqual(Throttle.decide(tat, { ...request, now: 10_000 }).waitMs, 0)
  })

  it("holds the budget until a reset", () => {
    const tat = Throttle.held(undefined, 5_000, { intervalMs: 100, burst: 1, now: 0 })
    assert.strictEqual(
      Throttle.decide(tat, { intervalMs: 100, burst: 1, now: 1_000, maxWaitMs: 10_000 }).waitMs,
      4_000,
    )
  })
})

describe("Throttle.parseHeaders", () => {
  it("reads X-RateLimit-* (delay or Unix time) and X-Rate-Limit-*", () => {
    assert.deepStrictEqual(
      Throttle.parseHeaders(
        { "x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "3" },
        0,
      ),
      { limit: 10, remaining: 0, resetMs: 3_000, windowMs: undefined },
    )
    const now = 1_700_000_000_000
    assert.strictEqual(Throttle.parseHeaders({ "x-rate-limit-reset": "1700000005" }, now)?.resetMs, 5_000)
  })

  it("reads the IETF draft's RateLimit and RateLimit-Policy, both generations", () => {
    assert.deepStrictEqual(
      Throttle.parseHeaders({ ratelimit: '"default";r=2;t=4', "ratelimit-policy": '"default";q=20;w=10' }, 0),
      { limit: 20, remaining: 2, resetMs: 4_000, windowMs: 10_000 },
    )
    assert.deepStrictEqual(
      Throttle.parseHeaders({ ratelimit: "limit=5, remaining=1, reset=2", "ratelimit-policy": "5;w=1" }, 0),
      { limit: 5, remaining: 1, resetMs: 2_000, windowMs: 1_000 },
    )
    assert.deepStrictEqual(
      Throttle.parseHeaders(
        { "ratelimit-limit": "7", "ratelimit-remaining": "6", "ratelimit-reset": "1" },
        0,
      ),
      { limit: 7, remaining: 6, resetMs: 1_000, windowMs: undefined },
    )
    assert.isUndefined(Throttle.parseHeaders({ "content-type": "application/json" }, 0))
  })
})

describe("Throttle in the call pipeline", () => {
  it.effect("sends at most `rate` calls per second after the burst (TestClock)", () =>
    Effect.gen(function* () {
      const t = recording(() => response(200))
      const rt = runtime(
        t.transport,
        Throttle.make({ provider: "test", budget: { rate: 5, burst: 2 }, store: Throttle.makeMemoryStore() }),
      )
      const fiber = yield* Effect.forkChild(
        Effect.all(
          Array.from({ length: 6 }, () => get(rt)),
          { concurrency: "unbounded" },
        ),
      )
      yield* TestClock.adjust("2 seconds")
      const results = yield* Fiber.join(fiber)
      assert.strictEqual(results.length, 6)
      assert.deepStrictEqual(t.sentAt, [0, 0, 200, 400, 600, 800])
    }),
  )

  it.effect("a wait longer than the deadline fails fast with RateLimited, sending nothing", () =>
    Effect.gen(function* () {
      const t = recording(() => response(200))
      const rt = runtime(
        t.transport,
        Throttle.make({ provider: "test", budget: { rate: 1 }, store: Throttle.makeMemoryStore() }),
        { deadlineMs: 1_500 },
      )
      yield* get(rt)
      const second = yield* Effect.forkChild(get(rt)) // waits 1 s: within the deadline
      yield* Effect.yieldNow
      const third = yield* get(rt).pipe(Effect.flip) // would wait 2 s: past it
      assert.instanceOf(third, Errors.RateLimited)
      assert.strictEqual(third._tag, "RateLimited")
      if (third._tag === "RateLimited") {
        assert.strictEqual(third.status, 0)
        assert.strictEqual(third.retryAfterMs, 2_000)
        assert.strictEqual(third.maxWaitMs, 1_500)
      }
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(second)
      assert.deepStrictEqual(t.sentAt, [0, 1_000])
    }),
  )

  it.effect("its RateLimited names the call without the secrets of its URL", () =>
    Effect.gen(function* () {
      const t = recording(() => response(200))
      const rt: Call.Runtime = {
        ...runtime(
          t.transport,
          Throttle.make({ provider: "test", budget: { rate: 0.1 }, store: Throttle.makeMemoryStore() }),
          {
            deadlineMs: 1_000,
          },
        ),
        auth: Auth.make({ name: "key", authenticate: Effect.succeed, secretQueryParams: ["api_key"] }),
      }
      const request = Http.makeRequest("GET", "http://127.0.0.1:1/items?api_key=SECRET-KEY-1&page=2")
      yield* Call.execute(rt, request, {})
      const error = yield* Effect.flip(Call.execute(rt, request, { correlationId: "c-9" }))
      assert.strictEqual(error._tag, "RateLimited")
      const text = `${error.message} ${JSON.stringify(error)}`
      assert.isFalse(text.includes("SECRET-KEY-1"))
      assert.include(text, "c-9")
      assert.include(text, "page=2")
    }),
  )

  it.effect("an exhausted X-RateLimit budget holds every caller until its reset", () =>
    Effect.gen(function* () {
      const t = recording((n) =>
        n === 1 ? response(200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "3" }) : response(200),
      )
      const rt = runtime(
        t.transport,
        Throttle.make({
          provider: "test",
          budget: { rate: 100, burst: 10 },
          store: Throttle.makeMemoryStore(),
        }),
      )
      yield* get(rt)
      const fiber = yield* Effect.forkChild(Effect.all([get(rt), get(rt)], { concurrency: "unbounded" }))
      yield* TestClock.adjust("2900 millis")
      assert.strictEqual(t.sentAt.length, 1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(t.sentAt, [0, 3_000, 3_010])
    }),
  )

  it.effect("a 429 with Retry-After holds the shared budget for the other calls too", () =>
    Effect.gen(function* () {
      const t = recording((n) => (n === 1 ? response(429, { "retry-after": "2" }) : response(200)))
      const throttle = Throttle.make({
        provider: "test",
        budget: { rate: 50, burst: 50 },
        store: Throttle.makeMemoryStore(),
      })
      const rt = runtime(t.transport, throttle)
      const first = yield* Effect.forkChild(get(rt))
      yield* TestClock.adjust("10 millis")
      const other = yield* Effect.forkChild(get(rt))
      yield* TestClock.adjust("3 seconds")
      const [a, b] = [yield* Fiber.join(first), yield* Fiber.join(other)]
      assert.strictEqual(a.attempts, 2)
      assert.strictEqual(b.response.status, 200)
      assert.isTrue(t.sentAt.slice(1).every((at) => at >= 2_000))
    }),
  )

  it.effect("a declared policy slower than the budget slows the spacing to it", () =>
    Effect.gen(function* () {
      const t = recording(() =>
        response(200, { ratelimit: '"p";r=5;t=1', "ratelimit-policy": '"p";q=2;w=1' }),
      )
      const throttle = Throttle.make({
        provider: "test",
        budget: { rate: 10 },
        store: Throttle.makeMemoryStore(),
      })
      const rt = runtime(t.transport, throttle)
      yield* get(rt)
      assert.strictEqual(throttle.intervalMs, 500)
      const fiber = yield* Effect.forkChild(Effect.all([get(rt), get(rt)], { concurrency: 1 }))
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(t.sentAt, [0, 100, 600])
    }),
  )

  it.effect("at most `concurrency` calls in flight", () =>
    Effect.gen(function* () {
      const t = recording(() => response(200), 100)
      const rt = runtime(
        t.transport,
        Throttle.make({ provider: "test", budget: { concurrency: 2 }, store: Throttle.makeMemoryStore() }),
      )
      const fiber = yield* Effect.forkChild(
        Effect.all(
          Array.from({ length: 5 }, () => get(rt)),
          { concurrency: "unbounded" },
        ),
      )
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(t.maxInFlight, 2)
      assert.deepStrictEqual(t.sentAt, [0, 0, 100, 100, 200])
    }),
  )

  it.effect("concurrency holds across clients (processes) that share the budget store", () =>
    Effect.gen(function* () {
      const t = recording(() => response(200), 100)
      const store = Throttle.makeMemoryStore()
      // Two throttles, each with its own local semaphore, as two processes would have.
      const one = runtime(t.transport, Throttle.make({ provider: "test", budget: { concurrency: 2 }, store }))
      const two = runtime(t.transport, Throttle.make({ provider: "test", budget: { concurrency: 2 }, store }))
      const fiber = yield* Effect.forkChild(
        Effect.all([get(one), get(one), get(one), get(two), get(two), get(two)], {
          concurrency: "unbounded",
        }),
      )
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(t.sentAt.length, 6)
      assert.strictEqual(t.maxInFlight, 2)
    }),
  )

  it("the memory store's leases: a full set refuses until a lease is released or expires", () => {
    const lease = Throttle.makeMemoryStore().sync!
    const at = (id: string, now: number) => lease.lease("k", { id, limit: 2, leaseMs: 100, now })
    assert.deepStrictEqual(at("a", 0), { acquired: true, retryInMs: 0 })
    assert.deepStrictEqual(at("b", 10), { acquired: true, retryInMs: 0 })
    assert.deepStrictEqual(at("c", 50), { acquired: false, retryInMs: 50 }, "a expires at 100")
    lease.release("k", "b")
    assert.deepStrictEqual(at("c", 60), { acquired: true, retryInMs: 0 }, "b's slot, released")
    assert.deepStrictEqual(at("d", 100), { acquired: true, retryInMs: 0 }, "a's slot, expired")
    assert.deepStrictEqual(at("e", 120), { acquired: false, retryInMs: 40 }, "c expires at 160")
  })

  it.effect("a concurrency lease not free before the deadline fails fast with RateLimited", () =>
    Effect.gen(function* () {
      const t = recording(() => response(200), 1_000)
      const store = Throttle.makeMemoryStore()
      const one = runtime(t.transport, Throttle.make({ provider: "test", budget: { concurrency: 1 }, store }))
      const two = runtime(
        t.transport,
        Throttle.make({ provider: "test", budget: { concurrency: 1 }, store }),
        {
          deadlineMs: 300,
        },
      )
      const slow = yield* Effect.forkChild(get(one))
      yield* Effect.yieldNow
      const waiting = yield* Effect.forkChild(Effect.flip(get(two)))
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(waiting)
      assert.strictEqual(error._tag, "RateLimited")
      yield* Fiber.join(slow)
      assert.strictEqual(t.sentAt.length, 1)
    }),
  )

  it.effect("a traced attempt says how long the budget held it back", () =>
    Effect.gen(function* () {
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span(options) {
          const span = new Tracer.NativeSpan(options)
          spans.push(span)
          return span
        },
      })
      const t = recording(() => response(200))
      const rt = runtime(
        t.transport,
        Throttle.make({ provider: "test", budget: { rate: 5 }, store: Throttle.makeMemoryStore() }),
      )
      const fiber = yield* Effect.forkChild(
        Effect.all([get(rt), get(rt)], { concurrency: "unbounded" }).pipe(Effect.withTracer(tracer)),
      )
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      const waits = spans
        .filter((s) => s.name === "keyway.attempt")
        .map((s) => s.attributes.get("keyway.throttle.wait_ms"))
      assert.deepStrictEqual(waits.sort(), [200, undefined])
    }),
  )

  it.effect("reports each throttle decision to the metrics sink", () =>
    Effect.gen(function* () {
      events.length = 0
      const t = recording(() => response(200))
      const rt = runtime(
        t.transport,
        Throttle.make({ provider: "test", budget: { rate: 2 }, store: Throttle.makeMemoryStore() }),
        { deadlineMs: 800 },
      )
      const fiber = yield* Effect.forkChild(
        Effect.all([get(rt), get(rt), Effect.flip(get(rt))], { concurrency: "unbounded" }),
      )
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(
        events.map((e) => [e.outcome, e.waitMs]),
        [
          ["immediate", 0],
          ["waited", 500],
          ["rejected", 1_000],
        ],
      )
    }).pipe((effect) =>
      Effect.provideService(effect, Telemetry.Telemetry, {
        ...Telemetry.noop,
        throttle: (e) => events.push(e),
      }),
    ),
  )
})

const events: Array<Telemetry.ThrottleEvent> = []
