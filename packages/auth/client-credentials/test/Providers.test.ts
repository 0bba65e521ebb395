import { describe, expect, it } from "@effect/vitest"
import { LoopbackServer } from "@keyway/auth-testkit"
import { type Auth, Http, Retry, TokenStore } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as ClientCredentials from "../src/ClientCredentials.ts"

const request = Http.makeRequest("GET", "http://127.0.0.1:1/API/candidates/search")
const callWith = (scopes?: ReadonlyArray<string>): Auth.CallInfo => ({
  correlationId: "quirk-1",
  attempt: 1,
  scopes,
})
const secret = "s3cr3t-value-never-shown"

const plugin = (
  config: Omit<ClientCredentials.Config, "clientId" | "clientSecret" | "provider">,
  provider = "quirk",
) =>
  ClientCredentials.make({
    provider,
    clientId: "my-client",
    clientSecret: Redacted.make(secret),
    ...config,
  }).pipe(Effect.provide(TokenStore.layerMemory))

const jwt = (claims: object) =>
  ["eyJhbGciOiJIUzI1NiJ9", Buffer.from(JSON.stringify(claims)).toString("base64url"), "c2ln"].join(".")

describe("CCW: JSON body with grant_type client_credential, one token per scope set", () => {
  it.effect("sends the documented JSON body and caches per scope set", () =>
    Effect.gen(function* () {
      let n = 0
      const server = yield* LoopbackServer.make(() => ({
        body: { token_type: "Bearer", access_token: `ccw-token-${++n}`, expires_in: 3600 },
      }))
      const auth = yield* plugin({
        tokenUrl: `${server.url}/auth/realms/ccw-na-stg/protocol/openid-connect/token`,
        bodyFormat: "json",
        grantType: "client_credential",
        requestScopes: ["ccw.candidate"],
      })
      const a = yield* auth.authenticate(request, callWith())
      const b = yield* auth.authenticate(request, callWith(["ccw.contingent_workers"]))
      const c = yield* auth.authenticate(request, callWith(["ccw.candidate"]))
      expect(a.headers.authorization).toBe("Bearer ccw-token-1")
      expect(b.headers.authorization).toBe("Bearer ccw-token-2")
      expect(c.headers.authorization).toBe("Bearer ccw-token-1")
      expect(server.requests).toHaveLength(2)
      const first = server.requests[0]!
      expect(first.path).toBe("/auth/realms/ccw-na-stg/protocol/openid-connect/token")
      expect(first.headers["content-type"]).toBe("application/json")
      expect(first.json).toEqual({
        grant_type: "client_credential",
        client_id: "my-client",
        client_secret: secret,
        scope: "ccw.candidate",
      })
      expect((server.requests[1]!.json as { scope: string }).scope).toBe("ccw.contingent_workers")
    }),
  )
})

describe("Culture Amp: Basic client authentication and a scope template", () => {
  it.effect("sends Basic base64(id:secret) and target-entity:{entityId}:{permissions}", () =>
    Effect.gen(function* () {
      const server = yield* LoopbackServer.make(() => ({
        body: { access_token: jwt({ exp: 3599 }), expires_in: 3599, scope: "x", token_type: "Bearer" },
      }))
      const auth = yield* plugin({
        tokenUrl: `${server.url}/v1/oauth2/token`,
        clientAuth: "basic",
        scopeTemplate: "target-entity:{entityId}:{permissions}",
        variables: { entityId: "8ed1f7a0-0000-4000-8000-000000000001" },
        requestScopes: ["employees-read", "performance-evaluations-read"],
      })
      yield* auth.authenticate(request, callWith())
      const sent = server.requests[0]!
      expect(sent.headers.authorization).toBe(
        `Basic ${Buffer.from(`my-client:${secret}`).toString("base64")}`,
      )
      expect(sent.headers["content-type"]).toBe("application/x-www-form-urlencoded")
      expect(sent.params).toEqual({
        grant_type: "client_credentials",
        scope:
          "target-entity:8ed1f7a0-0000-4000-8000-000000000001:employees-read,performance-evaluations-read",
      })
    }),
  )

  it.effect(
    "form-urlencodes id and secret inside Basic (RFC 6749 2.3.1), so a colon in the id survives",
    () =>
      Effect.gen(function* () {
        const server = yield* LoopbackServer.make(() => ({ body: { access_token: "t", expires_in: 60 } }))
        const auth = yield* ClientCredentials.make({
          provider: "p",
          tokenUrl: `${server.url}/token`,
          clientAuth: "basic",
          clientId: "tenant:app id",
          clientSecret: Redacted.make("p@ss+word/="),
        }).pipe(Effect.provide(TokenStore.layerMemory))
        yield* auth.authenticate(request, callWith())
        const sent = server.requests[0]!
        expect(sent.headers.authorization).toBe(
          `Basic ${Buffer.from("tenant%3Aapp+id:p%40ss%2Bword%2F%3D").toString("base64")}`,
        )
        expect(sent.basic).toEqual({ id: "tenant:app id", secret: "p@ss+word/=" })
      }),
  )

  it.effect("a template variable that is missing is a ConfigError when the plugin is built", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        plugin({
          tokenUrl: "http://127.0.0.1:1/token",
          scopeTemplate: "target-entity:{entityId}:{permissions}",
        }),
      )
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toContain("entityId")
    }),
  )
})

describe("token responses and expiry", () => {
  it.effect("expires_in as a numeric string, token_type in lower case", () =>
    Effect.gen(function* () {
      let n = 0
      const server = yield* LoopbackServer.make(() => ({
        body: { access_token: `t${++n}`, token_type: "bearer", expires_in: "120" },
      }))
      const store = TokenStore.makeMemory()
      const auth = yield* ClientCredentials.make({
        provider: "p",
        tokenUrl: `${server.url}/token`,
        clientId: "id",
        clientSecret: Redacted.make(secret),
      }).pipe(Effect.provideService(TokenStore.TokenStore, store))
      const first = yield* auth.authenticate(request, callWith())
      expect(first.headers.authorization).toBe("Bearer t1")
      const record = yield* store.get(TokenStore.key({ provider: "p", connection: "default", scopes: [] }))
      expect(record?.expiresAt).toBe(120_000)
      expect(record?.tokenType).toBe("Bearer")
      yield* TestClock.adjust("121 seconds")
      expect((yield* auth.authenticate(request, callWith())).headers.authorization).toBe("Bearer t2")
    }),
  )

  it.effect("no expires_in: the JWT exp, else the descriptor's default lifetime", () =>
    Effect.gen(function* () {
      let n = 0
      const server = yield* LoopbackServer.make((r) => ({
        body: { access_token: r.params.scope === "jwt" ? jwt({ exp: 300, n: ++n }) : `opaque-${++n}` },
      }))
      const store = TokenStore.makeMemory()
      const auth = yield* ClientCredentials.make({
        provider: "p",
        tokenUrl: `${server.url}/token`,
        clientId: "id",
        clientSecret: Redacted.make(secret),
        defaultTokenLifetime: 900,
      }).pipe(Effect.provideService(TokenStore.TokenStore, store))
      yield* auth.authenticate(request, callWith(["jwt"]))
      yield* auth.authenticate(request, callWith(["opaque"]))
      const key = (scope: string) => TokenStore.key({ provider: "p", connection: "default", scopes: [scope] })
      expect((yield* store.get(key("jwt")))?.expiresAt).toBe(300_000)
      expect((yield* store.get(key("opaque")))?.expiresAt).toBe(900_000)
    }),
  )

  it.effect("multipart bodies carry the same fields", () =>
    Effect.gen(function* () {
      const server = yield* LoopbackServer.make(() => ({ body: { access_token: "m", expires_in: 60 } }))
      const auth = yield* plugin({
        tokenUrl: `${server.url}/token`,
        bodyFormat: "multipart",
        requestScopes: ["a", "b"],
      })
      yield* auth.authenticate(request, callWith())
      const sent = server.requests[0]!
      expect(sent.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(sent.params).toEqual({
        grant_type: "client_credentials",
        scope: "a b",
        client_id: "my-client",
        client_secret: secret,
      })
    }),
  )
})

describe("token endpoint failures are typed, by status and OAuth error code", () => {
  const failing = (reply: LoopbackServer.Reply) =>
    Effect.gen(function* () {
      const server = yield* LoopbackServer.make(() => reply)
      const auth = yield* plugin({ tokenUrl: `${server.url}/token` })
      return yield* Effect.flip(auth.authenticate(request, callWith()))
    }).pipe(Effect.provideService(Retry.Retry, { ...Retry.defaults, maxAttempts: 1 }))

  it.effect("401 without a body is InvalidClient", () =>
    Effect.gen(function* () {
      const error = yield* failing({ status: 401 })
      expect(error).toMatchObject({ _tag: "InvalidClient", status: 401, correlationId: "quirk-1" })
    }),
  )

  it.effect("400 invalid_client is InvalidClient", () =>
    Effect.gen(function* () {
      const error = yield* failing({ status: 400, body: { error: "invalid_client" } })
      expect(error).toMatchObject({ _tag: "InvalidClient", status: 400, oauthError: "invalid_client" })
    }),
  )

  it.effect("a body that merely mentions invalid_client in text is not InvalidClient on a 500", () =>
    Effect.gen(function* () {
      const error = yield* failing({ status: 500, body: `upstream said invalid_client ${secret}` })
      expect(error).toMatchObject({ _tag: "TokenEndpointError", status: 500, reason: "status 500" })
      expect(JSON.stringify(error) + error.message).not.toContain(secret)
    }),
  )

  it.effect("a 200 that is not JSON, or has no access_token, is a TokenEndpointError without the body", () =>
    Effect.gen(function* () {
      const html = yield* failing({ status: 200, body: "<html>login</html>" })
      expect(html).toMatchObject({
        _tag: "TokenEndpointError",
        reason: "the token response is not a JSON object",
      })
      const empty = yield* failing({ status: 200, body: { token: "leaky-token-value" } })
      expect(empty).toMatchObject({
        _tag: "TokenEndpointError",
        reason: "the token response has no access_token",
      })
      expect(JSON.stringify(empty)).not.toContain("leaky-token-value")
    }),
  )
})

describe("401 on an API call", () => {
  it.effect("invalidates the rejected token and answers retry; the next authenticate gets a new token", () =>
    Effect.gen(function* () {
      let n = 0
      const server = yield* LoopbackServer.make(() => ({
        body: { access_token: `t${++n}`, expires_in: 3600 },
      }))
      const auth = yield* plugin({ tokenUrl: `${server.url}/token` })
      const first = yield* auth.authenticate(request, callWith())
      const decision = yield* auth.onUnauthorized(
        { request: first, response: { status: 401, headers: {}, body: new Uint8Array() } },
        callWith(),
      )
      expect(decision).toBe("retry")
      expect((yield* auth.authenticate(request, { ...callWith(), attempt: 2 })).headers.authorization).toBe(
        "Bearer t2",
      )
      expect(server.count()).toBe(2)
    }),
  )
})
