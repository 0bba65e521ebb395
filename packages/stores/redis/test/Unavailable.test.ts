// Redis going away and coming back: typed, bounded failures; reconnection; no token lost or
// overwritten by an older one. Runs on a private redis-server (skipped with KEYWAY_REDIS_URL).
import { Errors, TokenLifecycle, TokenStore } from "@keyway/core"
import { RedisServer } from "@keyway/store-testkit"
import { Effect, Exit, Redacted, type Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RedisStore } from "../src/index.ts"

const external = Boolean(process.env.KEYWAY_REDIS_URL)
let redis: RedisServer.RedisServer
beforeAll(async () => {
  if (!external) redis = await RedisServer.start()
})
afterAll(async () => {
  await redis?.dispose()
})

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect))
const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit)
    ? (exit.cause.reasons.find((r) => r._tag === "Fail") as { error: E } | undefined)?.error
    : undefined

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const started = Date.now()
    const exit = yield* Effect.exit(effect)
    return { exit, ms: Date.now() - started }
  })

describe.skipIf(external)("RedisStore when Redis is unreachable", () => {
  it("fails make fast with TokenStoreUnavailable when nothing listens", async () => {
    const started = Date.now()
    const exit = await Effect.runPromiseExit(
      Effect.scoped(RedisStore.make({ url: "redis://127.0.0.1:1", connectTimeout: "500 millis" })),
    )
    expect(failureOf(exit)).toBeInstanceOf(Errors.TokenStoreUnavailable)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it("stop mid-run: calls fail typed and fast; restart: reconnects, state intact, never overwritten by an older record", () =>
    run(
      Effect.gen(function* () {
        const store = yield* RedisStore.make({ url: redis.url, prefix: "down", commandTimeout: "500 millis" })
        let fetches = 0
        const tokens = yield* TokenLifecycle.make({
          provider: "workable",
          connection: "acme",
          fetch: () =>
            Effect.sync(() => {
              fetches++
              return {
                accessToken: Redacted.make(`at-${fetches}`),
                refreshToken: Redacted.make(`rt-${fetches}`),
                expiresIn: 3600,
              }
            }),
        }).pipe(Effect.provideService(TokenStore.TokenStore, store))
        const key = tokens.keyOf(["r_jobs"])
        const first = yield* tokens.get(["r_jobs"])
        const rotated = yield* tokens.refresh(["r_jobs"])
        expect(Redacted.value(rotated.refreshToken!)).toBe("rt-2")

        yield* Effect.promise(() => redis.stop("SIGKILL"))

        // the hot path still answers from memory
        expect((yield* tokens.get(["r_jobs"])).revision).toBe(rotated.revision)
        // what needs Redis fails with TokenStoreUnavailable, well within a second or two
        const read = yield* timed(
          store.get(TokenStore.key({ provider: "workable", connection: "other", scopes: [] })),
        )
        expect(failureOf(read.exit)?._tag).toBe("TokenStoreUnavailable")
        expect(read.ms).toBeLessThan(1500)
        const refresh = yield* timed(tokens.refresh(["r_jobs"]))
        expect(failureOf(refresh.exit)?._tag).toBe("TokenStoreUnavailable")
        expect(refresh.ms).toBeLessThan(2500)
        // nothing was sent to the token endpoint: no refresh token was spent
        expect(fetches).toBe(2)
        const write = yield* timed(store.compareAndSet(key, rotated, { ...rotated, revision: "x" }))
        expect(failureOf(write.exit)?._tag).toBe("TokenStoreUnavailable")
        expect(write.ms).toBeLessThan(2500)
        console.log(
          `redis down: get failed in ${read.ms} ms, refresh in ${refresh.ms} ms, compareAndSet (retried) in ${write.ms} ms`,
        )
        const error = failureOf(write.exit) as Errors.TokenStoreUnavailable
        expect(error.message).not.toContain("rt-2")
        expect(error.message).not.toContain("at-2")

        yield* Effect.promise(() => redis.restart())
        // reconnects by itself
        const deadline = Date.now() + 5000
        let back = yield* Effect.exit(store.get(key))
        while (Exit.isFailure(back) && Date.now() < deadline) {
          yield* Effect.sleep("50 millis")
          back = yield* Effect.exit(store.get(key))
        }
        expect(Exit.isSuccess(back)).toBe(true)
        const stored = Exit.isSuccess(back) ? back.value : undefined
        expect(stored?.revision).toBe(rotated.revision)
        expect(stored?.refreshToken && Redacted.value(stored.refreshToken)).toBe("rt-2")
        // an older writer loses
        expect(yield* store.compareAndSet(key, first, { ...first, revision: TokenStore.newRevision() })).toBe(
          false,
        )
        // and the lifecycle goes on rotating from the stored grant
        const again = yield* tokens.refresh(["r_jobs"])
        expect(Redacted.value(again.refreshToken!)).toBe("rt-3")
        expect(fetches).toBe(3)
      }),
    ))
})
