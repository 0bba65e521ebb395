import { describe, expect, it } from "@effect/vitest"
import * as OidcServer from "@keyway/auth-testkit/OidcServer"
import { type Auth, Http, TokenStore } from "@keyway/core"
import { Effect, Redacted } from "effect"
import * as ClientCredentials from "../src/ClientCredentials.ts"

const call: Auth.CallInfo = { correlationId: "cc-oidc-1", attempt: 1 }
const request = Http.makeRequest("GET", "http://127.0.0.1:1/resource")

const setup = (clientAuth: "body" | "basic", secret?: string) =>
  Effect.gen(function* () {
    const oidc = yield* OidcServer.make({ ttl: { ClientCredentials: 600 } })
    const client = clientAuth === "basic" ? oidc.clients.basic : oidc.clients.post
    const store = TokenStore.makeMemory()
    const plugin = yield* ClientCredentials.make({
      provider: "oidc",
      tokenUrl: oidc.tokenUrl,
      clientAuth,
      clientId: client.clientId,
      clientSecret: Redacted.make(secret ?? client.clientSecret),
      requestScopes: ["api:read"],
    }).pipe(Effect.provideService(TokenStore.TokenStore, store))
    return { oidc, plugin, store }
  })

describe("client credentials against oidc-provider", () => {
  for (const clientAuth of ["body", "basic"] as const) {
    it.effect(
      `obtains and caches a token with client_secret_${clientAuth === "body" ? "post" : "basic"}`,
      () =>
        Effect.gen(function* () {
          const { oidc, plugin, store } = yield* setup(clientAuth)
          const first = yield* plugin.authenticate(request, call)
          const second = yield* plugin.authenticate(request, { ...call, correlationId: "cc-oidc-2" })
          expect(first.headers.authorization).toMatch(/^Bearer \S+$/)
          expect(second.headers.authorization).toBe(first.headers.authorization)
          expect(oidc.count("/token")).toBe(1)
          const record = yield* store.get(
            TokenStore.key({ provider: "oidc", connection: "default", scopes: ["api:read"] }),
          )
          expect(record?.expiresAt).toBe(600_000)
          expect(record?.tokenType).toBe("Bearer")
        }),
    )
  }

  it.effect(
    "a wrong client secret is InvalidClient with the call's correlation id, and no secret in it",
    () =>
      Effect.gen(function* () {
        const { oidc, plugin } = yield* setup("basic", "wrong-secret-value")
        const error = yield* Effect.flip(plugin.authenticate(request, call))
        expect(error._tag).toBe("InvalidClient")
        expect(error).toMatchObject({ status: 401, oauthError: "invalid_client", correlationId: "cc-oidc-1" })
        expect(JSON.stringify(error)).not.toContain("wrong-secret-value")
        expect(error.message).not.toContain(oidc.clients.basic.clientSecret)
      }),
  )

  it.effect(
    "CCW's client_credential literal sent to a standard server is a TokenEndpointError with the OAuth code",
    () =>
      Effect.gen(function* () {
        const oidc = yield* OidcServer.make()
        const plugin = yield* ClientCredentials.make({
          provider: "oidc",
          tokenUrl: oidc.tokenUrl,
          grantType: "client_credential",
          clientId: oidc.clients.post.clientId,
          clientSecret: Redacted.make(oidc.clients.post.clientSecret),
        }).pipe(Effect.provide(TokenStore.layerMemory))
        const error = yield* Effect.flip(plugin.authenticate(request, call))
        expect(error._tag).toBe("TokenEndpointError")
        expect(error).toMatchObject({
          status: 400,
          reason: "status 400 (unsupported_grant_type)",
          correlationId: "cc-oidc-1",
        })
      }),
  )
})
