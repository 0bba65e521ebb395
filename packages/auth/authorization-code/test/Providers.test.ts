import { describe, expect, it } from "@effect/vitest"
import { Conformance, LoopbackServer } from "@keyway/auth-testkit"
import { Auth, Http, TokenStore } from "@keyway/core"
import { Context, Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as AuthorizationCode from "../src/AuthorizationCode.ts"

const secret = "client-secret-never-shown"
const call: Auth.CallInfo = { correlationId: "quirk-ac-1", attempt: 1 }
const reveal = (value: Redacted.Redacted<string> | undefined) =>
  value === undefined ? undefined : Redacted.value(value)

/**
 * A provider's token endpoint, one shared shape for both quirk servers: it issues codes, rotates
 * refresh tokens (or not) and serves a resource that refuses anything but the newest access token.
 */
const tokenServer = (options: {
  readonly rotate: boolean
  readonly expiresIn: number
  readonly tokenPath: string
  readonly revokePath?: string
  /** Status and body when a refresh token is unknown (revoked or used). */
  readonly deadRefresh: LoopbackServer.Reply
  readonly extra?: Record<string, unknown>
}) =>
  Effect.gen(function* () {
    let n = 0
    const live = new Set<string>()
    let access: string | undefined
    const pair = (withRefresh: boolean) => {
      n++
      access = `access-${n}`
      const body: Record<string, unknown> = {
        access_token: access,
        token_type: "bearer",
        expires_in: options.expiresIn,
        ...options.extra,
      }
      if (withRefresh) {
        const refresh = `refresh-${n}`
        live.add(refresh)
        body.refresh_token = refresh
      }
      return { body }
    }
    const server = yield* LoopbackServer.make((r) => {
      if (r.path === options.tokenPath) {
        if (r.params.client_secret !== secret) return { status: 401, body: { error: "invalid_client" } }
        if (r.params.grant_type === "authorization_code")
          return r.params.code === "the-code" ? pair(true) : { status: 400, body: { error: "invalid_grant" } }
        const presented = r.params.refresh_token
        if (presented === undefined || !live.has(presented)) return options.deadRefresh
        if (options.rotate) live.delete(presented)
        return pair(options.rotate)
      }
      if (r.path === options.revokePath) {
        live.delete(r.params.token ?? "")
        return { status: 200, body: {} }
      }
      if (r.path === "/resource") {
        return r.headers.authorization === `Bearer ${access}`
          ? { status: 200, body: { ok: true } }
          : { status: 401, body: { message: "The access token provided has expired" } }
      }
      return { status: 404 }
    })
    return {
      server,
      revokeAll: () => live.clear(),
      expireAccess: () => {
        access = undefined
      },
      refreshes: () =>
        server.requests.filter(
          (r) => r.path === options.tokenPath && r.params.grant_type === "refresh_token",
        ),
    }
  })

describe("Workable: + joined scopes, multipart, rotation on every refresh, 401 on a revoked refresh token, revoke", () => {
  const setup = Effect.gen(function* () {
    const fake = yield* tokenServer({
      rotate: true,
      expiresIn: 7200,
      tokenPath: "/oauth/token",
      revokePath: "/oauth/revoke",
      deadRefresh: { status: 401, body: { error: "unauthorized" } },
      extra: { scope: "r_jobs r_candidates", created_at: 1_700_000_000 },
    })
    const config: AuthorizationCode.Config = {
      provider: "workable",
      authorizeUrl: `${fake.server.url}/oauth/authorize`,
      authorizeParams: { resource: "user" },
      tokenUrl: `${fake.server.url}/oauth/token`,
      revokeUrl: `${fake.server.url}/oauth/revoke`,
      revokeStyle: "workable",
      bodyFormat: "multipart",
      scopeSeparator: "+",
      rotation: true,
      requestScopes: ["r_jobs", "r_candidates", "w_candidates"],
      clientId: "wk-client",
      clientSecret: Redacted.make(secret),
      connection: "acme",
      // As Workable's descriptor says: its documented flow has no PKCE.
      pkce: false,
    }
    const store = TokenStore.makeMemory()
    const withStore = Effect.provideService(TokenStore.TokenStore, store)
    const flow = AuthorizationCode.consent(config)
    const start = flow.authorizeUrl({ redirectUri: "https://app.example/cb", state: "fixed-state" })
    const granted = yield* flow
      .handleCallback({
        query: { code: "the-code", state: "fixed-state" },
        expectedState: start.state,
        redirectUri: "https://app.example/cb",
      })
      .pipe(withStore)
    const plugin = yield* AuthorizationCode.make(config).pipe(withStore)
    const key = TokenStore.key({ provider: "workable", connection: "acme", scopes: config.requestScopes! })
    const request = Http.makeRequest("GET", `${fake.server.url}/resource`)
    return { fake, config, store, start, granted, plugin, key, request }
  })

  it.effect("builds the authorize URL with + between scopes and resource=user, no PKCE", () =>
    Effect.gen(function* () {
      const { start, fake } = yield* setup
      expect(start.url).toBe(
        `${fake.server.url}/oauth/authorize?client_id=wk-client&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&resource=user&response_type=code&state=fixed-state&scope=r_jobs+r_candidates+w_candidates`,
      )
      expect(start.codeVerifier).toBeUndefined()
    }),
  )

  it.effect("exchanges the code with multipart fields and keeps created_at out of the expiry", () =>
    Effect.gen(function* () {
      const { fake, granted } = yield* setup
      const exchange = fake.server.requests[0]!
      expect(exchange.headers["content-type"]).toMatch(/^multipart\/form-data/)
      expect(exchange.params).toEqual({
        grant_type: "authorization_code",
        code: "the-code",
        redirect_uri: "https://app.example/cb",
        client_id: "wk-client",
        client_secret: secret,
      })
      expect(granted.expiresAt).toBe(7_200_000)
      expect(granted.tokenType).toBe("Bearer")
      expect(reveal(granted.refreshToken)).toBe("refresh-1")
    }),
  )

  it.effect("rotates on every refresh; each new refresh token is stored and used for the next one", () =>
    Effect.gen(function* () {
      const { fake, plugin, store, key, request } = yield* setup
      for (const round of [2, 3, 4]) {
        yield* TestClock.adjust("7201 seconds")
        const authed = yield* plugin.authenticate(request, call)
        expect(authed.headers.authorization).toBe(`Bearer access-${round}`)
        expect(reveal((yield* store.get(key))?.refreshToken)).toBe(`refresh-${round}`)
        expect(fake.refreshes().at(-1)!.params.refresh_token).toBe(`refresh-${round - 1}`)
      }
      expect(fake.refreshes()).toHaveLength(3)
    }),
  )

  it.effect(
    "50 concurrent calls on an expired token: one refresh, never two with the same refresh token",
    () =>
      Effect.gen(function* () {
        const { fake, plugin, request } = yield* setup
        yield* TestClock.adjust("7201 seconds")
        const all = yield* Effect.forEach(
          Array.from({ length: 50 }, (_, i) => i),
          (i) => plugin.authenticate(request, { ...call, correlationId: `c-${i}` }),
          { concurrency: "unbounded" },
        )
        expect(new Set(all.map((r) => r.headers.authorization))).toEqual(new Set(["Bearer access-2"]))
        expect(fake.refreshes()).toHaveLength(1)
      }),
  )

  it.effect(
    "a refresh answered 401 (user revoked access): ReauthorizationRequired, grant marked and kept",
    () =>
      Effect.gen(function* () {
        const { fake, plugin, store, key, request } = yield* setup
        fake.revokeAll()
        yield* TestClock.adjust("7201 seconds")
        const error = yield* Effect.flip(plugin.authenticate(request, call))
        expect(error).toMatchObject({
          _tag: "ReauthorizationRequired",
          provider: "workable",
          connection: "acme",
          correlationId: "quirk-ac-1",
        })
        const marked = yield* store.get(key)
        expect(marked?.needsReauthorization).toContain("401")
        expect(reveal(marked?.refreshToken)).toBe("refresh-1")
        expect(marked?.accessToken).toBeUndefined()
      }),
  )

  it.effect(
    "release revokes Workable style (client_id, client_secret, token=refresh token) and clears the store",
    () =>
      Effect.gen(function* () {
        const { fake, plugin, store, key } = yield* setup
        yield* plugin.release
        const revoke = fake.server.requests.find((r) => r.path === "/oauth/revoke")!
        expect(revoke.params).toEqual({ client_id: "wk-client", client_secret: secret, token: "refresh-1" })
        expect(yield* store.get(key)).toBeUndefined()
      }),
  )
})

describe("CCH: JSON bodies, expired-token 401, refresh ahead, two-week refresh tokens", () => {
  const twoWeeks = 14 * 24 * 3600
  const configOf = (url: string, refreshAhead = false): AuthorizationCode.Config => ({
    provider: "cch",
    authorizeUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    bodyFormat: "json",
    tokenHeaders: { Accept: "application/vnd.ucf.v1+json" },
    tokenParams: { redirect_uri: "https://app.example/cb" },
    refreshTokenLifetime: twoWeeks,
    requestScopes: ["read"],
    clientId: "cch-client",
    clientSecret: Redacted.make(secret),
    refreshAhead,
  })
  const cchServer = (rotate: boolean) =>
    tokenServer({
      rotate,
      expiresIn: 3600,
      tokenPath: "/token",
      deadRefresh: { status: 400, body: { error: "invalid_grant" } },
    })
  const fakeCch = cchServer(true)
  const grant = (config: AuthorizationCode.Config) => {
    // A state is accepted only from the helpers that issued it.
    const flow = AuthorizationCode.consent(config)
    flow.authorizeUrl({ redirectUri: "https://app.example/cb", state: "s" })
    return flow.handleCallback({
      query: { code: "the-code", state: "s" },
      expectedState: "s",
      redirectUri: "https://app.example/cb",
    })
  }
  /** Consent on the fake server stored in a fresh memory store, and the plugin that reads it. */
  const connected = (url: string) =>
    Effect.gen(function* () {
      const config = configOf(url)
      const store = TokenStore.makeMemory()
      const withStore = Effect.provideService(TokenStore.TokenStore, store)
      yield* grant(config).pipe(withStore)
      const plugin = yield* AuthorizationCode.make(config).pipe(withStore)
      return { store, plugin }
    })

  it.effect("sends JSON bodies with the vnd.ucf Accept header, redirect_uri on refresh too", () =>
    Effect.gen(function* () {
      const fake = yield* fakeCch
      const { plugin } = yield* connected(fake.server.url)
      yield* TestClock.adjust("3601 seconds")
      yield* plugin.authenticate(Http.makeRequest("GET", `${fake.server.url}/resource`), call)
      const [exchange, refresh] = fake.server.requests
      expect(exchange!.headers.accept).toBe("application/vnd.ucf.v1+json")
      expect(exchange!.json).toEqual({
        grant_type: "authorization_code",
        code: "the-code",
        client_id: "cch-client",
        client_secret: secret,
        redirect_uri: "https://app.example/cb",
      })
      expect(refresh!.json).toEqual({
        grant_type: "refresh_token",
        refresh_token: "refresh-1",
        client_id: "cch-client",
        client_secret: secret,
        redirect_uri: "https://app.example/cb",
      })
    }),
  )

  it.effect('a call meeting 401 "The access token provided has expired" refreshes and retries once', () =>
    Effect.gen(function* () {
      const fake = yield* fakeCch
      const { plugin } = yield* connected(fake.server.url)
      fake.expireAccess() // the server says the token expired before our clock does
      const outcome = yield* Conformance.call(plugin, `${fake.server.url}/resource`)
      expect(outcome).toMatchObject({ status: 200, attempts: 2, decision: "retry" })
      expect(fake.refreshes()).toHaveLength(1)
    }),
  )

  it.effect("refreshAhead: a background fiber refreshes before expiry with no call at all", () =>
    Effect.gen(function* () {
      const fake = yield* fakeCch
      const config = configOf(fake.server.url, true)
      const inner = TokenStore.makeMemory()
      let onWrite: () => void = () => {}
      const store: TokenStore.TokenStoreShape = {
        ...inner,
        compareAndSet: (k, expected, next) =>
          inner
            .compareAndSet(k, expected, next)
            .pipe(Effect.tap((written) => Effect.sync(() => written && onWrite()))),
      }
      yield* grant(config).pipe(Effect.provideService(TokenStore.TokenStore, store))
      const context = yield* Layer.build(
        AuthorizationCode.layer(config).pipe(Layer.provide(Layer.succeed(TokenStore.TokenStore, store))),
      )
      expect(Context.get(context, Auth.Auth).name).toBe("oauth2-authorization-code")
      const written = new Promise<void>((resolve) => {
        onWrite = resolve
      })
      yield* TestClock.adjust("3541 seconds") // 60 s before the one-hour expiry
      yield* Effect.promise(() => written)
      expect(fake.refreshes()).toHaveLength(1)
      const key = TokenStore.key({ provider: "cch", connection: "default", scopes: ["read"] })
      expect((yield* inner.get(key))?.expiresAt).toBe(3541_000 + 3600_000)
    }),
  )

  it.effect(
    "two weeks after consent the refresh token is dead: ReauthorizationRequired with no request",
    () =>
      Effect.gen(function* () {
        const fake = yield* fakeCch
        const { plugin } = yield* connected(fake.server.url)
        const request = Http.makeRequest("GET", `${fake.server.url}/resource`)
        yield* TestClock.adjust("7 days")
        yield* plugin.authenticate(request, call) // rotated refresh token inherits the grant's deadline
        yield* TestClock.adjust("7 days")
        const error = yield* Effect.flip(plugin.authenticate(request, call))
        expect(error).toMatchObject({
          _tag: "ReauthorizationRequired",
          reason: "the refresh token is past its lifetime",
        })
        expect(fake.refreshes()).toHaveLength(1)
      }),
  )

  it.effect("a refresh answer without refresh_token keeps the old refresh token", () =>
    Effect.gen(function* () {
      const fake = yield* cchServer(false)
      const { store, plugin } = yield* connected(fake.server.url)
      const request = Http.makeRequest("GET", `${fake.server.url}/resource`)
      for (let i = 0; i < 2; i++) {
        yield* TestClock.adjust("3601 seconds")
        yield* plugin.authenticate(request, call)
      }
      const key = TokenStore.key({ provider: "cch", connection: "default", scopes: ["read"] })
      expect(reveal((yield* store.get(key))?.refreshToken)).toBe("refresh-1")
      expect(fake.refreshes().map((r) => (r.json as { refresh_token: string }).refresh_token)).toEqual([
        "refresh-1",
        "refresh-1",
      ])
    }),
  )
})
