// The corpus: one spec per class of real-world spec, each through `keyway generate --spec`, its
// output type-checked with tsc7 together with a type test of what the class is about (every type
// test holds a @ts-expect-error, so a checker that does not see it fails).
import { copyFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { generate as emitTypes } from "../src/plugins/TypesPlugin.ts"
import { bundle } from "../src/stages/Load.ts"
import { fixtures, project, run, typecheck } from "./helpers.ts"

const corpus = join(fixtures, "corpus")

/** What was printed besides the bearer token `--spec` assumes for a document without securitySchemes. */
const said = (err: string) => err.split("\n").filter((l) => l !== "" && !l.includes(": auth not inferred: "))

const generateAndCheck = async (name: string) => {
  const dir = project(`corpus-${name}`)
  const out = join(dir, "packages", name)
  const r = await run(
    ["generate", "--spec", join(corpus, name, "openapi.yaml"), "--name", name, "--out", out],
    dir,
  )
  expect(r.code, r.err).toBe(0)
  copyFileSync(join(corpus, name, "typetest.ts"), join(out, "src", "typetest.ts"))
  const t = typecheck(join(out, "tsconfig.json"))
  expect(t.output).toBe("")
  expect(t.code).toBe(0)
  return { ...r, out, types: readFileSync(join(out, "src", "types.ts"), "utf8") }
}

describe("corpus: each class of spec generates and type-checks (tsc7)", () => {
  it("multi-file: relative refs to YAML and JSON files, #/ fragments into other files, ../", async () => {
    const r = await generateAndCheck("multi-file")
    expect(said(r.err)).toEqual([])
    // hoisted from the other files into components, not inlined at each use
    expect(r.types).toMatch(/\bpet: \{/)
    expect(r.types).toMatch(/Problem: \{/)
  })

  it("circular schemas: self, mutual and across files", async () => {
    const r = await generateAndCheck("circular")
    expect(said(r.err)).toEqual([])
    expect(r.types).toContain('children?: components["schemas"]["node"][]')
  })

  it("OpenAPI 3.0: nullable, readOnly/writeOnly, path-item parameters", async () => {
    const r = await generateAndCheck("oas30")
    expect(said(r.err)).toEqual([])
    expect(r.types).toContain("nickname: string | null")
  })

  it('OpenAPI 3.1: type: [.., "null"], const, examples', async () => {
    const r = await generateAndCheck("oas31")
    expect(said(r.err)).toEqual([])
    expect(r.types).toContain("note: string | null")
  })

  it("allOf / oneOf / discriminator with a mapping into another file", async () => {
    const r = await generateAndCheck("composition")
    expect(said(r.err)).toEqual([])
    expect(r.types).toMatch(/square: \{/)
  })

  it("$ref keys in example values and defaults are data; x- extension refs to missing files are warnings", async () => {
    const r = await generateAndCheck("data-refs")
    // the payloads are kept as they are
    expect(r.types).toContain('"$ref": "https://api.github.com/scim/v2/Users/1"')
    const warnings = said(r.err)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(
      /^warning: \S*corpus\/data-refs\/openapi\.yaml:9:\d+ \/paths\/~1scim~1v2~1Groups\/post\/x-codeSamples\/0\/source\/\$ref: lint \(no-unresolved-refs\): found "\.\/samples\/create-group\.sh", expected an existing file \(.*samples\/create-group\.sh does not exist\)$/,
    )
    expect(warnings[1]).toMatch(
      /^warning: \S*openapi\.yaml:10:\d+ \/paths\/~1scim~1v2~1Groups\/post\/x-provenance\/\$ref: lint \(no-unresolved-refs\): found "https:\/\/example\.invalid\/provenance\.yaml", expected a local file \(remote \$refs are not fetched\)$/,
    )
  })
})

describe("types: openapi-typescript's transform on the bundle is openapiTS's own output", () => {
  // Keyway lints and bundles once and calls `transformSchema` itself; `openapiTS` would lint and
  // bundle the bundle again. Same options, same text. (data-refs is left out: openapiTS would
  // fetch the URL of its example's "$ref".)
  const options = [
    {},
    { immutable: true, alphabetize: true, enum: true, rootTypes: true, pathParamsAsTypes: true },
    { defaultNonNullable: false, additionalProperties: true, exportType: true, readWriteMarkers: true },
  ]
  it("for every class of the corpus and three sets of options", async () => {
    const { default: openapiTS, astToString } = await import("openapi-typescript")
    for (const name of ["multi-file", "circular", "oas30", "oas31", "composition"]) {
      const loaded = await bundle(join(corpus, name, "openapi.yaml"))
      for (const option of options) {
        const theirs = astToString(
          await openapiTS(structuredClone(loaded.document) as never, { ...option, silent: true }),
        )
        const ours = await emitTypes(structuredClone(loaded.document), option, name)
        expect(ours, `${name} ${JSON.stringify(option)}`).toBe(theirs)
      }
    }
  })
})
