/**
 * Docs that cannot rot (issue 9): every `@example` block of the public packages' sources, and
 * every ts block of their READMEs, compiles as a module of its own, and every public export has an
 * example.
 *
 * The blocks are written under `test/fixtures/out/` (inside the workspace, so that `@keyway/*`
 * resolve to their sources through the `@keyway/source` condition and `effect` from this
 * package's node_modules) and type-checked in one tsc7 run. What does not hold yet is listed in
 * `known-failures.txt`; the list can only shrink: an entry that now holds fails the test too.
 *
 * `KEYWAY_EXAMPLES_WRITE=1 pnpm --filter @keyway/examples test` rewrites the list from what fails
 * now (review its diff: an entry added is a regression).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { checkedLanguages, checkModules, tsBlocks } from "@keyway/tsc7/Blocks"
import { describe, expect, it } from "vitest"
import { publicPackages } from "../../../scripts/packages.ts"
import { type Example, scan, syntaxErrors, unfenced } from "../src/Examples.ts"

const here = import.meta.dirname
const root = Path.resolve(here, "..", "..", "..")
const out = Path.join(here, "fixtures", "out", "examples")
const listFile = Path.join(here, "known-failures.txt")

/** Generated packages: their examples are checked, their coverage is the generator's (see the list's header). */
const generated = (file: string) => file.startsWith("packages/providers/")

/**
 * The public packages, and the example plugins of `examples/` (private, but written as a user
 * would write a plugin: documentation as much as code).
 */
const packages = [
  ...publicPackages(),
  ...Fs.readdirSync(Path.join(root, "examples"))
    .map((name) => ({ path: Path.join(root, "examples", name) }))
    .filter((p) => Fs.existsSync(Path.join(p.path, "package.json"))),
]
const { examples, exports } = scan(root, packages)
/**
 * The README's ts blocks of every public package the generator does not write (its READMEs are
 * checked by `generators/codegen/test/Readme.test.ts`), one entry per README.
 */
const readmes: Array<Example> = packages.flatMap((p) => {
  const file = Path.join(p.path, "README.md")
  const rel = Path.relative(root, file).split(Path.sep).join("/")
  if (generated(rel) || !Fs.existsSync(file)) return []
  return tsBlocks(Fs.readFileSync(file, "utf8")).map((b) => ({ file: rel, symbol: "README", ...b }))
})
const checked = [...examples.filter((e) => checkedLanguages.includes(e.lang)), ...readmes]

/** `packages/core/src/Client.ts:19` → the module name of the block. */
const moduleName = (e: Example) => `${e.file.replace(/\.(ts|md)$/, "")}.L${e.line}.ts`

const compile = () => {
  const failures = new Map<string, Array<string>>()
  const fail = (key: string, line: string) => failures.set(key, [...(failures.get(key) ?? []), line])
  const modules: Record<string, string> = {}
  for (const e of checked) {
    const syntax = syntaxErrors(e.code)
    // tsc reports no type errors of a program with a syntax error: such a block stays out of it
    if (syntax.length)
      for (const s of syntax)
        fail(
          `${e.file}: ${e.symbol}`,
          `${e.file}:${e.line - 1 + Number.parseInt(s, 10)}: ${s.replace(/^\d+: /, "")}`,
        )
    // `export {}`: a block is a module even when it imports nothing, so blocks do not share names
    else modules[moduleName(e)] = `${e.code}\nexport {}\n`
  }
  for (const e of examples.filter((e) => e.lang === unfenced && !generated(e.file)))
    fail(`${e.file}: ${e.symbol}`, `${e.file}:${e.line}: an @example without a fenced block`)
  const r = checkModules(out, modules, {
    extends: Path.relative(out, Path.join(root, "tsconfig.base.json")),
    compilerOptions: { noEmit: true, declaration: false, declarationMap: false, sourceMap: false },
  })
  const byModule = new Map(checked.map((e) => [moduleName(e), e]))
  for (const d of r.diagnostics) {
    const e = d.module === undefined ? undefined : byModule.get(d.module)
    // a diagnostic outside the blocks (a package's own source) belongs to no example: report it raw
    const key = e ? `${e.file}: ${e.symbol}` : `(outside the examples) ${d.file}`
    const where = e ? `${e.file}:${e.line + d.line - 1}` : `${d.file}:${d.line}`
    fail(key, `${where}: ${d.message}`)
  }
  if (r.code !== 0 && r.diagnostics.length === 0) fail("(tsc7)", r.output)
  return failures
}

const readList = () => {
  const text = Fs.existsSync(listFile) ? Fs.readFileSync(listFile, "utf8") : ""
  const sections = { compile: new Set<string>(), missing: new Set<string>() }
  let section: keyof typeof sections | undefined
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim()
    if (line === "") continue
    if (line === "[does not compile]") section = "compile"
    else if (line === "[no example]") section = "missing"
    else if (section) sections[section].add(line)
    else throw new Error(`known-failures.txt: "${line}" is outside a section`)
  }
  return sections
}

const header = `# Known failures of tooling/examples (issue 9). This list can only shrink: the test fails on a
# failure not listed here AND on an entry that no longer fails. Each entry is \`package/file: symbol\`
# (\`<module>\` is the file's header comment, \`Outer.member\` a member's own doc).
#
# Generated packages (packages/providers/*) are not in [no example]: their examples are checked
# with the rest, their coverage is the generator's to give (an @example in what it emits).
`

describe("@example blocks", () => {
  const failures = compile()
  const missing = exports
    .filter((e) => !e.hasExample && !generated(e.file))
    .map((e) => `${e.file}: ${e.symbol}`)
  const prose = examples.filter((e) => e.lang !== unfenced).length - (checked.length - readmes.length)
  console.log(
    `${checked.length - readmes.length} @example blocks and ${readmes.length} README blocks type-checked ` +
      `(${prose} @example blocks in other fences not checked, ` +
      `${examples.length - (checked.length - readmes.length) - prose} unfenced), ` +
      `${failures.size} failing; ${exports.length} public exports, ${missing.length} without an @example`,
  )

  // per package: blocks checked / failing (keys) / exports without an example
  const folders = packages.map((p) => Path.relative(root, p.path).split(Path.sep).join("/"))
  const folderOf = (file: string) => folders.find((f) => file.startsWith(`${f}/`)) ?? "?"
  const rows = new Map<string, [number, number, number]>()
  const row = (file: string) => {
    const key = folderOf(file)
    if (!rows.has(key)) rows.set(key, [0, 0, 0])
    return rows.get(key)!
  }
  for (const e of checked) row(e.file)[0]++
  for (const key of failures.keys()) row(key)[1]++
  for (const m of missing) row(m)[2]++
  console.log(
    [...rows]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([f, [n, failing, bare]]) =>
          `  ${f}: ${n} blocks, ${failing} failing (symbols), ${bare} exports without an example`,
      )
      .join("\n"),
  )

  if (process.env["KEYWAY_EXAMPLES_WRITE"] === "1") {
    Fs.writeFileSync(
      listFile,
      `${header}\n[does not compile]\n${[...failures.keys()].sort().join("\n")}\n\n[no example]\n${missing.sort().join("\n")}\n`,
    )
  }
  const known = readList()
  const report = Path.join(out, "report.txt")
  Fs.writeFileSync(report, [...failures.values()].flat().join("\n") + "\n")
  console.log(`every failing line, listed or not: ${Path.relative(process.cwd(), report)}`)

  it("finds the blocks (a floor, so that it cannot pass on an empty scan)", () => {
    expect(packages.length).toBeGreaterThanOrEqual(15)
    expect(checked.length).toBeGreaterThan(500)
    expect(exports.length).toBeGreaterThan(500)
  })

  it("every ts block compiles standalone, except the listed ones", () => {
    const unexpected = [...failures].filter(([key]) => !known.compile.has(key))
    expect(unexpected.flatMap(([, lines]) => lines).join("\n")).toBe("")
  })

  it("every public export has an @example, except the listed ones", () => {
    expect(missing.filter((m) => !known.missing.has(m))).toEqual([])
  })

  it("the list is not stale: every entry still fails", () => {
    const exported = new Set(missing)
    expect({
      compiles: [...known.compile].filter((k) => !failures.has(k)),
      hasExample: [...known.missing].filter((k) => !exported.has(k)),
    }).toEqual({ compiles: [], hasExample: [] })
  })
})
