// Issue 12 (run time) as the client credentials plugin sees it: TLS for the token URL, and a
// call's deadline that covers the token it waits for.
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { LoopbackServer } from "@keyway/auth-testkit"
import { Client, Origin, TokenStore, Transport } from "@keyway/core"
import { Context, Effect, Redacted } from "effect"
import { afterEach } from "vitest"
import * as ClientCredentials from "../src/ClientCredentials.ts"

const config = (tokenUrl: string): ClientCredentials.Config => ({
  provider: "p",
  tokenUrl,
  clientId: "id",
  clientSecret: Redacted.make("s3cret"),
})

/** A loopback server that accepts requests and never answers them. */
const silent: Array<Server> = []
const startSilent = async () => {
  const requests: Array<string> = []
  const server = createServer((req) => {
    requests.push(req.url ?? "")
  })
  silent.push(server)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}
afterEach(async () => {
  for (const server of silent.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

describe("token URL over plain http", () => {
  it.effect("a non-loopback http token URL is a ConfigError naming it, unless allowed", () =>
    Effect.gen(function* () {
      const refused = yield* Effect.flip(ClientCredentials.make(config("http://auth.example.com/token")))
      expect(refused).toMatchObject({ _tag: "ConfigError", path: "tokenUrl" })
      // Allowed explicitly (what a client built with allowInsecureHttp provides): building sends nothing.
      yield* ClientCredentials.make(config("http://auth.example.com/token")).pipe(
        Effect.provideService(Origin.AllowInsecureHttp, true),
      )
      yield* ClientCredentials.make(config("http://127.0.0.1:1/token"))
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )

  it("a client built with allowInsecureHttp lets its plugin use such a token URL", async () => {
    // A stub transport: nothing leaves the machine, whatever the URLs say.
    const sent: Array<string> = []
    const stub = Transport.layer({
      send: (request) =>
        Effect.sync(() => {
          sent.push(request.url)
          const body = new TextEncoder().encode('{"access_token":"t","expires_in":3600}')
          return { status: 200, headers: { "content-type": "application/json" }, body }
        }),
    })
    const options = {
      provider: "p",
      baseUrl: "http://api.example.com",
      auth: ClientCredentials.layer(config("http://auth.example.com/token")),
      layer: stub,
    }
    expect(() => Client.make(options)).toThrow(/baseUrl: http:\/\/api.example.com\/ is plain http/)
    const relaxed = Client.make({ ...options, allowInsecureHttp: true })
    await relaxed.GET("/x" as never)
    expect(sent).toEqual(["http://auth.example.com/token", "http://api.example.com/x"])
    await relaxed.close()
    const tokenOnly = Client.make({ ...options, baseUrl: "http://127.0.0.1:1" })
    const error = await tokenOnly.GET("/x" as never).catch((e: unknown) => e)
    expect(error).toMatchObject({ _tag: "ConfigError", path: "tokenUrl" })
    expect(sent).toHaveLength(2)
    await tokenOnly.close()
  })
})

describe("the call's deadline covers the token request", () => {
  it("a token endpoint that never answers fails the call at its deadline, not at the token timeout", async () => {
    const token = await startSilent()
    const client = Client.make({
      provider: "p",
      baseUrl: "http://127.0.0.1:1",
      auth: ClientCredentials.layer(config(`${token.url}/token`)),
      retry: { deadlineMs: 300 },
    })
    const started = Date.now()
    const error = await client.GET("/x" as never).catch((e: unknown) => e)
    const elapsed = Date.now() - started
    expect(error).toMatchObject({ _tag: "TimeoutError", scope: "deadline", timeoutMs: 300 })
    expect(elapsed).toBeLessThan(3_000)
    expect(token.requests).toEqual(["/token"])
    await client.close()
  })
})

describe("a client's limits reach its token requests, in both APIs", () => {
  it.effect("tokenMaxResponseBytes from the client's options bounds the token response", () =>
    Effect.gen(function* () {
      const token = yield* LoopbackServer.make(() => ({
        body: { access_token: "x".repeat(500), expires_in: 3600 },
      }))
      const provider = Client.defineProvider<any>()({
        provider: "p",
        resolveSettings: () => ({ baseUrl: "http://127.0.0.1:1" }),
        authLayer: () => ClientCredentials.layer(config(`${token.url}/token`)),
      })
      class Api extends Context.Service<Api, Client.EffectClient<any>>()("Api") {}
      const program = Effect.gen(function* () {
        const api = yield* Api
        return yield* api.GET("/x" as never, {} as never)
      })
      const error = yield* Effect.flip(
        program.pipe(
          Effect.provide(provider.layer(Api, { limits: { tokenMaxResponseBytes: 100 } }, () => ({}))),
        ),
      )
      expect(error).toMatchObject({ _tag: "TokenEndpointError" })
      expect((error as Error).message).toContain("larger than 100 bytes")
      const promise = provider.make({ limits: { tokenMaxResponseBytes: 100 } })
      const rejected = yield* Effect.promise(() =>
        promise.GET("/x" as never, {} as never).catch((e: unknown) => e),
      )
      expect(rejected).toMatchObject({ _tag: "TokenEndpointError" })
      yield* Effect.promise(() => promise.close())
    }).pipe(Effect.scoped),
  )
})
