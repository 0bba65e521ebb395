/**
 * The client-authentication methods beyond secrets, against a real server: oidc-provider 9
 * verifies `client_secret_jwt` and `private_key_jwt` assertions and, over HTTPS with mutual TLS,
 * `tls_client_auth` client certificates. (oidc-provider 9 has no token exchange grant.)
 * Live clock: the server checks the assertions' `exp` against real time.
 */
import { describe, expect, it } from "@effect/vitest"
import * as OidcServer from "@keyway/auth-testkit/OidcServer"
import { type Auth, ClientAuth, Http, TokenStore } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { exportPKCS8, generateKeyPair } from "jose"
import * as ClientCredentials from "../src/ClientCredentials.ts"

const call: Auth.CallInfo = { correlationId: "cc-oidc-auth", attempt: 1 }
const request = Http.makeRequest("GET", "http://127.0.0.1:1/resource")

const pluginFor = (oidc: OidcServer.OidcServer, clientId: string, clientAuthentication: ClientAuth.Method) =>
  ClientCredentials.make({
    provider: "oidc",
    tokenUrl: oidc.tokenUrl,
    clientId,
    clientAuthentication,
    requestScopes: ["api:read"],
  }).pipe(Effect.provide(TokenStore.layerMemory))

describe("client credentials with client assertions and mutual TLS against oidc-provider", () => {
  it.live("client_secret_jwt: an HS256 assertion signed with the client secret", () =>
    Effect.gen(function* () {
      const oidc = yield* OidcServer.make()
      const client = oidc.clients.secretJwt
      const plugin = yield* pluginFor(
        oidc,
        client.clientId,
        ClientAuth.clientSecretJwt(Redacted.make(client.clientSecret)),
      )
      const signed = yield* plugin.authenticate(request, call)
      expect(signed.headers.authorization).toMatch(/^Bearer \S+$/)
      expect(oidc.count("/token")).toBe(1)
      // A plain secret is not what this client registered: refused.
      const wrong = yield* pluginFor(
        oidc,
        client.clientId,
        ClientAuth.clientSecretPost(Redacted.make(client.clientSecret)),
      )
      expect((yield* Effect.flip(wrong.authenticate(request, call)))._tag).toBe("InvalidClient")
    }),
  )

  it.live("private_key_jwt: an ES256 assertion verified against the registered JWKS", () =>
    Effect.gen(function* () {
      const oidc = yield* OidcServer.make()
      const client = oidc.clients.privateKeyJwt
      const method = ClientAuth.privateKeyJwt({
        privateKey: Redacted.make(client.privateKey),
        algorithm: "ES256",
        keyId: client.keyId,
      })
      const plugin = yield* pluginFor(oidc, client.clientId, method)
      expect((yield* plugin.authenticate(request, call)).headers.authorization).toMatch(/^Bearer \S+$/)
      // A key the server does not know: InvalidClient, with no key material in the error.
      const other = yield* Effect.promise(() => generateKeyPair("ES256", { extractable: true }))
      const pem = yield* Effect.promise(() => exportPKCS8(other.privateKey))
      const stranger = yield* pluginFor(
        oidc,
        client.clientId,
        ClientAuth.privateKeyJwt({ privateKey: Redacted.make(pem), algorithm: "ES256", keyId: client.keyId }),
      )
      const error = yield* Effect.flip(stranger.authenticate(request, call))
      expect(error._tag).toBe("InvalidClient")
      expect(JSON.stringify(error)).not.toContain(pem.slice(40, 80))
    }),
  )

  it.live("tls_client_auth: the client certificate on the token request's TLS connection", () =>
    Effect.gen(function* () {
      const oidc = yield* OidcServer.make({ tls: true })
      expect(oidc.tokenUrl).toMatch(/^https:/)
      const client = oidc.clients.tls!
      const certificate = {
        certificate: client.certificate,
        privateKey: Redacted.make(client.privateKey),
        ca: client.ca,
      }
      const plugin = yield* pluginFor(oidc, client.clientId, ClientAuth.tlsClientAuth(certificate))
      expect((yield* plugin.authenticate(request, call)).headers.authorization).toMatch(/^Bearer \S+$/)
      // Without a certificate (the CA still trusted) the same client is refused.
      const anonymous = ClientAuth.make("none", (context) =>
        Effect.succeed({
          fields: { client_id: context.clientId },
          certificate: { certificate: "", privateKey: Redacted.make(""), ca: client.ca },
        }),
      )
      const refused = yield* pluginFor(oidc, client.clientId, anonymous)
      expect((yield* Effect.flip(refused.authenticate(request, call)))._tag).toBe("InvalidClient")
    }),
  )
})
