/**
 * The kit must catch broken plugins: each plugin here breaks one rule, and the checks that
 * guard that rule are expected to fail.
 */
import { Auth, Http, TokenLifecycle, TokenRequest } from "@keyway/core"
import { Effect, Layer, Redacted } from "effect"
import { type FakeCredentialServer, runAuthConformance } from "../src/index.ts"

const bearer = (request: Http.HttpRequest, token: Redacted.Redacted<string>) =>
  Http.setHeader(request, "authorization", `Bearer ${Redacted.value(token)}`)

/** Fetches a token for every attempt: correct tokens, no caching, no single flight. */
const uncached = (server: FakeCredentialServer.FakeCredentialServer) =>
  Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "uncached",
      authenticate: (request, call) =>
        TokenRequest.request({
          endpoint: { provider: "kit", tokenUrl: `${server.url}/token` },
          client: { clientId: server.clientId, clientSecret: Redacted.make(server.clientSecret) },
          kind: "client_credentials",
        }).pipe(
          Effect.map((token) => bearer(request, token.accessToken)),
          Effect.provideService(TokenRequest.CorrelationId, call.correlationId),
        ),
      onUnauthorized: () => Effect.succeed("retry"),
    }),
  )

/** Caches one token forever and answers every 401 with "retry" without getting a new one. */
const stubborn = (server: FakeCredentialServer.FakeCredentialServer) => {
  let cached: Redacted.Redacted<string> | undefined
  return Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "stubborn",
      authenticate: (request, call) =>
        cached !== undefined
          ? Effect.succeed(bearer(request, cached))
          : TokenRequest.request({
              endpoint: { provider: "kit", tokenUrl: `${server.url}/token` },
              client: { clientId: server.clientId, clientSecret: Redacted.make(server.clientSecret) },
              kind: "client_credentials",
            }).pipe(
              Effect.map((token) => {
                cached = token.accessToken
                return bearer(request, token.accessToken)
              }),
              Effect.provideService(TokenRequest.CorrelationId, call.correlationId),
            ),
      onUnauthorized: () => Effect.succeed("retry"),
    }),
  )
}

/**
 * The guide's token plugin as it was first printed: `release: lifecycle.clear([])` forgets only
 * the token of the empty scope set, so scoped tokens stay in the store.
 */
const releasesOnlyUnscoped = (server: FakeCredentialServer.FakeCredentialServer) =>
  Layer.effect(
    Auth.Auth,
    Effect.gen(function* () {
      const lifecycle = yield* TokenLifecycle.make({
        provider: "kit",
        fetch: (_current, scopes) =>
          TokenRequest.request({
            endpoint: { provider: "kit", tokenUrl: `${server.url}/token` },
            client: { clientId: server.clientId, clientSecret: Redacted.make(server.clientSecret) },
            kind: "client_credentials",
            params: { scope: scopes.join(" ") },
          }),
      })
      return Auth.make({
        name: "guide-sample",
        authenticate: (request, call) =>
          lifecycle.get(call.scopes ?? []).pipe(
            Effect.provideService(TokenRequest.CorrelationId, call.correlationId),
            Effect.mapError(TokenRequest.withCorrelationId(call.correlationId)),
            Effect.map((token) => bearer(request, token.accessToken!)),
          ),
        onUnauthorized: (failed, call) => {
          const refused = Http.credentialOf(failed.request, Http.bearer)
          const forget =
            refused === undefined
              ? Effect.void
              : lifecycle.invalidate(call.scopes ?? [], Redacted.make(refused))
          return forget.pipe(Effect.as("retry" as const))
        },
        onAccepted: (_accepted, call) => lifecycle.accepted(call.scopes ?? []),
        release: lifecycle.clear([]),
      })
    }),
  )

/** A static key that logs itself at debug level. */
const leaky = (server: FakeCredentialServer.FakeCredentialServer) => {
  const key = server.issueStaticToken()
  return Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "leaky",
      authenticate: (request) =>
        Effect.logDebug(`using key ${key}`).pipe(Effect.as(Http.setHeader(request, "x-api-key", key))),
    }),
  )
}

runAuthConformance({
  name: "kit self-test: no single flight",
  makeLayer: uncached,
  secrets: (server) => [server.clientSecret],
  expectFailures: ["single-flight", "expiry", "unauthorized"],
})

runAuthConformance({
  name: "kit self-test: retry without a new credential",
  makeLayer: stubborn,
  secrets: (server) => [server.clientSecret],
  expectFailures: ["single-flight", "expiry", "unauthorized"],
})

runAuthConformance({
  name: "kit self-test: a plugin that logs its key",
  makeLayer: leaky,
  capabilities: {
    credentialEndpoint: false,
    expires: false,
    refreshOn401: false,
    badCredentials: ["CredentialsExpired"],
  },
  // Rejected, it answers "pass": the caller gets a 401, not a typed error.
  expectFailures: ["no-leaks", "bad-credentials"],
})

runAuthConformance({
  name: "kit self-test: the guide's first release sample (clear([])) with scoped tokens",
  makeLayer: releasesOnlyUnscoped,
  secrets: (server) => [server.clientSecret],
  expectFailures: ["release"],
})

runAuthConformance({
  name: "kit self-test: a credential server whose quirk hook throws",
  // The kit fails the checks that reached the throwing handler, with the handler's stack (not a
  // bare "TokenEndpointError status 500").
  server: {
    quirk: (request, standard) => {
      if (request.path === "/token") throw new Error("a bug in the quirk hook")
      return standard(request)
    },
  },
  makeLayer: releasesOnlyUnscoped,
  secrets: (server) => [server.clientSecret],
  capabilities: { badCredentials: ["InvalidClient", "TokenEndpointError"] },
  expectFailures: [
    "authenticates",
    "varied-requests",
    "single-flight",
    "expiry",
    "unauthorized",
    "bad-credentials",
    "endpoint-unavailable",
    "release",
    "no-leaks",
  ],
})
