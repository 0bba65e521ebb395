import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { afterEach, beforeEach } from "vitest"
import { Auth, Client, Pagination } from "../src/index.ts"
import * as Server from "./fixtures/Server.ts"

let server: Server.TestServer
let client: Client.Client<any>
beforeEach(async () => {
  server = await Server.start()
  client = Client.make<any>({ provider: "p", baseUrl: `${server.url}/api`, auth: Auth.layerNone })
})
afterEach(async () => {
  await client.close()
  await server.close()
})

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: from + i }))

describe("Pagination", () => {
  it("follows absolute next URLs (Workable's paging.next)", async () => {
    server.setDefault((req, res) => {
      const url = new URL(req.url!, server.url)
      const since = Number(url.searchParams.get("since_id") ?? 0)
      const items = ids(since, Math.min(since + 2, 5))
      const next = since + 2 < 5 ? `${server.url}/api/jobs?since_id=${since + 2}&limit=2` : undefined
      Server.json(200, { jobs: items, ...(next ? { paging: { next } } : {}) })(req, res, "")
    })
    const all = await Array.fromAsync(
      Pagination.iterate(
        client,
        "GET",
        "/jobs",
        { params: { query: { limit: 2 } } },
        { style: "next-url", items: "jobs", next: "paging.next" },
      ),
    )
    assert.deepStrictEqual(all, ids(0, 5))
    assert.deepStrictEqual(
      server.seen.map((s) => s.url),
      ["/api/jobs?limit=2", "/api/jobs?since_id=2&limit=2", "/api/jobs?since_id=4&limit=2"],
    )
  })

  it("follows relative next paths and cursors (Culture Amp)", async () => {
    server.setDefault((req, res) => {
      const cursor = new URL(req.url!, server.url).searchParams.get("cursor")
      const page = cursor === null ? 0 : Number(cursor)
      Server.json(200, {
        data: ids(page * 3, page * 3 + 3),
        ...(page < 2 ? { pagination: { afterKey: String(page + 1) } } : {}),
      })(req, res, "")
    })
    const all = await Array.fromAsync(
      Pagination.iterate(client, "GET", "/employees", undefined, {
        style: "cursor",
        items: "data",
        next: "pagination.afterKey",
        param: "cursor",
      }),
    )
    assert.strictEqual(all.length, 9)
    assert.strictEqual(server.seen[2]!.url, "/api/employees?cursor=2")
  })

  it("pages by offset in the body (CCW's meta.offset) until a short page", async () => {
    server.setDefault((req, res, body) => {
      const { meta } = JSON.parse(body) as { meta: { offset: number; limit: number } }
      Server.json(200, {
        meta: { ...meta, total: 7 },
        data: ids(meta.offset, Math.min(meta.offset + meta.limit, 7)),
      })(req, res, "")
    })
    const all = await Array.fromAsync(
      Pagination.iterate(
        client,
        "POST",
        "/candidates/search",
        { body: { data: { status: "active" } } },
        {
          style: "offset",
          items: "data",
          param: "meta.offset",
          limitParam: "meta.limit",
          pageSize: 3,
        },
      ),
    )
    assert.deepStrictEqual(all, ids(0, 7))
    assert.deepStrictEqual(
      server.seen.map((s) => JSON.parse(s.body).meta),
      [
        { limit: 3, offset: 0 },
        { limit: 3, offset: 3 },
        { limit: 3, offset: 6 },
      ],
    )
    assert.deepStrictEqual(JSON.parse(server.seen[1]!.body).data, { status: "active" })
  })

  it("throws the typed HttpError of a failing page", async () => {
    server.setDefault(Server.json(404, { error: "Not found" }))
    const error = await Array.fromAsync(
      Pagination.iterate(client, "GET", "/jobs", undefined, { style: "next-url", items: "jobs" }),
    ).catch((e) => e)
    assert.strictEqual(error._tag, "HttpError")
    assert.strictEqual(error.status, 404)
    assert.match(error.correlationId, /^[0-9a-f-]{36}$/)
  })
})

describe("Pagination page sizes", () => {
  it("a caller's smaller limit keeps paging; the declared page size is sent when none is given", async () => {
    const server = await Server.start()
    const client = Client.make<any>({ provider: "p", baseUrl: server.url, auth: Auth.layerNone })
    server.setDefault((req, res) => {
      const url = new URL(req.url!, server.url)
      const offset = Number(url.searchParams.get("offset"))
      const limit = Number(url.searchParams.get("limit"))
      Server.json(200, { totalCount: 5, employees: ids(offset, Math.min(offset + limit, 5)) })(req, res, "")
    })
    const spec = {
      style: "offset",
      items: "employees",
      param: "offset",
      limitParam: "limit",
      pageSize: 10,
    } as const
    const small = await Array.fromAsync(
      Pagination.iterate(client, "GET", "/employees", { params: { query: { limit: 2 } } }, spec),
    )
    assert.deepStrictEqual(small, ids(0, 5))
    assert.strictEqual(server.seen.length, 3)
    await Array.fromAsync(Pagination.iterate(client, "GET", "/employees", undefined, spec))
    assert.strictEqual(server.seen[3]!.url, "/employees?limit=10&offset=0")
    await Array.fromAsync(
      Pagination.iterate(client, "GET", "/jobs", undefined, {
        style: "next-url",
        items: "employees",
        limitParam: "limit",
        pageSize: 100,
      }),
    )
    assert.strictEqual(server.seen[4]!.url, "/jobs?limit=100")
    await client.close()
    await server.close()
  })
})

describe("Pagination.stream", () => {
  const cursorPages = (req: Parameters<Server.Handler>[0], res: Parameters<Server.Handler>[1]) => {
    const cursor = new URL(req.url!, server.url).searchParams.get("cursor")
    const page = cursor === null ? 0 : Number(cursor)
    Server.json(200, {
      data: ids(page * 2, page * 2 + 2),
      ...(page < 3 ? { pagination: { afterKey: String(page + 1) } } : {}),
    })(req, res, "")
  }
  const spec: Pagination.Spec = {
    style: "cursor",
    items: "data",
    next: "pagination.afterKey",
    param: "cursor",
  }

  it("streams the items of every page, fetching pages as it is pulled", async () => {
    server.setDefault(cursorPages)
    const all = await Effect.runPromise(
      Stream.runCollect(Pagination.stream<{ id: number }>(client, "GET", "/employees", undefined, spec)),
    )
    assert.deepStrictEqual(Array.from(all), ids(0, 8))
    assert.deepStrictEqual(
      server.seen.map((s) => s.url),
      ["/api/employees", "/api/employees?cursor=1", "/api/employees?cursor=2", "/api/employees?cursor=3"],
    )
    server.seen.length = 0
    const firstThree = await Effect.runPromise(
      Stream.runCollect(Stream.take(Pagination.stream(client, "GET", "/employees", undefined, spec), 3)),
    )
    assert.strictEqual(Array.from(firstThree).length, 3)
    assert.strictEqual(server.seen.length, 2)
  })

  it("fails with the typed HttpError of a failing page, with its correlation id", async () => {
    server.setDefault((req, res) => {
      const cursor = new URL(req.url!, server.url).searchParams.get("cursor")
      if (cursor === "2") return Server.json(404, { error: "Not found" })(req, res, "")
      return cursorPages(req, res)
    })
    const correlated = Client.make<any>({
      provider: "p",
      baseUrl: `${server.url}/api`,
      auth: Auth.layerNone,
      correlation: { header: "X-Correlation-Id" },
    })
    const error = await Effect.runPromise(
      Effect.flip(Stream.runCollect(Pagination.stream(correlated, "GET", "/employees", undefined, spec))),
    )
    await correlated.close()
    assert.strictEqual(error._tag, "HttpError")
    if (error._tag !== "HttpError") return
    assert.strictEqual(error.status, 404)
    assert.deepStrictEqual(error.body, { error: "Not found" })
    assert.match(error.correlationId, /^[0-9a-f-]{36}$/)
    assert.strictEqual(server.seen.length, 3)
    assert.strictEqual(server.seen[2]!.url, "/api/employees?cursor=2")
    assert.strictEqual(server.seen[2]!.headers["x-correlation-id"], error.correlationId)
  })

  it("bindStreams binds one stream per paged operation", async () => {
    server.setDefault(cursorPages)
    const paginate = Pagination.bindStreams(client, [["listEmployees", "GET", "/employees", spec]])
    assert.deepStrictEqual(Object.keys(paginate), ["listEmployees"])
    const all = await Effect.runPromise(Stream.runCollect(paginate.listEmployees!()))
    assert.strictEqual(Array.from(all).length, 8)
  })
})

describe("Pagination by page number and by Link header", () => {
  it("page: sends page and per_page, stops at an empty page", async () => {
    server.setDefault((req, res) => {
      const url = new URL(req.url!, server.url)
      const page = Number(url.searchParams.get("page"))
      const per = Number(url.searchParams.get("per_page"))
      Server.json(200, { users: ids((page - 1) * per, Math.min(page * per, 5)) })(req, res, "")
    })
    const all = await Array.fromAsync(
      Pagination.iterate(client, "GET", "/users", undefined, {
        style: "page",
        items: "users",
        limitParam: "per_page",
        pageSize: 2,
      }),
    )
    assert.deepStrictEqual(all, ids(0, 5))
    assert.deepStrictEqual(
      server.seen.map((s) => s.url),
      [
        "/api/users?per_page=2&page=1",
        "/api/users?per_page=2&page=2",
        "/api/users?per_page=2&page=3",
        "/api/users?per_page=2&page=4",
      ],
    )
  })

  it("page: stops when the items seen reach the total, or at the last of totalPages; firstPage 0", async () => {
    server.setDefault((req, res) => {
      const page = Number(new URL(req.url!, server.url).searchParams.get("p"))
      Server.json(200, { data: ids(page * 3, Math.min(page * 3 + 3, 7)), meta: { total: 7, pages: 3 } })(
        req,
        res,
        "",
      )
    })
    const byTotal = await Array.fromAsync(
      Pagination.iterate(client, "GET", "/users", undefined, {
        style: "page",
        items: "data",
        param: "p",
        firstPage: 0,
        total: "meta.total",
      }),
    )
    assert.deepStrictEqual(byTotal, ids(0, 7))
    assert.deepStrictEqual(
      server.seen.map((s) => s.url),
      ["/api/users?p=0", "/api/users?p=1", "/api/users?p=2"],
    )
    server.seen.length = 0
    const byPages = await Array.fromAsync(
      Pagination.iterate(
        client,
        "GET",
        "/users",
        { params: { query: { p: 1 } } },
        { style: "page", items: "data", param: "p", firstPage: 0, totalPages: "meta.pages" },
      ),
    )
    assert.deepStrictEqual(byPages, ids(3, 7))
    assert.deepStrictEqual(
      server.seen.map((s) => s.url),
      ["/api/users?p=1", "/api/users?p=2"],
    )
    // starting at a later page, the pages before it count towards the total: no extra request
    server.seen.length = 0
    const later = await Array.fromAsync(
      Pagination.iterate(
        client,
        "GET",
        "/users",
        { params: { query: { p: 1 } } },
        {
          style: "page",
          items: "data",
          param: "p",
          firstPage: 0,
          limitParam: "n",
          pageSize: 3,
          total: "meta.total",
        },
      ),
    )
    assert.deepStrictEqual(later, ids(3, 7))
    assert.strictEqual(server.seen.length, 2)
  })

  it('link: follows the rel="next" target of the Link header until there is none; body is the array', async () => {
    server.setDefault((req, res) => {
      const page = Number(new URL(req.url!, server.url).searchParams.get("page") ?? 1)
      const links = [
        `<${server.url}/api/issues?page=1&per_page=2>; rel="first"`,
        ...(page < 3 ? [`<${server.url}/api/issues?page=${page + 1}&per_page=2>; rel="next last"`] : []),
        `<${server.url}/api/issues?page=${page - 1};x,y>; title="a, b; c"; rel=prev`,
      ]
      Server.json(200, ids((page - 1) * 2, Math.min(page * 2, 5)), { link: links.join(", ") })(req, res, "")
    })
    const all = await Array.fromAsync(
      Pagination.iterate(
        client,
        "GET",
        "/issues",
        { params: { query: { per_page: 2 } } },
        { style: "link", items: "" },
      ),
    )
    assert.deepStrictEqual(all, ids(0, 5))
    assert.deepStrictEqual(
      server.seen.map((s) => s.url),
      ["/api/issues?per_page=2", "/api/issues?page=2&per_page=2", "/api/issues?page=3&per_page=2"],
    )
  })

  it("link: resolves a relative target against the page's URL; ignores rel values that only contain next", async () => {
    server.setDefault((req, res) => {
      const page = Number(new URL(req.url!, server.url).searchParams.get("page") ?? 1)
      const link =
        page === 1
          ? '</api/issues?page=2>; rel="NEXT"'
          : '</api/issues?page=9>; rel="nextpage", </api/issues?page=9>; rel="prev"; rel="next"'
      Server.json(200, ids(page, page + 1), { link })(req, res, "")
    })
    const all = await Array.fromAsync(
      Pagination.iterate(client, "GET", "/issues", undefined, { style: "link", items: "" }),
    )
    assert.deepStrictEqual(all, [{ id: 1 }, { id: 2 }])
    assert.deepStrictEqual(
      server.seen.map((s) => s.url),
      ["/api/issues", "/api/issues?page=2"],
    )
  })
})

describe("Link-header pagination keeps credentials on the client's origin", () => {
  it("a rel=next link to another origin is refused like a next-url link (OriginRefused)", async () => {
    server.setDefault(
      Server.json(200, [{ id: 1 }], { link: '<https://elsewhere.example/api/issues?page=2>; rel="next"' }),
    )
    const error = await Array.fromAsync(
      Pagination.iterate(client, "GET", "/issues", undefined, { style: "link", items: "" }),
    ).catch((e) => e)
    assert.strictEqual(error._tag, "OriginRefused")
    assert.strictEqual(server.seen.length, 1)
  })
})
