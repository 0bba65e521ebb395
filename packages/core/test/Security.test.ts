// Issue 12, run time: no credential leaves its origin, hostile servers cannot fill memory or
// hold a call, bad input is a ConfigError before anything is sent.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Logger, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { afterEach, beforeEach } from "vitest"
import {
  Auth,
  Call,
  Client,
  Descriptor,
  Http,
  Origin,
  Pagination,
  Retry,
  TokenLifecycle,
  TokenRequest,
  TokenStore,
  Transport,
} from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"
import * as Server from "./fixtures/Server.ts"

/** A plugin that writes a bearer token and counts how often it was asked to. */
const counting = () => {
  const decorated: Array<string> = []
  const layer = Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "static",
      authenticate: (request) =>
        Effect.sync(() => {
          decorated.push(request.url)
          return Http.setHeader(request, "authorization", "Bearer s3cret-token")
        }),
    }),
  )
  return { decorated, layer }
}

let api: Server.TestServer
let other: Server.TestServer
beforeEach(async () => {
  api = await Server.start(Server.json(200, []))
  other = await Server.start(Server.json(200, { stolen: true }))
})
afterEach(async () => {
  await api.close()
  await other.close()
})

describe("item 2: credentials stay on their origin", () => {
  it("the auth pipeline refuses to decorate a request for another origin", async () => {
    const auth = counting()
    const client = Client.make<paths>({ provider: "p", baseUrl: api.url, auth: auth.layer })
    const refused = await client.GET("/pets", { baseUrl: other.url }).catch((e) => e)
    assert.strictEqual(refused._tag, "OriginRefused")
    assert.strictEqual(other.seen.length, 0)
    assert.deepStrictEqual(auth.decorated, [])
    // The client's own origin, and one the descriptor lists, are fine.
    await client.GET("/pets")
    assert.strictEqual(api.seen[0]!.headers.authorization, "Bearer s3cret-token")
    const listed = Client.make<paths>({
      provider: "p",
      baseUrl: api.url,
      auth: auth.layer,
      origins: [other.url],
    })
    await listed.GET("/pets", { baseUrl: other.url })
    assert.strictEqual(other.seen[0]!.headers.authorization, "Bearer s3cret-token")
    await client.close()
    await listed.close()
  })

  it("a next link to another origin is refused by default, before any byte goes there", async () => {
    const auth = counting()
    api.setDefault(
      Server.json(200, {
        jobs: [{ id: 1 }],
        paging: { next: `${other.url}/steal?access_token=leaked-value` },
      }),
    )
    const client = Client.make<any>({ provider: "p", baseUrl: api.url, auth: auth.layer })
    const spec: Pagination.Spec = { style: "next-url", items: "jobs", next: "paging.next" }
    const refused = await Array.fromAsync(Pagination.iterate(client, "GET", "/jobs", {}, spec)).catch(
      (e) => e,
    )
    assert.strictEqual(refused._tag, "OriginRefused")
    assert.notInclude(`${refused.message} ${JSON.stringify(refused)}`, "leaked-value")
    assert.match(refused.message, /leaves http:\/\/127\.0\.0\.1:\d+ for http:\/\/127\.0\.0\.1:\d+/)
    assert.strictEqual(other.seen.length, 0)
    assert.strictEqual(auth.decorated.length, 1)
    await client.close()
  })

  it("a provider that opts in has the cross-origin page fetched without credentials", async () => {
    const auth = counting()
    api.setDefault(Server.json(200, { jobs: [{ id: 1 }], paging: { next: `${other.url}/page2` } }))
    other.setDefault(Server.json(200, { jobs: [{ id: 2 }] }))
    const client = Client.make<any>({ provider: "p", baseUrl: api.url, auth: auth.layer })
    const spec: Pagination.Spec = {
      style: "next-url",
      items: "jobs",
      next: "paging.next",
      crossOrigin: "follow-without-credentials",
    }
    const all = await Array.fromAsync(Pagination.iterate(client, "GET", "/jobs", {}, spec))
    assert.deepStrictEqual(all, [{ id: 1 }, { id: 2 }])
    assert.strictEqual(api.seen[0]!.headers.authorization, "Bearer s3cret-token")
    assert.strictEqual(other.seen.length, 1)
    assert.isUndefined(other.seen[0]!.headers.authorization)
    assert.strictEqual(auth.decorated.length, 1)
    await client.close()
  })

  it("an https→http next link is always refused, even when cross-origin links are followed", async () => {
    const calls: Array<string> = []
    const page = (url: string, body: unknown) => ({
      data: body,
      response: { ok: true, status: 200, url } as Response,
    })
    const fake = {
      GET: async (path: string, init?: { baseUrl?: string }) => {
        calls.push(`${init?.baseUrl ?? "https://api.example"}${path}`)
        return page("https://api.example/jobs", {
          jobs: [{ id: 1 }],
          paging: { next: "http://api.example/jobs?p=2" },
        })
      },
    }
    for (const crossOrigin of ["refuse", "follow-without-credentials"] as const) {
      const refused = await Array.fromAsync(
        Pagination.iterate(fake, "GET", "/jobs", {}, { style: "next-url", items: "jobs", crossOrigin }),
      ).catch((e) => e)
      assert.strictEqual(refused._tag, "OriginRefused")
      assert.match(refused.reason, /downgrades https to http/)
    }
    assert.strictEqual(calls.length, 2)
    assert.strictEqual(Origin.relation("https://a.example/x", "http://a.example/y"), "downgrade")
  })
})

describe("item 2: Origin.guard decides as the URL parser does", () => {
  const origins = new Set(["https://api.example", "http://127.0.0.1:8080"])
  const request = (url: string): Http.HttpRequest => ({ method: "GET", url, headers: {}, body: undefined })
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ["https://api.example", true],
    ["https://api.example/jobs?page=2", true],
    ["https://api.example?x=1", true],
    ["https://api.example#top", true],
    ["http://127.0.0.1:8080/x", true],
    ["https://API.example/jobs", true], // parsed: same origin once lower-cased
    ["https://api.example:443/jobs", true], // parsed: the default port is no port
    ["https://api.example.evil.test/jobs", false],
    ["https://api.example@evil.test/jobs", false],
    ["https://api.example:8443/jobs", false],
    ["http://api.example/jobs", false],
    ["http://127.0.0.1:80800/x", false],
    ["http://127.0.0.1:8080.evil.test/x", false],
  ]
  it.each(cases)("%s → allowed %s", (url, allowed) => {
    const refused = Origin.guard(origins, request(url), "c-1")
    assert.strictEqual(refused === undefined, allowed)
    assert.strictEqual(refused === undefined, Origin.of(url) !== undefined && origins.has(Origin.of(url)!))
  })
})

describe("item 3 and 12: URL variables", () => {
  it("a variable that would change the host is a ConfigError naming it", () => {
    const error = (() => {
      try {
        Descriptor.resolveUrl("https://{subdomain}.workable.com/spi/v3", { subdomain: "127.0.0.1:9/x#" })
      } catch (e) {
        return e as { _tag: string; path: string }
      }
    })()
    assert.strictEqual(error?._tag, "ConfigError")
    assert.strictEqual(error?.path, "variables.subdomain")
    for (const bad of ["a b", "evil.example/x", "x?y", "u@evil", "", "a#"]) {
      assert.throws(() => Descriptor.resolveUrl("https://{host}/v1", { host: bad }), /URL variable \{host\}/)
    }
    assert.strictEqual(
      Descriptor.resolveUrl("https://{host}/v1", { host: "api.eu.example" }),
      "https://api.eu.example/v1",
    )
  })

  it("a descriptor's enum or pattern overrides the default", () => {
    const definitions = { region: { enum: ["eu", "us"] }, port: { pattern: "[0-9]{2,5}" } }
    assert.strictEqual(
      Descriptor.resolveUrl(
        "https://{region}.api.example:{port}",
        { region: "eu", port: "8443" },
        undefined,
        definitions,
      ),
      "https://eu.api.example:8443",
    )
    assert.throws(
      () => Descriptor.resolveUrl("https://{region}.api.example", { region: "ap" }, undefined, definitions),
      /must be one of eu, us/,
    )
    assert.throws(
      () => Descriptor.resolveUrl("https://api.example:{port}", { port: "80/x" }, undefined, definitions),
      /does not match its pattern/,
    )
  })

  it("a generated-style client refuses a bad variable before anything is sent (both APIs)", async () => {
    const provider = Client.defineProvider<paths>()({
      provider: "p",
      resolveSettings: (options: Client.ProviderOptions) => ({
        baseUrl: Descriptor.resolveUrl("http://{host}", { host: "127.0.0.1", ...options.variables }),
      }),
      authLayer: () => Auth.layerNone,
    })
    const thrown = (() => {
      try {
        provider.make({ variables: { host: `127.0.0.1:${other.url.split(":")[2]}/x#` } })
      } catch (e) {
        return e as { _tag: string }
      }
    })()
    assert.strictEqual(thrown?._tag, "ConfigError")
    class Api extends Context.Service<Api, Client.EffectClient<paths>>()("Api") {}
    const exit = await Effect.runPromiseExit(
      Layer.build(provider.layer(Api, { variables: { host: "a b" } }, () => ({}))).pipe(Effect.scoped),
    )
    assert.isTrue(Exit.isFailure(exit))
    assert.match(String(Exit.isFailure(exit) ? exit.cause : ""), /ConfigError|URL variable/)
    assert.strictEqual(other.seen.length, 0)
  })
})

describe("item 4: response size limit", () => {
  it("an endless body fails with ResponseTooLarge as soon as the limit is passed", async () => {
    let written = 0
    api.setDefault((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      const pump = () => {
        while (!res.destroyed && written < 512 * 1024 * 1024) {
          written += chunk.length
          if (!res.write(chunk)) return void res.once("drain", pump)
        }
      }
      res.on("close", () => {})
      pump()
    })
    const client = Client.make<paths>({
      provider: "p",
      baseUrl: api.url,
      auth: Auth.layerNone,
      limits: { maxResponseBytes: 1024 * 1024 },
      retry: { maxAttempts: 1 },
    })
    const error = await client.GET("/pets").catch((e) => e)
    assert.strictEqual(error._tag, "ResponseTooLarge")
    assert.strictEqual(error.limitBytes, 1024 * 1024)
    // Stopped near the limit (socket buffers aside), not after the whole 512 MiB.
    assert.isBelow(written, 64 * 1024 * 1024)
    await client.close()
  })

  it("a declared Content-Length over the limit is refused without reading the body", async () => {
    api.setDefault((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(10 * 1024 * 1024) })
      res.write("[")
    })
    const transport = Transport.makeUndici()
    const exit = await Effect.runPromiseExit(
      transport.send(Http.makeRequest("GET", `${api.url}/x`), { correlationId: "c", maxResponseBytes: 1000 }),
    )
    assert.isTrue(Exit.isFailure(exit))
    assert.match(String(Exit.isFailure(exit) ? exit.cause : ""), /ResponseTooLarge/)
  })

  it.live("a token endpoint's answer is limited far lower (256 KiB by default)", () =>
    Effect.gen(function* () {
      api.setDefault(Server.json(200, { access_token: "x".repeat(300 * 1024), expires_in: 3600 }))
      const error = yield* Effect.flip(
        TokenRequest.request({
          endpoint: { provider: "p", tokenUrl: `${api.url}/token` },
          client: { clientId: "id", clientSecret: Redacted.make("secret") },
          kind: "client_credentials",
        }),
      )
      assert.strictEqual(error._tag, "TokenEndpointError")
      assert.match(error.message, /larger than 262144 bytes/)
      assert.strictEqual(api.seen.length, 1)
    }),
  )
})

describe("item 5: the deadline covers the token", () => {
  it.effect("a call waiting on a token that never comes fails at its deadline", () =>
    Effect.gen(function* () {
      const runtime: Call.Runtime = {
        provider: "p",
        auth: Auth.make({ name: "stuck", authenticate: () => Effect.never }),
        transport: Transport.makeUndici(),
        retry: { ...Retry.defaults, deadlineMs: 3_000 },
        correlation: { header: "X-Correlation-Id", maxLength: 36 },
      }
      const fiber = yield* Effect.forkChild(
        Call.execute(runtime, Http.makeRequest("GET", `${api.url}/pets`), {}),
      )
      yield* TestClock.adjust("3001 millis")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "TimeoutError")
      assert.strictEqual((error as { scope?: string }).scope, "deadline")
      assert.strictEqual(api.seen.length, 0)
    }),
  )

  it.effect("token requests have their own shorter default timeout and a small size limit", () =>
    Effect.gen(function* () {
      const sent: Array<Transport.SendOptions> = []
      const capture: Transport.TransportShape = {
        send: (_request, options) =>
          Effect.sync(() => {
            sent.push(options)
            const body = new TextEncoder().encode('{"access_token":"t","expires_in":60}')
            return { status: 200, headers: { "content-type": "application/json" }, body }
          }),
      }
      yield* TokenRequest.request({
        endpoint: { provider: "p", tokenUrl: "https://auth.example/token" },
        client: { clientId: "id", clientSecret: Redacted.make("secret") },
        kind: "client_credentials",
      }).pipe(Effect.provide(Transport.layer(capture)))
      const options = sent[0]
      assert.strictEqual(options?.timeoutMs, 10_000)
      assert.isBelow(options?.timeoutMs ?? Number.POSITIVE_INFINITY, Retry.defaults.attemptTimeoutMs)
      assert.strictEqual(options?.maxResponseBytes, 256 * 1024)
    }),
  )
})

describe("item 7: plain http only to loopback", () => {
  it("a non-loopback http base URL is a ConfigError naming the field; nothing is sent", () => {
    const error = (() => {
      try {
        Client.make<paths>({ provider: "p", baseUrl: "http://api.example.com/v1", auth: Auth.layerNone })
      } catch (e) {
        return e as { _tag: string; path: string; message: string }
      }
    })()
    assert.strictEqual(error?._tag, "ConfigError")
    assert.strictEqual(error?.path, "baseUrl")
    assert.match(error!.message, /plain http to a non-loopback host/)
    // Loopback, https, and an explicit opt-in are fine (building a client connects nowhere).
    for (const baseUrl of [
      "http://127.0.0.1:1",
      "http://[::1]:1",
      "http://localhost:1",
      "https://api.example.com",
    ]) {
      Client.make<paths>({ provider: "p", baseUrl, auth: Auth.layerNone })
    }
    Client.make<paths>({
      provider: "p",
      baseUrl: "http://api.example.com",
      auth: Auth.layerNone,
      allowInsecureHttp: true,
    })
  })

  it.effect("plugins check their URLs under the client's allowInsecureHttp", () =>
    Effect.gen(function* () {
      const strict = yield* Effect.flip(Origin.requireSecure({ tokenUrl: "http://auth.example.com/token" }))
      assert.strictEqual(strict.path, "tokenUrl")
      yield* Origin.requireSecure({ tokenUrl: "http://auth.example.com/token" }).pipe(
        Effect.provideService(Origin.AllowInsecureHttp, true),
      )
      const scheme = yield* Effect.flip(
        Origin.requireSecure({ revokeUrl: "javascript:alert(1)" }).pipe(
          Effect.provideService(Origin.AllowInsecureHttp, true),
        ),
      )
      assert.strictEqual(scheme.path, "revokeUrl")
    }),
  )
})

describe("item 8: dot segments in path parameters", () => {
  it("'.', '..' and '' are refused with a typed error before anything is sent", async () => {
    const client = Client.make<any>({ provider: "p", baseUrl: `${api.url}/spi/v3`, auth: Auth.layerNone })
    for (const id of ["..", ".", ""]) {
      const error = await client
        .DELETE("/members/{id}", { params: { path: { id } } })
        .catch((e: unknown) => e)
      assert.strictEqual((error as { _tag: string })._tag, "ConfigError")
      assert.strictEqual((error as { path: string }).path, "params.path.id")
    }
    assert.strictEqual(api.seen.length, 0)
    await client.DELETE("/members/{id}", { params: { path: { id: "..x" } } })
    assert.strictEqual(api.seen[0]!.url, "/spi/v3/members/..x")
    await client.close()
  })
})

describe("item 12: header values", () => {
  it("a CRLF in an idempotency key is a ConfigError, not a retried NetworkError", async () => {
    const client = Client.make<paths>({ provider: "p", baseUrl: api.url, auth: Auth.layerNone })
    const error = await client
      .POST("/pets", { body: { name: "x" }, keyway: { idempotencyKey: "k\r\nX-Evil: 1" } })
      .catch((e) => e)
    assert.strictEqual(error._tag, "ConfigError")
    assert.strictEqual(error.path, "idempotencyKey")
    // The same for a header given to one call (fetch would throw a raw TypeError).
    const header = await client
      .GET("/pets", { headers: { "Idempotency-Key": "k\r\nX-Evil: 1" } })
      .catch((e) => e)
    assert.strictEqual(header._tag, "ConfigError")
    assert.strictEqual(header.path, "headers.Idempotency-Key")
    assert.strictEqual(api.seen.length, 0)
    await client.close()
  })

  it("a bad header in the options is a ConfigError when the client is built", () => {
    assert.throws(
      () =>
        Client.make<paths>({
          provider: "p",
          baseUrl: api.url,
          auth: Auth.layerNone,
          headers: { "X-A": "1\r\nX-B: 2" },
        }),
      /not a valid HTTP header/,
    )
    assert.throws(
      () =>
        Client.make<paths>({
          provider: "p",
          baseUrl: api.url,
          auth: Auth.layerNone,
          correlation: { header: "X-Id\r\nX-Evil" },
        }),
      /correlation|not a valid HTTP header name/,
    )
    assert.strictEqual(api.seen.length, 0)
  })
})

describe("item 13: a provider that keeps refusing tokens", () => {
  it.effect("401 after 401: token requests back off, then calls fail typed without a request", () =>
    Effect.gen(function* () {
      let fetches = 0
      const tokens = yield* TokenLifecycle.make({
        provider: "p",
        fetch: () => Effect.sync(() => ({ accessToken: Redacted.make(`t${++fetches}`), expiresIn: 3600 })),
      })
      // Every call: the token is refused (invalidate), a new one is asked for.
      const call = Effect.gen(function* () {
        const token = yield* tokens.get([])
        yield* tokens.invalidate([], token.accessToken!)
        return yield* tokens.get([])
      })
      yield* call // t1 refused → t2 (the normal recovery from one 401)
      assert.strictEqual(fetches, 2)
      const results = yield* Effect.forEach(Array.from({ length: 20 }), () => Effect.result(call))
      // t2 refused too: the second refusal in a row; no new token within the back-off window.
      assert.strictEqual(fetches, 2)
      const failure = results[0]!
      assert.strictEqual(failure._tag, "Failure")
      if (failure._tag === "Failure") {
        assert.strictEqual(failure.failure._tag, "CredentialsExpired")
        assert.match(failure.failure.message, /keeps refusing fresh tokens \(2 in a row/)
      }
      // After the window, one more token is tried; refused again, the window doubles.
      yield* TestClock.adjust("1001 millis")
      yield* Effect.result(call)
      assert.strictEqual(fetches, 3)
      yield* TestClock.adjust("1001 millis")
      yield* Effect.result(call)
      assert.strictEqual(fetches, 3)
      yield* TestClock.adjust("1 second")
      yield* Effect.result(call)
      assert.strictEqual(fetches, 4)
      assert.strictEqual(TokenLifecycle.refusalBackoffMs(40), 300_000)
      // A token that served for more than a minute before its 401 starts the count afresh.
      for (let round = 0; round < 3; round++) {
        yield* TestClock.adjust("5 minutes")
        const token = yield* tokens.get([])
        yield* TestClock.adjust("61 seconds")
        yield* tokens.invalidate([], token.accessToken!)
        yield* tokens.get([])
      }
      // One token after the last window, then one per round: no back-off any more.
      assert.strictEqual(fetches, 8)
    }).pipe(Effect.provide(TokenStore.layerMemory)),
  )
})

describe("item 13: nonsensical expires_in", () => {
  it("0, -1 and 'abc' are ignored, 1e12 is clamped to a year", () => {
    assert.deepStrictEqual(TokenRequest.sanitizeExpiresIn(3600), { expiresIn: 3600 })
    assert.deepStrictEqual(TokenRequest.sanitizeExpiresIn(undefined), { expiresIn: undefined })
    for (const raw of [0, -1, "-1", "abc", Number.NaN]) {
      const { expiresIn, anomaly } = TokenRequest.sanitizeExpiresIn(raw)
      assert.isUndefined(expiresIn)
      assert.isString(anomaly)
    }
    assert.strictEqual(TokenRequest.sanitizeExpiresIn(1e12).expiresIn, TokenLifecycle.maxLifetimeSeconds)
    assert.strictEqual(
      TokenLifecycle.expiryFrom({ expiresIn: 1e12, accessToken: "x" }, 0, 1),
      365 * 24 * 3600 * 1000,
    )
  })

  it.live("a token response with such a value logs one warning, however often it comes", () =>
    Effect.gen(function* () {
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => {
        logs.push(String(Array.isArray(message) ? message[0] : message))
      })
      api.setDefault(Server.json(200, { access_token: "t", expires_in: "abc" }))
      const request = TokenRequest.request({
        endpoint: { provider: "warn-once", tokenUrl: `${api.url}/token` },
        client: { clientId: "id", clientSecret: Redacted.make("secret") },
        kind: "client_credentials",
      })
      const first = yield* request.pipe(Effect.provide(Logger.layer([logger])))
      yield* request.pipe(Effect.provide(Logger.layer([logger])))
      assert.isUndefined(first.expiresIn)
      const warnings = logs.filter((line) => line.includes("expires_in"))
      assert.strictEqual(warnings.length, 1)
      assert.match(warnings[0]!, /not a number/)
    }),
  )
})

describe("item 13 through the call pipeline", () => {
  /** A plugin on TokenLifecycle, as the token plugins are written. */
  const lifecyclePlugin = (fetches: { n: number }) =>
    Layer.effect(
      Auth.Auth,
      Effect.gen(function* () {
        const tokens = yield* TokenLifecycle.make({
          provider: "p",
          fetch: () =>
            Effect.sync(() => ({ accessToken: Redacted.make(`t${++fetches.n}`), expiresIn: 3600 })),
        })
        return Auth.make({
          name: "lifecycle",
          authenticate: (request) =>
            Effect.map(tokens.get([]), (t) =>
              Http.setHeader(request, "authorization", `Bearer ${Redacted.value(t.accessToken!)}`),
            ),
          onUnauthorized: (failed) =>
            Effect.as(
              tokens.invalidate([], Redacted.make(Http.credentialOf(failed.request, Http.bearer) ?? "")),
              "retry" as const,
            ),
          onAccepted: () => tokens.accepted([]),
        })
      }),
    )

  it("every call answered 401: two token requests, then typed failures that send nothing", async () => {
    api.setDefault(Server.json(401, { error: "invalid_token" }))
    const fetches = { n: 0 }
    const client = Client.make<paths>({ provider: "p", baseUrl: api.url, auth: lifecyclePlugin(fetches) })
    const first = await client.GET("/pets")
    assert.strictEqual(first.response.status, 401)
    const outcomes: Array<{ _tag: string; message: string }> = []
    for (let call = 0; call < 10; call++) outcomes.push(await client.GET("/pets").catch((e) => e))
    assert.strictEqual(fetches.n, 2)
    assert.isTrue(outcomes.every((e) => e._tag === "CredentialsExpired"))
    assert.match(outcomes[0]!.message, /keeps refusing fresh tokens/)
    // The first call sent twice (t1, then t2), the second once (t2 refused again); then nothing.
    assert.strictEqual(api.seen.length, 3)
    await client.close()
  })

  it("a provider that accepts the refreshed token recovers on every call (onAccepted ends the run)", async () => {
    const revoked = new Set<string>()
    api.setDefault((req, res) => {
      const token = String(req.headers.authorization)
      Server.json(revoked.has(token) ? 401 : 200, [])(req, res, "")
    })
    const fetches = { n: 0 }
    const client = Client.make<paths>({ provider: "p", baseUrl: api.url, auth: lifecyclePlugin(fetches) })
    for (let call = 1; call <= 6; call++) {
      revoked.add(`Bearer t${fetches.n === 0 ? 1 : fetches.n}`)
      const { response } = await client.GET("/pets")
      assert.strictEqual(response.status, 200)
    }
    assert.strictEqual(fetches.n, 7)
    await client.close()
  })
})

describe("redirects to another origin are refused by default", () => {
  // Until 0.2 redirects were never followed (the 302 was handed back). Now same-origin redirects
  // are followed (see Redirect.test.ts) and one to another origin is refused by default: still
  // nothing, and no credential, goes there.
  it("a 302 to another origin is OriginRefused; nothing (and no credential) goes there", async () => {
    const auth = counting()
    api.setDefault((_req, res) => {
      res.writeHead(302, { location: `${other.url}/steal` })
      res.end()
    })
    const client = Client.make<paths>({ provider: "p", baseUrl: api.url, auth: auth.layer })
    const error = await client.GET("/pets").catch((e: unknown) => e)
    assert.strictEqual((error as { _tag: string })._tag, "OriginRefused")
    assert.strictEqual(other.seen.length, 0)
    await client.close()
  })
})
