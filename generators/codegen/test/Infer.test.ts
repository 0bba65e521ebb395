// `keyway generate --spec` on real specs: what auth inference cannot serve is reported (warnings
// beside a usable scheme, an error without one), never silently replaced by a bearer token; the
// inferred descriptor can be written out as an editable provider.yaml.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as Infer from "../src/Infer.ts"
import { fixtures, project, run } from "./helpers.ts"

const doc = (schemes: Record<string, unknown> | undefined) => ({
  openapi: "3.1.0",
  info: { title: "Acme", version: "1" },
  servers: [{ url: "https://api.acme.test/v1" }],
  paths: {
    "/things": {
      get: { operationId: "listThings", responses: { "200": { description: "OK" } } },
    },
  },
  ...(schemes ? { components: { securitySchemes: schemes } } : {}),
})

const unsupported = {
  cookie: { type: "apiKey", in: "cookie", name: "sid" },
  mtls: { type: "mutualTLS" },
  oidc: { type: "openIdConnect", openIdConnectUrl: "https://id.acme.test/.well-known/openid-configuration" },
  implicit: {
    type: "oauth2",
    flows: { implicit: { authorizationUrl: "https://id.acme.test/a", scopes: {} } },
  },
}

const writeSpec = (dir: string, schemes: Record<string, unknown> | undefined) => {
  const file = join(dir, "acme.json")
  writeFileSync(file, JSON.stringify(doc(schemes), null, 2))
  return file
}

describe("--spec: auth inference says what it could not do", () => {
  it("reports an apiKey in a cookie, mutualTLS, openIdConnect and other flows instead of choosing Bearer", () => {
    const r = Infer.infer("acme", "acme.json", doc(unsupported))
    expect(r.usable).toBe(false)
    expect(r.assumed).toBeUndefined()
    expect(r.unsupported.map((n) => [n.at.join("/"), n.found])).toEqual([
      ["components/securitySchemes/cookie", 'apiKey in cookie "sid"'],
      ["components/securitySchemes/implicit", 'oauth2 flow "implicit"'],
      ["components/securitySchemes/mtls", "mutualTLS"],
      [
        "components/securitySchemes/oidc",
        'openIdConnect "https://id.acme.test/.well-known/openid-configuration"',
      ],
    ])
    expect(r.unsupported[0]!.expected).toContain("does not send credentials in cookies")
    const none = Infer.infer("acme", "acme.json", doc(undefined))
    expect(none.usable).toBe(false)
    expect(none.assumed?.found).toBe("no components.securitySchemes")
  })

  it("only unsupported schemes: generation stops with one located line per scheme, nothing written", async () => {
    const dir = project("infer-none")
    const spec = writeSpec(dir, unsupported)
    const r = await run(["generate", "--spec", spec, "--name", "acme", "--out", "out/acme"], dir)
    expect(r.code).toBe(1)
    const lines = r.err.split("\n").filter((l) => l.includes("auth not inferred"))
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(
      /acme\.json:\d+:\d+ \/components\/securitySchemes\/cookie: auth not inferred: found apiKey in cookie "sid", expected a scheme keyway can serve/,
    )
    expect(r.err).toContain("/components/securitySchemes/mtls: auth not inferred: found mutualTLS")
    expect(existsSync(join(dir, "out/acme"))).toBe(false)
  })

  it("a usable scheme beside unsupported ones: generates with it, and warns about the others", async () => {
    const dir = project("infer-some")
    const spec = writeSpec(dir, { ...unsupported, key: { type: "apiKey", in: "header", name: "X-Api-Key" } })
    const r = await run(["generate", "--spec", spec, "--name", "acme", "--out", "out/acme"], dir)
    expect(r.code).toBe(0)
    const warnings = r.err.split("\n").filter((l) => l.startsWith("warning: "))
    expect(warnings).toHaveLength(4)
    expect(warnings[0]).toMatch(
      /^warning: \S*acme\.json:\d+:\d+ \/components\/securitySchemes\/cookie: auth not inferred/,
    )
    const descriptor = readFileSync(join(dir, "out/acme/src/descriptor.ts"), "utf8")
    expect(descriptor).toContain('"X-Api-Key"')
    expect(descriptor).not.toContain("Bearer")
  })

  it("no security schemes at all: a bearer token is assumed, and said so", async () => {
    const dir = project("infer-assumed")
    const spec = writeSpec(dir, undefined)
    const r = await run(["generate", "--spec", spec, "--name", "acme", "--out", "out/acme"], dir)
    expect(r.code).toBe(0)
    expect(r.err).toMatch(
      /warning: \S*acme\.json.*auth not inferred: found no components\.securitySchemes, expected .*assumed a bearer token/,
    )
  })
})

describe("--write-descriptor", () => {
  it("writes the inferred descriptor as an editable provider.yaml that generates the same package", async () => {
    const dir = project("infer-write")
    mkdirSync(join(dir, "specs", "inferred"), { recursive: true })
    const spec = join(dir, "specs", "inferred", "openapi.json")
    copyFileSync(join(fixtures, "inferred", "openapi.json"), spec)
    const file = join(dir, "specs", "inferred", "provider.yaml")
    const r = await run(
      ["generate", "--spec", spec, "--name", "inferred", "--out", "out/inferred", "--write-descriptor", file],
      dir,
    )
    expect(r.code).toBe(0)
    const text = readFileSync(file, "utf8")
    expect(text).toMatch(/^# Inferred by keyway generate --spec/m)
    expect(text).toMatch(/^#\s+\/components\/securitySchemes\/cookie: apiKey in cookie "sid"$/m)
    expect(text).toMatch(/^spec: openapi\.json$/m)
    expect(text).toMatch(/^name: inferred$/m)
    // the first-class route: generate from specs/inferred/provider.yaml
    const first = await run(["generate", "--provider", "inferred"], dir)
    expect(first.err).toBe("")
    expect(first.code).toBe(0)
    expect(readFileSync(join(dir, "packages/inferred/src/types.ts"), "utf8")).toBe(
      readFileSync(join(dir, "out/inferred/src/types.ts"), "utf8"),
    )
    // an existing file is never replaced
    const again = await run(
      ["generate", "--spec", spec, "--name", "inferred", "--out", "out/inferred", "--write-descriptor", file],
      dir,
    )
    expect(again.code).toBe(1)
    expect(again.err).toContain("the file exists")
    expect(readFileSync(file, "utf8")).toBe(text)
    // and it needs --spec
    const usage = await run(["generate", "--write-descriptor", join(dir, "x.yaml")], dir)
    expect(usage.err).toContain("--write-descriptor needs --spec")
  })
})
