/**
 * A descriptor's `scopes` lists every scope the provider knows; the plugin requests only
 * `requestScopes`, else the descriptor's `defaultScopes`, else none. A config spread from a
 * descriptor strategy (`{ ...descriptor.auth[0], ... }`, as generated clients and users write it)
 * must not ask for every known scope (Workable's sandbox answers that with `invalid_scope`).
 */
import { describe, expect, it } from "@effect/vitest"
import { LoopbackServer } from "@keyway/auth-testkit"
import { type Auth, type Descriptor, Http, TokenStore } from "@keyway/core"
import { Effect, Logger, Redacted, References } from "effect"
import * as ClientCredentials from "../src/ClientCredentials.ts"

const request = Http.makeRequest("GET", "http://127.0.0.1:1/resource")
const call: Auth.CallInfo = { correlationId: "spread-1", attempt: 1 }

/** Many known scopes, a few defaults: what a real descriptor's section looks like. */
const knownScopes = Array.from({ length: 40 }, (_, i) => `scope.${i}`)

const strategyOf = (
  tokenUrl: string,
  extra: Partial<Descriptor.ClientCredentialsStrategy> = {},
): Descriptor.ClientCredentialsStrategy => ({
  type: "oauth2-client-credentials",
  tokenUrl,
  scopes: knownScopes,
  ...extra,
})

const spreadPlugin = (
  strategy: Descriptor.ClientCredentialsStrategy,
  config: Partial<ClientCredentials.Config> = {},
) =>
  ClientCredentials.make({
    ...strategy,
    provider: "spread",
    clientId: "id",
    clientSecret: Redacted.make("secret-value"),
    ...config,
  }).pipe(Effect.provide(TokenStore.layerMemory))

const tokenServer = LoopbackServer.make(() => ({ body: { access_token: "t", expires_in: 3600 } }))

describe("a config spread from a descriptor strategy requests only requestScopes / defaultScopes", () => {
  it.effect("with defaultScopes: requests those, not the 40 known scopes", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      const strategy = strategyOf(`${server.url}/token`, { defaultScopes: ["scope.3", "scope.7"] })
      const auth = yield* spreadPlugin(strategy)
      yield* auth.authenticate(request, call)
      expect(server.requests).toHaveLength(1)
      expect(server.requests[0]!.params.scope).toBe("scope.3 scope.7")
    }),
  )

  it.effect("with requestScopes: requests exactly those, over defaultScopes", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      const strategy = strategyOf(`${server.url}/token`, { defaultScopes: ["scope.3", "scope.7"] })
      const auth = yield* spreadPlugin(strategy, { requestScopes: ["scope.12"] })
      yield* auth.authenticate(request, call)
      expect(server.requests[0]!.params.scope).toBe("scope.12")
    }),
  )

  it.effect("with neither: sends no scope parameter at all", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      const auth = yield* spreadPlugin(strategyOf(`${server.url}/token`))
      yield* auth.authenticate(request, call)
      expect(server.requests).toHaveLength(1)
      expect(server.requests[0]!.params.scope).toBeUndefined()
      expect(
        ClientCredentials.requestScopesOf({
          ...strategyOf("x"),
          provider: "p",
          clientId: "id",
          clientSecret: Redacted.make("s"),
        }),
      ).toEqual([])
    }),
  )

  it.effect("a call's own scopes still win over the configured ones", () =>
    Effect.gen(function* () {
      const server = yield* tokenServer
      const strategy = strategyOf(`${server.url}/token`, { defaultScopes: ["scope.3"] })
      const auth = yield* spreadPlugin(strategy)
      yield* auth.authenticate(request, { ...call, scopes: ["scope.20"] })
      expect(server.requests[0]!.params.scope).toBe("scope.20")
    }),
  )

  it.effect("a requested scope the descriptor does not list is requested anyway, logged at debug", () => {
    const lines: Array<string> = []
    const capture = Logger.map(Logger.formatLogFmt, (line) => void lines.push(line))
    return Effect.gen(function* () {
      const server = yield* tokenServer
      const auth = yield* spreadPlugin(strategyOf(`${server.url}/token`), {
        requestScopes: ["scope.1", "brand.new"],
      })
      yield* auth.authenticate(request, call)
      expect(server.requests[0]!.params.scope?.split(" ").sort()).toEqual(["brand.new", "scope.1"])
      const logged = lines.filter((line) => line.includes("does not list"))
      expect(logged).toHaveLength(1)
      expect(logged[0]).toContain("level=DEBUG")
      expect(logged[0]).toContain("scopes=brand.new")
    }).pipe(Effect.provide(Logger.layer([capture])), Effect.provideService(References.MinimumLogLevel, "All"))
  })
})
