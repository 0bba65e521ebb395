/**
 * A descriptor's `scopes` lists every scope the provider knows; consent asks only for
 * `requestScopes`, else the descriptor's `defaultScopes`, else none, and the grant is stored under
 * that scope set. A config spread from a descriptor strategy (`{ ...descriptor.auth[0], ... }`, as
 * generated clients and users write it) must not ask for every known scope (Workable's sandbox
 * answers that with `invalid_scope`).
 */
import { describe, expect, it } from "@effect/vitest"
import { LoopbackServer } from "@keyway/auth-testkit"
import { type Auth, type Descriptor, Http, TokenStore } from "@keyway/core"
import { Effect, Logger, Redacted, References } from "effect"
import * as AuthorizationCode from "../src/AuthorizationCode.ts"

const call: Auth.CallInfo = { correlationId: "spread-ac-1", attempt: 1 }
const redirectUri = "https://app.example/cb"

/** Workable's known scopes: far more than a user grants. */
const knownScopes = [
  "r_jobs",
  "r_candidates",
  "w_candidates",
  "w_comments",
  "r_employees",
  "w_employees",
  "r_account",
  "w_departments",
  "w_members",
  "r_offers",
  "w_offers",
  "r_requisitions",
  "w_requisitions",
  "r_timeoff",
  "w_timeoff",
]

const strategyOf = (
  url: string,
  extra: Partial<Descriptor.AuthorizationCodeStrategy> = {},
): Descriptor.AuthorizationCodeStrategy => ({
  type: "oauth2-authorization-code",
  authorizeUrl: `${url}/oauth/authorize`,
  authorizeParams: { resource: "user" },
  tokenUrl: `${url}/oauth/token`,
  scopeSeparator: "+",
  scopes: knownScopes,
  ...extra,
})

const configOf = (
  strategy: Descriptor.AuthorizationCodeStrategy,
  config: Partial<AuthorizationCode.Config> = {},
): AuthorizationCode.Config => ({
  ...strategy,
  provider: "workable",
  clientId: "id",
  clientSecret: Redacted.make("secret-value"),
  ...config,
})

const scopeParam = (url: string) => /[?&]scope=([^&]*)/.exec(url)?.[1]

/** Consents, then authenticates a call with the stored grant; returns the authorize URL and the store. */
const consentAndCall = (config: AuthorizationCode.Config) =>
  Effect.gen(function* () {
    const store = TokenStore.makeMemory()
    const withStore = Effect.provideService(TokenStore.TokenStore, store)
    const flow = AuthorizationCode.consent(config)
    const start = flow.authorizeUrl({ redirectUri, state: "s" })
    yield* flow
      .handleCallback({ query: { code: "the-code", state: "s" }, expectedState: "s", redirectUri })
      .pipe(withStore)
    const plugin = yield* AuthorizationCode.make(config).pipe(withStore)
    const signed = yield* plugin.authenticate(Http.makeRequest("GET", "http://127.0.0.1:1/jobs"), call)
    return { start, store, signed }
  }).pipe(Effect.scoped)

const tokenServer = LoopbackServer.make(() => ({
  body: { access_token: "access-1", refresh_token: "refresh-1", token_type: "bearer", expires_in: 7200 },
}))

const storedUnder = (store: TokenStore.TokenStoreShape, scopes: ReadonlyArray<string>) =>
  store.get(TokenStore.key({ provider: "workable", connection: "default", scopes }))

describe("a config spread from a descriptor strategy asks only for requestScopes / defaultScopes", () => {
  it.effect("with defaultScopes: consent asks for those, and the grant is stored and used under them", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      const config = configOf(strategyOf(server.url, { defaultScopes: ["r_jobs", "r_candidates"] }))
      expect(AuthorizationCode.grantScopesOf(config)).toEqual(["r_jobs", "r_candidates"])
      const { start, store, signed } = yield* consentAndCall(config)
      expect(scopeParam(start.url)).toBe("r_jobs+r_candidates")
      expect(signed.headers.authorization).toBe("Bearer access-1")
      expect((yield* storedUnder(store, ["r_jobs", "r_candidates"]))?.refreshToken).toBeDefined()
      expect(yield* storedUnder(store, knownScopes)).toBeUndefined()
    }),
  )

  it.effect("with requestScopes: consent asks for exactly those, over defaultScopes", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      const config = configOf(strategyOf(server.url, { defaultScopes: ["r_jobs", "r_candidates"] }), {
        requestScopes: ["r_jobs"],
      })
      const { start, store, signed } = yield* consentAndCall(config)
      expect(scopeParam(start.url)).toBe("r_jobs")
      expect(signed.headers.authorization).toBe("Bearer access-1")
      expect((yield* storedUnder(store, ["r_jobs"]))?.refreshToken).toBeDefined()
    }),
  )

  it.effect("with neither: no scope parameter at consent, the grant stored under no scopes", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      const config = configOf(strategyOf(server.url))
      const { start, store } = yield* consentAndCall(config)
      expect(scopeParam(start.url)).toBeUndefined()
      expect(start.url).not.toContain("w_timeoff")
      expect((yield* storedUnder(store, []))?.refreshToken).toBeDefined()
    }),
  )

  it.effect("a requested scope the descriptor does not list is asked for anyway, logged at debug", () => {
    const lines: Array<string> = []
    const capture = Logger.map(Logger.formatLogFmt, (line) => void lines.push(line))
    return Effect.gen(function* () {
      const server = yield* tokenServer
      const config = configOf(strategyOf(server.url), { requestScopes: ["r_jobs", "r_brand_new"] })
      const { start, signed } = yield* consentAndCall(config)
      expect(scopeParam(start.url)).toBe("r_jobs+r_brand_new")
      expect(signed.headers.authorization).toBe("Bearer access-1")
      const logged = lines.filter((line) => line.includes("does not list"))
      expect(logged.length).toBeGreaterThan(0)
      for (const line of logged) {
        expect(line).toContain("level=DEBUG")
        expect(line).toContain("scopes=r_brand_new")
      }
    }).pipe(Effect.provide(Logger.layer([capture])), Effect.provideService(References.MinimumLogLevel, "All"))
  })
})
