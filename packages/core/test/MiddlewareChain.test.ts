/**
 * A chain of `onRequest` hooks only (the common case) runs without an async frame of its own:
 * it must still behave as openapi-fetch's chain (async hooks, a replaced request, a hook that
 * throws or returns what it may not rejects the call, nothing sent).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { afterEach, beforeEach } from "vitest"
import { Auth, Client, Http } from "../src/index.ts"
import type { paths } from "./fixtures/petstore.ts"
import * as Server from "./fixtures/Server.ts"

const bearer = Layer.succeed(
  Auth.Auth,
  Auth.make({
    name: "static",
    authenticate: (request) => Effect.succeed(Http.setHeader(request, "authorization", "Bearer t0ken")),
  }),
)

let server: Server.TestServer
const clients: Array<Client.Client<paths>> = []
const make = () => {
  const client = Client.make<paths>({ provider: "petstore", baseUrl: server.url, auth: bearer })
  clients.push(client)
  return client
}
beforeEach(async () => {
  server = await Server.start(Server.json(200, [{ id: 1, name: "Rex" }]))
})
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close()
  await server.close()
})

describe("onRequest-only middleware chains", () => {
  it("async hooks and a new Request apply in order; credentials are added beneath", async () => {
    const client = make()
    client.use(
      { onRequest: async ({ request }) => new Request(request, { headers: { "x-async": "1" } }) },
      {
        onRequest: ({ request }) => {
          request.headers.set("x-sync", "2")
        },
      },
    )
    const { data } = await client.GET("/pets")
    assert.deepStrictEqual(data, [{ id: 1, name: "Rex" }])
    assert.strictEqual(server.seen[0]!.headers["x-async"], "1")
    assert.strictEqual(server.seen[0]!.headers["x-sync"], "2")
    assert.strictEqual(server.seen[0]!.headers.authorization, "Bearer t0ken")
  })

  it("a hook that throws, or returns what it may not, rejects the call and nothing is sent", async () => {
    const throwing = make()
    throwing.use({
      onRequest: () => {
        throw new Error("hook failed")
      },
    })
    const thrown = throwing.GET("/pets")
    assert.instanceOf(thrown, Promise, "a throwing hook rejects, it does not throw")
    await thrown.then(
      () => assert.fail("resolved"),
      (error: Error) => assert.strictEqual(error.message, "hook failed"),
    )
    const wrong = make()
    wrong.use({ onRequest: () => 42 as unknown as Request })
    await wrong.GET("/pets").then(
      () => assert.fail("resolved"),
      (error: Error) => assert.match(error.message, /onRequest: must return new Request\(\) or Response\(\)/),
    )
    const answering = make()
    answering.use({ onRequest: async () => Response.json([{ id: 9, name: "Cached" }]) })
    const { data } = await answering.GET("/pets")
    assert.deepStrictEqual(data, [{ id: 9, name: "Cached" }])
    assert.strictEqual(server.seen.length, 0)
  })
})
