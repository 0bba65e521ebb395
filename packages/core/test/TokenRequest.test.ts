import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { afterEach, beforeEach } from "vitest"
import { Retry, TokenRequest } from "../src/index.ts"
import * as Server from "./fixtures/Server.ts"

let server: Server.TestServer
beforeEach(async () => {
  server = await Server.start(
    Server.json(200, { access_token: "at-1", token_type: "bearer", expires_in: "3600" }),
  )
})
afterEach(() => server.close())

const input = (kind: TokenRequest.Kind, tokenUrl = `${server.url}/token`): TokenRequest.Input => ({
  endpoint: { provider: "p", tokenUrl, bodyFormat: "form" },
  client: { clientId: "id", clientSecret: Redacted.make("secret") },
  kind,
  params: kind === "refresh_token" ? { refresh_token: Redacted.make("rt-1") } : {},
})

const fast = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provideService(Retry.Retry, { ...Retry.defaults, baseDelayMs: 1 }))

describe("TokenRequest retries", () => {
  it.live("a client credentials request is repeated after a 503", () =>
    fast(
      Effect.gen(function* () {
        server.queue.push(Server.json(503, { error: "temporarily_unavailable" }))
        const response = yield* TokenRequest.request(input("client_credentials"))
        assert.strictEqual(Redacted.value(response.accessToken), "at-1")
        assert.strictEqual(response.expiresIn, 3600)
        assert.strictEqual(server.seen.length, 2)
      }),
    ),
  )

  it.live("a refresh that reached the server is not repeated (it may have rotated)", () =>
    fast(
      Effect.gen(function* () {
        server.queue.push(Server.json(503, { error: "temporarily_unavailable" }))
        const error = yield* Effect.flip(TokenRequest.request(input("refresh_token")))
        assert.strictEqual(error._tag, "TokenEndpointError")
        assert.strictEqual(server.seen.length, 1)
      }),
    ),
  )

  it.live("a refresh is repeated when the server says it did nothing (429 + Retry-After)", () =>
    fast(
      Effect.gen(function* () {
        server.queue.push(Server.json(429, { error: "slow_down" }, { "retry-after": "0" }))
        const response = yield* TokenRequest.request(input("refresh_token"))
        assert.strictEqual(Redacted.value(response.accessToken), "at-1")
        assert.strictEqual(server.seen.length, 2)
      }),
    ),
  )

  it.live("a dead endpoint is tried three times, then a TokenEndpointError without secrets", () =>
    fast(
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          TokenRequest.request(input("client_credentials", "http://127.0.0.1:1/token")),
        )
        assert.strictEqual(error._tag, "TokenEndpointError")
        assert.notInclude(JSON.stringify(error) + error.message, "secret")
      }),
    ),
  )
})
