import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { afterEach, beforeEach } from "vitest"
import { Auth, Client, Http, Pagination, type TokenStore } from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"
import * as Server from "./fixtures/Server.ts"

interface Options extends Client.ProviderOptions {
  readonly token: string
}

const bearer = (token: string): Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore> =>
  Layer.succeed(
    Auth.Auth,
    Auth.make({
      name: "static",
      authenticate: (request) => Effect.succeed(Http.setHeader(request, "authorization", `Bearer ${token}`)),
    }),
  )

const operationList: Client.OperationList = [
  ["listPets", "GET", "/pets"],
  ["getPet", "GET", "/pets/{petId}"],
]

interface Operations {
  readonly listPets: Client.PromiseOperation<paths, "/pets", "get">
  readonly getPet: Client.PromiseOperation<paths, "/pets/{petId}", "get">
}
interface EffectOperations {
  readonly listPets: Client.EffectOperation<paths, "/pets", "get", { error: string }>
  readonly getPet: Client.EffectOperation<paths, "/pets/{petId}", "get", { error: string }>
}

let server: Server.TestServer
let petstore: Client.Provider<paths, { error: string }, Options>
const resolved: Array<Options> = []
beforeEach(async () => {
  server = await Server.start(Server.json(200, [{ id: 1, name: "Rex" }]))
  resolved.length = 0
  petstore = Client.defineProvider<paths, { error: string }>()({
    provider: "petstore",
    operations: { "GET /pets": { operationId: "listPets", scopes: ["pets.read"] } },
    retry: { maxAttempts: 1 },
    correlation: { header: "X-Request-Id" },
    headers: { "X-Api-Version": "2", Accept: "application/json" },
    resolveSettings: (options) => {
      resolved.push(options)
      return { baseUrl: options.baseUrl ?? `${server.url}/v1` }
    },
    authLayer: (options) => bearer(options.token),
  })
})
afterEach(async () => {
  await server.close()
})

describe("Client.bindOperations", () => {
  it("binds one function per operation: op.name(init) is client.METHOD(path, init)", async () => {
    const client = Client.make<paths>({ provider: "p", baseUrl: server.url, auth: Auth.layerNone })
    const op = Client.bindOperations(client, operationList) as unknown as Operations
    assert.deepStrictEqual(Object.keys(op), ["listPets", "getPet"])
    const { data } = await op.listPets({ params: { query: { limit: 3 } } })
    assert.deepStrictEqual(data, [{ id: 1, name: "Rex" }])
    await op.getPet({ params: { path: { petId: "7" } } })
    assert.deepStrictEqual(
      server.seen.map((s) => `${s.method} ${s.url}`),
      ["GET /pets?limit=3", "GET /pets/7"],
    )
    await client.close()
  })
})

describe("Pagination.bind", () => {
  it("binds one iterator per paged operation (Pagination.iterate)", async () => {
    server.setDefault((req, res, body) => {
      const offset = new URL(req.url!, server.url).searchParams.get("offset")
      const items = offset === "0" ? [{ id: 1 }, { id: 2 }] : offset === "2" ? [{ id: 3 }] : []
      Server.json(200, { items })(req, res, body)
    })
    const client = Client.make<any>({ provider: "p", baseUrl: server.url, auth: Auth.layerNone })
    const paginate = Pagination.bind(client, [
      ["listThings", "GET", "/things", { style: "offset", items: "items", limitParam: "limit", pageSize: 2 }],
    ])
    assert.deepStrictEqual(Object.keys(paginate), ["listThings"])
    const all = await Array.fromAsync(paginate.listThings!())
    assert.deepStrictEqual(all, [{ id: 1 }, { id: 2 }, { id: 3 }])
    assert.deepStrictEqual(
      server.seen.map((s) => s.url),
      ["/things?limit=2&offset=0", "/things?limit=2&offset=2"],
    )
    await client.close()
  })
})

describe("Client.defineProvider", () => {
  it("make: settings, auth, the descriptor's headers and correlation header, and the extension", async () => {
    const client = petstore.make(
      { token: "t0ken", headers: { "X-Api-Version": "3", "X-Tenant": "acme" } },
      (client) => ({ op: Client.bindOperations(client, operationList) as unknown as Operations, extra: 42 }),
    )
    assert.strictEqual(client.extra, 42)
    const { data } = await client.op.listPets()
    assert.deepStrictEqual(data, [{ id: 1, name: "Rex" }])
    const seen = server.seen[0]!
    assert.strictEqual(seen.url, "/v1/pets")
    assert.strictEqual(seen.headers.authorization, "Bearer t0ken")
    assert.strictEqual(seen.headers["x-api-version"], "3")
    assert.strictEqual(seen.headers["x-tenant"], "acme")
    assert.strictEqual(seen.headers.accept, "application/json")
    assert.match(seen.headers["x-request-id"] as string, /^[0-9a-f-]{36}$/)
    assert.strictEqual(resolved.length, 1)
    await client.close()
  })

  it("make: the options' retry lies over the descriptor's, the options' correlation replaces it", async () => {
    server.queue.push(Server.json(503, { error: "busy" }, { "retry-after": "0" }))
    const once = petstore.make({ token: "t" })
    const failed = await once.GET("/pets")
    assert.strictEqual(failed.response.status, 503)
    assert.strictEqual(server.seen.length, 1)
    await once.close()

    server.queue.push(Server.json(503, { error: "busy" }, { "retry-after": "0" }))
    const twice = petstore.make({
      token: "t",
      baseUrl: server.url,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      correlation: { header: "X-Trace" },
    })
    const { data } = await twice.GET("/pets")
    assert.deepStrictEqual(data, [{ id: 1, name: "Rex" }])
    assert.deepStrictEqual(
      server.seen.slice(1).map((s) => s.url),
      ["/pets", "/pets"],
    )
    assert.isDefined(server.seen[1]!.headers["x-trace"])
    assert.isUndefined(server.seen[1]!.headers["x-request-id"])
    await twice.close()
  })

  it("make: openapi-fetch's options and surface (serializers, fetch, use, request) on a provider's client", async () => {
    const fetched: Array<string> = []
    const client = petstore.make({
      token: "t0ken",
      querySerializer: { array: { style: "form", explode: false } },
      fetch: (request) => {
        fetched.push(request.headers.get("authorization") ?? "")
        return globalThis.fetch(request)
      },
    })
    const seen: Array<string> = []
    client.use({
      onRequest: ({ schemaPath }) => {
        seen.push(schemaPath)
      },
    })
    await client.request("get", "/search", { params: { query: { tags: ["a", "b"] } } })
    await client.close()
    assert.strictEqual(server.seen[0]!.url, "/v1/search?tags=a,b")
    assert.deepStrictEqual(fetched, ["Bearer t0ken"])
    assert.deepStrictEqual(seen, ["/search"])
  })

  it.live("layer: the Effect API as a service, with auth, headers, correlation and the extension", () => {
    class Pets extends Context.Service<
      Pets,
      Client.EffectClient<paths, { error: string }> & { readonly op: EffectOperations }
    >()("Pets") {}
    return Effect.gen(function* () {
      const pets = yield* Pets
      const list = yield* pets.op.listPets()
      assert.deepStrictEqual(list, [{ id: 1, name: "Rex" }])
      server.setDefault(Server.json(404, { error: "Not found" }))
      const error = yield* Effect.flip(pets.op.getPet({ params: { path: { petId: "9" } } }))
      assert.strictEqual(error._tag, "HttpError")
      if (error._tag === "HttpError") assert.deepStrictEqual(error.body, { error: "Not found" })
      const seen = server.seen[0]!
      assert.strictEqual(seen.url, "/v1/pets")
      assert.strictEqual(seen.headers.authorization, "Bearer eff3ct")
      assert.strictEqual(seen.headers["x-api-version"], "2")
      assert.isDefined(seen.headers["x-request-id"])
    }).pipe(
      Effect.provide(
        petstore.layer(Pets, { token: "eff3ct" }, (client) => ({
          op: Client.bindOperations(client, operationList) as unknown as EffectOperations,
        })),
      ),
    )
  })
})

describe("Client.checkRequiredHeaders", () => {
  const definition = { provider: "acme", requiredHeaders: ["X-Tenant-Id", "X-Region"] }

  it("accepts the headers in any case; an empty value or a missing one throws, naming it", () => {
    assert.doesNotThrow(() =>
      Client.checkRequiredHeaders(definition, { headers: { "x-tenant-id": "t1", "X-REGION": "eu" } }),
    )
    assert.throws(
      () => Client.checkRequiredHeaders(definition, { headers: { "X-Tenant-Id": "", "X-Region": "eu" } }),
      /acme: options.headers must set X-Tenant-Id: every operation requires it/,
    )
    assert.throws(
      () => Client.checkRequiredHeaders(definition, {}),
      /acme: options.headers must set X-Tenant-Id, X-Region: every operation requires them/,
    )
    assert.doesNotThrow(() => Client.checkRequiredHeaders({ provider: "acme" }, {}))
  })
})
