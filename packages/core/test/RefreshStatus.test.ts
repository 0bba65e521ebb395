// What the runtime records on a grant as it works (the connections' statuses), and the keeper's
// "refresh unless somebody already did" (`refreshRevision`), and the memory store's listing.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { Errors, TokenLifecycle, TokenStore } from "../src/index.ts"

const grant = (over: Partial<TokenStore.StoredToken> = {}): TokenStore.StoredToken => ({
  accessToken: Redacted.make("a0"),
  refreshToken: Redacted.make("r0"),
  expiresAt: 3_600_000,
  obtainedAt: 0,
  revision: "rev-0",
  ...over,
})

describe("refresh status on the stored grant", () => {
  it.effect(
    "a transient failure is recorded (attempts, since), kept across failures, cleared by a success",
    () =>
      Effect.gen(function* () {
        const store = yield* TokenStore.TokenStore
        const key = TokenStore.key({ provider: "p", connection: "c", scopes: [] })
        yield* store.compareAndSet(key, undefined, grant())
        let fail = true
        let calls = 0
        const tokens = yield* TokenLifecycle.make({
          provider: "p",
          connection: "c",
          fetch: () =>
            Effect.suspend(() => {
              calls++
              return fail
                ? Effect.fail(
                    new Errors.TokenEndpointError({
                      provider: "p",
                      url: "http://127.0.0.1/t",
                      reason: "HTTP 503",
                      status: 503,
                    }),
                  )
                : Effect.succeed({
                    accessToken: Redacted.make(`a${calls}`),
                    refreshToken: Redacted.make(`r${calls}`),
                    expiresIn: 3600,
                  })
            }),
        })
        yield* TestClock.adjust("10 seconds")
        const first = yield* Effect.flip(tokens.refreshRevision([], "rev-0"))
        assert.strictEqual(first._tag, "TokenEndpointError")
        const marked = yield* store.get(key)
        assert.deepStrictEqual(marked?.failure, {
          error: "TokenEndpointError: p: token endpoint http://127.0.0.1/t failed: HTTP 503",
          since: 10_000,
          attempts: 1,
          lastAttemptAt: 10_000,
        })
        // the grant itself is kept: calls go on with the access token while it is valid
        assert.strictEqual(
          marked?.accessToken === undefined ? undefined : Redacted.value(marked.accessToken),
          "a0",
        )
        yield* TestClock.adjust("30 seconds")
        yield* Effect.flip(tokens.refreshRevision([], marked?.revision ?? ""))
        const again = yield* store.get(key)
        assert.deepStrictEqual(
          [again?.failure?.attempts, again?.failure?.since, again?.failure?.lastAttemptAt],
          [2, 10_000, 40_000],
        )
        fail = false
        const refreshed = yield* tokens.refreshRevision([], again?.revision ?? "")
        assert.isUndefined(refreshed.failure)
        assert.isUndefined((yield* store.get(key))?.failure)
        assert.strictEqual(calls, 3)
      }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("refreshRevision makes no token request when the record is no longer the one seen", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.TokenStore
      const key = TokenStore.key({ provider: "p", connection: "c", scopes: [] })
      yield* store.compareAndSet(key, undefined, grant({ revision: "rev-new" }))
      let calls = 0
      const tokens = yield* TokenLifecycle.make({
        provider: "p",
        connection: "c",
        fetch: () => Effect.sync(() => ({ accessToken: Redacted.make(`a${++calls}`), expiresIn: 3600 })),
      })
      const stale = yield* tokens.refreshRevision([], "rev-old")
      assert.strictEqual(stale.revision, "rev-new")
      assert.strictEqual(calls, 0)
      const forced = yield* tokens.refreshRevision([], "rev-new")
      assert.notStrictEqual(forced.revision, "rev-new")
      assert.strictEqual(calls, 1)
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it.effect("the memory store lists one provider's records with their keys", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.TokenStore
      const a = TokenStore.key({ provider: "p", connection: "a b", scopes: ["y", "x"] })
      const other = TokenStore.key({ provider: "p2", connection: "a", scopes: [] })
      yield* store.compareAndSet(a, undefined, grant())
      yield* store.compareAndSet(other, undefined, grant())
      const listed = yield* store.list!("p")
      assert.deepStrictEqual(
        listed.map((l) => l.key),
        [{ provider: "p", connection: "a b", scopes: ["x", "y"] }],
      )
      assert.deepStrictEqual(TokenStore.parseKeyString(TokenStore.keyString(a)), a)
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )
})
