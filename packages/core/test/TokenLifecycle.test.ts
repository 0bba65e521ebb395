import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { Errors, TokenLifecycle, TokenStore } from "../src/index.ts"

const jwt = (claims: object) =>
  ["e30", Buffer.from(JSON.stringify(claims)).toString("base64url"), "sig"].join(".")

/** A fetch that counts calls and issues `t1`, `t2`, ... with rotating refresh tokens `r1`, `r2`, ... */
const counting = (expiresIn: number | undefined = 3600) => {
  const state = { calls: 0, usedRefreshTokens: [] as Array<string | undefined> }
  const fetch = (current: TokenStore.StoredToken | undefined) =>
    Effect.sync(() => {
      state.calls++
      state.usedRefreshTokens.push(current?.refreshToken && Redacted.value(current.refreshToken))
      return {
        accessToken: Redacted.make(`t${state.calls}`),
        refreshToken: Redacted.make(`r${state.calls}`),
        expiresIn,
      }
    })
  return { state, fetch }
}

const value = (t: TokenStore.StoredToken) => Redacted.value(t.accessToken!)

describe("TokenLifecycle", () => {
  it.effect("single flight: 100 concurrent callers on a cold token make one token request", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      let calls = 0
      const tokens = yield* TokenLifecycle.make({
        provider: "p",
        fetch: () =>
          Deferred.await(gate).pipe(
            Effect.andThen(
              Effect.sync(() => ({ accessToken: Redacted.make(`t${++calls}`), expiresIn: 3600 })),
            ),
          ),
      })
      const fiber = yield* Effect.forkChild(
        Effect.all(
          Array.from({ length: 100 }, () => tokens.get(["a"])),
          { concurrency: "unbounded" },
        ),
      )
      yield* Effect.yieldNow
      yield* Deferred.succeed(gate, undefined)
      const results = yield* Fiber.join(fiber)
      assert.strictEqual(calls, 1)
      assert.isTrue(results.every((t) => value(t) === "t1"))
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("one token per scope set, whatever the order", () =>
    Effect.gen(function* () {
      const { state, fetch } = counting()
      const tokens = yield* TokenLifecycle.make({ provider: "p", fetch })
      const a = yield* tokens.get(["x", "y"])
      const b = yield* tokens.get(["y", "x", "x"])
      const c = yield* tokens.get(["z"])
      assert.strictEqual(value(a), value(b))
      assert.notStrictEqual(value(a), value(c))
      assert.strictEqual(state.calls, 2)
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("refreshes inside the buffer before expiry, not before", () =>
    Effect.gen(function* () {
      const { state, fetch } = counting(3600)
      const tokens = yield* TokenLifecycle.make({ provider: "p", fetch, refreshBuffer: "5 minutes" })
      assert.strictEqual(value(yield* tokens.get([])), "t1")
      yield* TestClock.adjust("54 minutes")
      assert.strictEqual(value(yield* tokens.get([])), "t1")
      yield* TestClock.adjust("2 minutes")
      assert.strictEqual(value(yield* tokens.get([])), "t2")
      assert.deepStrictEqual(state.usedRefreshTokens, [undefined, "r1"])
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("expiry: expires_in, else the JWT exp, else the default lifetime", () =>
    Effect.gen(function* () {
      assert.strictEqual(
        TokenLifecycle.expiryFrom({ expiresIn: 60, accessToken: jwt({ exp: 999 }) }, 1000, 5),
        61_000,
      )
      assert.strictEqual(TokenLifecycle.expiryFrom({ accessToken: jwt({ exp: 999 }) }, 1000, 5), 999_000)
      assert.strictEqual(TokenLifecycle.expiryFrom({ accessToken: "opaque" }, 1000, 5), 1005)
      const tokens = yield* TokenLifecycle.make({
        provider: "p",
        fetch: () => Effect.succeed({ accessToken: Redacted.make("opaque") }),
        defaultLifetime: "10 minutes",
      })
      const t = yield* tokens.get([])
      assert.strictEqual(t.expiresAt, 600_000)
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("invalidate after a 401 forces exactly one refresh", () =>
    Effect.gen(function* () {
      const { state, fetch } = counting()
      const tokens = yield* TokenLifecycle.make({ provider: "p", fetch })
      const first = yield* tokens.get([])
      yield* tokens.invalidate([], first.accessToken!)
      const [a, b] = yield* Effect.all([tokens.get([]), tokens.get([])], { concurrency: "unbounded" })
      assert.strictEqual(value(a), "t2")
      assert.strictEqual(value(b), "t2")
      assert.strictEqual(state.calls, 2)
      // Invalidating a token that is no longer current does nothing.
      yield* tokens.invalidate([], first.accessToken!)
      assert.strictEqual(value(yield* tokens.get([])), "t2")
      assert.strictEqual(state.calls, 2)
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("writes a rotated refresh token with compare-and-set before handing out the access token", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.TokenStore
      const { fetch } = counting(60)
      const tokens = yield* TokenLifecycle.make({ provider: "p", fetch })
      yield* tokens.get([])
      yield* TestClock.adjust("2 minutes")
      const t2 = yield* tokens.get([])
      const stored = yield* store.get(tokens.keyOf([]))
      assert.strictEqual(Redacted.value(stored?.refreshToken as Redacted.Redacted<string>), "r2")
      assert.strictEqual(stored!.revision, t2.revision)
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("loses a rotation race gracefully: the winner's tokens are used", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.TokenStore
      let calls = 0
      const key = TokenStore.key({ provider: "p", connection: "default", scopes: [] })
      const tokens: TokenLifecycle.TokenLifecycle = yield* TokenLifecycle.make({
        provider: "p",
        fetch: (current): Effect.Effect<TokenLifecycle.Obtained> =>
          Effect.gen(function* () {
            calls++
            // Another process rotates while our token request is in flight.
            if (calls === 2) {
              yield* Effect.orDie(
                store.compareAndSet(key, current, {
                  accessToken: Redacted.make("winner"),
                  refreshToken: Redacted.make("r-winner"),
                  expiresAt: 10_000_000,
                  obtainedAt: 0,
                  revision: "other-process",
                }),
              )
            }
            return {
              accessToken: Redacted.make(`t${calls}`),
              refreshToken: Redacted.make(`r${calls}`),
              expiresIn: 60,
            }
          }),
      })
      yield* tokens.get([])
      yield* TestClock.adjust("2 minutes")
      const t = yield* tokens.get([])
      assert.strictEqual(value(t), "winner")
      const stored = yield* store.get(tokens.keyOf([]))
      assert.strictEqual(Redacted.value(stored?.refreshToken as Redacted.Redacted<string>), "r-winner")
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("marks the grant when a refresh needs reauthorization, and keeps it", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.TokenStore
      let calls = 0
      const tokens = yield* TokenLifecycle.make({
        provider: "p",
        connection: "acme",
        fetch: () =>
          ++calls === 1
            ? Effect.succeed({
                accessToken: Redacted.make("t1"),
                refreshToken: Redacted.make("r1"),
                expiresIn: 60,
              })
            : Effect.fail(
                new Errors.ReauthorizationRequired({
                  provider: "p",
                  connection: "acme",
                  reason: "invalid_grant",
                }),
              ),
      })
      yield* tokens.get([])
      yield* TestClock.adjust("2 minutes")
      const error = yield* Effect.flip(tokens.get([]))
      assert.strictEqual(error._tag, "ReauthorizationRequired")
      const stored = yield* store.get(tokens.keyOf([]))
      assert.strictEqual(stored?.needsReauthorization, "invalid_grant")
      assert.strictEqual(Redacted.value(stored?.refreshToken as Redacted.Redacted<string>), "r1")
      // Later calls fail at once, without another token request.
      const again = yield* Effect.flip(tokens.get([]))
      assert.strictEqual(again._tag, "ReauthorizationRequired")
      assert.strictEqual(calls, 2)
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("refreshAhead refreshes in the background before expiry", () =>
    Effect.gen(function* () {
      const { state, fetch } = counting(3600)
      const tokens = yield* TokenLifecycle.make({ provider: "p", fetch, refreshBuffer: "1 minute" })
      yield* tokens.refreshAhead([])
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(state.calls, 1)
      yield* TestClock.adjust("58 minutes")
      assert.strictEqual(state.calls, 1)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(state.calls, 2)
      yield* TestClock.adjust("59 minutes")
      assert.strictEqual(state.calls, 3)
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("memory store compare-and-set compares revisions", () =>
    Effect.gen(function* () {
      const store = TokenStore.makeMemory()
      const key = TokenStore.key({ provider: "p", connection: "c", scopes: ["b", "a"] })
      const r1: TokenStore.StoredToken = { accessToken: Redacted.make("a"), obtainedAt: 0, revision: "1" }
      const r2: TokenStore.StoredToken = { accessToken: Redacted.make("b"), obtainedAt: 0, revision: "2" }
      assert.isTrue(yield* store.compareAndSet(key, undefined, r1))
      assert.isFalse(yield* store.compareAndSet(key, undefined, r2))
      assert.isFalse(yield* store.compareAndSet(key, r2, r2))
      assert.isTrue(yield* store.compareAndSet(key, r1, r2))
      assert.strictEqual(
        (yield* store.get(TokenStore.key({ provider: "p", connection: "c", scopes: ["a", "b"] })))?.revision,
        "2",
      )
      yield* store.delete(key)
      assert.isUndefined(yield* store.get(key))
      assert.strictEqual(TokenStore.deserialize(TokenStore.serialize(r2)).revision, "2")
    }),
  )
})
