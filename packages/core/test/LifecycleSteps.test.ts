import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import type { TokenStore } from "../src/index.ts"
import * as Steps from "../src/internal/lifecycleSteps.ts"

const timing: Steps.Timing = { bufferMs: 60_000, defaultLifetimeMs: 3_600_000, refreshLifetimeMs: 1_000_000 }
const stored = (fields: Partial<TokenStore.StoredToken> = {}): TokenStore.StoredToken => ({
  accessToken: Redacted.make("at"),
  obtainedAt: 0,
  expiresAt: 3_600_000,
  revision: "r1",
  ...fields,
})

describe("TokenLifecycle steps, one at a time", () => {
  it("isUsable: stale a buffer before expiry, at most half the lifetime; never the rejected token", () => {
    assert.isTrue(Steps.isUsable(stored(), 3_539_999, 60_000, undefined))
    assert.isFalse(Steps.isUsable(stored(), 3_540_000, 60_000, undefined))
    // a one-minute token is stale after 30 s, not at once
    assert.isTrue(Steps.isUsable(stored({ expiresAt: 60_000 }), 29_999, 60_000, undefined))
    assert.isFalse(Steps.isUsable(stored({ expiresAt: 60_000 }), 30_000, 60_000, undefined))
    assert.isFalse(Steps.isUsable(stored(), 0, 60_000, "at"))
    assert.isFalse(Steps.isUsable(stored({ needsReauthorization: "revoked" }), 0, 60_000, undefined))
    assert.isTrue(Steps.isUsable(stored({ expiresAt: undefined }), 1e12, 60_000, undefined))
  })

  it("toStored: keeps the refresh token, and a rotated one inherits the grant's deadline", () => {
    const first = Steps.toStored(
      { accessToken: Redacted.make("a1"), refreshToken: Redacted.make("r1"), expiresIn: 60, newGrant: true },
      undefined,
      1_000,
      timing,
    )
    assert.strictEqual(first.expiresAt, 61_000)
    assert.strictEqual(first.refreshExpiresAt, 1_001_000)
    const rotated = Steps.toStored(
      { accessToken: Redacted.make("a2"), refreshToken: Redacted.make("r2") },
      first,
      5_000,
      timing,
    )
    assert.strictEqual(rotated.refreshExpiresAt, 1_001_000)
    const kept = Steps.toStored({ accessToken: Redacted.make("a3") }, rotated, 6_000, timing)
    assert.strictEqual(Redacted.value(kept.refreshToken!), "r2")
    assert.notStrictEqual(kept.revision, rotated.revision)
  })

  it("countRefusal and refusalGate: refusals in a row back the next token request off", () => {
    const one = Steps.countRefusal(undefined, 0, 1_000)
    assert.deepStrictEqual(one, { count: 1, at: 1_000 })
    const two = Steps.countRefusal(one, 2_000, 3_000)
    assert.deepStrictEqual(two, { count: 2, at: 3_000 })
    // a token that served for more than a minute starts the count afresh
    assert.deepStrictEqual(Steps.countRefusal(two, 4_000, 70_000), { count: 1, at: 70_000 })
    const current = stored({ accessToken: Redacted.make("refused") })
    assert.strictEqual(Steps.refusalGate("p", two, current, "refused", 3_500)?._tag, "CredentialsExpired")
    assert.isUndefined(Steps.refusalGate("p", two, current, "refused", 4_000))
    assert.isUndefined(Steps.refusalGate("p", two, current, "another", 3_500))
  })

  it("marks: a dead grant keeps its refresh token but no access token; a failure counts attempts", () => {
    const dead = Steps.markedForReauthorization(stored({ refreshToken: Redacted.make("r") }), "invalid_grant")
    assert.isUndefined(dead.accessToken)
    assert.strictEqual(Steps.needsReauthorization("p", "c", dead)?._tag, "ReauthorizationRequired")
    const failing = Steps.markedFailing(
      stored(),
      { _tag: "TokenEndpointError", message: "status 503" } as never,
      10,
    )
    const again = Steps.markedFailing(
      failing,
      { _tag: "TokenEndpointError", message: "status 503" } as never,
      20,
    )
    assert.deepStrictEqual(again.failure, {
      error: "TokenEndpointError: status 503",
      since: 10,
      attempts: 2,
      lastAttemptAt: 20,
    })
  })

  it("refreshDelay: wakes when the token turns stale", () => {
    assert.strictEqual(Steps.refreshDelay(stored(), 1_000_000, timing), 2_540_000)
    assert.strictEqual(Steps.refreshDelay(stored({ expiresAt: undefined }), 0, timing), 3_600_000)
  })
})
