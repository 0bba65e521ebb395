/**
 * Stage 1, load: reads the descriptor and the spec, lints it, and bundles the spec's
 * multi-file `$ref`s into one document with `@redocly/openapi-core` (what openapi-typescript
 * itself uses): a `$ref` to a schema, response, parameter, ... of another file is hoisted into
 * `components`, one to a path item is inlined. Every `$ref` is checked, local ones too, and one
 * that does not resolve is a one-line located {@link RefError} (a warning inside an `x-`
 * extension). `$ref` keys inside example values, `default`, `const` and `enum` are data.
 *
 * What a `$ref` may read is decided by Keyway, not Redocly: a regular file inside the spec's
 * folder or a configured extra root (`refRoots`); never a remote URL, a folder, a device or
 * `/proc`. Files are parsed by {@link Source} (size and YAML alias caps).
 *
 * The bundle remembers where each value came from, so `locate(pointer)` answers the file and line
 * of any value of the bundled document: errors found later (validation, cross-checks) point
 * at the file a user edits, not at the bundle.
 *
 * @example
 * ```ts
 * import { Load } from "@keyway/codegen"
 * const loaded = await Load.bundle("/repo/specs/x/openapi.yaml")
 * loaded.locate(["paths", "/pets", "get"]) // { file: "specs/x/paths/pets.yaml", line: 2, column: 1, pointer: "/get" }
 * ```
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync, statSync } from "node:fs"
import { dirname, resolve } from "node:path"
import type { NormalizedProblem } from "@redocly/openapi-core"
import { DescriptorError, LintProblem, ParseError, Problems, RefError, SpecError, show } from "../Errors.ts"
import {
  expectedOf,
  failure,
  findCycle,
  guarded,
  inExtension,
  locateIn,
  type Origin,
  onlyLocalRefsResolve,
  pointerSegments,
  type Scanned,
  scan,
} from "../internal/Refs.ts"
import * as Source from "../Source.ts"
import * as Hooks from "./Hooks.ts"
import * as Overlay from "./Overlay.ts"

/**
 * A location in a source file.
 *
 * @example
 * ```ts
 * import type { Load } from "@keyway/codegen"
 * declare const location: Load.Location
 * console.log(location.file)
 * ```
 *
 * @since 0.1.0
 */
export type Location = Source.Place

/**
 * A bundled document.
 *
 * @example
 * ```ts
 * import type { Load } from "@keyway/codegen"
 * declare const bundle: Load.Bundle
 * console.log(bundle.root)
 * ```
 *
 * @since 0.1.0
 */
export interface Bundle {
  readonly root: Source.Source
  readonly document: Record<string, unknown>
  /** Every file read, root first. */
  readonly files: ReadonlyArray<string>
  /** Where a value of the bundled document came from. */
  readonly locate: (segments: ReadonlyArray<string | number>) => Location
  /**
   * What lint found, and `$ref`s inside `x-` extensions that do not resolve: warnings
   * (errors with `--strict`), each located in the file a user edits; and, as `severity:
   * "error"`, a scalar where a structure goes (reported when validation finds nothing else).
   */
  readonly diagnostics: ReadonlyArray<LintProblem>
}

/**
 * Options of {@link bundle}.
 *
 * @example
 * ```ts
 * import type { Load } from "@keyway/codegen"
 * declare const loadOptions: Load.LoadOptions
 * console.log(loadOptions.roots)
 * ```
 *
 * @since 0.1.0
 */
export interface LoadOptions {
  /** Folders besides the spec's own that `$ref`s may read (absolute). */
  readonly roots?: ReadonlyArray<string> | undefined
  /** The provider, named by a failure with several problems. */
  readonly provider?: string | undefined
}

/**
 * Reads and parses one file; fails with a located `ParseError`.
 *
 * @example
 * ```ts
 * import { Load } from "@keyway/codegen"
 * Load.read("/repo/specs/x/provider.yaml").value
 * ```
 *
 * @since 0.1.0
 */
export const read = (path: string): Source.Source => {
  const size = statSync(path).size
  if (size > Source.maxDocumentBytes)
    throw new ParseError({
      file: Source.displayPath(path),
      found: `${(size / 1024 / 1024).toFixed(1)} MiB`,
      expected: `a document of at most ${Source.maxDocumentBytes / 1024 / 1024} MiB`,
    })
  return Source.parse(path, readFileSync(path, "utf8"))
}

/**
 * Loads a spec, lints it and bundles its `$ref`s.
 *
 * @example
 * ```ts
 * import { Load } from "@keyway/codegen"
 * const loaded = await Load.bundle("/repo/specs/x/openapi.yaml")
 * loaded.document.openapi // "3.1.0"
 * loaded.diagnostics.map((d) => d.message) // lint warnings, one line each
 * ```
 *
 * @since 0.1.0
 */
export const bundle = async (rootPath: string, options: LoadOptions = {}): Promise<Bundle> => {
  const root = read(rootPath)
  const origins = new WeakMap<object, Origin>()
  const document = root.value as Record<string, unknown>
  // Not an OpenAPI 3.0/3.1 document (no object, `swagger: "2.0"`, `openapi: 3.1` as a number):
  // nothing to lint or bundle; validation says what is wrong, at its line.
  if (
    document === null ||
    typeof document !== "object" ||
    Array.isArray(document) ||
    typeof document.openapi !== "string" ||
    !/^3\.[01]\.\d+/.test(document.openapi)
  ) {
    const value = document !== null && typeof document === "object" && !Array.isArray(document)
    if (value) origins.set(document, { source: root, segments: [] })
    const kept = value ? document : ({} as Record<string, unknown>)
    return {
      root,
      document: kept,
      files: [root.path],
      locate: locateIn(root, kept, origins, () => undefined),
      diagnostics: [],
    }
  }
  origins.set(document, { source: root, segments: [] })
  const [{ KeywayResolver }, DataTypes, Lint, { bundleDocument }] = await Promise.all([
    import("../internal/Resolver.ts"),
    import("../internal/DataTypes.ts"),
    import("./Lint.ts"),
    import("@redocly/openapi-core"),
  ])
  const resolver = new KeywayResolver([dirname(root.path), ...(options.roots ?? [])])
  const redoclyDocument = resolver.seed(root)
  const types = DataTypes.forDocument(document)
  // Fast path for one big JSON document (GitHub's is 13 MB): when every $ref is local and
  // resolves, there is nothing to bundle and no need to walk the tree.
  const fast = root.text.length > 1_000_000 && onlyLocalRefsResolve(root.text, document)
  const scanned: Scanned = {
    sites: new WeakMap(),
    refs: [],
    errors: [],
    fileOf: (from, uri) => (uri === "" ? from : resolver.resolveExternalRef(from, uri)),
    rootPath: root.path,
  }
  const { sites, errors } = scanned
  if (!fast) scan(root, document, [], scanned, undefined, new Set())
  if (errors.length > 0) throw failure(errors, options)
  const scannedFiles = new Set([root.path])
  const scanFiles = () => {
    for (const [path, source] of resolver.sources)
      if (!scannedFiles.has(path)) {
        scannedFiles.add(path)
        scan(source, source.value, [], scanned, origins, new Set())
      }
  }
  const onThrow = () => {
    scanFiles()
    return findCycle(scanned, resolver)
  }

  const lintProblems = await guarded(root, onThrow, () => Lint.run(redoclyDocument, resolver, types))
  if (resolver.parseErrors.length > 0) throw failure(resolver.parseErrors, options)
  scanFiles()
  if (errors.length > 0) throw failure(errors, options)
  const diagnostics: Array<LintProblem> = []
  const fatal: Array<RefError> = []
  const seen = new Set<string>()
  // Located at the end, all places of a file in one pass (GitHub's spec: ~140 warnings).
  const pending: Array<{
    readonly source: Source.Source
    readonly place: ReadonlyArray<string | number>
    readonly make: (pos: Source.Position | undefined) => void
  }> = []
  const report = (problem: NormalizedProblem) => {
    const at = problem.location[0]
    if (!at) return
    const source = resolver.sources.get(at.source.absoluteRef) ?? root
    const segments = at.pointer === undefined ? [] : pointerSegments(at.pointer)
    const key = `${problem.ruleId}\u0000${source.path}\u0000${at.pointer}\u0000${problem.message}`
    if (seen.has(key)) return
    seen.add(key)
    const unresolved = problem.message.startsWith("Can't resolve $ref")
    if (unresolved) {
      // a $ref object, or a string that is resolved as one (a discriminator's mapping)
      const node = Source.get(source.value, segments) as { $ref?: unknown } | string | undefined
      const ref = typeof node === "string" ? node : node?.$ref
      if (typeof ref !== "string") return
      const place = typeof node === "string" ? segments : [...segments, "$ref"]
      const expected = expectedOf(resolver, source, ref)
      const extension = inExtension(segments)
      pending.push({
        source,
        place,
        make: (pos) => {
          const located = {
            ...Source.placeAt(source.display, place, pos),
            found: JSON.stringify(ref),
            expected,
          }
          if (extension)
            diagnostics.push(new LintProblem({ ...located, rule: "no-unresolved-refs", severity: "warning" }))
          else fatal.push(new RefError(located))
        },
      })
      return
    }
    const message = problem.message.replace(/\.$/, "")
    const expected = Lint.rules[problem.ruleId]
    const value = at.reportOnKey ? segments[segments.length - 1] : Source.get(source.value, segments)
    // a {name} of a path no parameter declares is an error of validation: reported there, once
    if (problem.ruleId === "path-parameters-defined" && /does not define the path parameter/.test(message))
      return
    // an unresolved $ref is reported once, as such, not again as a wrong value where it sits
    if (
      problem.ruleId === "struct" &&
      typeof (value as { $ref?: unknown } | null | undefined)?.$ref === "string"
    )
      return
    // a scalar where a structure goes (`responses: nope`, `requestBody: 3`) cannot be generated:
    // openapi-typescript would crash on it ("Cannot use 'in' operator"), so it is an error (the
    // pipeline reports it when validation, which knows the common shapes, has found nothing)
    const structure =
      problem.ruleId === "struct"
        ? /^Expected type `([A-Z]\w*)` \((object|array)\) but got `(\w+)`$/.exec(message)
        : null
    // One lint line at this place, located once every place of the document is known.
    const lint = (fields: Pick<LintProblem, "found" | "expected" | "rule" | "severity">): void =>
      void pending.push({
        source,
        place: segments,
        make: (pos) =>
          diagnostics.push(new LintProblem({ ...Source.placeAt(source.display, segments, pos), ...fields })),
      })
    if (structure && !(structure[1] === "Schema" && structure[3] === "boolean")) {
      return lint({
        found: show(value),
        expected: `${structure[2] === "array" ? "a list" : "an object"} (${structure[1]})`,
        rule: "struct",
        severity: "error",
      })
    }
    const known = Object.hasOwn(Lint.rules, problem.ruleId)
    lint({
      found: expected === undefined && known ? show(value) : message,
      expected:
        expected ??
        (known ? message : problem.ruleId === "bundler" ? Lint.bundleExpected : "no such problem"),
      rule: problem.ruleId === "bundler" ? "bundle" : problem.ruleId,
      severity: "warning",
    })
  }
  for (const problem of lintProblems) report(problem)
  if (!fast) {
    const config = await Lint.config()
    const result = await guarded(root, onThrow, () =>
      bundleDocument({
        document: redoclyDocument,
        config: config.styleguide,
        externalRefResolver: resolver,
        customTypes: types as never,
        dereference: false,
      }),
    )
    if (resolver.parseErrors.length > 0) throw failure(resolver.parseErrors, options)
    for (const problem of result.problems) report(problem)
  }
  for (const source of new Set(pending.map((p) => p.source))) {
    const mine = pending.filter((p) => p.source === source)
    const positions = source.locateMany(mine.map((p) => p.place))
    mine.forEach((p, i) => {
      p.make(positions[i])
    })
  }
  if (fatal.length > 0) throw failure(fatal, options)
  diagnostics.sort(
    (a, b) =>
      (a.file === b.file ? 0 : a.file < b.file ? -1 : 1) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0),
  )
  const inlined = (node: object): Origin | undefined => {
    const site = sites.get(node)
    if (!site || typeof (node as { $ref?: unknown }).$ref === "string") return undefined
    const hash = site.ref.indexOf("#")
    const uri = hash === -1 ? site.ref : site.ref.slice(0, hash)
    const file = uri === "" ? site.source.path : resolver.resolveExternalRef(site.source.path, uri)
    const source = resolver.sources.get(file)
    if (!source) return undefined
    return { source, segments: Source.segments(hash === -1 ? "" : site.ref.slice(hash)) }
  }
  const files = [root.path, ...[...resolver.sources.keys()].filter((p) => p !== root.path)]
  return { root, document, files, locate: locateIn(root, document, origins, inlined), diagnostics }
}

/**
 * What the load stage hands on: the descriptor as parsed (not validated), the bundled spec with
 * the provider's overlays applied, and every file read.
 *
 * @example
 * ```ts
 * import type { Load } from "@keyway/codegen"
 * const files = (loaded: Load.Loaded) => loaded.sources.length
 * ```
 *
 * @since 0.1.0
 */
export interface Loaded {
  readonly descriptor: Source.Source | undefined
  readonly bundle: Bundle | undefined
  readonly sources: ReadonlyArray<string>
}

/**
 * Runs the stage: reads the descriptor (its `spec` path checked before anything is read), bundles
 * and lints the spec, applies the overlays, then runs every plugin's `load` hook.
 *
 * @example
 * ```ts
 * import { Config, Load, Pipeline } from "@keyway/codegen"
 * const config = await Config.load(process.cwd())
 * const loaded = await Load.run({ input: Pipeline.inputFor(config, "ccw"), config, plugins: [], files: new Map() })
 * loaded.bundle?.document.openapi // "3.1.0"
 * ```
 *
 * @since 0.1.0
 */
export const run = async (stage: Hooks.StageInput): Promise<Loaded> => {
  const { input, config } = stage
  const sources: Array<string> = []
  const told = (extra: ReadonlyArray<string> = []) => stage.onSources?.(input.name, [...sources, ...extra])
  let descriptor: Source.Source | undefined
  if (input.descriptorPath) {
    if (!existsSync(input.descriptorPath))
      throw new DescriptorError({
        file: Source.displayPath(input.descriptorPath),
        found: "no such file",
        expected: `a provider descriptor (run \`keyway init ${input.name}\`)`,
      })
    sources.push(input.descriptorPath)
    told()
    descriptor = read(input.descriptorPath)
  }
  const rawSpec = (descriptor?.value as { spec?: unknown } | undefined)?.spec
  if (descriptor && typeof rawSpec === "string") {
    // Checked before anything is read: the spec named by a descriptor stays in its folder.
    const { specPath: check } = await import("../Rules.ts")
    const finding = check(rawSpec)
    if (finding) {
      throw new DescriptorError({
        ...Source.place(descriptor, finding.path),
        found: finding.found,
        expected: finding.expected,
      })
    }
  }
  const specPath =
    input.specPath ??
    (descriptor && typeof rawSpec === "string" ? resolve(dirname(descriptor.path), rawSpec) : undefined)
  let loaded: Bundle | undefined
  if (specPath && existsSync(specPath)) {
    sources.push(specPath)
    told()
    loaded = await bundle(specPath, { roots: config.refRoots, provider: input.name })
    for (const f of loaded.files) if (!sources.includes(f)) sources.push(f)
    told()
    // lint looked at the files as they are (an overlay may fix what it reports)
    if (stage.strict && loaded.diagnostics.length > 0)
      throw new Problems({
        provider: input.name,
        problems: loaded.diagnostics.map((d) => new LintProblem({ ...d, severity: "error" })),
      })
    for (const d of loaded.diagnostics) if (d.severity === "warning") stage.onWarning?.(input.name, d)
    const overlays = Overlay.filesOf(input)
    for (const f of overlays) if (!sources.includes(f)) sources.push(f)
    told(Overlay.watchOf(input))
    if (overlays.length > 0) loaded = Overlay.apply(loaded, overlays, input.name)
  } else if (input.specPath) {
    throw new SpecError({
      file: Source.displayPath(input.specPath),
      found: "no such file",
      expected: "an OpenAPI 3.0/3.1 document",
    })
  }
  await Hooks.run(stage.plugins, "load", {
    provider: input.name,
    files: stage.files,
    descriptor: descriptor?.value,
    document: loaded?.document ?? {},
    sources,
  })
  return { descriptor, bundle: loaded, sources }
}
