// Issue 12 (run time), authorization code: a state is single use and expires, PKCE S256 is on
// unless the descriptor turns it off, and the plugin's URLs need TLS off loopback.
import { describe, expect, it } from "@effect/vitest"
import { LoopbackServer } from "@keyway/auth-testkit"
import { TokenStore } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { vi } from "vitest"
import * as AuthorizationCode from "../src/AuthorizationCode.ts"

const redirectUri = "http://127.0.0.1:1/callback"
const tokenServer = LoopbackServer.make(() => ({
  body: { access_token: "a1", refresh_token: "r1", token_type: "bearer", expires_in: 3600 },
}))
const configOf = (url: string, extra: Partial<AuthorizationCode.Config> = {}): AuthorizationCode.Config => ({
  provider: "p",
  authorizeUrl: `${url}/authorize`,
  tokenUrl: `${url}/token`,
  clientId: "id",
  clientSecret: Redacted.make("s3cret"),
  ...extra,
})
const callback = (flow: AuthorizationCode.Consent, state: string, code = "the-code") =>
  flow
    .handleCallback({ query: { code, state }, expectedState: state, redirectUri })
    .pipe(Effect.provide(TokenStore.layerMemory), Effect.flip)

describe("state", () => {
  it.effect("is single use: a replayed callback is rejected and the code is not exchanged twice", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      const flow = AuthorizationCode.consent(configOf(server.url))
      const start = flow.authorizeUrl({ redirectUri })
      yield* flow
        .handleCallback({
          query: { code: "the-code", state: start.state },
          expectedState: start.state,
          codeVerifier: start.codeVerifier,
          redirectUri,
        })
        .pipe(Effect.provide(TokenStore.layerMemory))
      const replayed = yield* callback(flow, start.state)
      expect(replayed).toMatchObject({ _tag: "CallbackRejected", reason: "state-replayed" })
      expect(server.requests.filter((r) => r.path === "/token")).toHaveLength(1)
    }).pipe(Effect.scoped),
  )

  it.effect("a state these helpers never issued is rejected before any token request", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      const flow = AuthorizationCode.consent(configOf(server.url))
      const unknown = yield* callback(flow, "made-up-state")
      expect(unknown).toMatchObject({ _tag: "CallbackRejected", reason: "state-unknown" })
      // Nor does another consent value's state count.
      const other = AuthorizationCode.consent(configOf(server.url)).authorizeUrl({ redirectUri })
      expect(yield* callback(flow, other.state)).toMatchObject({ reason: "state-unknown" })
      expect(server.requests).toHaveLength(0)
    }).pipe(Effect.scoped),
  )

  it.effect("expires after stateTtl (default 10 minutes)", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      vi.useFakeTimers({ toFake: ["Date"] })
      try {
        vi.setSystemTime(new Date("2026-01-01T00:00:00Z"))
        const flow = AuthorizationCode.consent(configOf(server.url))
        const late = flow.authorizeUrl({ redirectUri })
        const onTime = flow.authorizeUrl({ redirectUri })
        vi.setSystemTime(new Date("2026-01-01T00:09:59Z"))
        const ok = yield* flow
          .handleCallback({
            query: { code: "c", state: onTime.state },
            expectedState: onTime.state,
            redirectUri,
            codeVerifier: onTime.codeVerifier,
          })
          .pipe(Effect.provide(TokenStore.layerMemory))
        expect(ok.refreshToken).toBeDefined()
        vi.setSystemTime(new Date("2026-01-01T00:10:00Z"))
        expect(yield* callback(flow, late.state)).toMatchObject({ reason: "state-expired" })
        const short = AuthorizationCode.consent(configOf(server.url, { stateTtl: 5 }))
        const quick = short.authorizeUrl({ redirectUri })
        vi.setSystemTime(new Date("2026-01-01T00:10:06Z"))
        expect(yield* callback(short, quick.state)).toMatchObject({ reason: "state-expired" })
      } finally {
        vi.useRealTimers()
      }
      expect(server.requests.filter((r) => r.path === "/token")).toHaveLength(1)
    }).pipe(Effect.scoped),
  )
})

describe("PKCE", () => {
  it("S256 is on by default; off only with pkce: false", () => {
    const on = AuthorizationCode.consent(configOf("https://auth.example")).authorizeUrl({ redirectUri })
    const url = new URL(on.url)
    expect(url.searchParams.get("code_challenge_method")).toBe("S256")
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/)
    expect(on.codeVerifier).toMatch(/^[\w-]{43}$/)
    const off = AuthorizationCode.consent(configOf("https://auth.example", { pkce: false })).authorizeUrl({
      redirectUri,
    })
    expect(new URL(off.url).searchParams.has("code_challenge")).toBe(false)
    expect(off.codeVerifier).toBeUndefined()
  })
})

describe("plain http", () => {
  it.effect(
    "authorize, token and revoke URLs must be https off loopback: a ConfigError names the field",
    () =>
      Effect.gen(function* () {
        const make = (extra: Partial<AuthorizationCode.Config>) =>
          Effect.flip(AuthorizationCode.make({ ...configOf("https://auth.example"), ...extra })).pipe(
            Effect.provide(TokenStore.layerMemory),
            Effect.scoped,
          )
        expect(yield* make({ authorizeUrl: "http://auth.example/authorize" })).toMatchObject({
          path: "authorizeUrl",
        })
        expect(yield* make({ tokenUrl: "http://auth.example/token" })).toMatchObject({ path: "tokenUrl" })
        expect(yield* make({ revokeUrl: "http://auth.example/revoke" })).toMatchObject({ path: "revokeUrl" })
        expect(() =>
          AuthorizationCode.consent(configOf("http://auth.example")).authorizeUrl({ redirectUri }),
        ).toThrow(/authorizeUrl: http:\/\/auth.example\/authorize is plain http/)
        // Opted in: the helpers build the URL (nothing is sent).
        AuthorizationCode.consent(configOf("http://auth.example", { allowInsecureHttp: true })).authorizeUrl({
          redirectUri,
        })
      }),
  )
})
