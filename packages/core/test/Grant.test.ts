import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { decodeJwt, exportPKCS8, generateKeyPair, jwtVerify } from "jose"
import { afterEach, beforeEach } from "vitest"
import { ClientAuth, Errors, Grant, Retry, TokenRequest } from "../src/index.ts"
import * as Server from "./fixtures/Server.ts"

let server: Server.TestServer
beforeEach(async () => {
  server = await Server.start(
    Server.json(200, { access_token: "at-1", token_type: "bearer", expires_in: 60 }),
  )
})
afterEach(() => server.close())

const endpoint = () => ({ provider: "p", tokenUrl: `${server.url}/token` })
const client = { clientId: "id", clientSecret: Redacted.make("secret") }
const form = (i: number) => Object.fromEntries(new URLSearchParams(server.seen[i]!.body))
const oneAttempt = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provideService(Retry.Retry, { ...Retry.defaults, maxAttempts: 1 }))

describe("Grant: parameters and the classification of refusals", () => {
  it.live("password: the grant's fields; a refused password is InvalidCredentials", () =>
    oneAttempt(
      Effect.gen(function* () {
        const grant = Grant.password({ username: "ada", password: Redacted.make("pw-1"), scope: "read" })
        yield* TokenRequest.request({ endpoint: endpoint(), client, grant })
        assert.deepStrictEqual(form(0), {
          grant_type: "password",
          username: "ada",
          password: "pw-1",
          scope: "read",
          client_id: "id",
          client_secret: "secret",
        })
        server.setDefault(Server.json(400, { error: "invalid_grant" }))
        const error = yield* Effect.flip(TokenRequest.request({ endpoint: endpoint(), client, grant }))
        assert.strictEqual(error._tag, "InvalidCredentials")
        assert.isTrue(Errors.isKeywayError(error))
        assert.notInclude(error.message, "pw-1")
        // A shared failure re-tagged with a waiting call's own correlation id keeps its kind.
        const retagged = TokenRequest.withCorrelationId("c-2")(error)
        assert.strictEqual(retagged._tag, "InvalidCredentials")
        assert.strictEqual((retagged as Errors.InvalidCredentials).correlationId, "c-2")
        server.setDefault(Server.json(401, { error: "invalid_client" }))
        const client401 = yield* Effect.flip(TokenRequest.request({ endpoint: endpoint(), client, grant }))
        assert.strictEqual(client401._tag, "InvalidClient")
      }),
    ),
  )

  it.live("refresh_token: a refused refresh token is ReauthorizationRequired; kind: password too", () =>
    oneAttempt(
      Effect.gen(function* () {
        server.setDefault(Server.json(400, { error: "invalid_grant" }))
        const refused = yield* Effect.flip(
          TokenRequest.request({
            endpoint: endpoint(),
            client,
            grant: Grant.refreshToken({ refreshToken: Redacted.make("rt") }),
          }),
        )
        assert.strictEqual(refused._tag, "ReauthorizationRequired")
        assert.include(refused.message, "refresh token")
        // The older way of naming a grant classifies the same.
        const byKind = yield* Effect.flip(
          TokenRequest.request({ endpoint: endpoint(), client, kind: "password", params: { username: "u" } }),
        )
        assert.strictEqual(byKind._tag, "InvalidCredentials")
        const cc = yield* Effect.flip(
          TokenRequest.request({ endpoint: endpoint(), client, kind: "client_credentials" }),
        )
        assert.strictEqual(cc._tag, "TokenEndpointError")
      }),
    ),
  )

  it.live("jwt bearer and token exchange send their RFC parameters", () =>
    oneAttempt(
      Effect.gen(function* () {
        yield* TokenRequest.request({
          endpoint: endpoint(),
          client,
          grant: Grant.jwtBearer({ assertion: Redacted.make("a.b.c"), scope: "s" }),
        })
        assert.strictEqual(form(0).grant_type, "urn:ietf:params:oauth:grant-type:jwt-bearer")
        assert.strictEqual(form(0).assertion, "a.b.c")
        yield* TokenRequest.request({
          endpoint: endpoint(),
          client,
          grant: Grant.tokenExchange({
            subjectToken: Redacted.make("subject-1"),
            subjectTokenType: Grant.tokenTypes.accessToken,
            audience: "https://api.example",
          }),
        })
        assert.deepInclude(form(1), {
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          subject_token: "subject-1",
          subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
          audience: "https://api.example",
        })
        assert.notProperty(form(1), "actor_token_type")
        server.setDefault(Server.json(400, { error: "invalid_grant" }))
        const refused = yield* Effect.flip(
          TokenRequest.request({
            endpoint: endpoint(),
            client,
            grant: Grant.jwtBearer({ assertion: Redacted.make("x") }),
          }),
        )
        assert.strictEqual(refused._tag, "InvalidCredentials")
      }),
    ),
  )

  it.live("per-request parameters are computed for every attempt (a retried request gets a new nonce)", () =>
    Effect.gen(function* () {
      server.queue.push(Server.json(503, { error: "temporarily_unavailable" }))
      let calls = 0
      yield* TokenRequest.request({
        endpoint: endpoint(),
        client,
        grant: Grant.clientCredentials(),
        params: (context) => Effect.sync(() => ({ nonce: `n-${++calls}-${context.attempt}` })),
      }).pipe(Effect.provideService(Retry.Retry, { ...Retry.defaults, baseDelayMs: 1 }))
      assert.strictEqual(server.seen.length, 2)
      assert.strictEqual(form(0).nonce, "n-1-1")
      assert.strictEqual(form(1).nonce, "n-2-2")
    }),
  )
})

describe("ClientAuth: every method on the wire", () => {
  it.live("client_secret_basic, client_secret_post and none", () =>
    oneAttempt(
      Effect.gen(function* () {
        const send = (method: ClientAuth.Method) =>
          TokenRequest.request({
            endpoint: endpoint(),
            client: { clientId: "a b" },
            kind: "client_credentials",
            clientAuthentication: method,
          })
        yield* send(ClientAuth.clientSecretBasic(Redacted.make("s:1")))
        assert.strictEqual(
          server.seen[0]!.headers.authorization,
          `Basic ${Buffer.from("a+b:s%3A1").toString("base64")}`,
        )
        assert.notProperty(form(0), "client_secret")
        yield* send(ClientAuth.clientSecretPost(Redacted.make("s-2")))
        assert.deepInclude(form(1), { client_id: "a b", client_secret: "s-2" })
        yield* send(ClientAuth.none)
        assert.strictEqual(form(2).client_id, "a b")
        assert.notProperty(form(2), "client_secret")
      }),
    ),
  )

  it.effect("private_key_jwt: a jose-verifiable assertion, fresh per request, iat from the Clock", () =>
    oneAttempt(
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.UTC(2026, 2, 14, 12, 0, 0))
        const { privateKey, publicKey } = yield* Effect.promise(() =>
          generateKeyPair("ES256", { extractable: true }),
        )
        const pem = yield* Effect.promise(() => exportPKCS8(privateKey))
        const method = ClientAuth.privateKeyJwt({
          privateKey: Redacted.make(pem),
          algorithm: "ES256",
          keyId: "k1",
        })
        const input: TokenRequest.Input = {
          endpoint: endpoint(),
          client: { clientId: "svc" },
          grant: Grant.clientCredentials(),
          clientAuthentication: method,
        }
        const first = yield* TokenRequest.prepare(input)
        const second = yield* TokenRequest.prepare(input)
        const fields = (request: { body: Uint8Array | undefined }) =>
          Object.fromEntries(new URLSearchParams(new TextDecoder().decode(request.body)))
        const a = fields(first.request)
        assert.strictEqual(a.client_assertion_type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        const verified = yield* Effect.promise(() =>
          jwtVerify(a.client_assertion!, publicKey, {
            issuer: "svc",
            subject: "svc",
            audience: `${server.url}/token`,
            currentDate: new Date(Date.UTC(2026, 2, 14, 12, 0, 30)),
          }),
        )
        assert.strictEqual(verified.protectedHeader.kid, "k1")
        assert.strictEqual(verified.payload.iat, Date.UTC(2026, 2, 14, 12, 0, 0) / 1000)
        assert.notStrictEqual(
          decodeJwt(a.client_assertion!).jti,
          decodeJwt(fields(second.request).client_assertion!).jti,
        )
        // A broken key is a ConfigError that does not show the key.
        const broken = yield* Effect.flip(
          TokenRequest.prepare({
            ...input,
            clientAuthentication: ClientAuth.privateKeyJwt({
              privateKey: Redacted.make("-----BEGIN PRIVATE KEY-----\nnope"),
            }),
          }),
        )
        assert.strictEqual(broken._tag, "ConfigError")
        assert.notInclude(broken.message, "nope")
      }),
    ),
  )

  it.live("client_secret_jwt: HS256 with the secret, audience configurable", () =>
    oneAttempt(
      Effect.gen(function* () {
        const secret = "a-shared-secret-that-is-32-bytes!!"
        yield* TokenRequest.request({
          endpoint: endpoint(),
          client: { clientId: "svc" },
          kind: "client_credentials",
          clientAuthentication: ClientAuth.clientSecretJwt(Redacted.make(secret), {
            audience: "https://issuer.example",
          }),
        })
        const verified = yield* Effect.promise(() =>
          jwtVerify(form(0).client_assertion!, new TextEncoder().encode(secret), {
            audience: "https://issuer.example",
          }),
        )
        assert.strictEqual(verified.protectedHeader.alg, "HS256")
        assert.notInclude(server.seen[0]!.body, secret)
      }),
    ),
  )
})
