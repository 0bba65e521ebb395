/**
 * The kit must catch broken plugins: each plugin here breaks one rule, and the checks that
 * guard that rule are expected to fail.
 */
import { Auth, Http, TokenRequest } from "@keyway/core"
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
