import { assert, describe, it } from "@effect/vitest"
import { StrategyConfig } from "@keyway/auth-authorization-code"
import { TokenStore } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { Connections, Keeper, Serve } from "../src/index.ts"

const token = (over: Partial<TokenStore.StoredToken> = {}): TokenStore.StoredToken => ({
  accessToken: Redacted.make("a"),
  refreshToken: Redacted.make("r"),
  expiresAt: 3_600_000,
  obtainedAt: 0,
  revision: "1",
  ...over,
})

const policy = { aheadMs: 600_000, maxAgeMs: 86_400_000, backoffBaseMs: 30_000, backoffMaxMs: 1_800_000 }

describe("statuses and due times", () => {
  it("statusOf", () => {
    assert.strictEqual(Connections.statusOf(token(), 0), "active")
    assert.strictEqual(
      Connections.statusOf(token({ failure: { error: "x", since: 0, attempts: 1, lastAttemptAt: 0 } }), 0),
      "failing",
    )
    assert.strictEqual(
      Connections.statusOf(token({ accessToken: undefined, needsReauthorization: "revoked" }), 0),
      "needs_reauthorization",
    )
    assert.strictEqual(Connections.statusOf(token({ refreshExpiresAt: 10 }), 10), "expired")
    assert.strictEqual(Connections.statusOf(token({ refreshToken: undefined }), 3_600_000), "expired")
    assert.strictEqual(Connections.statusOf(token({ refreshToken: undefined }), 0), "active")
    assert.strictEqual(Connections.statusOf(token({ revokedAt: 5 }), 0), "revoked")
  })

  it("dueness: ahead of expiry, at least daily, backoff after failures, never when unrefreshable", () => {
    assert.strictEqual(Keeper.dueness(token(), 0, policy), "not-yet")
    assert.strictEqual(Keeper.dueness(token(), 3_000_000, policy), "due") // 10 minutes before expiry
    assert.strictEqual(Keeper.dueness(token({ expiresAt: 10 * 86_400_000 }), 86_400_000, policy), "due") // 24 h old
    const failing = token({ failure: { error: "x", since: 0, attempts: 3, lastAttemptAt: 1_000 } })
    assert.strictEqual(Keeper.dueness(failing, 1_000 + 119_999, policy), "backoff")
    assert.strictEqual(Keeper.dueness(failing, 1_000 + 120_000, policy), "due")
    assert.strictEqual(
      Keeper.dueness(token({ accessToken: undefined, needsReauthorization: "x" }), 0, policy),
      "unrefreshable",
    )
    assert.strictEqual(Keeper.dueness(token({ refreshToken: undefined }), 3_000_000, policy), "unrefreshable")
    assert.strictEqual(Keeper.backoffMs(20, 30_000, 1_800_000), 1_800_000)
  })

  it.effect("the page escapes every value it shows", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore.TokenStore
      const config = StrategyConfig.make(
        {
          type: "oauth2-authorization-code",
          authorizeUrl: "https://auth.example/authorize",
          tokenUrl: "https://auth.example/token",
        },
        { provider: "example", clientId: "id", clientSecret: "s" },
      )
      const key = TokenStore.key({ provider: "example", connection: "acme", scopes: [] })
      yield* store.compareAndSet(
        key,
        undefined,
        token({
          accessToken: undefined,
          refreshToken: Redacted.make("refresh-SECRET-1"),
          needsReauthorization: `<img src=x onerror="alert(1)">&`,
        }),
      )
      const page = yield* Serve.make({
        providers: [{ config, title: "<b>Example</b>" }],
        origin: "http://127.0.0.1:1",
      })
      const response = yield* Effect.promise(() =>
        page.handle(new Request("http://127.0.0.1:1/?flash=%3Cscript%3E")),
      )
      const html = yield* Effect.promise(() => response.text())
      assert.include(html, "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;")
      assert.include(html, "&lt;b&gt;Example&lt;/b&gt;")
      assert.include(html, "&lt;script&gt;")
      assert.notInclude(html, "<img")
      assert.notInclude(html, "<script>")
      assert.include(response.headers.get("content-security-policy") ?? "", "default-src 'none'")
      // and no secret reaches the JSON listing
      const json = yield* Effect.promise(() =>
        page.handle(new Request("http://127.0.0.1:1/api/connections")).then((r) => r.text()),
      )
      assert.include(json, "needs_reauthorization")
      assert.notInclude(json, "refresh-SECRET-1")
      assert.notInclude(html, "refresh-SECRET-1")
    }).pipe(Effect.scoped, Effect.provide(TokenStore.layerMemory)),
  )
})
