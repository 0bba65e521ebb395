import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as Errors from "../src/Errors.ts"
import * as Load from "../src/stages/Load.ts"
import * as Overlay from "../src/stages/Overlay.ts"
import { outRoot, project, run } from "./helpers.ts"

const spec = `openapi: 3.1.0
info: { title: T, version: "1" }
paths:
  /pets:
    get:
      operationId: list-pets
      tags: [a]
      parameters:
        - { name: limit, in: query, schema: { type: integer } }
        - { name: dummy, in: query, schema: { type: string } }
      responses:
        "200": { description: OK }
    put:
      operationId: update-pets
      responses:
        "200": { description: OK }
components:
  schemas:
    Pet:
      type: object
      required: [wrong]
      properties:
        id: { type: string }
`

// A folder with openapi.yaml and the given overlays (name → text); returns the paths.
const setup = async (name: string, overlays: Record<string, string>) => {
  const dir = join(outRoot, "overlay", name)
  mkdirSync(join(dir, "overlays"), { recursive: true })
  writeFileSync(join(dir, "openapi.yaml"), spec)
  for (const [file, text] of Object.entries(overlays)) writeFileSync(join(dir, "overlays", file), text)
  return { dir, bundle: await Load.bundle(join(dir, "openapi.yaml")), files: Overlay.filesFor(dir) }
}

const header = "overlay: 1.0.0\ninfo: { title: t, version: '1' }\nactions:\n"

const problemsOf = (f: () => unknown): ReadonlyArray<string> => {
  try {
    f()
  } catch (error) {
    return Errors.problemsOf(error as Errors.KeywayCodegenError).map(Errors.format)
  }
  throw new Error("expected a failure")
}

describe("Overlay 1.0: update merges, remove removes, in file order", () => {
  it("merges objects, replaces primitives, appends to arrays, concatenates arrays, removes nodes", async () => {
    const { bundle, files } = await setup("merge", {
      "20-second.yaml": `${header}  - target: $.paths['/pets'].get
    update: { operationId: listPetsAgain }
`,
      "10-first.yaml": `${header}  - target: $.paths['/pets'].get
    update:
      operationId: listPets
      tags: [b]
      responses: { "404": { description: Missing } }
  - target: $.paths['/pets'].get.parameters[?@.name == 'dummy']
    remove: true
  - target: $.paths['/pets'].get.parameters
    update: { name: page, in: query, schema: { type: integer } }
  - target: $.paths['/pets'].put
    remove: true
  - target: $.paths['/pets']
    update:
      patch: { operationId: updatePets, responses: { "200": { description: OK } } }
  - target: $.components.schemas.Pet.required
    remove: true
  - target: $.components.schemas.Pet
    update: { required: [id] }
`,
      "notes.txt": "not an overlay",
    })
    expect(files.map((f) => f.split("/").pop())).toEqual(["10-first.yaml", "20-second.yaml"])
    const { document } = Overlay.apply(bundle, files)
    const pets = (document.paths as Record<string, Record<string, Record<string, unknown>>>)["/pets"]!
    expect(pets.get!.operationId).toBe("listPetsAgain")
    expect(pets.get!.tags).toEqual(["a", "b"])
    expect(Object.keys(pets.get!.responses as object)).toEqual(["200", "404"])
    expect((pets.get!.parameters as Array<{ name: string }>).map((p) => p.name)).toEqual(["limit", "page"])
    expect(Object.keys(pets)).toEqual(["get", "patch"])
    expect((document.components as { schemas: { Pet: { required: unknown } } }).schemas.Pet.required).toEqual(
      ["id"],
    )
  })

  it("locates a value an overlay wrote in the overlay file, others in the spec", async () => {
    const { bundle, files } = await setup("locate", {
      "10.yaml": `${header}  - target: $.paths['/pets'].get
    update:
      operationId: listPets
      responses:
        "404": { description: Missing }
`,
    })
    const overlaid = Overlay.apply(bundle, files)
    const id = overlaid.locate(["paths", "/pets", "get", "operationId"])
    expect(id.file).toMatch(/overlays\/10\.yaml$/)
    expect(id.line).toBe(6)
    expect(id.pointer).toBe("/actions/0/update/operationId")
    expect(overlaid.locate(["paths", "/pets", "get", "responses", "404", "description"]).line).toBe(8)
    const tags = overlaid.locate(["paths", "/pets", "get", "tags"])
    expect(tags.file).toMatch(/overlay\/locate\/openapi\.yaml$/)
    expect(tags.line).toBe(7)
  })

  it("a target that selects nothing is an error at the action: file, line, index, target", async () => {
    const { bundle, files } = await setup("nothing", {
      "10.yaml": `${header}  - target: $.paths['/pets'].get
    update: { summary: ok }
  - target: $.paths['/gone'].get
    update: { summary: x }
  - target: $.paths['/pets'].get.parameters[?@.name == 'nope']
    remove: true
`,
    })
    const lines = problemsOf(() => Overlay.apply(bundle, files))
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(
      /overlays\/10\.yaml:6:5 \/actions\/1\/target: overlay does not apply: found \$\.paths\['\/gone'\]\.get \(selects nothing in .*openapi\.yaml\), expected a target that selects at least one node/,
    )
    expect(lines[1]).toMatch(/overlays\/10\.yaml:8:5 \/actions\/2\/target: .*'nope'/)
  })

  it("malformed documents, bad JSONPath, primitive targets and incompatible merges are located errors", async () => {
    const { bundle, files } = await setup("bad", {
      "10.yaml":
        "overlay: 2.0.0\ninfo: { title: t, version: '1' }\nactions:\n  - { target: $, update: {} }\n",
      "15.yaml": "overlay: 1.0.0\ninfo: { title: t }\nactions: []\n",
      "20.yaml": `${header}  - target: $.paths[
    update: {}
  - target: $.info.title
    update: { x: 1 }
  - target: $.paths['/pets'].get
    update: { tags: { not: an-array } }
  - target: $.paths['/pets'].get
  - target: $.info
    update: [1]
`,
    })
    const lines = problemsOf(() => Overlay.apply(bundle, files))
    expect(lines[0]).toMatch(
      /10\.yaml:1:1 \/overlay: .*found overlay: "2\.0\.0", expected an Overlay 1\.0 version/,
    )
    expect(lines[1]).toMatch(/15\.yaml:2:1 \/info: .*expected an info object with a title and a version/)
    expect(lines[2]).toMatch(
      /15\.yaml:3:1 \/actions: .*found actions: \[\], expected a list of at least one action/,
    )
    expect(lines[3]).toMatch(
      /20\.yaml:4:5 \/actions\/0\/target: .*found \$\.paths\[ \(.*\), expected a JSONPath/,
    )
    expect(lines[4]).toMatch(
      /20\.yaml:6:5 \/actions\/1\/target: .*selects a string at \$\["info"\]\["title"\]/,
    )
    expect(lines[5]).toMatch(
      /20\.yaml:9:15 \/actions\/2\/update\/tags: .*found an object for an array at \$\["paths"\]\["\/pets"\]\["get"\]\["tags"\]/,
    )
    expect(lines[6]).toMatch(/20\.yaml:10:5 \/actions\/3: .*neither update nor remove/)
    expect(lines[7]).toMatch(/20\.yaml:12:5 \/actions\/4\/update: .*found update: an array/)
    expect(lines).toHaveLength(8)
  })

  it("in the pipeline: overlays apply before validation, are inputs of --check, and a broken one stops generation", async () => {
    const dir = project("overlay-pipeline", ["minimal"])
    expect((await run(["generate"], dir)).code).toBe(0)
    mkdirSync(join(dir, "specs/minimal/overlays"))
    writeFileSync(
      join(dir, "specs/minimal/overlays/10-summary.yaml"),
      `${header}  - target: $.paths['/things/{id}'][?@.operationId == 'getThing']
    update: { operationId: renamedByOverlay }
`,
    )
    const check = await run(["generate", "--check"], dir)
    expect(check.code).not.toBe(0)
    expect((await run(["generate"], dir)).code).toBe(0)
    const ops = readFileSync(join(dir, "packages/minimal/src/types.ts"), "utf8")
    expect(ops).toContain("renamedByOverlay")
    expect((await run(["generate", "--check"], dir)).code).toBe(0)
    writeFileSync(
      join(dir, "specs/minimal/overlays/20-broken.yaml"),
      `${header}  - target: $.paths['/moved']\n    update: { summary: x }\n`,
    )
    const broken = await run(["generate"], dir)
    expect(broken.code).toBe(1)
    expect(broken.err).toMatch(
      /specs\/minimal\/overlays\/20-broken\.yaml:4:5 \/actions\/0\/target: overlay does not apply: found \$\.paths\['\/moved'\]/,
    )
    expect(readFileSync(join(dir, "packages/minimal/src/types.ts"), "utf8")).toBe(ops)
  })
})

describe("Overlay: problems found later point at the overlay that wrote the value", () => {
  it("a duplicate operationId written by an overlay is reported at the overlay's line", async () => {
    const dir = project("overlay-located", ["minimal"])
    mkdirSync(join(dir, "specs/minimal/overlays"))
    writeFileSync(
      join(dir, "specs/minimal/overlays/10-ids.yaml"),
      `${header}  - target: $.paths['/things/{id}'].get
    update:
      operationId: listThings
`,
    )
    const r = await run(["generate"], dir)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(
      /specs\/minimal\/overlays\/10-ids\.yaml:6:7 \/actions\/0\/update\/operationId: .*listThings/,
    )
  })
})
