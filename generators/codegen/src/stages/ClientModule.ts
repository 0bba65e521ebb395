/**
 * Stage 4, client: the generated code modules, `src/client.ts` (the Promise API, the package's
 * root entry, whose types import nothing from `effect`), `src/auth.ts` (the auth plugin layers)
 * and `src/effect.ts` (the Effect API, the `./effect` entry), handed to every plugin's `client` hook (the built-in
 * `keyway:client`, `keyway:operations` and `keyway:pagination` first), then the deferred steps
 * (the client factories, which see every extension).
 *
 * Plugins add ts-morph structures (interfaces, type aliases, variable statements with their JSDoc
 * structures) and imports; the stage buffers them and prints each module once with ts-morph
 * (`createSourceFile` from the structures: one print and one parse, however many operations),
 * two-space indentation, double quotes, trailing commas. A plugin that asks for `ctx.sourceFile`
 * gets the module as a ts-morph `SourceFile` for AST work.
 *
 * @example
 * ```ts
 * import { ClientModule, type Hooks, type Model } from "@keyway/codegen"
 * declare const stage: Hooks.StageInput
 * declare const model: Model.ProviderModel
 * await ClientModule.run(stage, model)
 * stage.files.get("src/client.ts")
 * stage.files.get("src/effect.ts")
 * ```
 *
 * @since 0.1.0
 */
import type {
  ExportDeclarationStructure,
  ImportDeclarationStructure,
  OptionalKind,
  Project,
  SourceFile,
  StatementStructures,
  WriterFunction,
} from "ts-morph"
import type { ProviderModel } from "../Model.ts"
import type { ClientContext, ClientExtension, ModuleImport, ModuleName, Statements } from "../Plugin.ts"
import * as Hooks from "./Hooks.ts"

/**
 * The file of each module in the package.
 *
 * @example
 * ```ts
 * import { ClientModule } from "@keyway/codegen"
 * ClientModule.files.effect // "src/effect.ts"
 * ```
 *
 * @since 0.1.0
 */
export const files: Readonly<Record<ModuleName, string>> = {
  client: "src/client.ts",
  auth: "src/auth.ts",
  effect: "src/effect.ts",
}

type Statement = string | WriterFunction | StatementStructures

interface Module {
  readonly imports: Map<
    string,
    {
      values: Set<string>
      types: Set<string>
      namespace?: string | undefined
      typeOnly?: boolean | undefined
    }
  >
  readonly exports: Array<ModuleImport>
  readonly buffer: Array<Statement>
  sourceFile?: SourceFile | undefined
}

// Packages first (in code point order, as biome sorts them), then the package's own modules.
const importOrder = (a: string, b: string): number =>
  Number(a.startsWith(".")) - Number(b.startsWith(".")) || (a < b ? -1 : a > b ? 1 : 0)

const importStructures = (module: Module): Array<OptionalKind<ImportDeclarationStructure>> => {
  const out: Array<OptionalKind<ImportDeclarationStructure>> = []
  for (const [from, entry] of [...module.imports].sort(([a], [b]) => importOrder(a, b))) {
    const { values, types, namespace } = entry
    if (namespace !== undefined)
      out.push({ moduleSpecifier: from, namespaceImport: namespace, isTypeOnly: entry.typeOnly === true })
    if (values.size === 0 && types.size === 0) continue
    const typeOnly = values.size === 0
    const names = [...new Set([...values, ...types])].sort((a, b) => a.localeCompare(b))
    out.push({
      moduleSpecifier: from,
      isTypeOnly: typeOnly,
      namedImports: names.map((name) => ({ name, isTypeOnly: !typeOnly && !values.has(name) })),
    })
  }
  return out
}

/**
 * Runs the stage and stores the modules in `files` (a module nothing was added to is not
 * written).
 *
 * @example
 * ```ts
 * import { ClientModule, type Hooks, type Model } from "@keyway/codegen"
 * declare const stage: Hooks.StageInput
 * declare const model: Model.ProviderModel
 * await ClientModule.run(stage, model)
 * ```
 *
 * @since 0.1.0
 */
export const run = async (stage: Hooks.StageInput, model: ProviderModel): Promise<void> => {
  const tsMorph = await import("ts-morph")
  let project: Project | undefined
  const modules: Record<ModuleName, Module> = {
    client: { imports: new Map(), exports: [], buffer: [] },
    auth: { imports: new Map(), exports: [], buffer: [] },
    effect: { imports: new Map(), exports: [], buffer: [] },
  }
  const projectOf = (): Project =>
    (project ??= new tsMorph.Project({
      useInMemoryFileSystem: true,
      skipLoadingLibFiles: true,
      manipulationSettings: {
        indentationText: tsMorph.IndentationText.TwoSpaces,
        quoteKind: tsMorph.QuoteKind.Double,
        newLineKind: tsMorph.NewLineKind.LineFeed,
        useTrailingCommas: true,
      },
    }))
  const materialize = (name: ModuleName): SourceFile => {
    const module = modules[name]
    if (!module.sourceFile) {
      module.sourceFile = projectOf().createSourceFile(
        `/${name}.ts`,
        {
          statements: [
            ...importStructures(module).map(
              (i) => ({ ...i, kind: tsMorph.StructureKind.ImportDeclaration }) as const,
            ),
            ...module.exports.map(
              (e): ExportDeclarationStructure => ({
                kind: tsMorph.StructureKind.ExportDeclaration,
                moduleSpecifier: e.from,
                namedExports: [...(e.values ?? []), ...(e.types ?? []).map((t) => `type ${t}`)],
              }),
            ),
            ...module.buffer,
          ],
        },
        { overwrite: true },
      )
      module.buffer.length = 0
    }
    return module.sourceFile
  }
  const extensions: Array<ClientExtension> = []
  const deferred: Array<() => void | Promise<void>> = []
  const ctx: ClientContext = {
    provider: model.name,
    files: stage.files,
    model,
    addStatements: (statements: Statements, name: ModuleName = "client") => {
      const list: ReadonlyArray<Statement> = Array.isArray(statements)
        ? statements
        : [statements as Statement]
      const module = modules[name]
      if (module.sourceFile) module.sourceFile.addStatements([...list])
      else module.buffer.push(...list)
    },
    addImport: (imports: ModuleImport, name: ModuleName = "client") => {
      const module = modules[name]
      if (module.sourceFile) {
        mergeImport(module.sourceFile, imports)
        return
      }
      const entry = module.imports.get(imports.from) ?? {
        values: new Set<string>(),
        types: new Set<string>(),
      }
      for (const v of imports.values ?? []) entry.values.add(v)
      for (const t of imports.types ?? []) entry.types.add(t)
      if (imports.namespace !== undefined) {
        // a namespace imported as a value by one emitter stays a value import
        entry.typeOnly =
          entry.namespace === undefined
            ? imports.typeOnly === true
            : entry.typeOnly === true && imports.typeOnly === true
        entry.namespace = imports.namespace
      }
      module.imports.set(imports.from, entry)
    },
    get sourceFile() {
      return materialize("client")
    },
    get effectSourceFile() {
      return materialize("effect")
    },
    addExport: (exports: ModuleImport, name: ModuleName) => {
      const module = modules[name]
      if (module.sourceFile)
        module.sourceFile.addExportDeclaration({
          moduleSpecifier: exports.from,
          namedExports: [...(exports.values ?? []), ...(exports.types ?? []).map((t) => `type ${t}`)],
        })
      else module.exports.push(exports)
    },
    extend: (extension) => {
      if (extensions.some((e) => e.name === extension.name))
        throw new Error(`the client property "${extension.name}" is already added by another plugin`)
      extensions.push(extension)
    },
    extensions,
    defer: (f) => void deferred.push(f),
  }
  await Hooks.run(stage.plugins, "client", ctx)
  for (const f of deferred) await f()
  for (const name of ["client", "auth", "effect"] as const) {
    const module = modules[name]
    if (!module.sourceFile && module.buffer.length === 0 && module.exports.length === 0) continue
    const text = layout(materialize(name), tsMorph)
    if (text.trim().length > 0) stage.files.set(files[name], text)
  }
}

// An import added once the module is a SourceFile: merged into the declaration of the same module.
const mergeImport = (sourceFile: SourceFile, imports: ModuleImport): void => {
  if (imports.namespace !== undefined) {
    const namespace = sourceFile
      .getImportDeclarations()
      .find((d) => d.getModuleSpecifierValue() === imports.from && d.getNamespaceImport() !== undefined)
    if (namespace === undefined)
      sourceFile.addImportDeclaration({
        moduleSpecifier: imports.from,
        namespaceImport: imports.namespace,
        isTypeOnly: imports.typeOnly === true,
      })
    else if (imports.typeOnly !== true) namespace.setIsTypeOnly(false)
  }
  const values = imports.values ?? []
  const types = (imports.types ?? []).filter((t) => !values.includes(t))
  if (values.length === 0 && types.length === 0) return
  const existing = sourceFile
    .getImportDeclarations()
    .find((d) => d.getModuleSpecifierValue() === imports.from && d.getNamespaceImport() === undefined)
  if (!existing) {
    sourceFile.addImportDeclaration({
      moduleSpecifier: imports.from,
      isTypeOnly: values.length === 0,
      namedImports: [
        ...values.map((name) => ({ name })),
        ...types.map((name) => ({ name, isTypeOnly: values.length > 0 })),
      ],
    })
    return
  }
  if (values.length > 0 && existing.isTypeOnly()) {
    existing.setIsTypeOnly(false)
    for (const n of existing.getNamedImports()) n.setIsTypeOnly(true)
  }
  const named = new Map(existing.getNamedImports().map((n) => [n.getName(), n]))
  for (const name of values) {
    const n = named.get(name)
    if (n) n.setIsTypeOnly(false)
    else existing.addNamedImport({ name })
  }
  for (const name of types)
    if (!named.has(name)) existing.addNamedImport({ name, isTypeOnly: !existing.isTypeOnly() })
}

// An import or export past the line width: one name a line, as a formatter breaks it.
const namesALine = (code: string): string => {
  const m = /^((?:import|export)(?: type)? )\{ (.*) \}( from ".*")$/.exec(code)
  if (code.length <= 110 || m === null) return code
  return `${m[1]}{\n${m[2]!
    .split(", ")
    .map((n) => `  ${n},`)
    .join("\n")}\n}${m[3]}`
}

/**
 * The module as a formatter would leave it: TypeScript's formatter re-indents (two spaces) and
 * drops the semicolons (the packages read like the rest of Keyway, biome's `asNeeded`); then one
 * blank line between top-level statements, none between imports.
 */
const formatSettings = (tsMorph: typeof import("ts-morph")) => ({
  ...tsMorph.ts.getDefaultFormatCodeSettings("\n"),
  indentSize: 2,
  tabSize: 2,
  convertTabsToSpaces: true,
  newLineCharacter: "\n",
  semicolons: tsMorph.ts.SemicolonPreference.Remove,
})

// One statement through TypeScript's formatter: its edits applied to the text (not through
// ts-morph's tree replacement, which a removed semicolon can confuse).
let formatted = 0

const formatStatement = (project: Project, code: string, tsMorph: typeof import("ts-morph")): string => {
  // a file name of its own: the language service keeps what it read of a name
  const file = project.createSourceFile(`/layout/${++formatted}.ts`, code)
  let text = code
  const edits = project
    .getLanguageService()
    .compilerObject.getFormattingEditsForDocument(file.getFilePath(), formatSettings(tsMorph))
  for (const edit of [...edits].sort((a, b) => b.span.start - a.span.start))
    text = text.slice(0, edit.span.start) + edit.newText + text.slice(edit.span.start + edit.span.length)
  file.forget()
  return text
}

// An interface as ts-morph prints it is laid out already (two spaces, one member a line): only
// the members' semicolons go (a line that is no comment ends a member there).
const stripMemberSemicolons = (code: string): string =>
  code
    .split("\n")
    .map((line) => (/^\s*(\/\*\*|\*|\/\/)/.test(line) ? line : line.replace(/;$/, "")))
    .join("\n")

/**
 * The module as a formatter would leave it: each statement re-indented (two spaces) without
 * semicolons by TypeScript's formatter, except interfaces, which ts-morph lays out already (the
 * thousands of operation members of a big spec need no formatter pass); one blank line between
 * top-level statements, none between imports.
 */
const layout = (sourceFile: SourceFile, tsMorph: typeof import("ts-morph")): string => {
  const project = sourceFile.getProject()
  const statements = sourceFile.getStatementsWithComments()
  const out: Array<string> = []
  statements.forEach((statement, i) => {
    const printed = statement
      .getFullText()
      .replace(/^\s*\n/, "")
      .trimEnd()
    // interfaces are laid out by ts-morph; a statement this long is the operation table, which
    // its emitter lays out itself (a formatter pass over it would take seconds on a big spec)
    const code = tsMorph.Node.isInterfaceDeclaration(statement)
      ? stripMemberSemicolons(printed)
      : tsMorph.Node.isImportDeclaration(statement) || tsMorph.Node.isExportDeclaration(statement)
        ? namesALine(printed.replace(/;$/, ""))
        : printed.length > 20_000
          ? printed.replace(/;$/, "")
          : formatStatement(project, printed, tsMorph).trimEnd()
    const previous = statements[i - 1]
    const imports =
      previous !== undefined &&
      tsMorph.Node.isImportDeclaration(previous) &&
      tsMorph.Node.isImportDeclaration(statement)
    out.push(i === 0 ? code : `${imports ? "\n" : "\n\n"}${code}`)
  })
  // an empty class body, as a formatter writes it
  return `${out
    .join("")
    .replace(/\r\n/g, "\n")
    .replace(/ \{\n\}$/gm, " {}")
    .trimEnd()}\n`
}
