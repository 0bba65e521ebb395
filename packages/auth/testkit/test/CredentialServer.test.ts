/**
 * The kit's credential server checks every client-authentication method and grant the way a real
 * server does (and so exercises core's `ClientAuth`, `Grant` and the transport's client
 * certificates end to end); its handlers' exceptions come back with their stack.
 */
import { assert, describe, it } from "@effect/vitest"
import { ClientAuth, Grant, Http, Retry, TokenRequest, Transport } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { exportPKCS8, generateKeyPair } from "jose"
import { FakeCredentialServer, LoopbackServer } from "../src/index.ts"

const oneAttempt = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provideService(Retry.Retry, { ...Retry.defaults, maxAttempts: 1 }))

const tokenFor = (
  server: FakeCredentialServer.FakeCredentialServer,
  clientAuthentication: ClientAuth.Method,
  grant: Grant.Grant = Grant.clientCredentials(),
) =>
  TokenRequest.request({
    endpoint: { provider: "kit", tokenUrl: server.tokenUrl },
    client: { clientId: server.clientId },
    grant,
    clientAuthentication,
  }).pipe(oneAttempt)

const tagOf = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.match(effect, { onSuccess: () => "Success", onFailure: (e) => e._tag })

describe("FakeCredentialServer: client-authentication methods", () => {
  it.live("client_secret_jwt and private_key_jwt assertions are verified; others refused", () =>
    Effect.gen(function* () {
      const server = yield* FakeCredentialServer.make({
        clientAuthMethods: ["client_secret_jwt", "private_key_jwt"],
      })
      const secret = Redacted.make(server.clientSecret)
      const key = {
        privateKey: Redacted.make(server.clientPrivateKey),
        algorithm: "ES256",
        keyId: server.clientKeyId,
      }
      assert.strictEqual(yield* tagOf(tokenFor(server, ClientAuth.clientSecretJwt(secret))), "Success")
      assert.strictEqual(yield* tagOf(tokenFor(server, ClientAuth.privateKeyJwt(key))), "Success")
      // Not accepted methods, a wrong key, a wrong audience.
      assert.strictEqual(yield* tagOf(tokenFor(server, ClientAuth.clientSecretPost(secret))), "InvalidClient")
      const other = yield* Effect.promise(() => generateKeyPair("ES256", { extractable: true }))
      const otherPem = yield* Effect.promise(() => exportPKCS8(other.privateKey))
      const wrongKey = ClientAuth.privateKeyJwt({ ...key, privateKey: Redacted.make(otherPem) })
      assert.strictEqual(yield* tagOf(tokenFor(server, wrongKey)), "InvalidClient")
      const wrongAudience = ClientAuth.privateKeyJwt({ ...key, audience: "https://elsewhere.example/token" })
      assert.strictEqual(yield* tagOf(tokenFor(server, wrongAudience)), "InvalidClient")
    }),
  )

  it.effect("none only when allowed; client_secret_basic and post by default", () =>
    Effect.gen(function* () {
      const strict = yield* FakeCredentialServer.make()
      const secret = Redacted.make(strict.clientSecret)
      assert.strictEqual(yield* tagOf(tokenFor(strict, ClientAuth.none)), "InvalidClient")
      assert.strictEqual(yield* tagOf(tokenFor(strict, ClientAuth.clientSecretBasic(secret))), "Success")
      assert.strictEqual(yield* tagOf(tokenFor(strict, ClientAuth.clientSecretPost(secret))), "Success")
      const open = yield* FakeCredentialServer.make({ clientAuthMethods: ["none"] })
      assert.strictEqual(yield* tagOf(tokenFor(open, ClientAuth.none)), "Success")
    }),
  )

  it.live("tls_client_auth: the client certificate goes on the undici transport's TLS connection", () =>
    Effect.gen(function* () {
      const server = yield* FakeCredentialServer.make({ tls: true, clientAuthMethods: ["tls_client_auth"] })
      assert.match(server.url, /^https:/)
      const identity = server.clientCertificate!
      const certificate = {
        certificate: identity.certificate,
        privateKey: Redacted.make(identity.privateKey),
        ca: identity.ca,
      }
      const token = yield* tokenFor(server, ClientAuth.tlsClientAuth(certificate))
      assert.isTrue(server.issued().includes(Redacted.value(token.accessToken)))
      // The same request without the certificate (only trusting the CA) is refused.
      const anonymous = ClientAuth.make("none", (context) =>
        Effect.succeed({
          fields: { client_id: context.clientId },
          certificate: { ...certificate, certificate: "", privateKey: Redacted.make("") },
        }),
      )
      assert.notStrictEqual(yield* tagOf(tokenFor(server, anonymous)), "Success")
    }),
  )
})

describe("FakeCredentialServer: grants", () => {
  it.live("password, JWT bearer and token exchange; refusals classified per grant", () =>
    Effect.gen(function* () {
      const server = yield* FakeCredentialServer.make()
      const client = ClientAuth.clientSecretPost(Redacted.make(server.clientSecret))
      const password = (value: string) =>
        Grant.password({ username: server.username, password: Redacted.make(value) })
      assert.strictEqual(yield* tagOf(tokenFor(server, client, password(server.password))), "Success")
      assert.strictEqual(yield* tagOf(tokenFor(server, client, password("wrong"))), "InvalidCredentials")

      // A JWT bearer assertion signed for every attempt (RFC 7523 §2.1).
      const assertion = Grant.jwtBearerSigned({
        privateKey: Redacted.make(server.clientPrivateKey),
        algorithm: "ES256",
        issuer: server.clientId,
        subject: "kit-user",
      })
      assert.strictEqual(yield* tagOf(tokenFor(server, client, assertion)), "Success")
      const forged = Grant.jwtBearer({ assertion: Redacted.make("e30.e30.sig") })
      assert.strictEqual(yield* tagOf(tokenFor(server, client, forged)), "InvalidCredentials")

      const exchange = (subject: string) =>
        Grant.tokenExchange({
          subjectToken: Redacted.make(subject),
          subjectTokenType: Grant.tokenTypes.accessToken,
        })
      assert.strictEqual(
        yield* tagOf(tokenFor(server, client, exchange(server.issueSubjectToken()))),
        "Success",
      )
      assert.strictEqual(yield* tagOf(tokenFor(server, client, exchange("not-issued"))), "InvalidCredentials")
      const refresh = Grant.refreshToken({ refreshToken: Redacted.make("unknown") })
      assert.strictEqual(yield* tagOf(tokenFor(server, client, refresh)), "ReauthorizationRequired")
    }),
  )

  it.effect("a quirk hook changes the standard answer", () =>
    Effect.gen(function* () {
      const server = yield* FakeCredentialServer.make({
        quirk: async (request, standard) => {
          const reply = await standard(request)
          const body = reply.body as Record<string, unknown> | undefined
          return request.path === "/token" && body?.expires_in !== undefined
            ? { ...reply, body: { ...body, expires_in: `${body.expires_in}` } }
            : reply
        },
      })
      const token = yield* tokenFor(server, ClientAuth.clientSecretPost(Redacted.make(server.clientSecret)))
      assert.strictEqual(token.expiresIn, 3600)
      const raw = server.server.requests.at(-1)
      assert.strictEqual(raw?.path, "/token")
    }),
  )
})

describe("LoopbackServer: a handler's exception", () => {
  it.effect("comes back as a 500 with its stack, and is kept in failures()", () =>
    Effect.gen(function* () {
      const server = yield* LoopbackServer.make(function brokenHandler() {
        throw new TypeError("the fake's own bug")
      })
      const transport = yield* Transport.Transport
      const response = yield* transport.send(Http.makeRequest("GET", `${server.url}/x`), {
        correlationId: "c",
      })
      assert.strictEqual(response.status, 500)
      const body = new TextDecoder().decode(response.body)
      assert.include(body, "TypeError: the fake's own bug")
      assert.include(body, "brokenHandler")
      assert.strictEqual(server.failures().length, 1)
      assert.strictEqual(server.failures()[0]!.request.path, "/x")
    }).pipe(
      // The stack printed to stderr is expected here.
      Effect.provideService(Retry.Retry, Retry.defaults),
    ),
  )
})
