/**
 * The openapi-fetch surface of a Keyway client (README, "Coming from openapi-fetch"): client-level
 * middleware, serializers, `request`, the path-based client, `Request` and `fetch` options,
 * cancellation, `statusText`. Written for Keyway: every test also checks what Keyway adds
 * underneath (credentials, correlation id, retries) where that is the point.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer } from "effect"
import createClient, { type Middleware } from "openapi-fetch"
import { afterEach, beforeEach } from "vitest"
import { Auth, Client, Http } from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"
import * as Server from "./fixtures/Server.ts"

const bearer = (token: string) =>
  Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "static",
      authenticate: (request) => Effect.succeed(Http.setHeader(request, "authorization", `Bearer ${token}`)),
    }),
  )

let server: Server.TestServer
let client: Client.Client<paths>
const options = (more: Partial<Client.Options> = {}): Client.Options => ({
  provider: "petstore",
  baseUrl: server.url,
  auth: bearer("t0ken"),
  correlation: { header: "X-Correlation-id" },
  retry: { baseDelayMs: 1, maxDelayMs: 5 },
  ...more,
})
beforeEach(async () => {
  server = await Server.start(Server.json(200, [{ id: 1, name: "Rex" }]))
  client = Client.make<paths>(options())
})
afterEach(async () => {
  await client.close()
  await server.close()
})

/** A handler that never answers, and a promise that resolves once it has the request. */
const hanging = () => {
  let arrived!: () => void
  const seen = new Promise<void>((resolve) => {
    arrived = resolve
  })
  const handler: Server.Handler = () => arrived()
  return { handler, seen }
}

describe("client.use / client.eject", () => {
  it("runs onRequest in registration order and onResponse in reverse", async () => {
    const order: Array<string> = []
    const step = (name: string): Middleware => ({
      onRequest: ({ request }) => {
        order.push(`request ${name}`)
        request.headers.set("x-step", name)
        return request
      },
      onResponse: () => {
        order.push(`response ${name}`)
      },
    })
    client.use(step("a"), step("b"))
    await client.GET("/pets", { middleware: [step("call")] })
    assert.deepStrictEqual(order, [
      "request a",
      "request b",
      "request call",
      "response call",
      "response b",
      "response a",
    ])
    assert.strictEqual(server.seen[0]!.headers["x-step"], "call")
  })

  it("gives the hooks the schema path, params, options and one id per call", async () => {
    const seen: Array<{ schemaPath: string; params: unknown; baseUrl: string; id: string }> = []
    const ids: Array<string> = []
    client.use({
      onRequest: ({ schemaPath, params, options, id }) => {
        seen.push({ schemaPath, params, baseUrl: options.baseUrl, id })
      },
      onResponse: ({ id }) => {
        ids.push(id)
      },
    })
    await client.GET("/pets/{petId}", { params: { path: { petId: "7" } } })
    await client.GET("/pets/{petId}", { params: { path: { petId: "8" } } })
    assert.strictEqual(seen[0]!.schemaPath, "/pets/{petId}")
    assert.deepStrictEqual(seen[0]!.params, { path: { petId: "7" } })
    assert.strictEqual(seen[0]!.baseUrl, server.url)
    assert.deepStrictEqual(ids, [seen[0]!.id, seen[1]!.id])
    assert.notStrictEqual(seen[0]!.id, seen[1]!.id)
  })

  it("eject removes a middleware; use refuses an object without a hook", async () => {
    let calls = 0
    const counting: Middleware = {
      onRequest: () => {
        calls++
      },
    }
    client.use(counting)
    await client.GET("/pets")
    client.eject(counting)
    await client.GET("/pets")
    assert.strictEqual(calls, 1)
    assert.throws(() => client.use({} as Middleware), /Middleware must be an object/)
  })

  it("the Request a middleware sees is the one openapi-fetch builds for the same call", async () => {
    const seen = (into: Array<Request>): Middleware => ({
      onRequest: ({ request }) => {
        into.push(request)
        return new Response("[]", { headers: { "content-type": "application/json" } })
      },
    })
    const ours: Array<Request> = []
    const theirs: Array<Request> = []
    client.use(seen(ours))
    const reference = createClient<paths>({ baseUrl: server.url, headers: { "x-client": "1" } })
    reference.use(seen(theirs))
    const keyway = Client.make<paths>(options({ headers: { "x-client": "1" } } as Partial<Client.Options>))
    keyway.use(seen(ours))
    for (const c of [keyway, reference] as const) {
      await c.GET("/pets", { params: { query: { limit: 2 } }, headers: { "x-call": "a" } })
      await c.POST("/pets", { body: { name: "Rex" } })
      await c.POST("/pets", {
        body: { name: "Rex" },
        headers: { "content-type": "application/merge-patch+json" },
      })
      await c.POST("/pets", { body: "raw" as never, bodySerializer: (b: unknown) => String(b) })
    }
    await keyway.close()
    const view = async (r: Request) => ({
      method: r.method,
      url: r.url,
      redirect: r.redirect,
      headers: [...r.headers].filter(([name]) => name !== "x-correlation-id"),
      body: await r.text(),
    })
    assert.strictEqual(ours.length, 4)
    assert.deepStrictEqual(await Promise.all(ours.map(view)), await Promise.all(theirs.map(view)))
  })

  it("a middleware used or ejected during a call changes the calls after it, not that call", async () => {
    const order: Array<string> = []
    const late: Middleware = {
      onRequest: () => {
        order.push("late")
      },
    }
    const first: Middleware = {
      onRequest: () => {
        order.push("first")
        client.use(late)
        client.eject(first)
      },
    }
    client.use(first)
    await client.GET("/pets")
    await client.GET("/pets")
    assert.deepStrictEqual(order, ["first", "late"])
    // As openapi-fetch: the entries before a refused one stay registered.
    const kept: Middleware = { onRequest: () => void order.push("kept") }
    assert.throws(() => client.use(kept, {} as Middleware), /Middleware must be an object/)
    await client.GET("/pets")
    assert.deepStrictEqual(order, ["first", "late", "late", "kept"])
  })

  it("an onRequest that answers with a Response sends nothing", async () => {
    client.use({ onRequest: () => Response.json([{ id: 9, name: "Cached" }]) })
    const { data } = await client.GET("/pets")
    assert.deepStrictEqual(data, [{ id: 9, name: "Cached" }])
    assert.strictEqual(server.seen.length, 0)
  })

  it("an onResponse may replace the response", async () => {
    client.use({
      onResponse: async ({ response }) => {
        const pets = (await response.json()) as Array<{ name: string }>
        return Response.json(
          pets.map((p) => ({ ...p, name: p.name.toUpperCase() })),
          { status: 200 },
        )
      },
    })
    const { data } = await client.GET("/pets")
    assert.deepStrictEqual(data, [{ id: 1, name: "REX" }])
  })

  it("runs once per logical call, above retries: onResponse sees the final answer", async () => {
    let requests = 0
    const statuses: Array<number> = []
    client.use({
      onRequest: () => {
        requests++
      },
      onResponse: ({ response }) => {
        statuses.push(response.status)
      },
    })
    server.queue.push(Server.json(503, { error: "busy" }, { "retry-after": "0" }))
    const { data } = await client.GET("/pets")
    assert.deepStrictEqual(data, [{ id: 1, name: "Rex" }])
    assert.strictEqual(server.seen.length, 2)
    assert.strictEqual(requests, 1)
    assert.deepStrictEqual(statuses, [200])
  })

  it("runs once per logical call, above a token refresh; never sees the credential", async () => {
    let token = "old"
    const refreshing = Layer.succeed(
      Auth.Auth,
      Auth.make({
        name: "refreshing",
        authenticate: (request) =>
          Effect.sync(() => Http.setHeader(request, "authorization", `Bearer ${token}`)),
        onUnauthorized: () =>
          Effect.sync(() => {
            token = "new"
            return "retry" as const
          }),
      }),
    )
    const c = Client.make<paths>(options({ auth: refreshing }))
    const authorizations: Array<string | null> = []
    const statuses: Array<number> = []
    c.use({
      onRequest: ({ request }) => {
        authorizations.push(request.headers.get("authorization"))
      },
      onResponse: ({ response }) => {
        statuses.push(response.status)
      },
    })
    server.queue.push(Server.json(401, { error: "expired" }))
    const { response } = await c.GET("/pets")
    await c.close()
    assert.strictEqual(response.status, 200)
    assert.deepStrictEqual(
      server.seen.map((s) => s.headers.authorization),
      ["Bearer old", "Bearer new"],
    )
    assert.deepStrictEqual(authorizations, [null])
    assert.deepStrictEqual(statuses, [200])
  })

  it("onError sees Keyway's tagged errors and may recover with a Response", async () => {
    server.setDefault((_req, res) => res.socket?.destroy())
    const errors: Array<unknown> = []
    client.use({
      onError: ({ error }) => {
        errors.push(error)
        return Response.json([{ id: 0, name: "Fallback" }])
      },
    })
    const { data } = await client.GET("/pets", { keyway: { retry: { maxAttempts: 1 } } })
    assert.deepStrictEqual(data, [{ id: 0, name: "Fallback" }])
    assert.strictEqual(errors.length, 1)
    assert.strictEqual((errors[0] as { _tag: string })._tag, "NetworkError")
  })

  it("onError may replace the error; the call rejects with it", async () => {
    server.setDefault((_req, res) => res.socket?.destroy())
    client.use({ onError: ({ error }) => new Error(`wrapped ${(error as { _tag: string })._tag}`) })
    const error = await client.GET("/pets", { keyway: { retry: { maxAttempts: 1 } } }).catch((e) => e)
    assert.strictEqual(error.message, "wrapped NetworkError")
  })

  it("a correlation id header a middleware sets becomes the call's", async () => {
    client.use({
      onRequest: ({ request }) => {
        request.headers.set("X-Correlation-id", "from-middleware")
      },
    })
    const { response } = await client.GET("/pets")
    assert.strictEqual(server.seen[0]!.headers["x-correlation-id"], "from-middleware")
    assert.strictEqual(Client.callInfo(response)?.correlationId, "from-middleware")
  })

  it("a request a middleware points at another origin is refused before credentials are written", async () => {
    const other = await Server.start()
    client.use({ onRequest: ({ request }) => new Request(`${other.url}/pets`, request) })
    const error = await client.GET("/pets").catch((e) => e)
    await other.close()
    assert.strictEqual(error._tag, "OriginRefused")
    assert.strictEqual(other.seen.length, 0)
  })
})

describe("serializers and defaults given to make", () => {
  it("querySerializer options apply to every call; a call's options are laid over them", async () => {
    const c = Client.make<paths>(options({ querySerializer: { array: { style: "form", explode: false } } }))
    await c.GET("/search", { params: { query: { tags: ["1", "2", "3"] } } })
    await c.GET("/search", {
      params: { query: { tags: ["a", "b"], filter: { kind: "dog" } } },
      querySerializer: { object: { style: "form", explode: true } },
    })
    await c.close()
    assert.strictEqual(server.seen[0]!.url, "/search?tags=1,2,3")
    assert.strictEqual(server.seen[1]!.url, "/search?tags=a,b&kind=dog")
  })

  it("a querySerializer function replaces the default", async () => {
    const c = Client.make<paths>(
      options({
        querySerializer: (q) =>
          Object.entries(q)
            .map(([k, v]) => `${k}~${String(v)}`)
            .join(";"),
      }),
    )
    await c.GET("/pets", { params: { query: { limit: 2 } } })
    await c.close()
    assert.strictEqual(server.seen[0]!.url, "/pets?limit~2")
  })

  it("bodySerializer and pathSerializer apply to every call; a call's own win", async () => {
    const c = Client.make<paths>(
      options({
        bodySerializer: (body) => `client:${(body as unknown as { name: string }).name}`,
        pathSerializer: (path, params) => path.replace("{petId}", `pet-${String(params.petId)}`),
      }),
    )
    server.setDefault(Server.json(201, { id: 1, name: "x" }))
    await c.POST("/pets", { body: { name: "Rex" } })
    await c.POST("/pets", { body: { name: "Rex" }, bodySerializer: (body) => `call:${body.name}` })
    await c.GET("/pets/{petId}", { params: { path: { petId: "7" } } })
    await c.close()
    assert.strictEqual(server.seen[0]!.body, "client:Rex")
    assert.strictEqual(server.seen[1]!.body, "call:Rex")
    assert.strictEqual(server.seen[2]!.url, "/pets/pet-7")
    assert.strictEqual(server.seen[0]!.headers["content-type"], "application/json")
  })

  it("a call's headers override the client's, null removes one", async () => {
    const c = Client.make<paths>(options({ headers: { "x-app": "keyway", "x-drop": "me" } }))
    await c.GET("/pets", { headers: { "x-app": "call", "x-drop": null } })
    await c.close()
    assert.strictEqual(server.seen[0]!.headers["x-app"], "call")
    assert.isUndefined(server.seen[0]!.headers["x-drop"])
  })

  it("the client's headers as openapi-fetch takes them: numbers, arrays, null leaves the default content type out", async () => {
    const c = Client.make<paths>(
      options({ headers: { "x-version": 2, "x-tags": ["a", "b"], "content-type": null } }),
    )
    server.setDefault(Server.json(201, { id: 1, name: "x" }))
    await c.POST("/pets", { body: { name: "Rex" }, bodySerializer: (body) => body.name })
    await c.close()
    assert.strictEqual(server.seen[0]!.headers["x-version"], "2")
    assert.strictEqual(server.seen[0]!.headers["x-tags"], "a, b")
    assert.notStrictEqual(server.seen[0]!.headers["content-type"], "application/json")
  })

  it("a call's baseUrl is used when its origin is trusted, refused otherwise", async () => {
    const other = await Server.start(Server.json(200, [{ id: 2, name: "Other" }]))
    const c = Client.make<paths>(options({ origins: [other.url] }))
    const { data } = await c.GET("/pets", { baseUrl: `${other.url}/` })
    assert.deepStrictEqual(data, [{ id: 2, name: "Other" }])
    assert.strictEqual(other.seen[0]!.headers.authorization, "Bearer t0ken")
    const refused = await client.GET("/pets", { baseUrl: other.url }).catch((e) => e)
    await c.close()
    await other.close()
    assert.strictEqual(refused._tag, "OriginRefused")
    assert.strictEqual(other.seen.length, 1)
  })
})

describe("request, TRACE, the path-based client", () => {
  it("client.request(method, path, init) is client[METHOD](path, init)", async () => {
    server.setDefault(Server.json(201, { id: 2, name: "Fido" }))
    const { data } = await client.request("post", "/pets", { body: { name: "Fido" } })
    assert.deepStrictEqual(data, { id: 2, name: "Fido" })
    assert.strictEqual(server.seen[0]!.method, "POST")
    assert.strictEqual(server.seen[0]!.headers.authorization, "Bearer t0ken")
  })

  it("TRACE is a method too", async () => {
    server.setDefault((req, res) => {
      res.writeHead(200, { "content-type": "message/http" })
      res.end(`${req.method} ${req.url}`)
    })
    const { data } = await client.TRACE("/search", { parseAs: "text" })
    assert.strictEqual(data, "TRACE /search")
  })

  it("makePathBased: client[path].METHOD(init), closed like any client", async () => {
    const pets = Client.makePathBased<paths>(options())
    server.setDefault(Server.json(200, { id: 7, name: "Rex" }))
    const { data } = await pets["/pets/{petId}"].GET({ params: { path: { petId: "7" } } })
    assert.deepStrictEqual(data, { id: 7, name: "Rex" })
    assert.strictEqual(server.seen[0]!.url, "/pets/7")
    assert.strictEqual(server.seen[0]!.headers.authorization, "Bearer t0ken")
    await pets.close()
  })

  it("wrapAsPathBased shares the client's middleware", async () => {
    const seen: Array<string> = []
    client.use({
      onRequest: ({ schemaPath }) => {
        seen.push(schemaPath)
      },
    })
    const pets = Client.wrapAsPathBased(client)
    await pets["/pets"].GET()
    assert.deepStrictEqual(seen, ["/pets"])
  })
})

describe("Request and fetch options", () => {
  it("a fetch given to make is the transport beneath Keyway: credentials, correlation id, retries", async () => {
    const sent: Array<Request> = []
    const c = Client.make<paths>(
      options({
        fetch: (request: Request) => {
          sent.push(request)
          return globalThis.fetch(request)
        },
      }),
    )
    server.queue.push(Server.json(503, { error: "busy" }, { "retry-after": "0" }))
    const { data } = await c.GET("/pets")
    await c.close()
    assert.deepStrictEqual(data, [{ id: 1, name: "Rex" }])
    assert.strictEqual(sent.length, 2)
    assert.strictEqual(sent[0]!.headers.get("authorization"), "Bearer t0ken")
    assert.match(sent[0]!.headers.get("x-correlation-id") ?? "", /^[0-9a-f-]{36}$/)
    assert.strictEqual(sent[0]!.headers.get("x-correlation-id"), sent[1]!.headers.get("x-correlation-id"))
  })

  it("a fetch given per call is used for that call only", async () => {
    let used = 0
    const fetch = (request: Request) => {
      used++
      return globalThis.fetch(request)
    }
    await client.GET("/pets", { fetch })
    await client.GET("/pets")
    assert.strictEqual(used, 1)
    assert.strictEqual(server.seen.length, 2)
    assert.strictEqual(server.seen[0]!.headers.authorization, "Bearer t0ken")
  })

  it("a call's Request class is what the client's fetch receives for that call", async () => {
    class CallRequest extends Request {}
    const classes: Array<boolean> = []
    const c = Client.make<paths>(
      options({
        fetch: (request: Request) => {
          classes.push(request instanceof CallRequest)
          return globalThis.fetch(request)
        },
      }),
    )
    await c.GET("/pets", { Request: CallRequest })
    await c.GET("/pets")
    await c.close()
    assert.deepStrictEqual(classes, [true, false])
  })

  it("no Request is built for a call without middleware or fetch; one per call with a middleware", async () => {
    let built = 0
    class CountingRequest extends Request {
      constructor(...args: ConstructorParameters<typeof Request>) {
        super(...args)
        built++
      }
    }
    const c = Client.make<paths>(options({ Request: CountingRequest }))
    await c.GET("/pets")
    await c.POST("/pets", { body: { name: "Rex" } })
    assert.strictEqual(built, 0)
    c.use({ onRequest: ({ request }) => request })
    server.queue.push(Server.json(503, { error: "busy" }, { "retry-after": "0" }))
    await c.GET("/pets")
    await c.close()
    assert.strictEqual(built, 1, "one Request for the call, none for its retry")
    assert.strictEqual(server.seen.length, 4)
  })

  it("the Request class given to make is what middleware and fetch receive, with the init's own properties", async () => {
    class TracedRequest extends Request {}
    const seen: Array<string> = []
    const c = Client.make<paths>(
      options({
        Request: TracedRequest,
        fetch: (request: Request) => {
          seen.push(
            `fetch ${request instanceof TracedRequest} ${(request as never as { tenant: string }).tenant}`,
          )
          return globalThis.fetch(request)
        },
      }),
    )
    c.use({
      onRequest: ({ request }) => {
        seen.push(
          `middleware ${request instanceof TracedRequest} ${(request as never as { tenant: string }).tenant}`,
        )
      },
    })
    await c.GET("/pets", { tenant: "t-1" })
    await c.close()
    assert.deepStrictEqual(seen, ["middleware true t-1", "fetch true t-1"])
  })
})

describe("cancellation", () => {
  it("an aborted call rejects with a DOMException named AbortError", async () => {
    const { handler, seen } = hanging()
    server.setDefault(handler)
    const controller = new AbortController()
    const call = client.GET("/pets", { signal: controller.signal })
    await seen
    controller.abort()
    const error = await call.catch((e) => e)
    assert.instanceOf(error, DOMException)
    assert.strictEqual(error.name, "AbortError")
  })

  it("an already aborted signal rejects at once with its reason; nothing is sent", async () => {
    const controller = new AbortController()
    const reason = new Error("user left")
    controller.abort(reason)
    const error = await client.GET("/pets", { signal: controller.signal }).catch((e) => e)
    assert.strictEqual(error, reason)
    assert.strictEqual(server.seen.length, 0)
  })

  it("onError sees the AbortError", async () => {
    const { handler, seen } = hanging()
    server.setDefault(handler)
    const errors: Array<string> = []
    client.use({
      onError: ({ error }) => {
        errors.push((error as Error).name)
      },
    })
    const controller = new AbortController()
    const call = client.GET("/pets", { signal: controller.signal })
    await seen
    controller.abort()
    const error = await call.catch((e) => e)
    assert.strictEqual(error.name, "AbortError")
    assert.deepStrictEqual(errors, ["AbortError"])
  })

  it.live("Effect callers see interruption, from the fiber or from the call's signal", () =>
    Effect.gen(function* () {
      const api = yield* Client.makeEffect<paths>({ provider: "petstore", baseUrl: server.url })
      const first = hanging()
      server.setDefault(first.handler)
      const fiber = yield* Effect.forkChild(api.GET("/pets"))
      yield* Effect.promise(() => first.seen)
      yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(fiber)))
      const second = hanging()
      server.setDefault(second.handler)
      const controller = new AbortController()
      const aborted = yield* Effect.forkChild(Effect.exit(api.GET("/pets", { signal: controller.signal })))
      yield* Effect.promise(() => second.seen)
      controller.abort()
      const exit = yield* Fiber.join(aborted)
      assert.isTrue(Exit.hasInterrupts(exit))
    }).pipe(Effect.provide(bearer("abc")), Effect.scoped),
  )
})

describe("responses", () => {
  it("passes the status text through", async () => {
    server.setDefault((_req, res) => {
      res.writeHead(418, "Short and Stout", { "content-type": "application/json" })
      res.end(JSON.stringify({ error: "teapot" }))
    })
    const { error, response } = await client.GET("/pets")
    assert.deepStrictEqual(error, { error: "teapot" })
    assert.strictEqual(response.statusText, "Short and Stout")
  })
})

describe("redirects", () => {
  const redirect =
    (status: number, location: string): Server.Handler =>
    (_req, res) => {
      res.writeHead(status, { location })
      res.end()
    }

  it("a same-origin redirect is followed, the credential written again", async () => {
    server.queue.push(redirect(302, "/pets/7"))
    server.setDefault(Server.json(200, { id: 7, name: "Rex" }))
    const { data } = await client.GET("/pets")
    assert.deepStrictEqual(data as unknown, { id: 7, name: "Rex" })
    assert.deepStrictEqual(
      server.seen.map((s) => [s.url, s.headers.authorization]),
      [
        ["/pets", "Bearer t0ken"],
        ["/pets/7", "Bearer t0ken"],
      ],
    )
  })

  it("a redirect to another origin is refused by default, followed without credentials when allowed", async () => {
    const other = await Server.start(Server.json(200, [{ id: 3, name: "Elsewhere" }]))
    server.setDefault(redirect(307, `${other.url}/pets`))
    const refused = await client.GET("/pets").catch((e) => e)
    assert.strictEqual(refused._tag, "OriginRefused")
    assert.strictEqual(other.seen.length, 0)
    const c = Client.make<paths>(options({ redirects: { crossOrigin: "follow-without-credentials" } }))
    const { data } = await c.GET("/pets")
    await c.close()
    await other.close()
    assert.deepStrictEqual(data, [{ id: 3, name: "Elsewhere" }])
    assert.isUndefined(other.seen[0]!.headers.authorization)
  })

  it('fetch\'s redirect: "manual" gives the 3xx; "error" rejects', async () => {
    server.setDefault(redirect(302, "/pets/7"))
    const { response } = await client.GET("/pets", { redirect: "manual" })
    assert.strictEqual(response.status, 302)
    assert.strictEqual(response.headers.get("location"), "/pets/7")
    const error = await client.GET("/pets", { redirect: "error" }).catch((e) => e)
    assert.strictEqual(error._tag, "TooManyRedirects")
    assert.strictEqual(server.seen.length, 2)
  })

  it("middleware sees the call once, and the final response of its redirects", async () => {
    const seen: Array<string> = []
    client.use({
      onRequest: ({ request }) => {
        seen.push(`request ${new URL(request.url).pathname}`)
      },
      onResponse: ({ response }) => {
        seen.push(`response ${response.status}`)
      },
    })
    server.queue.push(redirect(301, "/pets/7"))
    server.setDefault(Server.json(200, { id: 7, name: "Rex" }))
    await client.GET("/pets")
    assert.deepStrictEqual(seen, ["request /pets", "response 200"])
  })
})

describe("a body openapi-fetch cannot parse, after middleware", () => {
  it("is a typed UnexpectedResponse naming the call", async () => {
    server.setDefault((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.end("<html>")
    })
    client.use({ onResponse: ({ response }) => response })
    const error = await client.GET("/pets", { keyway: { correlationId: "odd-2" } }).catch((e) => e)
    assert.strictEqual(error._tag, "UnexpectedResponse")
    assert.strictEqual(error.correlationId, "odd-2")
  })
})

describe("the Effect API", () => {
  it.live("takes openapi-fetch's options too: fetch as the transport, the client's serializers", () =>
    Effect.gen(function* () {
      const sent: Array<string | null> = []
      const api = yield* Client.makeEffect<paths>({
        provider: "petstore",
        baseUrl: server.url,
        querySerializer: { array: { style: "pipeDelimited", explode: false } },
        fetch: (request) => {
          sent.push(request.headers.get("authorization"))
          return globalThis.fetch(request)
        },
      })
      yield* api.GET("/search", { params: { query: { tags: ["a", "b"] } } })
      assert.deepStrictEqual(sent, ["Bearer abc"])
      assert.strictEqual(server.seen[0]!.url, "/search?tags=a|b")
    }).pipe(Effect.provide(bearer("abc")), Effect.scoped),
  )

  it.live("runs a call's own middleware; a non-2xx it leaves is an HttpError", () =>
    Effect.gen(function* () {
      const api = yield* Client.makeEffect<paths, { error: string }>({
        provider: "petstore",
        baseUrl: server.url,
      })
      const seen: Array<string> = []
      const middleware: Array<Middleware> = [
        {
          onRequest: ({ request }) => {
            seen.push(request.method)
            request.headers.set("x-from", "effect")
          },
        },
      ]
      const pets = yield* api.GET("/pets", { middleware })
      assert.deepStrictEqual(pets, [{ id: 1, name: "Rex" }])
      assert.strictEqual(server.seen[0]!.headers["x-from"], "effect")
      assert.strictEqual(server.seen[0]!.headers.authorization, "Bearer abc")
      server.setDefault(Server.json(404, { error: "Not found" }))
      const error = yield* Effect.flip(
        api.GET("/pets/{petId}", { params: { path: { petId: "1" } }, middleware }),
      )
      assert.strictEqual(error._tag, "HttpError")
      if (error._tag === "HttpError") {
        assert.strictEqual(error.status, 404)
        assert.deepStrictEqual(error.body, { error: "Not found" })
        assert.strictEqual(error.correlationId, server.seen[1]!.headers["x-correlation-id"])
      }
      assert.deepStrictEqual(seen, ["GET", "GET"])
    }).pipe(Effect.provide(bearer("abc")), Effect.scoped),
  )
})
