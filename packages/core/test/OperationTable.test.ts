/**
 * The one operation table of a generated client: its routes for the call pipeline, `op` functions
 * and paginators of both APIs, all derived from the same entries (no client needed: a recording
 * stand-in for the methods).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { EffectOperationTable, OperationTable } from "../src/index.ts"

const table = {
  listPets: {
    method: "GET",
    path: "/pets",
    operationId: "listPets",
    scopes: ["pets:read"],
    pagination: { style: "offset", items: "", param: "offset", limitParam: "limit", pageSize: 2 },
  },
  getPet: { method: "GET", path: "/pets/{petId}", operationId: "getPet" },
  createPet: { method: "POST", path: "/pets", operationId: "create-pet", scopes: ["pets:write"] },
} as const satisfies OperationTable.Table

const pets = ["a", "b", "c"]
const recording = () => {
  const calls: Array<string> = []
  const method =
    (name: string) =>
    async (path: string, init?: { params?: { query?: { offset?: number; limit?: number } } }) => {
      calls.push(`${name} ${path}`)
      const offset = init?.params?.query?.offset ?? 0
      const limit = init?.params?.query?.limit ?? 10
      return { data: pets.slice(offset, offset + limit), response: new Response("[]") }
    }
  return { calls, client: { GET: method("GET"), POST: method("POST") } }
}

describe("OperationTable", () => {
  it("routes: METHOD /path → operationId and scopes", () => {
    assert.deepStrictEqual(OperationTable.routes(table), {
      "GET /pets": { operationId: "listPets", scopes: ["pets:read"] },
      "GET /pets/{petId}": { operationId: "getPet" },
      "POST /pets": { operationId: "create-pet", scopes: ["pets:write"] },
    })
  })

  it("bind: one function per name, calling the entry's method and path", async () => {
    const { calls, client } = recording()
    const op = OperationTable.bind<Record<keyof typeof table, (init?: object) => Promise<unknown>>>(
      client,
      table,
    )
    await op.getPet({})
    await op.createPet({})
    assert.deepStrictEqual(calls, ["GET /pets/{petId}", "POST /pets"])
    assert.deepStrictEqual(Object.keys(op), ["listPets", "getPet", "createPet"])
  })

  it("paginators and streams: only the paged entries, paging by their spec", async () => {
    const promise = recording()
    const paginate = OperationTable.paginators<{ listPets: () => AsyncIterable<string> }>(
      promise.client,
      table,
    )
    assert.deepStrictEqual(Object.keys(paginate), ["listPets"])
    assert.deepStrictEqual(await Array.fromAsync(paginate.listPets()), pets)
    const effect = recording()
    const streams = EffectOperationTable.streams<{ listPets: () => Stream.Stream<string> }>(
      effect.client,
      table,
    )
    const items = await Effect.runPromise(Stream.runCollect(streams.listPets()))
    assert.deepStrictEqual(Array.from(items), pets)
    assert.deepStrictEqual(
      OperationTable.paged(table).map(([name]) => name),
      ["listPets"],
    )
  })
})
