import { assert, describe, it } from "@effect/vitest"
import { Errors } from "../src/index.ts"

describe("Errors", () => {
  it("isKeywayError asks the value's TypeId, not its tag", () => {
    assert.isTrue(Errors.isKeywayError(new Errors.ConfigError({ path: "x", message: "y" })))
    assert.isTrue(
      Errors.isKeywayError(
        new Errors.TooManyRedirects({
          method: "GET",
          url: "u",
          correlationId: "c",
          location: "l",
          maxHops: 5,
        }),
      ),
    )
    // a look-alike with a Keyway tag is not one
    assert.isFalse(Errors.isKeywayError({ _tag: "HttpError", status: 500 }))
    assert.isFalse(Errors.isKeywayError(new Error("x")))
    assert.isFalse(Errors.isKeywayError(null))
    // the mark is not an own property: it does not show in JSON
    assert.notInclude(JSON.stringify(new Errors.ConfigError({ path: "x", message: "y" })), "keyway")
  })

  it("builds UnexpectedResponse in one place: URL redacted, reason from the thrown value", () => {
    const error = Errors.unexpectedResponse(new SyntaxError("Unexpected token <"), {
      method: "GET",
      url: "https://x/a?api_key=k",
      correlationId: "c-1",
      context: "status 200 with a body that could not be read",
    })
    assert.strictEqual(error._tag, "UnexpectedResponse")
    assert.strictEqual(error.url, "https://x/a?api_key=%3Credacted%3E")
    assert.strictEqual(error.reason, "status 200 with a body that could not be read: Unexpected token <")
    const kept = new Errors.ConfigError({ path: "p", message: "m" })
    assert.strictEqual(Errors.orUnexpected(kept, { method: "GET", url: "" }), kept)
  })
})

describe("Scopes (one definition for every token plugin)", () => {
  it("requested: requestScopes, else defaultScopes, else none; unknown: not in a non-empty list", async () => {
    const { Scopes } = await import("../src/index.ts")
    assert.deepStrictEqual(Scopes.requested({ scopes: ["a", "b"], defaultScopes: ["a"] }), ["a"])
    assert.deepStrictEqual(Scopes.requested({ requestScopes: ["b"], defaultScopes: ["a"] }), ["b"])
    assert.deepStrictEqual(Scopes.requested({ scopes: ["a", "b"] }), [])
    assert.deepStrictEqual(Scopes.unknown({ scopes: ["a"] }, ["a", "z"]), ["z"])
    assert.deepStrictEqual(Scopes.unknown({ scopes: [] }, ["z"]), [])
  })
})
