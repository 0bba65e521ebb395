/**
 * The `@example` blocks of the public packages and the exports that have none, read with the
 * TypeScript compiler API (the JSDoc the compiler attaches to each declaration, not a regex over
 * the file).
 *
 * - **examples**: every JSDoc `@example` of an exported declaration (and of its members) and of a
 *   module's header comment, in every `src/**\/*.ts` of a public package but those its `exports`
 *   close (`"./internal/*": null`: not importable, not public); each fenced block is one example,
 *   checked when fenced ```ts (any other fence is prose and only counted);
 * - **exports**: the package's public API, followed from its `exports` entry points through
 *   `export * as X from`, `export * from` and `export { a } from` to the declaring file; an export
 *   is covered when one of the declarations of its name carries an `@example`. Type-only
 *   re-exports (`export type { X } from`) are not the export's home and are not counted.
 *
 * @example
 * ```ts
 * import { scan } from "@keyway/examples"
 * const { examples, exports } = scan(process.cwd(), [{ path: "packages/otel" }])
 * ```
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { codeBlocks } from "@keyway/tsc7/Blocks"
import ts from "typescript"

/**
 * One fenced block of an `@example`: where it is (repository-relative file, 1-based line of its
 * first line of code), whose doc it is (`name`, `Outer.member`, or `<module>` for the header
 * comment), its fence language and its code.
 *
 * @example
 * ```ts
 * import type { Example } from "@keyway/examples"
 * const e: Example = { file: "packages/otel/src/Otel.ts", line: 30, symbol: "<module>", lang: "ts", code: "" }
 * ```
 */
export interface Example {
  readonly file: string
  readonly line: number
  readonly symbol: string
  readonly lang: string
  readonly code: string
}

/**
 * One public export: the file that declares it (repository-relative), its name there, and
 * whether a declaration of that name carries an `@example` with a block.
 *
 * @example
 * ```ts
 * import type { Export } from "@keyway/examples"
 * const e: Export = { file: "packages/otel/src/Otel.ts", symbol: "layer", hasExample: true }
 * ```
 */
export interface Export {
  readonly file: string
  readonly symbol: string
  readonly hasExample: boolean
}

/** A package to scan: its folder (absolute, or relative to the root). */
export interface Package {
  readonly path: string
}

/** The `lang` of an `@example` without a fenced block. */
export const unfenced = "(unfenced)"

/**
 * The syntax errors of a block, as `line: message` (1-based line in the block): tsc reports no
 * type errors of a program with a syntax error in it, so such a block is reported, not checked.
 *
 * @example
 * ```ts
 * import { syntaxErrors } from "@keyway/examples"
 * syntaxErrors("const a = ") // ["1: Expression expected."]
 * ```
 */
export const syntaxErrors = (code: string): Array<string> => {
  const r = ts.transpileModule(code, {
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext },
  })
  return (r.diagnostics ?? []).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 1
    return `${line}: TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`
  })
}

const sources = (dir: string): Array<string> =>
  Fs.existsSync(dir)
    ? Fs.readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && e.name.endsWith(".ts") && !/\.(d|test)\.ts$/.test(e.name))
        .map((e) => Path.join(e.parentPath, e.name))
        .sort()
    : []

const parsed = new Map<string, ts.SourceFile>()
const parse = (file: string): ts.SourceFile => {
  let sf = parsed.get(file)
  if (sf === undefined) {
    sf = ts.createSourceFile(file, Fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true)
    parsed.set(file, sf)
  }
  return sf
}

/** The JSDoc comments the compiler attached to a node (a variable's are on its statement). */
const jsDocsOf = (node: ts.Node): ReadonlyArray<ts.JSDoc> =>
  ts.getJSDocCommentsAndTags(node).filter((d): d is ts.JSDoc => ts.isJSDoc(d))

/** The `@example` tags of JSDoc comments, each block with the line it starts on. */
const examplesOf = (sf: ts.SourceFile, docs: ReadonlyArray<ts.JSDoc>) =>
  docs.flatMap((doc) =>
    (doc.tags ?? [])
      .filter((t) => t.tagName.text === "example")
      .flatMap((tag) => {
        const start = sf.getLineAndCharacterOfPosition(tag.getStart(sf)).line
        // the tag's own text, each line without the comment's leading ` * `
        const text = sf.text
          .slice(tag.getStart(sf), tag.end)
          .split("\n")
          .map((l) => l.replace(/^\s*\*( |$)/, "").replace(/\s*\*\/\s*$/, ""))
          .join("\n")
        const blocks = codeBlocks(text)
        return blocks.length
          ? blocks.map((b) => ({ lang: b.lang, code: b.code, line: start + b.line }))
          : // no fence: a reader cannot tell code from prose (openapi-typescript's data examples)
            [{ lang: unfenced, code: text.replace(/^@example/, ""), line: start + 1 }]
      }),
  )

const hasExport = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) &&
  (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

/** The names a statement declares (a variable statement may declare several). */
const namesOf = (statement: ts.Statement): Array<{ name: string; node: ts.Node }> => {
  if (ts.isVariableStatement(statement))
    return statement.declarationList.declarations.flatMap((d) =>
      ts.isIdentifier(d.name) ? [{ name: d.name.text, node: d }] : [],
    )
  if (
    (ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isModuleDeclaration(statement)) &&
    statement.name !== undefined
  )
    return [
      {
        name: ts.isIdentifier(statement.name) ? statement.name.text : statement.name.getText(),
        node: statement,
      },
    ]
  return []
}

/** The header comment of a module: JSDoc before its first statement that is not that statement's. */
const headerDocs = (sf: ts.SourceFile): ReadonlyArray<ts.JSDoc> => {
  const first = sf.statements[0]
  if (first === undefined) return []
  const docs = ((first as { jsDoc?: Array<ts.JSDoc> }).jsDoc ?? []).filter((d) => ts.isJSDoc(d))
  if (ts.isImportDeclaration(first) || ts.isExportDeclaration(first) || ts.isExpressionStatement(first))
    return docs
  return docs.length > 1 ? docs.slice(0, -1) : []
}

/** Members of a declaration that carry their own JSDoc (class and interface members, namespaces). */
const memberDocs = (
  node: ts.Node,
  outer: string,
): Array<{ symbol: string; docs: ReadonlyArray<ts.JSDoc> }> => {
  const out: Array<{ symbol: string; docs: ReadonlyArray<ts.JSDoc> }> = []
  const visit = (n: ts.Node) => {
    if (n !== node && (ts.isClassElement(n) || ts.isTypeElement(n) || ts.isPropertyAssignment(n))) {
      const docs = jsDocsOf(n)
      const name = n.name && (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name)) ? n.name.text : "?"
      if (docs.length) out.push({ symbol: `${outer}.${name}`, docs })
    }
    ts.forEachChild(n, visit)
  }
  ts.forEachChild(node, visit)
  return out
}

const relative = (root: string, file: string) => Path.relative(root, file).split(Path.sep).join("/")

/** Every example block of one source file: its header's, its exported declarations' and their members'. */
const examplesOfFile = (root: string, file: string): Array<Example> => {
  const sf = parse(file)
  const rel = relative(root, file)
  const docs: Array<{ symbol: string; docs: ReadonlyArray<ts.JSDoc> }> = [
    { symbol: "<module>", docs: headerDocs(sf) },
  ]
  const header = new Set(docs[0]!.docs)
  for (const statement of sf.statements) {
    if (!hasExport(statement)) continue
    for (const { name, node } of namesOf(statement)) {
      docs.push({ symbol: name, docs: jsDocsOf(node).filter((d) => !header.has(d)) })
      docs.push(...memberDocs(node, name))
    }
  }
  return docs.flatMap(({ symbol, docs }) =>
    examplesOf(sf, docs).map((b) => ({ file: rel, line: b.line, symbol, lang: b.lang, code: b.code })),
  )
}

/**
 * The folders of a package that its `exports` close: a subpath pattern mapped to `null`
 * (`"./internal/*": null`) makes nothing under it importable, so the modules there are not public
 * and their examples are not checked. The closed folder is the pattern's target under another
 * pattern that would match it (`"./*": "./src/*.ts"` → `src/internal/`), else `src/` + the subpath.
 */
const closedFolders = (dir: string): Array<string> => {
  const manifest = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) as {
    exports?: Record<string, string | Record<string, string> | null>
  }
  const entries = Object.entries(manifest.exports ?? {})
  return entries.flatMap(([key, target]) => {
    if (target !== null || !key.startsWith("./")) return []
    const sub = key.slice(2).replace(/\*.*$/, "")
    for (const [other, to] of entries) {
      if (to === null || other === key || !other.endsWith("*")) continue
      const prefix = other.slice(2, -1)
      const source = typeof to === "string" ? to : (to["@keyway/source"] ?? to["default"])
      if (source === undefined || !sub.startsWith(prefix) || !source.includes("*")) continue
      return [Path.join(dir, source.split("*")[0]!, sub.slice(prefix.length))]
    }
    return [Path.join(dir, "src", sub)]
  })
}

/** The entry modules of a package: its `exports` targets under the `@keyway/source` condition. */
const entryPoints = (dir: string): Array<string> => {
  const manifest = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) as {
    exports?: Record<string, string | Record<string, string> | null>
  }
  const out: Array<string> = []
  for (const target of Object.values(manifest.exports ?? {})) {
    // `"./internal/*": null` closes a subpath: nothing public there.
    if (target === null) continue
    const source = typeof target === "string" ? target : (target["@keyway/source"] ?? target["default"])
    if (source === undefined) continue
    if (source.includes("*")) {
      const [before, after] = source.split("*") as [string, string]
      const base = Path.join(dir, before)
      if (!Fs.existsSync(base)) continue
      for (const name of Fs.readdirSync(base)) {
        if (!name.endsWith(after) || /\.(d|test)\.ts$/.test(name) || name === `index${after}`) continue
        out.push(Path.join(base, name))
      }
    } else out.push(Path.join(dir, source))
  }
  return [...new Set(out)].filter((f) => f.endsWith(".ts") && Fs.existsSync(f))
}

/** The declarations a module exports, by exported name: where each is declared, and its local name. */
const exportsOf = (
  file: string,
  seen: Set<string> = new Set(),
): Map<string, { file: string; name: string }> => {
  const out = new Map<string, { file: string; name: string }>()
  if (seen.has(file)) return out
  seen.add(file)
  const sf = parse(file)
  const target = (spec: ts.Expression) =>
    ts.isStringLiteral(spec) && spec.text.startsWith(".")
      ? Path.resolve(Path.dirname(file), spec.text)
      : undefined
  for (const statement of sf.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) continue
      const from = statement.moduleSpecifier && target(statement.moduleSpecifier)
      const clause = statement.exportClause
      if (from === undefined && statement.moduleSpecifier) continue // another package's export
      if (clause === undefined) {
        // export * from "./X.ts"
        for (const [name, where] of exportsOf(from!, seen)) out.set(name, where)
      } else if (ts.isNamespaceExport(clause)) {
        // export * as X from "./X.ts": every export of X is public, as X.name
        for (const [name, where] of exportsOf(from!, new Set(seen)))
          out.set(`${clause.name.text}.${name}`, where)
      } else {
        for (const spec of clause.elements) {
          if (spec.isTypeOnly) continue
          const local = (spec.propertyName ?? spec.name).text
          const exported = spec.name.text
          if (from === undefined) out.set(exported, { file, name: local })
          else {
            const inner = exportsOf(from, new Set(seen))
            const direct = inner.get(local)
            if (direct) out.set(exported, direct)
            for (const [name, where] of inner)
              if (name.startsWith(`${local}.`)) out.set(`${exported}${name.slice(local.length)}`, where)
          }
        }
      }
      continue
    }
    if (!hasExport(statement)) continue
    for (const { name } of namesOf(statement)) out.set(name, { file, name })
  }
  return out
}

/** Whether a declaration of `name` in `file` carries an `@example` with a block. */
const exampleOn = (file: string, name: string): boolean => {
  const sf = parse(file)
  const header = new Set(headerDocs(sf))
  return sf.statements.some((statement) =>
    namesOf(statement).some(
      (n) =>
        n.name === name &&
        examplesOf(
          sf,
          jsDocsOf(n.node).filter((d) => !header.has(d)),
        ).length > 0,
    ),
  )
}

/**
 * Scans packages: every example block of their sources, and their public exports.
 *
 * @example
 * ```ts
 * import { scan } from "@keyway/examples"
 * const { examples, exports } = scan(process.cwd(), [{ path: "packages/otel" }])
 * const missing = exports.filter((e) => !e.hasExample)
 * ```
 */
export const scan = (
  root: string,
  packages: ReadonlyArray<Package>,
): { readonly examples: Array<Example>; readonly exports: Array<Export> } => {
  const examples: Array<Example> = []
  const exports = new Map<string, Export>()
  for (const p of packages) {
    const dir = Path.resolve(root, p.path)
    const closed = closedFolders(dir)
    for (const file of sources(Path.join(dir, "src")))
      if (!closed.some((folder) => file.startsWith(folder.endsWith(Path.sep) ? folder : folder + Path.sep)))
        examples.push(...examplesOfFile(root, file))
    for (const entry of entryPoints(dir))
      for (const where of exportsOf(entry).values()) {
        const key = `${relative(root, where.file)}: ${where.name}`
        if (!exports.has(key))
          exports.set(key, {
            file: relative(root, where.file),
            symbol: where.name,
            hasExample: exampleOn(where.file, where.name),
          })
      }
  }
  return { examples, exports: [...exports.values()].sort((a, b) => a.file.localeCompare(b.file)) }
}
