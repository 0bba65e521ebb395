import { describe, expect, it } from "@effect/vitest"
import { Conformance, LoopbackServer } from "@keyway/auth-testkit"
import { type Auth, Errors, Http } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as PermanentToken from "../src/PermanentToken.ts"

const token = "A-b189a7c5-804d-403f-ac4a-a940dfsfdfs"
const call: Auth.CallInfo = { correlationId: "cca-1", attempt: 1 }
const ccaServer = LoopbackServer.make((r) =>
  r.headers.authorization === `Bearer ${token}` ? { status: 200, body: { ok: true } } : { status: 401 },
)

describe("CCA permanent token", () => {
  it.effect("sends Authorization: Bearer until its expiration date", () =>
    Effect.gen(function* () {
      const server = yield* ccaServer
      const plugin = yield* PermanentToken.make({
        provider: "cca",
        token: Redacted.make(token),
        expiresAt: new Date(60_000),
      })
      const outcome = yield* Conformance.call(plugin, `${server.url}/CcaAPI/agents`)
      expect(outcome.status).toBe(200)
      expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${token}`)
    }),
  )

  it.effect("past its expiration date: CredentialsExpired before any request is sent (TestClock)", () =>
    Effect.gen(function* () {
      const server = yield* ccaServer
      const plugin = yield* PermanentToken.make({
        provider: "cca",
        token: Redacted.make(token),
        expiresAt: "1970-01-02T00:00:00Z",
      })
      yield* plugin.authenticate(Http.makeRequest("GET", `${server.url}/CcaAPI/agents`), call)
      yield* TestClock.adjust("1 day")
      const error = yield* Effect.flip(
        Conformance.call(plugin, `${server.url}/CcaAPI/agents`, undefined, "cca-2"),
      )
      expect(error).toBeInstanceOf(Errors.CredentialsExpired)
      expect(error).toMatchObject({
        provider: "cca",
        correlationId: "cca-2",
        reason: "the permanent token expired on 1970-01-02T00:00:00.000Z",
      })
      expect(server.requests).toHaveLength(0)
      expect(error.message + JSON.stringify(error)).not.toContain(token)
    }),
  )

  it.effect("a 401 (revoked early) is CredentialsExpired, never a retry", () =>
    Effect.gen(function* () {
      const server = yield* ccaServer
      const plugin = yield* PermanentToken.make({ provider: "cca", token: Redacted.make("A-revoked") })
      const error = yield* Effect.flip(Conformance.call(plugin, `${server.url}/CcaAPI/agents`))
      expect(error._tag).toBe("CredentialsExpired")
      expect(server.requests).toHaveLength(1)
    }),
  )

  it.effect("a header without a scheme, and a query parameter declared secret", () =>
    Effect.gen(function* () {
      const request = Http.makeRequest("GET", "https://api.example/x?page=2")
      const header = yield* PermanentToken.make({
        provider: "p",
        token: Redacted.make("k1"),
        placement: { in: "header", name: "X-Api-Key" },
      })
      expect((yield* header.authenticate(request, call)).headers["x-api-key"]).toBe("k1")
      const query = yield* PermanentToken.make({
        provider: "p",
        token: Redacted.make("k2"),
        placement: { in: "query", name: "key" },
      })
      const decorated = yield* query.authenticate(request, call)
      expect(decorated.url).toBe("https://api.example/x?page=2&key=k2")
      expect(query.secretQueryParams).toEqual(["key"])
      expect(Errors.redactUrl(decorated.url, query.secretQueryParams)).not.toContain("k2")
    }),
  )

  it.effect("an unreadable expiresAt or an empty token is a ConfigError", () =>
    Effect.gen(function* () {
      const bad = yield* Effect.flip(
        PermanentToken.make({ provider: "p", token: Redacted.make("k"), expiresAt: "next tuesday" }),
      )
      expect(bad).toMatchObject({ _tag: "ConfigError", path: "expiresAt" })
      const empty = yield* Effect.flip(PermanentToken.make({ provider: "p", token: Redacted.make("") }))
      expect(empty).toMatchObject({ _tag: "ConfigError", path: "token" })
    }),
  )
})
