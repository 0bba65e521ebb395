import { describe, expect, it } from "@effect/vitest"
import * as OidcServer from "@keyway/auth-testkit/OidcServer"
import { type Auth, Http, TokenRequest, TokenStore, Transport } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as AuthorizationCode from "../src/AuthorizationCode.ts"

const call: Auth.CallInfo = { correlationId: "ac-oidc-1", attempt: 1 }

const setup = (
  options: { readonly client?: "post" | "basic"; readonly refreshTokenLifetime?: number } = {},
) =>
  Effect.gen(function* () {
    const oidc = yield* OidcServer.make({ rotateRefreshToken: true, ttl: { AccessToken: 3600 } })
    const client = options.client === "basic" ? oidc.clients.basic : oidc.clients.post
    const config: AuthorizationCode.Config = {
      provider: "oidc",
      authorizeUrl: oidc.authorizeUrl,
      authorizeParams: { prompt: "consent" },
      tokenUrl: oidc.tokenUrl,
      revokeUrl: oidc.revocationUrl,
      revokeStyle: "rfc7009",
      pkce: true,
      clientAuth: options.client === "basic" ? "basic" : "body",
      clientId: client.clientId,
      clientSecret: Redacted.make(client.clientSecret),
      requestScopes: ["openid", "offline_access", "api:read"],
      refreshTokenLifetime: options.refreshTokenLifetime,
    }
    const store = TokenStore.makeMemory()
    const withStore = Effect.provideService(TokenStore.TokenStore, store)
    const flow = AuthorizationCode.consent(config)
    const authorize = Effect.gen(function* () {
      const start = flow.authorizeUrl({ redirectUri: client.redirectUri })
      const callbackUrl = yield* Effect.promise(() => oidc.consent(start.url))
      return yield* flow
        .handleCallback({
          callbackUrl,
          expectedState: start.state,
          codeVerifier: start.codeVerifier,
          redirectUri: client.redirectUri,
        })
        .pipe(withStore)
    })
    const plugin = yield* AuthorizationCode.make(config).pipe(withStore)
    const key = TokenStore.key({ provider: "oidc", connection: "default", scopes: config.requestScopes! })
    const request = Http.makeRequest("GET", `${oidc.issuer}/me`)
    return { oidc, client, config, store, key, flow, authorize, plugin, request }
  })

const reveal = (value: Redacted.Redacted<string> | undefined) =>
  value === undefined ? undefined : Redacted.value(value)

describe("authorization code against oidc-provider", () => {
  for (const kind of ["post", "basic"] as const) {
    it.effect(`PKCE consent by plain HTTP, code exchange (client_secret_${kind}), then a real call`, () =>
      Effect.gen(function* () {
        const { oidc, authorize, plugin, request, flow, client } = yield* setup({ client: kind })
        const start = flow.authorizeUrl({ redirectUri: client.redirectUri })
        const url = new URL(start.url)
        expect(url.searchParams.get("code_challenge_method")).toBe("S256")
        expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/)
        expect(start.codeVerifier).toMatch(/^[\w-]{43}$/)
        expect(start.state).not.toBe(flow.authorizeUrl({ redirectUri: client.redirectUri }).state)

        const stored = yield* authorize
        expect(stored.refreshToken).toBeDefined()
        expect(oidc.count("/token")).toBe(1)
        const authed = yield* plugin.authenticate(request, call)
        expect(authed.headers.authorization).toBe(`Bearer ${reveal(stored.accessToken)}`)
        expect(oidc.count("/token")).toBe(1)
        const transport = yield* Transport.Transport
        const me = yield* transport.send(authed, { correlationId: "c" })
        expect(me.status).toBe(200)
        expect(Http.json(me)).toMatchObject({ sub: "keyway-user" })
      }),
    )
  }

  it.effect(
    "refresh rotates and stores the new refresh token; the old one is invalid_grant → grant marked, kept",
    () =>
      Effect.gen(function* () {
        const { oidc, authorize, plugin, request, store, key } = yield* setup()
        const granted = yield* authorize
        yield* TestClock.adjust("3601 seconds")
        const refreshed = yield* plugin.authenticate(request, call)
        expect(oidc.count("/token")).toBe(2)
        const record = yield* store.get(key)
        expect(reveal(record?.refreshToken)).toBeDefined()
        expect(reveal(record?.refreshToken)).not.toBe(reveal(granted.refreshToken))
        expect(refreshed.headers.authorization).toBe(`Bearer ${reveal(record?.accessToken)}`)

        // A stale copy of the grant (restored backup, another process's view) holding the old token:
        yield* store.compareAndSet(key, record, {
          ...record!,
          accessToken: undefined,
          refreshToken: granted.refreshToken,
          revision: TokenStore.newRevision(),
        })
        yield* TestClock.adjust("3601 seconds") // the cached access token runs out: the store is read again
        const error = yield* Effect.flip(
          plugin.authenticate(request, { ...call, correlationId: "ac-oidc-2" }),
        )
        expect(error).toMatchObject({
          _tag: "ReauthorizationRequired",
          connection: "default",
          correlationId: "ac-oidc-2",
        })
        expect(oidc.count("/token")).toBe(3)
        const marked = yield* store.get(key)
        expect(marked?.needsReauthorization).toMatch(/invalid_grant/)
        expect(reveal(marked?.refreshToken)).toBe(reveal(granted.refreshToken))
        // Marked: no further network call until the user authorizes again.
        yield* Effect.flip(plugin.authenticate(request, call))
        expect(oidc.count("/token")).toBe(3)
      }),
  )

  it.effect("a 401 on a call refreshes once and the retry uses the new token", () =>
    Effect.gen(function* () {
      const { oidc, authorize, plugin, request } = yield* setup()
      yield* authorize
      const first = yield* plugin.authenticate(request, call)
      const decision = yield* plugin.onUnauthorized(
        { request: first, response: { status: 401, headers: {}, body: new Uint8Array() } },
        call,
      )
      expect(decision).toBe("retry")
      expect(oidc.count("/token")).toBe(2)
      const second = yield* plugin.authenticate(request, { ...call, attempt: 2 })
      expect(second.headers.authorization).not.toBe(first.headers.authorization)
      expect(oidc.count("/token")).toBe(2)
    }),
  )

  it.effect("release revokes at /token/revocation, then the store holds nothing and the grant is dead", () =>
    Effect.gen(function* () {
      const { oidc, authorize, plugin, store, key, config } = yield* setup()
      const granted = yield* authorize
      yield* plugin.release
      expect(oidc.count("/token/revocation")).toBe(1)
      expect(yield* store.get(key)).toBeUndefined()
      const error = yield* Effect.flip(
        TokenRequest.request({
          endpoint: { provider: "oidc", tokenUrl: config.tokenUrl },
          client: { clientId: config.clientId, clientSecret: config.clientSecret },
          kind: "refresh_token",
          params: { refresh_token: granted.refreshToken },
        }),
      )
      expect(error._tag).toBe("ReauthorizationRequired")
    }),
  )

  it.effect("a wrong state is rejected before any token request; so is a provider error", () =>
    Effect.gen(function* () {
      const { oidc, flow, client } = yield* setup()
      const start = flow.authorizeUrl({ redirectUri: client.redirectUri })
      const callbackUrl = yield* Effect.promise(() => oidc.consent(start.url))
      const forged = yield* Effect.flip(
        flow
          .handleCallback({
            callbackUrl,
            expectedState: `${start.state}x`,
            codeVerifier: start.codeVerifier,
            redirectUri: client.redirectUri,
          })
          .pipe(Effect.provide(TokenStore.layerMemory)),
      )
      expect(forged).toMatchObject({ _tag: "CallbackRejected", reason: "state-mismatch" })
      const denied = yield* Effect.flip(
        flow
          .handleCallback({
            query: { error: "access_denied", state: start.state },
            expectedState: start.state,
            redirectUri: client.redirectUri,
          })
          .pipe(Effect.provide(TokenStore.layerMemory)),
      )
      expect(denied).toMatchObject({
        _tag: "CallbackRejected",
        reason: "provider-error",
        oauthError: "access_denied",
      })
      expect(oidc.count("/token")).toBe(0)
    }),
  )

  it.effect("a refresh token past refreshTokenLifetime: ReauthorizationRequired with no network call", () =>
    Effect.gen(function* () {
      const { oidc, authorize, plugin, request, store, key } = yield* setup({
        refreshTokenLifetime: 14 * 24 * 3600,
      })
      yield* authorize
      yield* TestClock.adjust("1 day")
      yield* plugin.authenticate(request, call) // a refresh inside the lifetime works (and rotates)
      expect(oidc.count("/token")).toBe(2)
      yield* TestClock.adjust("13 days")
      const error = yield* Effect.flip(plugin.authenticate(request, call))
      expect(error).toMatchObject({
        _tag: "ReauthorizationRequired",
        reason: "the refresh token is past its lifetime",
      })
      expect(oidc.count("/token")).toBe(2)
      expect((yield* store.get(key))?.needsReauthorization).toBe("the refresh token is past its lifetime")
    }),
  )

  it.effect("a refresh token the user revoked: ReauthorizationRequired, the grant marked and kept", () =>
    Effect.gen(function* () {
      const { oidc, client, authorize, plugin, request, store, key } = yield* setup()
      const granted = yield* authorize
      expect(yield* Effect.promise(() => oidc.revoke(client, Redacted.value(granted.refreshToken!)))).toBe(
        200,
      )
      yield* TestClock.adjust("3601 seconds")
      const error = yield* Effect.flip(plugin.authenticate(request, call))
      expect(error._tag).toBe("ReauthorizationRequired")
      const marked = yield* store.get(key)
      expect(marked?.needsReauthorization).toBeDefined()
      expect(marked?.refreshToken).toBeDefined()
    }),
  )
})
