import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import { TokenStore } from "../src/index.ts"

describe("TokenStore records on a Schema", () => {
  it("round-trips a record: secrets are plain in the text, Redacted once read", () => {
    const record: TokenStore.StoredToken = {
      accessToken: Redacted.make("at-1"),
      refreshToken: Redacted.make("rt-1"),
      expiresAt: 10,
      obtainedAt: 0,
      revision: "r1",
      failure: { error: "TokenEndpointError: status 503", since: 1, attempts: 2, lastAttemptAt: 3 },
    }
    const text = TokenStore.serialize(record)
    assert.include(text, '"accessToken":"at-1"')
    const back = TokenStore.deserialize(text)
    assert.isTrue(Redacted.isRedacted(back.accessToken))
    assert.strictEqual(Redacted.value(back.refreshToken!), "rt-1")
    assert.deepStrictEqual(back.failure, record.failure)
    assert.strictEqual(back.revision, "r1")
  })

  it("refuses a record that does not fit, without quoting it", () => {
    // a secret that is not a string was a cast before: now it is an unreadable record
    const bad = '{"accessToken":{"leak":"SECRET"},"obtainedAt":0,"revision":"r1"}'
    assert.throws(() => TokenStore.deserialize(bad), /does not fit/)
    try {
      TokenStore.deserialize(bad)
    } catch (error) {
      assert.notInclude(String(error), "SECRET")
    }
    assert.throws(() => TokenStore.deserialize('{"accessToken":"t"}'), /does not fit/)
    // unknown fields are dropped
    const extra = TokenStore.deserialize('{"obtainedAt":0,"revision":"r","x":1}')
    assert.deepStrictEqual(Object.keys(extra).sort(), ["accessToken", "obtainedAt", "revision"])
  })
})
