import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { HEADER_TEXT } from "../src/Header.ts"
import { pkgDir, project, run } from "./helpers.ts"

const files = (dir: string, base = dir): Array<string> =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p, base) : [p.slice(base.length + 1)]
  })

const read = (dir: string) =>
  Object.fromEntries(
    files(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), "utf8")]),
  )

describe("keyway generate (fixture provider)", () => {
  it("generates the package; every file starts with the header; output matches the snapshots", async () => {
    const dir = project("snapshot", ["petstore"])
    const r = await run(["generate"], dir)
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^keyway: 1 provider: 1 generated \(\d+\.\d\d s\)\n$/)
    const out = join(dir, "packages", "petstore")
    const all = read(out)
    expect(Object.keys(all)).toEqual([
      ".keyway-hash",
      "README.md",
      "package.json",
      "src/auth.ts",
      "src/client.ts",
      "src/descriptor.ts",
      "src/effect.ts",
      "src/index.ts",
      "src/types.ts",
      "tsconfig.build.json",
      "tsconfig.json",
    ])
    for (const [name, content] of Object.entries(all)) {
      expect(content.split("\n").slice(0, 2).join("\n"), name).toContain(HEADER_TEXT)
      if (name !== ".keyway-hash") await expect(content).toMatchFileSnapshot(`__snapshots__/petstore/${name}`)
    }
    const pkg = JSON.parse(all["package.json"]!)
    expect(pkg.name).toBe("@keyway/provider-petstore")
    expect(Object.keys(pkg.dependencies)).toEqual([
      "@keyway/core",
      "@keyway/auth-client-credentials",
      "@keyway/auth-permanent-token",
      "effect",
      "openapi-fetch",
      "openapi-typescript-helpers",
    ])
    expect(pkg.scripts.typecheck).toBe("tsc7 -p tsconfig.json --noEmit")
  })

  it("bundles a multi-file spec: external schemas are hoisted, path items inlined", async () => {
    const dir = project("bundle", ["petstore"])
    await run(["generate"], dir)
    const types = readFileSync(join(dir, "packages/petstore/src/types.ts"), "utf8")
    expect(types).toContain('owner?: components["schemas"]["Owner"]')
    expect(types).toContain('pets?: components["schemas"]["Pet"][]')
    expect(types).toContain("NewPet: {")
    expect(types).toContain('"/pets": {')
    const record = readFileSync(join(dir, "packages/petstore/.keyway-hash"), "utf8")
    for (const f of [
      "openapi.yaml",
      "paths/pets.yaml",
      "schemas/Pet.yaml",
      "schemas/Owner.yaml",
      "schemas/NewPet.yaml",
      "provider.yaml",
    ])
      expect(record).toContain(`specs/petstore/${f}`)
  })

  it("is deterministic: two forced runs write byte-identical files", async () => {
    const dir = project("determinism", ["petstore"])
    await run(["generate"], dir)
    const first = read(join(dir, "packages"))
    const r = await run(["generate", "--force"], dir)
    expect(r.code).toBe(0)
    expect(read(join(dir, "packages"))).toEqual(first)
  })

  it("is incremental: unchanged inputs are skipped; a changed spec file or a hand edit regenerates", async () => {
    const dir = project("incremental", ["petstore"])
    expect((await run(["generate"], dir)).out).toContain("1 generated")
    expect((await run(["generate"], dir)).out).toContain("1 unchanged")
    const schema = join(dir, "specs/petstore/schemas/Owner.yaml")
    writeFileSync(
      schema,
      readFileSync(schema, "utf8").replace(
        "name: { type: string }",
        "name: { type: string }\n  email: { type: string }",
      ),
    )
    expect((await run(["generate"], dir)).out).toContain("1 generated")
    expect(readFileSync(join(dir, "packages/petstore/src/types.ts"), "utf8")).toContain("email?: string")
    const client = join(dir, "packages/petstore/src/client.ts")
    writeFileSync(client, `${readFileSync(client, "utf8")}\n// hand edit\n`)
    expect((await run(["generate"], dir)).out).toContain("1 generated")
    expect(readFileSync(client, "utf8")).not.toContain("hand edit")
  })

  it("a failed run leaves the previous package untouched, and keeps unrelated files", async () => {
    const dir = project("atomic", ["petstore"])
    await run(["generate"], dir)
    const out = join(dir, "packages", "petstore")
    writeFileSync(join(out, "keep.txt"), "mine")
    const before = read(out)
    const spec = join(dir, "specs/petstore/paths/pets.yaml")
    writeFileSync(
      spec,
      readFileSync(spec, "utf8").replace('$ref: "../schemas/NewPet.yaml"', '$ref: "../schemas/Missing.yaml"'),
    )
    const r = await run(["generate"], dir)
    expect(r.code).toBe(1)
    expect(read(out)).toEqual(before)
    expect(readdirSync(join(dir, "packages")).filter((f) => f.includes("keyway-tmp"))).toEqual([])
  })

  it("--check exits 1 and lists each differing file; exits 0 when up to date; writes nothing", async () => {
    const dir = project("check", ["petstore"])
    const missing = await run(["generate", "--check"], dir)
    expect(missing.code).toBe(1)
    expect(missing.err).toContain("differs: packages/petstore/src/client.ts")
    expect(existsSync(join(dir, "packages/petstore"))).toBe(false)
    await run(["generate"], dir)
    const ok = await run(["generate", "--check"], dir)
    expect(ok.code).toBe(0)
    expect(ok.err).toBe("")
    const readme = join(dir, "packages/petstore/README.md")
    writeFileSync(readme, "changed\n")
    rmSync(join(dir, "packages/petstore/src/descriptor.ts"))
    const stale = await run(["generate", "--check"], dir)
    expect(stale.code).toBe(1)
    expect(
      stale.err
        .split("\n")
        .filter((l) => l.startsWith("differs:"))
        .sort(),
    ).toEqual(["differs: packages/petstore/README.md", "differs: packages/petstore/src/descriptor.ts"])
    expect(readFileSync(readme, "utf8")).toBe("changed\n")
    // ...with a unified diff of each: on disk (a/) against what generate would write (b/)
    expect(stale.err).toContain(
      "--- a/packages/petstore/README.md\n+++ b/packages/petstore/README.md\n@@ -1,1 +1,",
    )
    expect(stale.err).toContain("\n-changed\n+<!-- ")
    expect(stale.err).toContain("\n+# @keyway/provider-petstore\n")
    expect(stale.err).toContain("--- /dev/null\n+++ b/packages/petstore/src/descriptor.ts\n@@ -0,0 +1,")
    // the diffs come before the one-line list
    expect(stale.err.indexOf("--- a/packages/petstore/README.md")).toBeLessThan(stale.err.indexOf("differs:"))
    // --check --force compares the full generation too
    expect((await run(["generate", "--check", "--force"], dir)).code).toBe(1)
  })

  it("emits the descriptor JSON Schema as a plain draft 2020-12 file", async () => {
    const dir = project("schema", ["petstore"], { schemaFile: "specs/provider.schema.json" })
    await run(["generate"], dir)
    const schema = JSON.parse(readFileSync(join(dir, "specs/provider.schema.json"), "utf8"))
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema")
    expect(schema.$ref).toBe("#/$defs/ProviderDescriptor")
    expect(schema.definitions).toBeUndefined()
    const root = schema.$defs.ProviderDescriptor
    expect(root.required).toEqual(expect.arrayContaining(["name", "title", "spec", "baseUrl", "auth"]))
    expect(root.additionalProperties).toBe(false)
    expect(root.properties.name.pattern).toBe("^[a-z][a-z0-9-]*$")
    expect(JSON.stringify(schema)).not.toContain("#/definitions/")
    expect(JSON.stringify(schema)).not.toContain('"NaN"')
    expect(schema.$defs.ClientCredentialsStrategy.properties.defaultTokenLifetime.type).toBe("number")
    // formatted as the repository's formatter (biome) would print it
    const biome = join(pkgDir, "..", "..", "node_modules", ".bin", "biome")
    const text = readFileSync(join(dir, "specs/provider.schema.json"), "utf8")
    const formatted = spawnSync(biome, ["format", "--stdin-file-path=provider.schema.json"], {
      input: text,
      encoding: "utf8",
    })
    expect(formatted.status).toBe(0)
    expect(formatted.stdout).toBe(text)
    // --check sees it is current
    expect((await run(["generate", "--check"], dir)).code).toBe(0)
    writeFileSync(join(dir, "specs/provider.schema.json"), "{}")
    const r = await run(["generate", "--check"], dir)
    expect(r.err).toContain("differs: specs/provider.schema.json")
    expect(r.err).toContain("--- a/specs/provider.schema.json\n+++ b/specs/provider.schema.json\n")
    expect(r.err).toContain("\n-{}\n")
    expect(r.err).toContain('\n+  "$schema": "https://json-schema.org/draft/2020-12/schema",\n')
  })

  it("reports an unknown --provider", async () => {
    const dir = project("unknown", ["petstore"])
    const r = await run(["generate", "--provider", "nope"], dir)
    expect(r.code).toBe(1)
    expect(r.err).toContain('unknown provider "nope"')
    expect(r.err).toContain("known: petstore")
  })
})
