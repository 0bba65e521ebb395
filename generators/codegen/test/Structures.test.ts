/**
 * Spec and descriptor text reaches generated code only through `Emit` (JSDoc structures, property
 * names, string literals), so it can never become code: every hostile text is printed by ts-morph
 * and parsed back by TypeScript, and no identifier of the payload appears anywhere in the syntax
 * tree, in the structures alone and in a whole generated package.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Project, ts } from "ts-morph"
import { describe, expect, it } from "vitest"
import * as Emit from "../src/Emit.ts"
import { constant, iface, typeAlias } from "../src/internal/Structures.ts"
import { project, run } from "./helpers.ts"

const payloads = [
  "*/ globalThis.PWNED = 1; /*",
  "*/ export const PWNED = 1 /*",
  '"; globalThis.PWNED = 1; "',
  "'] = 1; globalThis.PWNED = 1; x['",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the hostile text itself
  "`${globalThis.PWNED = 1}`",
  "a\n*/ globalThis.PWNED = 1 /*\nb",
  "a\u2028*/ globalThis.PWNED = 1 /*",
  "__proto__",
]

/** The identifiers of a module's syntax tree (comments and string literals are not in it). */
const identifiers = (text: string): Array<string> => {
  const file = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const out: Array<string> = []
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) out.push(node.text)
    ts.forEachChild(node, visit)
  }
  visit(file)
  return out
}

/** The module's parse errors. */
const syntaxErrors = (text: string): number => {
  const file = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  return (file as unknown as { parseDiagnostics: ReadonlyArray<unknown> }).parseDiagnostics.length
}

describe("Emit structures: text from specs and descriptors stays text", () => {
  it.each(payloads)("JSDoc text, property names and string literals: %j", (payload) => {
    const statements = [
      iface(
        "Options",
        [
          Emit.property(payload, Emit.string(payload), { doc: payload, optional: true }),
          Emit.property("plain", "string", { doc: `${payload} ${payload}` }),
        ],
        { doc: payload },
      ),
      typeAlias("Scope", Emit.literalUnion([payload, "b", payload.repeat(5)]), {
        doc: Emit.docText(payload),
      }),
      constant("value", Emit.valueWriter({ [payload]: [payload], key: payload }), {
        doc: payload,
        example: payload,
      }),
    ]
    const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true })
    const text = project
      .createSourceFile("/m.ts", { statements: statements.map((s) => ({ ...s })) })
      .getFullText()
    expect(syntaxErrors(text), text).toBe(0)
    const names = identifiers(text)
    expect(
      names.filter((n) => n.includes("PWNED")),
      text,
    ).toEqual([])
    // exactly the three declarations: nothing was added at the top level
    const file = ts.createSourceFile("m.ts", text, ts.ScriptTarget.Latest, true)
    expect(
      file.statements.map((s) =>
        ts.isInterfaceDeclaration(s)
          ? "interface"
          : ts.isTypeAliasDeclaration(s)
            ? "type"
            : ts.isVariableStatement(s)
              ? "const"
              : "other",
      ),
    ).toEqual(["interface", "type", "const"])
    // the value is kept: the property is named exactly as written
    const options = file.statements[0] as ts.InterfaceDeclaration
    const name = options.members.at(0)?.name
    const key = name !== undefined && ts.isComputedPropertyName(name) ? name.expression : name
    expect(
      key !== undefined && (ts.isStringLiteral(key) || ts.isIdentifier(key)) ? key.text : undefined,
    ).toBe(payload)
  })

  it("a whole generated package: hostile text in the descriptor and the spec is no code in any module", async () => {
    const dir = project("structures-escape", ["petstore"])
    const payload = "*/ globalThis.PWNED_DOC = 1; /*"
    const descriptorFile = join(dir, "specs", "petstore", "provider.yaml")
    writeFileSync(
      descriptorFile,
      readFileSync(descriptorFile, "utf8")
        .replace("title: Petstore", `title: ${JSON.stringify(`Petstore ${payload}`)}`)
        .replace('description: "API host"', `description: ${JSON.stringify(`API host ${payload}`)}`)
        .replace(
          "production: { host: api.pets.test }",
          `${JSON.stringify(`prod ${payload}`)}: { host: api.pets.test }`,
        ),
    )
    const pets = join(dir, "specs", "petstore", "paths", "pets.yaml")
    writeFileSync(
      pets,
      readFileSync(pets, "utf8").replace(/summary: .*/, `summary: ${JSON.stringify(payload)}`),
    )
    const r = await run(["generate"], dir)
    expect(r.err).toBe("")
    expect(r.code).toBe(0)
    for (const module of ["client", "auth", "effect", "descriptor", "index"]) {
      const text = readFileSync(join(dir, "packages", "petstore", "src", `${module}.ts`), "utf8")
      expect(syntaxErrors(text), module).toBe(0)
      expect(
        identifiers(text).filter((n) => n.includes("PWNED")),
        module,
      ).toEqual([])
    }
    const client = readFileSync(join(dir, "packages", "petstore", "src", "client.ts"), "utf8")
    // the text is there, escaped: as doc text and as a string literal type
    expect(client).toContain("*\\/ globalThis.PWNED_DOC = 1; /*")
    expect(client).toContain(Emit.string(`prod ${payload}`))
  })
})
