/**
 * The kit must catch broken signing plugins. Each mutant breaks one rule, and the checks that
 * guard it are expected to fail (`expectFailures` turns a failing check into a passing test, and
 * a passing one into a failure).
 */
import { runAuthConformance } from "@keyway/auth-testkit"
import { Auth, Http } from "@keyway/core"
import { Clock, Effect, Layer, Random, Redacted } from "effect"
import { HmacSigning } from "../src/index.ts"
import * as SigningServer from "./SigningServer.ts"

const headersOf = (
  request: Http.HttpRequest,
  keyId: string,
  signature: string,
  date: string,
  nonce: string,
) =>
  Http.setHeader(
    Http.setHeader(Http.setHeader(request, "x-date", date), "x-nonce", nonce),
    "authorization",
    `HMAC keyId=${keyId},signature=${signature}`,
  )

/** Signs the request as if it had no body and no query: what the mutant did. */
const ignoresBodyAndQuery = (server: SigningServer.SigningServer) =>
  Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "hmac-mutant-no-body-no-query",
      authenticate: (request) =>
        Effect.gen(function* () {
          const date = new Date(yield* Clock.currentTimeMillis).toISOString()
          const nonce = `${yield* Random.nextIntBetween(0, 2 ** 31)}`
          const url = new URL(request.url)
          const stripped = { ...request, url: `${url.origin}${url.pathname}`, body: undefined }
          const signature = HmacSigning.sign(
            Redacted.make(server.secret),
            HmacSigning.canonical(stripped, date, nonce),
          )
          return headersOf(request, server.keyId, signature, date, nonce)
        }),
    }),
  )

/** Signs once per method and URL, reuses it forever, and answers every 401 with "retry". */
const stale = (server: SigningServer.SigningServer) => {
  const signed = new Map<string, Http.HttpRequest>()
  const inner = HmacSigning.make({
    provider: "kit",
    keyId: server.keyId,
    secret: Redacted.make(server.secret),
  })
  return Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "hmac-mutant-stale",
      authenticate: (request, call) => {
        const key = `${request.method} ${request.url}`
        const cached = signed.get(key)
        if (cached !== undefined) return Effect.succeed({ ...request, headers: cached.headers })
        return inner
          .authenticate(request, call)
          .pipe(Effect.tap((r) => Effect.sync(() => signed.set(key, r))))
      },
      onUnauthorized: () => Effect.succeed("retry"),
    }),
  )
}

const capabilities = {
  credentialEndpoint: false,
  expires: false,
  refreshOn401: false,
  badCredentials: ["CredentialsExpired"],
} as const
const signs = { method: true, path: true, query: true, headers: ["content-type"], body: true, time: true }

runAuthConformance({
  name: "kit self-test: HMAC signature ignoring body and query, against the provider's verifier",
  server: () => SigningServer.make(),
  makeLayer: ignoresBodyAndQuery,
  signs,
  capabilities,
  // The verifier refuses its bodies and queries; the declaration check catches it too. Refused,
  // it answers "pass" (Auth.make's default) instead of a typed error.
  expectFailures: ["varied-requests", "signature-coverage", "bad-credentials"],
})

runAuthConformance({
  name: "kit self-test: HMAC signature ignoring body and query, against a verifier just as lax",
  // A provider fake written with the same mistake accepts everything: only the declaration check
  // (changing the body or the query must change the credential) can catch the plugin.
  server: () => SigningServer.make({ lax: true }),
  makeLayer: ignoresBodyAndQuery,
  signs,
  capabilities,
  expectFailures: ["signature-coverage", "bad-credentials"],
})

runAuthConformance({
  name: "kit self-test: a signing plugin answering retry without a new credential",
  server: () => SigningServer.make(),
  makeLayer: stale,
  signs,
  capabilities,
  expectFailures: ["varied-requests", "signature-coverage", "unauthorized", "bad-credentials"],
})
