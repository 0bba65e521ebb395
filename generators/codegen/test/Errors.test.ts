import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { project, run, runBin } from "./helpers.ts"

const goodSpec = readFileSync(join(import.meta.dirname, "fixtures/minimal/openapi.yaml"), "utf8")
const goodDescriptor = readFileSync(join(import.meta.dirname, "fixtures/minimal/provider.yaml"), "utf8")

/** A project with one provider `x` whose files are given (defaults: the minimal fixture). */
const setup = (name: string, files: Record<string, string>) => {
  const dir = project(`errors-${name}`)
  const base = join(dir, "specs", "x")
  mkdirSync(base, { recursive: true })
  const all = { "provider.yaml": goodDescriptor, "openapi.yaml": goodSpec, ...files }
  for (const [f, content] of Object.entries(all)) {
    mkdirSync(join(base, f, ".."), { recursive: true })
    writeFileSync(join(base, f), content)
  }
  return dir
}

const lines = (text: string) => text.split("\n").filter(Boolean)

const expectOneProblem = (r: { code: number; err: string }, pattern: RegExp) => {
  expect(r.code).toBe(1)
  const problems = lines(r.err)
  expect(problems, r.err).toHaveLength(1)
  expect(problems[0]).toMatch(pattern)
  expect(r.err).not.toMatch(/^\s+at /m)
}

describe("error messages: one line per problem with file, line, found and expected", () => {
  it("the minimal fixture is valid", async () => {
    const r = await run(["generate"], setup("valid", {}))
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
  })

  it("invalid YAML in the descriptor", async () => {
    const dir = setup("yaml", { "provider.yaml": goodDescriptor.replace("title: X API", "title: [X API") })
    expectOneProblem(
      await run(["generate"], dir),
      /specs\/x\/provider\.yaml:\d+:\d+: invalid YAML\/JSON: found .+, expected valid YAML$/,
    )
  })

  it("invalid YAML in a file of a multi-file spec, at its line", async () => {
    const spec = goodSpec.replace('$ref: "#/components/schemas/Thing"', '$ref: "./thing.yaml"')
    const dir = setup("yaml-ref", {
      "openapi.yaml": spec,
      "thing.yaml": "type: object\nproperties:\n  a: { type: string\n  b: 1\n",
    })
    expectOneProblem(
      await run(["generate"], dir),
      /specs\/x\/thing\.yaml:[345]:\d+: invalid YAML\/JSON: found .+, expected valid YAML$/,
    )
  })

  it("invalid JSON given to --spec", async () => {
    const dir = project("errors-json")
    writeFileSync(join(dir, "bad.json"), '{\n  "openapi": "3.1.0",\n  "info": { "title": "x", }\n}\n')
    const r = await run(["generate", "--spec", "bad.json", "--name", "bad", "--out", "packages/bad"], dir)
    expectOneProblem(r, /bad\.json:3:\d+: invalid YAML\/JSON: found .+, expected valid JSON$/)
  })

  it("a local $ref that does not resolve", async () => {
    const dir = setup("ref-local", {
      "openapi.yaml": goodSpec.replace('"#/components/schemas/Thing"', '"#/components/schemas/Nope"'),
    })
    const r = await run(["generate"], dir)
    expectOneProblem(
      r,
      /specs\/x\/openapi\.yaml:(\d+):\d+ \/paths\/~1things\/get\/responses\/200\/content\/application~1json\/schema\/\$ref: \$ref does not resolve: found "#\/components\/schemas\/Nope", expected a pointer to an existing value of this document$/,
    )
    const line = Number(/openapi\.yaml:(\d+)/.exec(r.err)![1])
    expect(readFileSync(join(dir, "specs/x/openapi.yaml"), "utf8").split("\n")[line - 1]).toContain(
      "#/components/schemas/Nope",
    )
  })

  it("a $ref to a missing file, and to a missing pointer of another file", async () => {
    const missingFile = setup("ref-file", {
      "openapi.yaml": goodSpec.replace('"#/components/schemas/Thing"', '"./schemas/none.yaml"'),
    })
    expectOneProblem(
      await run(["generate"], missingFile),
      /specs\/x\/openapi\.yaml:\d+:\d+ \/paths\/.+\/\$ref: \$ref does not resolve: found "\.\/schemas\/none\.yaml", expected an existing file \(.*specs\/x\/schemas\/none\.yaml does not exist\)$/,
    )
    const missingPointer = setup("ref-pointer", {
      "openapi.yaml": goodSpec.replace('"#/components/schemas/Thing"', '"./other.yaml#/Thing"'),
      "other.yaml": "Other: { type: string }\n",
    })
    expectOneProblem(
      await run(["generate"], missingPointer),
      /openapi\.yaml:\d+:\d+ .*: \$ref does not resolve: found "\.\/other\.yaml#\/Thing", expected a pointer to an existing value of .*other\.yaml$/,
    )
  })

  it("an unknown auth strategy", async () => {
    const dir = setup("strategy", {
      "provider.yaml": goodDescriptor.replace("type: permanent-token", "type: permanent-tokens"),
    })
    const r = await run(["generate"], dir)
    expectOneProblem(
      r,
      /specs\/x\/provider\.yaml:(\d+):\d+ \/auth\/0\/type: unknown auth strategy: found "permanent-tokens", expected one of oauth2-client-credentials, oauth2-authorization-code, permanent-token, session-login, custom \(did you mean "permanent-token"\?\)$/,
    )
    const line = Number(/provider\.yaml:(\d+)/.exec(r.err)![1])
    expect(goodDescriptor.split("\n")[line - 1]).toContain("type: permanent-token")
  })

  it("a field of the wrong type, an unknown field, a missing field, a wrong literal: one line each", async () => {
    const descriptor = goodDescriptor
      .replace("title: X API", "titel: X API")
      .replace("scheme: Bearer }", "scheme: Bearer, where: 1 }")
      .replace("placement: { in: header", "placement: { in: body")
      .replace("header: X-Request-Id", "header: 42")
    const r = await run(["generate"], setup("fields", { "provider.yaml": descriptor }))
    expect(r.code).toBe(1)
    const problems = lines(r.err)
    expect(problems).toHaveLength(5)
    const find = (s: string) => problems.find((p) => p.includes(s)) ?? ""
    expect(find("/titel")).toMatch(
      /provider\.yaml:\d+:\d+ \/titel: wrong field in descriptor: found unknown field "titel", expected one of .*title.* \(did you mean "title"\?\)$/,
    )
    expect(find("/title:")).toMatch(
      /provider\.yaml:\d+:\d+ \/title: wrong field in descriptor: found no "title", expected this required field$/,
    )
    expect(find("/where")).toMatch(
      /\/auth\/0\/placement\/where: wrong field in descriptor: found unknown field "where", expected one of in, name, scheme$/,
    )
    expect(find("/in:")).toMatch(
      /\/auth\/0\/placement\/in: wrong field in descriptor: found "body", expected "header" \| "query"$/,
    )
    expect(find("/correlation/header")).toMatch(
      /provider\.yaml:\d+:\d+ \/correlation\/header: wrong field in descriptor: found 42, expected string$/,
    )
  })

  it("cross-checks: the spec file exists, the envelope resolves, pagination operationIds exist", async () => {
    const noSpec = setup("no-spec", {
      "provider.yaml": goodDescriptor.replace("spec: openapi.yaml", "spec: openapi.yml"),
    })
    expectOneProblem(
      await run(["generate"], noSpec),
      /provider\.yaml:\d+:\d+ \/spec: wrong field in descriptor: found "openapi\.yml" \(.*openapi\.yml does not exist\), expected the path of an OpenAPI file, relative to provider\.yaml$/,
    )
    const both = setup("cross", {
      "provider.yaml": goodDescriptor
        .replace('envelope: "#/components/schemas/Error"', 'envelope: "#/components/schemas/Err"')
        .replace("operations: [listThings]", "operations: [listThing]"),
    })
    const r = await run(["generate"], both)
    expect(r.code).toBe(1)
    const problems = lines(r.err)
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(
      /\/errors\/envelope: wrong field in descriptor: found "#\/components\/schemas\/Err", expected a JSON pointer to a schema of .*openapi\.yaml/,
    )
    expect(problems[1]).toMatch(
      /\/pagination\/0\/operations\/0: wrong field in descriptor: found "listThing", expected an operationId of .*openapi\.yaml \(did you mean "listThings"\?\)$/,
    )
  })

  it("OpenAPI structure: version, duplicate operationIds, at the line in the right file", async () => {
    const v2 = setup("swagger", { "openapi.yaml": goodSpec.replace("openapi: 3.1.0", "swagger: '2.0'") })
    expectOneProblem(
      await run(["generate"], v2),
      /openapi\.yaml:\d+:\d+ \/openapi: invalid OpenAPI document: found swagger: "2\.0", expected an OpenAPI 3\.0 or 3\.1 version string/,
    )
    const dup = setup("dup", {
      "openapi.yaml": goodSpec.replace("operationId: getThing", "operationId: listThings"),
    })
    expectOneProblem(
      await run(["generate"], dup),
      /openapi\.yaml:\d+:\d+ \/paths\/~1things~1\{id\}\/get\/operationId: invalid OpenAPI document: found "listThings" again, expected a unique operationId \(also on GET \/things\)$/,
    )
  })

  it("the real bin: exit code 1, no stack trace unless --debug", () => {
    const dir = setup("bin", {
      "provider.yaml": goodDescriptor.replace("type: permanent-token", "type: nope"),
    })
    const r = runBin(["generate"], dir)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/unknown auth strategy/)
    expect(r.err).not.toMatch(/^\s+at /m)
    const d = runBin(["generate", "--debug"], dir)
    expect(d.code).toBe(1)
    expect(d.err).toMatch(/^\s+at /m)
  })

  it("usage errors", async () => {
    const dir = project("errors-usage")
    expect((await run(["generate", "--spec", "x.yaml"], dir)).err).toContain("--spec needs --name and --out")
    expect((await run(["generate", "--frobnicate"], dir)).err).toContain("unknown option --frobnicate")
    expect((await run(["frob"], dir)).code).toBe(1)
    expect((await run(["--help"], dir)).out).toContain(
      "keyway generate --spec <file> --name <name> --out <dir>",
    )
  })
})
