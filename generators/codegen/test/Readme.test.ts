/**
 * Every generated package's README example compiles: the code blocks of the five providers'
 * READMEs and of packages generated here (one whose operations all need a header, a query
 * parameter and path parameters) are type-checked with tsc7 against the package's sources.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { checkModules, tsBlocks } from "@keyway/tsc7/Blocks"
import { describe, expect, it } from "vitest"
import { outRoot, pkgDir, project, run } from "./helpers.ts"

const repo = join(pkgDir, "..", "..")

/**
 * Writes the README's blocks (through `edit`, for a test of the check itself) next to a tsconfig
 * that maps the package name to its sources, and type-checks them.
 */
const checkReadme = (packageDir: string, name: string, edit = (code: string) => code) => {
  const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { name: string }
  const blocks = tsBlocks(readFileSync(join(packageDir, "README.md"), "utf8"))
  const modules = Object.fromEntries(blocks.map((b, i) => [`block-${i}.ts`, edit(b.code)]))
  return {
    blocks,
    ...checkModules(join(outRoot, "readme", name), modules, {
      extends: join(packageDir, "tsconfig.json"),
      compilerOptions: {
        noEmit: true,
        paths: {
          [pkg.name]: [join(packageDir, "src", "index.ts")],
          [`${pkg.name}/effect`]: [join(packageDir, "src", "effect.ts")],
        },
      },
    }),
  }
}

const providers = readdirSync(join(repo, "packages", "providers"))

describe("generated READMEs compile", () => {
  it.each(providers)("packages/providers/%s: every ts block of the README type-checks", (provider) => {
    const r = checkReadme(join(repo, "packages", "providers", provider), provider)
    expect(r.blocks.length).toBe(2)
    expect(r.output).toBe("")
    expect(r.code).toBe(0)
  })

  it("an API whose operations need a header, a query parameter, path parameters and a body", async () => {
    const dir = project("readme-required")
    const spec = {
      openapi: "3.1.0",
      info: { title: "Strict", version: "1" },
      servers: [{ url: "https://strict.example/v1" }],
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
        parameters: {
          Tenant: { name: "X-Tenant", in: "header", required: true, schema: { type: "string" } },
        },
        schemas: {
          Kind: { type: "string", enum: ["a", "b"] },
          Note: {
            type: "object",
            required: ["text", "pinned"],
            properties: { text: { type: "string" }, pinned: { type: "boolean" } },
          },
        },
      },
      security: [{ bearer: [] }],
      paths: {
        "/accounts/{accountId}/items/{itemId}": {
          parameters: [{ name: "accountId", in: "path", required: true, schema: { type: "integer" } }],
          get: {
            operationId: "getItem",
            parameters: [
              { $ref: "#/components/parameters/Tenant" },
              { name: "itemId", in: "path", required: true, schema: { type: "string" } },
              { name: "kind", in: "query", required: true, schema: { $ref: "#/components/schemas/Kind" } },
              { name: "verbose", in: "query", schema: { type: "boolean" } },
            ],
            responses: { "200": { description: "ok", content: { "application/json": { schema: {} } } } },
          },
        },
        "/notes": {
          post: {
            operationId: "addNote",
            requestBody: {
              required: true,
              content: { "application/json": { schema: { $ref: "#/components/schemas/Note" } } },
            },
            responses: { "201": { description: "created" } },
          },
        },
      },
    }
    writeFileSync(join(dir, "strict.json"), JSON.stringify(spec))
    const g = await run(
      ["generate", "--spec", "strict.json", "--name", "strict", "--out", "packages/strict"],
      dir,
    )
    expect(g.err).toBe("")
    const readme = readFileSync(join(dir, "packages", "strict", "README.md"), "utf8")
    expect(readme).toContain(
      'client.op.getItem({ params: { path: { accountId: 1, itemId: "..." }, query: { kind: "a" }, header: { "X-Tenant": "..." } } })',
    )
    const r = checkReadme(join(dir, "packages", "strict"), "strict")
    expect(r.output).toBe("")
    expect(r.code).toBe(0)
    // the check sees the blocks: a call without the required parameters does not compile
    const broken = checkReadme(join(dir, "packages", "strict"), "strict", (code) =>
      code.replace(/client\.op\.getItem\(.*\)/, "client.op.getItem()"),
    )
    expect(broken.diagnostics.map((d) => d.module)).toContain("block-0.ts")
  })
})
