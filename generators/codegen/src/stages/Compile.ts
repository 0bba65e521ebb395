/**
 * Stage 5b, compile: a package that leaves the workspace (`--out` outside the project, or a
 * configuration whose `keywayVersion` is a registry range) is compiled here, in memory, with the
 * TypeScript compiler the generator already uses: `dist/*.js` and `dist/*.d.ts` next to `src/`,
 * so that plain `node` imports it and `tsc` (node16/nodenext or bundler resolution) type-checks
 * against it without a build step or a custom export condition. Inside the workspace, packages
 * are built by the workspace's own build (turbo, `tsc7`) instead.
 *
 * Imports resolve from the package's folder upwards (the project that will install it) and,
 * failing that, from the generator's own installation, which carries `@keyway/core` and the auth
 * plugins. A module or type that resolves from neither, or a type error in the generated code,
 * fails the provider with one line per problem; nothing is written.
 *
 * @example
 * ```ts
 * import { Compile } from "@keyway/codegen"
 * import type { Model, Plugins } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * declare const files: Plugins.Files
 * await Compile.run(model, files) // files now has dist/index.js, dist/index.d.ts, ...
 * ```
 *
 * @since 0.1.0
 */
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import type ts from "typescript"
import { PluginError } from "../Errors.ts"
import type { ProviderModel } from "../Model.ts"
import type { Files } from "../Plugin.ts"
import { compilerOptions } from "../plugins/PackagePlugin.ts"

/**
 * Whether packages generated with this `@keyway/*` range are compiled by the generator: every
 * range but the workspace protocol.
 *
 * @example
 * ```ts
 * import { Compile } from "@keyway/codegen"
 * Compile.isStandalone("workspace:*") // false
 * Compile.isStandalone("^0.1.0") // true
 * ```
 *
 * @since 0.1.0
 */
export const isStandalone = (keywayVersion: string): boolean => !keywayVersion.startsWith("workspace:")

/** The generator's package folder: imports that the project cannot resolve resolve from here. */
const generatorDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

/**
 * Compiles the package's `src/*.ts` into `dist/` (JS, declarations) and adds the files.
 *
 * @example
 * ```ts
 * import { Compile } from "@keyway/codegen"
 * import type { Model, Plugins } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * declare const files: Plugins.Files
 * await Compile.run(model, files)
 * files.has("dist/client.d.ts") // true
 * ```
 *
 * @since 0.1.0
 */
export const run = async (model: ProviderModel, files: Files): Promise<void> => {
  const { default: typescript } = await import("typescript")
  const root = model.input.outDir
  const src = join(root, "src")
  const virtual = new Map<string, string>()
  for (const [name, content] of files)
    if (name.startsWith("src/") && name.endsWith(".ts") && !name.endsWith(".d.ts"))
      virtual.set(join(root, name), content)
  // The package's own package.json ("type": "module") decides how its files are compiled.
  const manifest = files.get("package.json")
  if (manifest !== undefined) virtual.set(join(root, "package.json"), manifest)
  const { customConditions: _dev, noEmit: _noEmit, ...base } = compilerOptions
  const converted = typescript.convertCompilerOptionsFromJson(
    { ...base, rootDir: src, outDir: join(root, "dist"), declaration: true, sourceMap: false },
    root,
  )
  const options: ts.CompilerOptions = { ...converted.options, noEmit: false }
  const host = typescript.createCompilerHost(options, true)
  const fileExists = host.fileExists.bind(host)
  const readFile = host.readFile.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.fileExists = (f) => virtual.has(f) || fileExists(f)
  const directoryExists = host.directoryExists?.bind(host)
  host.directoryExists = (d) => d === root || d === src || (directoryExists?.(d) ?? true)
  host.readFile = (f) => virtual.get(f) ?? readFile(f)
  host.getSourceFile = (f, language, onError, create) => {
    const text = virtual.get(f)
    return text !== undefined
      ? typescript.createSourceFile(f, text, language, true)
      : getSourceFile(f, language, onError, create)
  }
  const fallbackFrom = join(generatorDir, "package.json")
  const moduleCache = typescript.createModuleResolutionCache(root, (s) => s, options)
  host.resolveModuleNameLiterals = (literals, containingFile, redirect, opts, containingSource) =>
    literals.map((literal) => {
      const name = literal.text
      const mode = typescript.getModeForUsageLocation(containingSource, literal, opts)
      const resolve = (from: string) =>
        typescript.resolveModuleName(name, from, opts, host, moduleCache, redirect, mode)
      const found = resolve(containingFile)
      return found.resolvedModule || name.startsWith(".") ? found : resolve(fallbackFrom)
    })
  host.resolveTypeReferenceDirectiveReferences = (refs, containingFile, redirect, opts) =>
    refs.map((ref) => {
      const name = typeof ref === "string" ? ref : ref.fileName.toLowerCase()
      const resolve = (from: string) =>
        typescript.resolveTypeReferenceDirective(name, from, opts, host, redirect)
      const found = resolve(containingFile)
      return found.resolvedTypeReferenceDirective ? found : resolve(fallbackFrom)
    })
  const emitted = new Map<string, string>()
  host.writeFile = (f, text) => void emitted.set(relative(root, f).split("\\").join("/"), text)
  const rootNames = [...virtual.keys()].filter((f) => f.endsWith(".ts")).sort()
  const program = typescript.createProgram({ rootNames, options, host })
  const diagnostics = [...typescript.getPreEmitDiagnostics(program), ...program.emit().diagnostics].filter(
    (d) => d.category === typescript.DiagnosticCategory.Error,
  )
  if (diagnostics.length > 0) {
    const lines = diagnostics.slice(0, 5).map((d) => {
      const text = typescript.flattenDiagnosticMessageText(d.messageText, " ")
      if (!d.file || d.start === undefined) return text
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start)
      return `${relative(root, d.file.fileName).split("\\").join("/")}:${line + 1}:${character + 1}: ${text}`
    })
    const missing = diagnostics.some((d) => d.code === 2307 || d.code === 2688)
    throw new PluginError({
      plugin: "keyway:emit",
      stage: "package",
      reason: `${model.packageName} does not compile to dist/${missing ? " (a dependency is not installed where the package or the generator can see it: install the package's dependencies, e.g. npm i @keyway/core @types/node)" : ""}: ${lines.join("; ")}${diagnostics.length > 5 ? `; and ${diagnostics.length - 5} more` : ""}`,
    })
  }
  for (const name of [...emitted.keys()].sort()) files.set(name, emitted.get(name)!)
}
