// The call budgets the Redis store keeps for core's Throttle: the Lua script gives the same
// answers as Throttle.decide / Throttle.held, atomically, for every process on the Redis.
import { Throttle } from "@keyway/core"
import { Effect, type Scope } from "effect"
import { describe, expect, it } from "vitest"
import { RedisStore } from "../src/index.ts"
import { useRedis } from "./redis.ts"

const redis = useRedis()
let n = 0
const freshPrefix = () => `kwbudget${process.pid}x${++n}`
const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect))

describe("RedisStore: call budgets", () => {
  it("reserves slots as Throttle.decide does, refuses past maxWaitMs without spending a slot", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const store = yield* RedisStore.make({ url: redis.url, prefix })
        const budgets = store.budgets!
        const request = { intervalMs: 100, burst: 3, now: 1_000_000, maxWaitMs: 250 }
        const waits: Array<number> = []
        for (let i = 0; i < 6; i++) {
          const r = yield* budgets.reserve("ccw", request)
          waits.push(r.granted ? r.waitMs : -r.waitMs)
        }
        expect(waits).toEqual([0, 0, 0, 100, 200, -300])
        // the refusal spent nothing: a caller that can wait gets the 300 ms slot
        expect(yield* budgets.reserve("ccw", { ...request, maxWaitMs: 1_000 })).toEqual({
          granted: true,
          waitMs: 300,
        })
        expect(Number(yield* Effect.promise(() => store.client.get(`${prefix}:budget:ccw`)))).toBe(1_000_600)
        const ttl = yield* Effect.promise(() => store.client.pttl(`${prefix}:budget:ccw`))
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(1_600)
        // fractional intervals survive the round trip through Lua
        const odd = { intervalMs: 1000 / 3, burst: 1, now: 0, maxWaitMs: 10_000 }
        yield* budgets.reserve("odd", odd)
        expect((yield* budgets.reserve("odd", odd)).waitMs).toBeCloseTo(1000 / 3, 6)
      }),
    ))

  it("holds a budget until a reset, as Throttle.held does", () =>
    run(
      Effect.gen(function* () {
        const store = yield* RedisStore.make({ url: redis.url, prefix: freshPrefix() })
        const budgets = store.budgets!
        const shape = { intervalMs: 100, burst: 2, now: 0 }
        yield* budgets.hold("workable/acme", 5_000, shape)
        const r = yield* budgets.reserve("workable/acme", { ...shape, now: 1_000, maxWaitMs: 10_000 })
        const expected = Throttle.decide(Throttle.held(undefined, 5_000, shape), {
          ...shape,
          now: 1_000,
          maxWaitMs: 10_000,
        })
        expect(r).toEqual({ granted: expected.granted, waitMs: expected.waitMs })
        expect(r.waitMs).toBe(4_000)
      }),
    ))

  it("leases the budget's concurrency across processes: a limit, release, expiry", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const one = (yield* RedisStore.make({ url: redis.url, prefix })).budgets!
        const two = (yield* RedisStore.make({ url: redis.url, prefix })).budgets!
        const lease = (store: typeof one, id: string, now: number) =>
          store.lease!("ccw/inflight", { id, limit: 2, leaseMs: 5_000, now })
        expect(yield* lease(one, "a", 1_000)).toEqual({ acquired: true, retryInMs: 0 })
        expect(yield* lease(two, "b", 1_100)).toEqual({ acquired: true, retryInMs: 0 })
        expect(yield* lease(one, "c", 2_000)).toEqual({ acquired: false, retryInMs: 4_000 })
        yield* two.release!("ccw/inflight", "b")
        expect((yield* lease(one, "c", 2_000)).acquired).toBe(true)
        // "a" and "c" held; a crashed holder's lease ends at its expiry
        expect((yield* lease(two, "d", 5_999)).acquired).toBe(false)
        expect((yield* lease(two, "d", 6_000)).acquired).toBe(true)
      }),
    ))
})
