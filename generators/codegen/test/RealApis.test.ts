// What real APIs need from the descriptor and the configuration: page-number and Link-header
// pagination through a generated client, headers every operation requires set once on the
// client, per-provider openapi-typescript options.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as JsonSchema from "../src/JsonSchema.ts"
import { fixtures, project, run, typecheck } from "./helpers.ts"

interface Seen {
  readonly url: string
  readonly headers: IncomingMessage["headers"]
}

const serve = async (handler: (req: Seen, res: ServerResponse, url: string) => void) => {
  const seen: Array<Seen> = []
  const server = createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      const r = { url: req.url ?? "", headers: req.headers }
      seen.push(r)
      handler(r, res, url)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(200, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

describe("descriptor and options for real APIs", () => {
  it("page and link pagination, and the required tenant header, through the generated client", async () => {
    const dir = project("real-apis", ["tenant"])
    const r = await run(["generate"], dir)
    expect(r.err).toBe("")
    const users = Array.from({ length: 5 }, (_, i) => ({ id: i + 1 }))
    const s = await serve((req, res, base) => {
      const url = new URL(req.url, base)
      if (url.pathname === "/users") {
        const page = Number(url.searchParams.get("page"))
        const per = Number(url.searchParams.get("per_page"))
        return json(res, { users: users.slice((page - 1) * per, page * per), meta: { total: 5 } })
      }
      const page = Number(url.searchParams.get("page") ?? 1)
      const next =
        page < 2 ? `<${base}/events?page=${page + 1}>; rel="next"` : `<${base}/events>; rel="first"`
      json(res, [{ id: page }], { link: next })
    })
    try {
      const Tenant = await import(join(dir, "packages", "tenant", "src", "index.ts"))
      const TenantEffect = await import(join(dir, "packages", "tenant", "src", "effect.ts"))
      expect(() => Tenant.createClient({ baseUrl: s.url, auth: { token: "t" } })).toThrow(
        "tenant: options.headers must set X-Tenant-Id: every operation requires it",
      )
      expect(() =>
        TenantEffect.layer({ baseUrl: s.url, auth: { token: "t" }, headers: { "X-Tenant-Id": "" } }),
      ).toThrow("tenant: options.headers must set X-Tenant-Id")
      const client = Tenant.createClient({
        baseUrl: s.url,
        auth: { token: "t" },
        headers: { "X-Tenant-Id": "t1" },
      })
      const seenUsers = await Array.fromAsync(
        client.paginate.listUsers({ params: { header: { "X-Trace": "x" } } }),
      )
      expect(seenUsers).toEqual(users)
      const events = await Array.fromAsync(client.paginate.listEvents())
      expect(events).toEqual([{ id: 1 }, { id: 2 }])
      expect(s.seen.map((x) => x.url)).toEqual([
        "/users?per_page=2&page=1",
        "/users?per_page=2&page=2",
        "/users?per_page=2&page=3",
        "/events",
        "/events?page=2",
      ])
      for (const x of s.seen) expect(x.headers["x-tenant-id"]).toBe("t1")
      await client.close()
    } finally {
      await s.close()
    }
  })

  it("the tenant header drops out of every call's type; the client's options require it (tsc7)", async () => {
    const dir = project("real-apis-types", ["tenant"])
    expect((await run(["generate"], dir)).code).toBe(0)
    const out = join(dir, "packages", "tenant")
    const types = readFileSync(join(out, "src", "types.ts"), "utf8")
    expect(types).not.toMatch(/"?X-Tenant-Id"?: string/i)
    expect(types).toMatch(/"X-Trace": string/)
    // the vendor also declares Authorization on every operation: the auth strategy sets it, so
    // it is neither a call parameter nor a client option
    expect(types).not.toMatch(/header\??: \{[^}]*Authorization/)
    const client = readFileSync(join(out, "src", "client.ts"), "utf8")
    expect(client).toContain('requiredHeaders: ["X-Tenant-Id"],')
    // every pagination field reaches the runtime (crossOrigin of the link style too)
    expect(client).toMatch(/pagination: \{\s*style: "link",\s*items: "",\s*crossOrigin: "refuse",?\s*\}/)
    copyFileSync(join(fixtures, "typetests", "tenant.ts"), join(out, "src", "typetest.ts"))
    const t = typecheck(join(out, "tsconfig.json"))
    expect(t.output).toBe("")
    expect(t.code).toBe(0)
  })

  it("per-provider openapi-typescript options: defaultNonNullable false keeps defaulted fields optional", async () => {
    const dir = project("real-apis-options", ["tenant"])
    expect((await run(["generate"], dir)).code).toBe(0)
    const newUser = (text: string) => /NewUser: \{[\s\S]*?\n {8}\};/.exec(text)![0]
    const typesFile = join(dir, "packages", "tenant", "src", "types.ts")
    expect(newUser(readFileSync(typesFile, "utf8"))).toMatch(/\brole: string;/)
    writeFileSync(
      join(dir, "keyway.config.json"),
      JSON.stringify({
        output: "packages",
        providerOptions: { tenant: { openapiTypescript: { defaultNonNullable: false } } },
      }),
    )
    expect((await run(["generate"], dir)).code).toBe(0)
    expect(newUser(readFileSync(typesFile, "utf8"))).toMatch(/\brole\?: string;/)
    writeFileSync(
      join(dir, "keyway.config.json"),
      JSON.stringify({ output: "packages", providerOptions: { tenant: { openapiTypescrip: {} } } }),
    )
    const bad = await run(["generate"], dir)
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(
      /keyway\.config\.json \/providerOptions\/tenant\/openapiTypescrip: invalid configuration: found .*expected openapiTypescript/,
    )
  })

  it("the descriptor's JSON Schema names the unit of every duration: seconds or milliseconds", async () => {
    const defs = (await JsonSchema.descriptorSchema()).$defs as Record<
      string,
      { properties: Record<string, { description?: string }> }
    >
    const unit = (def: string, field: string) => defs[def]?.properties[field]?.description ?? ""
    for (const def of ["ClientCredentialsStrategy", "AuthorizationCodeStrategy"]) {
      expect(unit(def, "defaultTokenLifetime")).toMatch(/\(seconds\)$/)
      expect(unit(def, "refreshBuffer")).toMatch(/\(seconds\)$/)
    }
    expect(unit("AuthorizationCodeStrategy", "refreshTokenLifetime")).toMatch(/\(seconds\)$/)
    expect(unit("SessionLoginStrategy", "sessionLifetime")).toMatch(/\(seconds\)$/)
    expect(unit("SessionLoginStrategy", "refreshBuffer")).toMatch(/\(seconds\)$/)
    for (const field of ["baseDelay", "maxDelay", "maxRetryAfter", "deadline", "attemptTimeout"])
      expect(unit("RetrySettings", field)).toMatch(/\(milliseconds\)$/)
    expect(unit("Pagination", "style")).toContain("link")
  })

  it("a pagination field of another style is a located descriptor error", async () => {
    const dir = project("real-apis-style", ["tenant"])
    const file = join(dir, "specs", "tenant", "provider.yaml")
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("    style: link\n", "    style: link\n    firstPage: 0\n"),
    )
    const r = await run(["generate"], dir)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(
      /specs\/tenant\/provider\.yaml:\d+:5 \/pagination\/1\/firstPage: wrong field in descriptor: found firstPage with style link, expected only limitParam, pageSize, crossOrigin beside/,
    )
  })
})
