import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as Infer from "../src/Infer.ts"
import { fixtures, project, run, typecheck } from "./helpers.ts"

describe("keyway generate --spec (no descriptor: auth inferred from securitySchemes)", () => {
  it("infers one strategy per usable scheme", () => {
    const doc = JSON.parse(readFileSync(join(fixtures, "inferred/openapi.json"), "utf8"))
    const d = Infer.descriptor("inferred", "openapi.json", doc)
    expect(d.baseUrl).toBe("https://{region}.inferred.test/api")
    expect(d.variables).toEqual({ region: { default: "eu", enum: ["eu", "us"] } })
    expect(d.auth).toEqual([
      {
        type: "permanent-token",
        id: "basic",
        placement: { in: "header", name: "Authorization", scheme: "Basic" },
      },
      {
        type: "permanent-token",
        id: "bearer",
        placement: { in: "header", name: "Authorization", scheme: "Bearer" },
      },
      { type: "permanent-token", id: "headerKey", placement: { in: "header", name: "X-Api-Key" } },
      {
        type: "oauth2-client-credentials",
        id: "oauth-client-credentials",
        tokenUrl: "https://auth.inferred.test/token",
        scopes: ["widgets:read"],
      },
      {
        type: "oauth2-authorization-code",
        id: "oauth-authorization-code",
        authorizeUrl: "https://auth.inferred.test/authorize",
        tokenUrl: "https://auth.inferred.test/token",
        scopes: ["widgets:read", "widgets:write"],
      },
      { type: "permanent-token", id: "queryKey", placement: { in: "query", name: "api_key" } },
    ])
    expect(
      Infer.descriptor("none", "x.json", { openapi: "3.1.0", info: { title: "T", version: "1" } }).auth,
    ).toEqual([
      {
        type: "permanent-token",
        id: "token",
        placement: { in: "header", name: "Authorization", scheme: "Bearer" },
      },
    ])
  })

  it("emits the same kind of package; it type-checks; HTTP Basic sends base64(username:password)", async () => {
    const dir = project("spec")
    const r = await run(
      [
        "generate",
        "--spec",
        join(fixtures, "inferred/openapi.json"),
        "--name",
        "inferred",
        "--out",
        "out/inferred",
      ],
      dir,
    )
    // the fixture's apiKey-in-cookie scheme cannot be served: one warning, not a silent Bearer
    expect(r.err.trim().split("\n")).toHaveLength(1)
    expect(r.err).toMatch(
      /^warning: \S*openapi\.json:\d+:\d+ \/components\/securitySchemes\/cookie: auth not inferred: found apiKey in cookie "sid"/,
    )
    expect(r.code).toBe(0)
    const out = join(dir, "out", "inferred")
    for (const f of [
      "package.json",
      "README.md",
      "tsconfig.json",
      "src/client.ts",
      "src/effect.ts",
      "src/types.ts",
      "src/descriptor.ts",
      "src/index.ts",
    ])
      expect(existsSync(join(out, f)), f).toBe(true)
    const client = readFileSync(join(out, "src/client.ts"), "utf8")
    expect(client).toContain(
      'listWidgets: { method: "GET", path: "/widgets", operationId: "list-widgets", scopes: ["widgets:read"] },',
    )
    expect(client).toMatch(/readonly listWidgets: \w+Operation<"\/widgets", "get">/)
    expect(client).toMatch(/readonly deleteWidgetsById: \w+Operation<"\/widgets\/\{id\}", "delete">/)
    expect(readFileSync(join(out, "README.md"), "utf8")).toContain("auth inferred from its securitySchemes")
    const t = typecheck(join(out, "tsconfig.json"))
    expect(t.output).toBe("")

    let authorization: string | undefined
    const server = createServer((req, res) => {
      authorization = req.headers.authorization
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify([{ id: "w1" }]))
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const mod = await import(join(out, "src/index.ts"))
    const api = mod.createClient({ baseUrl: url, auth: { type: "basic", username: "ann", password: "pw" } })
    const res = await api.op.listWidgets()
    expect(res.data).toEqual([{ id: "w1" }])
    expect(authorization).toBe(`Basic ${Buffer.from("ann:pw").toString("base64")}`)
    await api.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it("a package written outside the project depends on registry versions, not workspace:*", async () => {
    const dir = project("spec-outside")
    const outside = join(dir, "..", "spec-outside-pkg")
    const r = await run(
      ["generate", "--spec", join(fixtures, "inferred/openapi.json"), "--name", "inferred", "--out", outside],
      dir,
    )
    expect(r.code).toBe(0)
    const pkg = JSON.parse(readFileSync(join(outside, "package.json"), "utf8"))
    expect(pkg.dependencies["@keyway/core"]).toBe("^0.1.0")
    expect(pkg.devDependencies["@keyway/tsc7"]).toBeUndefined()
  })

  it("keyway init scaffolds a commented descriptor and a minimal spec that generate accepts", async () => {
    const dir = project("init")
    const r = await run(["init", "acme"], dir)
    expect(r.code).toBe(0)
    expect(r.out).toContain("created specs/acme/provider.yaml")
    const descriptor = readFileSync(join(dir, "specs/acme/provider.yaml"), "utf8")
    expect(descriptor).toMatch(/^# yaml-language-server: \$schema=\.\.\/provider\.schema\.json/)
    expect(descriptor).toContain("# One or more strategies")
    expect((await run(["init", "acme"], dir)).err).toContain("already exists")
    expect((await run(["init", "Bad_Name"], dir)).code).toBe(1)
    const g = await run(["generate"], dir)
    expect(g.err).toBe("")
    expect(g.code).toBe(0)
    expect(typecheck(join(dir, "packages/acme/tsconfig.json")).output).toBe("")
    // the config lists no providers: it discovers specs/*, so generate and --check cover acme
    expect(r.out).toContain("keyway.config.json generates every provider of specs/: acme included")
    expect(r.out).toContain("then install the new package (pnpm install")
  })

  it("keyway init registers the provider in a config that lists its providers (JSON and TypeScript)", async () => {
    const dir = project("init-json", ["petstore"], { providers: ["petstore"] })
    const r = await run(["init", "acme"], dir)
    expect(r.code).toBe(0)
    expect(r.out).toContain("registered acme in keyway.config.json")
    expect(JSON.parse(readFileSync(join(dir, "keyway.config.json"), "utf8")).providers).toEqual([
      "petstore",
      "acme",
    ])
    const check = await run(["generate", "--check"], dir)
    expect(check.code).toBe(1)
    expect(check.err).toContain("differs: packages/acme/package.json")
    expect(check.out).toContain("2 providers")

    const ts = project("init-ts", ["petstore"])
    rmSync(join(ts, "keyway.config.json"))
    const config = join(ts, "keyway.config.mjs")
    writeFileSync(
      config,
      'export default {\n  output: "packages",\n  providers: [\n    "petstore",\n    "other"\n  ],\n  schemaFile: false,\n}\n',
    )
    mkdirSync(join(ts, "specs", "other"))
    const t = await run(["init", "acme"], ts)
    expect(t.code).toBe(0)
    expect(t.out).toContain("registered acme in keyway.config.mjs")
    expect(readFileSync(config, "utf8")).toBe(
      'export default {\n  output: "packages",\n  providers: [\n    "petstore",\n    "other",\n    "acme",\n  ],\n  schemaFile: false,\n}\n',
    )
    writeFileSync(
      config,
      "const providers = ['petstore']\nexport default { output: 'packages', providers: ['petstore'] }\n",
    )
    const one = await run(["init", "one"], ts)
    expect(one.out).toContain("registered one in keyway.config.mjs")
    expect(readFileSync(config, "utf8")).toContain("providers: ['petstore', 'one'] }")
    // a list the init cannot edit: said, on one line, naming the file
    writeFileSync(
      config,
      "const list = ['petstore']\nexport default { output: 'packages', providers: list }\n",
    )
    const manual = await run(["init", "two"], ts)
    expect(manual.err).toMatch(
      /^keyway: \S*init-ts\/keyway\.config\.mjs: its providers are not an array of string literals; add "two" to its providers\n$/,
    )
  })
})
