// Loading hostile and broken specs: what a $ref may read (security issue, item 6), YAML alias
// bombs and cycles (item 10), the crashes of the generator fuzz that belong to loading
// (item 15), and lint with located diagnostics (warnings; errors with --strict).
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { ParseError } from "../src/Errors.ts"
import * as Source from "../src/Source.ts"
import { bundle } from "../src/stages/Load.ts"
import { project, run } from "./helpers.ts"

const spec = (schema: string) => `openapi: 3.1.0
info: { title: X, version: "1" }
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: Things.
          content:
            application/json:
              schema: ${schema}
`

/** A project with `api/openapi.yaml` and the other files given (paths relative to the project). */
const setup = (name: string, files: Record<string, string>, config: Record<string, unknown> = {}) => {
  const dir = project(`load-${name}`, [], config)
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true })
    writeFileSync(join(dir, f), content)
  }
  return dir
}

const generate = (dir: string, ...flags: Array<string>) =>
  run(["generate", "--spec", "api/openapi.yaml", "--name", "x", "--out", "out", ...flags], dir)

const lines = (text: string) => text.split("\n").filter(Boolean)
/** The lines that are not warnings (these specs declare no securitySchemes: a bearer token is assumed, and said). */
const errorLines = (text: string) => lines(text).filter((l) => !l.startsWith("warning: "))

/** Exit 1, exactly one problem line matching `pattern`, no stack trace, nothing written. */
const expectRefused = async (dir: string, pattern: RegExp) => {
  const r = await generate(dir)
  expect(r.code).toBe(1)
  expect(errorLines(r.err), r.err).toHaveLength(1)
  expect(errorLines(r.err)[0]).toMatch(pattern)
  expect(r.err).not.toMatch(/^\s+at /m)
  expect(existsSync(join(dir, "out"))).toBe(false)
  return r
}

const secret = "type: string\ndescription: TOP-SECRET-VALUE\n"

describe("$refs read only files of the spec's folder (or a configured root)", () => {
  it("refuses ../ and absolute paths outside the folder, located at the $ref", async () => {
    const up = setup("outside", {
      "secret.yaml": secret,
      "api/openapi.yaml": spec('{ $ref: "../secret.yaml" }'),
    })
    await expectRefused(
      up,
      /^\S*api\/openapi\.yaml:12:25 \/paths\/~1things\/get\/responses\/200\/content\/application~1json\/schema\/\$ref: \$ref does not resolve: found "\.\.\/secret\.yaml", expected a file inside \S*api \(a root named in the configuration's refRoots may add more\); \S*secret\.yaml is outside$/,
    )
    const absolute = setup("absolute", { "secret.yaml": secret, "api/openapi.yaml": "" })
    writeFileSync(
      join(absolute, "api", "openapi.yaml"),
      spec(`{ $ref: ${JSON.stringify(join(absolute, "secret.yaml"))} }`),
    )
    await expectRefused(
      absolute,
      /api\/openapi\.yaml:12:25 .*: \$ref does not resolve: .*secret\.yaml is outside$/,
    )
  })

  it("refuses a discriminator mapping that leaves the folder", async () => {
    const text = `${spec('{ $ref: "#/components/schemas/Shape" }')}components:
  schemas:
    Shape:
      oneOf: [{ $ref: "./circle.yaml" }]
      discriminator:
        propertyName: kind
        mapping: { circle: "./circle.yaml", secret: "../secret.yaml" }
`
    await expectRefused(
      setup("mapping", {
        "secret.yaml": secret,
        "api/circle.yaml": "type: object\n",
        "api/openapi.yaml": text,
      }),
      /^\S*api\/openapi\.yaml:19:45 \/components\/schemas\/Shape\/discriminator\/mapping\/secret: \$ref does not resolve: found "\.\.\/secret\.yaml", expected a file inside \S*api .*; \S*secret\.yaml is outside$/,
    )
  })

  it("refuses a symbolic link inside the folder that leads outside", async () => {
    const dir = setup("symlink", {
      "secret.yaml": secret,
      "api/openapi.yaml": spec('{ $ref: "./innocent.yaml" }'),
    })
    symlinkSync(join(dir, "secret.yaml"), join(dir, "api", "innocent.yaml"))
    await expectRefused(
      dir,
      /found "\.\/innocent\.yaml", expected .*api\/innocent\.yaml leads outside, to .*secret\.yaml$/,
    )
  })

  it("reads the files of a spec folder reached through a symbolic link", async () => {
    const dir = setup("linked-folder", {
      "real/thing.yaml": "type: string\n",
      "real/openapi.yaml": spec('{ $ref: "./thing.yaml" }'),
    })
    symlinkSync(join(dir, "real"), join(dir, "api"))
    const r = await generate(dir)
    expect(errorLines(r.err)).toEqual([])
    expect(r.code).toBe(0)
  })

  it("reads a folder the configuration names in refRoots", async () => {
    const dir = setup(
      "roots",
      { "shared/thing.yaml": secret, "api/openapi.yaml": spec('{ $ref: "../shared/thing.yaml" }') },
      { refRoots: ["shared"] },
    )
    const r = await generate(dir)
    expect(errorLines(r.err)).toEqual([])
    expect(r.code).toBe(0)
    expect(readFileSync(join(dir, "out", "src", "types.ts"), "utf8")).toContain("TOP-SECRET-VALUE")
  })

  it("never a folder, a device or /proc, even with refRoots: / ($ref: ./ is no EISDIR crash)", async () => {
    const cases: Array<[string, RegExp]> = [
      ["./", /found "\.\/", expected a file \(\S*api is a folder\)$/],
      ["./sub/", /found "\.\/sub\/", expected a file \(\S*api\/sub is a folder\)$/],
      [
        "/proc/self/environ",
        /found "\/proc\/self\/environ", expected .*\/proc\/self\/environ is a system path$/,
      ],
      ["/dev/zero", /found "\/dev\/zero", expected .*\/dev\/zero is a system path$/],
    ]
    for (const [ref, pattern] of cases) {
      const dir = setup(
        `system-${cases.findIndex((c) => c[0] === ref)}`,
        {
          "api/sub/x.yaml": "type: string\n",
          "api/openapi.yaml": spec(`{ $ref: ${JSON.stringify(ref)} }`),
        },
        { refRoots: ["/"] },
      )
      await expectRefused(dir, pattern)
    }
  })
})

describe("$ref keys in data are data", () => {
  it("examples, an Example's value, default, const and enum keep their $ref keys; nothing is read", async () => {
    const data = (n: number) => `{ $ref: "./missing-${n}.yaml" }`
    const text = `openapi: 3.1.0
info: { title: X, version: "1" }
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: Things.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Thing" }
              example: ${data(1)}
              examples:
                one: { value: ${data(2)} }
                two: { $ref: "#/components/examples/Two" }
components:
  examples:
    Two: { value: ${data(3)} }
  schemas:
    Thing:
      type: object
      default: ${data(4)}
      examples: [${data(5)}]
      properties:
        kind: { const: ${data(6)} }
        shape: { enum: [${data(7)}, "https://example.invalid/x"] }
        $ref: { type: string }
`
    const dir = setup("data", { "api/openapi.yaml": text })
    const loaded = await bundle(join(dir, "api", "openapi.yaml"))
    expect(loaded.diagnostics).toEqual([])
    expect(loaded.files).toEqual([join(dir, "api", "openapi.yaml")])
    const json = JSON.stringify(loaded.document)
    for (let n = 1; n <= 7; n++) expect(json).toContain(`{"$ref":"./missing-${n}.yaml"}`)
    // a property named $ref is a property, and a $ref to an Example is still followed
    expect(loaded.document).toMatchObject({
      paths: {
        "/things": {
          get: {
            responses: {
              200: {
                content: { "application/json": { examples: { two: { $ref: "#/components/examples/Two" } } } },
              },
            },
          },
        },
      },
      components: { schemas: { Thing: { properties: { $ref: { type: "string" } } } } },
    })
  })
})

describe("the loading crashes of the generator fuzz are located one-line errors", () => {
  it("$ref: 42", async () => {
    await expectRefused(
      setup("ref-number", { "api/openapi.yaml": spec("{ $ref: 42 }") }),
      /^\S*api\/openapi\.yaml:12:25 \/paths\/~1things\/get\/responses\/200\/content\/application~1json\/schema\/\$ref: \$ref does not resolve: found 42, expected a string: a URI reference/,
    )
  })

  it("a $ref to the whole OpenAPI document, and one that is no URI reference", async () => {
    const cases: Array<[string, string]> = [
      ["", "a pointer to a value inside the OpenAPI document \\(this \\$ref names the whole document\\)"],
      ["#", "a pointer to a value inside the OpenAPI document"],
      ["./openapi.yaml", "a pointer to a value inside the OpenAPI document"],
      ["#/components/%zz", "a valid URI reference \\(a % that starts no percent-encoding\\)"],
    ]
    for (const [i, [ref, expected]] of cases.entries())
      await expectRefused(
        setup(`ref-whole-${i}`, { "api/openapi.yaml": spec(`{ $ref: ${JSON.stringify(ref)} }`) }),
        new RegExp(
          `openapi\\.yaml:12:25 \\S+/schema/\\$ref: \\$ref does not resolve: found ${JSON.stringify(ref).replace(/[.$]/g, "\\$&")}, expected ${expected}`,
        ),
      )
  })

  it("a scalar where a structure goes, where validation knows no shape (content: 7, headers: 4)", async () => {
    const op = (fragment: string) => `openapi: 3.1.0
info: { title: X, version: "1" }
paths:
  /things:
    get:
      responses: { "200": { description: x, ${fragment} } }
`
    const cases: Array<[string, RegExp]> = [
      [
        "content: 7",
        /openapi\.yaml:6:\d+ \/paths\/~1things\/get\/responses\/200\/content: lint error \(struct\): found 7, expected an object \(MediaTypesMap\)$/,
      ],
      [
        "headers: 4",
        /openapi\.yaml:6:\d+ \/paths\/~1things\/get\/responses\/200\/headers: lint error \(struct\): found 4, expected an object \(HeadersMap\)$/,
      ],
    ]
    for (const [i, [fragment, pattern]] of cases.entries())
      await expectRefused(setup(`scalar-${i}`, { "api/openapi.yaml": op(fragment) }), pattern)
  })

  it("a cycle of $refs", async () => {
    const text = `${spec('{ $ref: "#/components/schemas/A" }')}components:
  schemas:
    A: { $ref: "#/components/schemas/B" }
    B: { $ref: "./b.yaml" }
`
    await expectRefused(
      setup("ref-cycle", {
        "api/openapi.yaml": text,
        "api/b.yaml": '$ref: "./openapi.yaml#/components/schemas/A"\n',
      }),
      /^\S*api\/openapi\.yaml:12:25 .*schema\/\$ref: \$ref does not resolve: found "#\/components\/schemas\/A", expected a \$ref that ends at a value, not a cycle of \$refs \(#\/components\/schemas\/A -> #\/components\/schemas\/B -> \S*api\/b\.yaml# -> #\/components\/schemas\/A\)$/,
    )
  })

  it("a YAML alias inside the value it names (a cycle)", async () => {
    const text = `${spec('{ $ref: "#/components/schemas/A" }')}components:
  schemas:
    A: &a
      type: object
      properties:
        self: *a
`
    await expectRefused(
      setup("alias-cycle", { "api/openapi.yaml": text }),
      /^\S*api\/openapi\.yaml:18:15: invalid YAML\/JSON: found the alias \*a inside the value it names \(a cycle\), expected aliases to values outside themselves$/,
    )
  })

  it("a YAML alias bomb (1 KB, 9 levels) is refused at once, located", async () => {
    let bomb = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for (let i = 1; i <= 8; i++)
      bomb += `l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(",")}]\n`
    expect(bomb.length).toBeLessThan(1100)
    const text = `${spec("{ type: string }")}x-bomb:\n${bomb.replace(/^/gm, "  ")}`
    const started = performance.now()
    await expectRefused(
      setup("alias-bomb", { "api/openapi.yaml": text }),
      /^\S*api\/openapi\.yaml:\d+:\d+: invalid YAML\/JSON: found aliases that expand to more than 2,000,000 values \(the largest here\), expected a document without an alias bomb$/,
    )
    expect(performance.now() - started).toBeLessThan(3000)
  })

  it("values nested too deep: a YAML spec (the parser's limit), a big JSON one (256 levels)", async () => {
    const yaml = `${spec("{ type: string }")}x-deep: ${"[".repeat(300)}${"]".repeat(300)}\n`
    await expectRefused(
      setup("deep-yaml", { "api/openapi.yaml": yaml }),
      /^\S*api\/openapi\.yaml:13:\d+: invalid YAML\/JSON: found nesting exceeded maxDepth \(100\), expected valid YAML$/,
    )
    // over 1 MB: the path that skips the walk of big single-file JSON specs
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`
    const json = `{"openapi":"3.1.0","info":{"title":"X","version":"1","description":"${"x".repeat(1_000_000)}"},"paths":{},"x-deep":${deep}}`
    const dir = setup("deep-json", { "api/openapi.yaml": "" })
    writeFileSync(join(dir, "api", "openapi.json"), json)
    const r = await run(["generate", "--spec", "api/openapi.json", "--name", "x", "--out", "out"], dir)
    expect(r.code).toBe(1)
    expect(errorLines(r.err)).toHaveLength(1)
    expect(r.err).toMatch(
      /api\/openapi\.json:1:\d+: invalid YAML\/JSON: found values nested more than 256 levels deep/,
    )
  })

  it("a document larger than 64 MiB", () => {
    expect(() => Source.parse("/tmp/big.json", " ".repeat(Source.maxDocumentBytes + 1))).toThrow(ParseError)
    try {
      Source.parse("/tmp/big.json", " ".repeat(Source.maxDocumentBytes + 1))
    } catch (error) {
      expect((error as ParseError).message).toMatch(
        /: invalid YAML\/JSON: found 64\.0 MiB of text, expected a document of at most 64 MiB$/,
      )
    }
  })
})

describe("lint: what passed silently is reported with file:line (warnings; errors with --strict)", () => {
  const text = `openapi: 3.0.3
info: { title: X, version: "1" }
paths:
  /jobs/candidates:
    get:
      operationId: listCandidates
      parameters:
        - { name: jobId, in: path, required: true, schema: { type: string } }
        - { name: stage, in: querry, schema: { type: string } }
        - { name: limit, in: query, schema: { type: strnig } }
        - { name: limit, in: query, schema: { type: integer } }
      responses:
        "200": { description: Candidates. }
`
  const expected = [
    /^\S*api\/openapi\.yaml:8:13 \/paths\/~1jobs~1candidates\/get\/parameters\/0\/name: lint (error )?\(path-parameters-defined\): found Path parameter `jobId` is not used in the path `\/jobs\/candidates`, expected a path parameter declared for every {name} of the path, and only for those$/,
    /^\S*api\/openapi\.yaml:9:26 \/paths\/~1jobs~1candidates\/get\/parameters\/1\/in: lint (error )?\(struct\): found "querry", expected `in` can be one of the following only: "query", "header", "path", "cookie"$/,
    /^\S*api\/openapi\.yaml:10:47 \/paths\/~1jobs~1candidates\/get\/parameters\/2\/schema\/type: lint (error )?\(struct\): found "strnig", expected `type` can be one of the following only: "object", "array", "string", "number", "integer", "boolean"$/,
    /^\S*api\/openapi\.yaml:11:11 \/paths\/~1jobs~1candidates\/get\/parameters\/3: lint (error )?\(operation-parameters-unique\): found Operations must have unique `name` \+ `in` parameters\. Repeats of `in:query` \+ `name:limit`, expected each parameter \(name and in\) declared once per operation$/,
  ]

  it("warnings, and the package is generated", async () => {
    const dir = setup("lint", { "api/openapi.yaml": text })
    const r = await generate(dir)
    expect(r.code).toBe(0)
    const got = lines(r.err)
      .filter((l) => l.includes(": lint "))
      .map((l) => l.replace(/^warning: /, ""))
    expect(got, r.err).toHaveLength(expected.length)
    got.forEach((line, i) => {
      expect(line).toMatch(expected[i]!)
      expect(line).toContain(": lint (")
    })
    expect(
      lines(r.err)
        .filter((l) => l.includes(": lint "))
        .every((l) => l.startsWith("warning: ")),
    ).toBe(true)
  })

  it("--strict: errors, and nothing is written", async () => {
    const dir = setup("lint-strict", { "api/openapi.yaml": text })
    const r = await generate(dir, "--strict")
    expect(r.code).toBe(1)
    const got = lines(r.err)
    expect(got, r.err).toHaveLength(expected.length)
    got.forEach((line, i) => {
      expect(line).toMatch(expected[i]!)
      expect(line).toContain(": lint error (")
    })
    expect(existsSync(join(dir, "out"))).toBe(false)
  })

  it("a {name} of a path that no parameter declares is said once, by validation", async () => {
    const dir = setup("lint-undeclared", {
      "api/openapi.yaml": text.replace("/jobs/candidates:", "/jobs/{jobId}/candidates/{stage}:"),
    })
    const r = await generate(dir)
    expect(r.code).toBe(1)
    const stage = errorLines(r.err).filter((l) => l.includes("found {stage}"))
    expect(stage, r.err).toHaveLength(1)
    expect(stage[0]).toMatch(/openapi\.yaml:4:3 \S+: invalid OpenAPI document: found {stage} in/)
    expect(lines(r.err).filter((l) => l.includes("path-parameters-defined"))).toEqual([])
  })
})

describe("Source.locate in JSON (one pass, many places: warnings of a 13 MB spec)", () => {
  it("finds keys with escapes, array items, nested values, and the deepest existing parent", () => {
    const text = JSON.stringify(
      { a: { 'b"x': [1, { c: 'q\\"}' }, [2, 3]], d: null }, e: true, f: "x" },
      null,
      2,
    )
    const source = Source.parse("/tmp/x.json", text)
    const places: Array<[Array<string | number>, [number, number]]> = [
      [[], [1, 1]],
      [["a"], [2, 3]],
      [
        ["a", 'b"x'],
        [3, 5],
      ],
      [
        ["a", 'b"x', 1, "c"],
        [6, 9],
      ],
      [
        ["a", 'b"x', 2, 1],
        [10, 9],
      ],
      [
        ["a", "d"],
        [13, 5],
      ],
      [["e"], [15, 3]],
      [["f"], [16, 3]],
      [["zz"], [1, 1]],
      [
        ["a", "nope", "x"],
        [2, 3],
      ],
    ]
    const many = source.locateMany(places.map(([p]) => p))
    places.forEach(([path, [line, column]], i) => {
      expect(source.locate(path), JSON.stringify(path)).toEqual({ line, column })
      expect(many[i]).toEqual({ line, column })
    })
  })
})
