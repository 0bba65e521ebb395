/**
 * Runs the error and log paths of a call with secrets in play and proves that none of them
 * reaches a log line, an error message, `JSON.stringify`, `util.inspect` or `String()`.
 */

import * as Util from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, Redacted, References } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Auth, Client, Errors, Http } from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"
import * as Server from "./fixtures/Server.ts"

const SECRETS = ["tok-Sup3rSecret", "key-Qu3rySecret"]
const token = Redacted.make(SECRETS[0]!)
const apiKey = Redacted.make(SECRETS[1]!)

const lines: Array<string> = []
const capture = Logger.make((options) => {
  lines.push(Logger.formatJson.log(options) as string)
})

const plugin = Layer.succeed(
  Auth.Auth,
  Auth.make({
    name: "both",
    secretQueryParams: ["api_key"],
    authenticate: (request) =>
      Effect.succeed(
        Http.setQuery(
          Http.setHeader(request, "authorization", `Bearer ${Redacted.value(token)}`),
          "api_key",
          Redacted.value(apiKey),
        ),
      ),
    onUnauthorized: () =>
      Effect.fail(new Errors.CredentialsExpired({ provider: "p", reason: "token rejected" })),
  }),
)

let server: Server.TestServer
beforeAll(async () => {
  server = await Server.start()
})
afterAll(() => server.close())

const exposures = (value: unknown): Array<string> => {
  const renderings = [
    String(value),
    value instanceof Error ? value.message : "",
    JSON.stringify(value),
    Util.inspect(value, { depth: 10 }),
  ]
  return SECRETS.filter((s) => renderings.some((r) => r.includes(s)))
}

describe("no secret leaks", () => {
  it.live("through every error and log path of a call", () =>
    Effect.gen(function* () {
      const api = yield* Client.makeEffect<paths>({ provider: "p", baseUrl: server.url })
      const errors: Array<unknown> = []
      const scenarios: Array<Server.Handler> = [
        Server.json(401, { error: "no" }),
        Server.json(429, { error: "slow" }, { "retry-after": "999" }),
        Server.json(404, { error: "missing" }),
        Server.json(503, { error: "busy" }, { "retry-after": "0" }),
        (_req, res) => res.socket?.destroy(),
      ]
      for (const handler of scenarios) {
        server.setDefault(handler)
        errors.push(
          yield* Effect.flip(api.GET("/pets", { keyway: { retry: { maxAttempts: 2, baseDelayMs: 1 } } })),
        )
      }
      errors.push(yield* Effect.flip(api.GET("/pets", { keyway: { correlationId: "x".repeat(40) } })))
      server.setDefault((_req, res) => setTimeout(() => res.end("[]"), 300))
      errors.push(
        yield* Effect.flip(api.GET("/pets", { keyway: { timeoutMs: 20, retry: { maxAttempts: 1 } } })),
      )
      const dead = yield* Client.makeEffect<paths>({ provider: "p", baseUrl: "http://127.0.0.1:1" })
      errors.push(
        yield* Effect.flip(dead.GET("/pets", { keyway: { retry: { maxAttempts: 2, baseDelayMs: 1 } } })),
      )

      assert.deepStrictEqual(
        errors.map((e) => (e as { _tag: string })._tag),
        [
          "CredentialsExpired",
          "RateLimited",
          "HttpError",
          "HttpError",
          "NetworkError",
          "ConfigError",
          "TimeoutError",
          "NetworkError",
        ],
      )
      for (const error of errors) assert.deepStrictEqual(exposures(error), [], Util.inspect(error))
      assert.isAbove(lines.length, 3, "the scenarios logged")
      for (const line of lines)
        assert.deepStrictEqual(
          SECRETS.filter((s) => line.includes(s)),
          [],
          line,
        )
      // The URL of a sent attempt names the secret parameter but not its value.
      const network = errors[7] as Errors.NetworkError
      assert.include(network.url, "api_key=%3Credacted%3E")
    }).pipe(
      Effect.provide(plugin),
      Effect.provide(Logger.layer([capture])),
      Effect.provideService(References.MinimumLogLevel, "All"),
      Effect.scoped,
    ),
  )

  it("Redacted values print as <redacted>", () => {
    assert.deepStrictEqual(exposures({ token, nested: { apiKey } }), [])
  })
})
