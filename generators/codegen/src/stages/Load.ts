/**
 * Stage 1, load and bundle: reads the descriptor and the spec, lints it, and bundles the spec's
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
import { readFileSync, statSync } from "node:fs"
import { dirname } from "node:path"
import type { NormalizedProblem } from "@redocly/openapi-core"
import { LintProblem, ParseError, Problems, RefError, show } from "../Errors.ts"
import type { KeywayResolver } from "../internal/Resolver.ts"
import * as Source from "../Source.ts"

/**
 * A location in a source file.
 *
 * @since 0.1.0
 */
export interface Location {
  readonly file: string
  readonly line?: number | undefined
  readonly column?: number | undefined
  /** The pointer inside that file. */
  readonly pointer: string
}

/**
 * A bundled document.
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

interface Origin {
  readonly source: Source.Source
  readonly segments: ReadonlyArray<string | number>
}

interface RefSite {
  readonly source: Source.Source
  readonly ref: string
}

interface Scanned {
  readonly sites: WeakMap<object, RefSite>
  /** Every `$ref` with its place, in document order. */
  readonly refs: Array<RefSite & { readonly at: ReadonlyArray<string | number> }>
  readonly errors: Array<RefError | ParseError>
  /** The absolute file a `$ref`'s URI part names, from the file it is in. */
  readonly fileOf: (from: string, uri: string) => string
  /** The spec's root file (the OpenAPI document, which no `$ref` may name whole). */
  readonly rootPath: string
}

// Where values are data (a rough cut, for the checks of `scan` only: Redocly's type tree decides
// what is resolved).
const dataKeys = new Set(["example", "examples", "default", "const", "enum"])
// Maps whose keys are names (a property called "x-id" is not an extension).
const nameMaps = new Set([
  "properties",
  "patternProperties",
  "$defs",
  "definitions",
  "dependentSchemas",
  "headers",
  "schemas",
  "parameters",
  "responses",
  "requestBodies",
  "examples",
  "links",
  "callbacks",
  "securitySchemes",
  "pathItems",
  "encoding",
  "content",
  "variables",
  "mapping",
  "scopes",
  "paths",
  "webhooks",
])
const maxDepth = Source.maxDepth

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
            file: source.display,
            line: pos?.line,
            column: pos?.column,
            pointer: Source.pointer(place),
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
          diagnostics.push(
            new LintProblem({
              file: source.display,
              line: pos?.line,
              column: pos?.column,
              pointer: Source.pointer(segments),
              ...fields,
            }),
          ),
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
 * Runs a Redocly step; what it throws (a cycle of `$ref`s: "Self-referencing circular pointer")
 * becomes a located error at the first `$ref` of the cycle.
 */
const guarded = async <A>(
  root: Source.Source,
  locateCycle: () => RefError | undefined,
  step: () => Promise<A>,
): Promise<A> => {
  try {
    return await step()
  } catch (error) {
    if (error instanceof RefError || error instanceof ParseError) throw error
    const located = locateCycle()
    if (located) throw located
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0]!
    throw new RefError({
      file: root.display,
      found: reason,
      expected: "$refs that end at a value",
    })
  }
}

/** The first `$ref` whose chain of `$ref`-only targets comes back to itself. */
const findCycle = (scanned: Scanned, resolver: KeywayResolver): RefError | undefined => {
  for (const start of scanned.refs) {
    const chain: Array<string> = []
    let site: RefSite = start
    for (let step = 0; step < 64; step++) {
      const hash = site.ref.indexOf("#")
      const uri = hash === -1 ? site.ref : site.ref.slice(0, hash)
      const file = uri === "" ? site.source.path : resolver.resolveExternalRef(site.source.path, uri)
      const source = resolver.sources.get(file)
      if (!source) break
      const segments = Source.segments(hash === -1 ? "" : site.ref.slice(hash))
      const key = `${file}#${Source.pointer(segments)}`
      if (chain.includes(key)) {
        const names = [...chain.slice(chain.indexOf(key)), key].map((k) => {
          const [f, p] = k.split("#") as [string, string]
          return f === start.source.path ? `#${p}` : `${Source.displayPath(f)}#${p}`
        })
        return refError(
          start.source,
          start.at,
          JSON.stringify(start.ref),
          `a $ref that ends at a value, not a cycle of $refs (${names.join(" -> ")})`,
        )
      }
      chain.push(key)
      const target = Source.get(source.value, segments) as { $ref?: unknown } | undefined
      if (target === null || typeof target !== "object" || typeof target.$ref !== "string") break
      site = { source, ref: target.$ref }
    }
  }
  return undefined
}

const failure = (errors: ReadonlyArray<RefError | ParseError>, options: LoadOptions) =>
  errors.length === 1 ? errors[0]! : new Problems({ provider: options.provider ?? "", problems: errors })

const expectedOf = (resolver: KeywayResolver, source: Source.Source, ref: string): string => {
  const hash = ref.indexOf("#")
  const uri = hash === -1 ? ref : ref.slice(0, hash)
  if (uri === "") return "a pointer to an existing value of this document"
  const target = resolver.resolveExternalRef(source.path, uri)
  return resolver.refused.get(target) ?? `a pointer to an existing value of ${Source.displayPath(target)}`
}

const inExtension = (segments: ReadonlyArray<string | number>): boolean =>
  segments.some(
    (s, i) =>
      typeof s === "string" &&
      s.startsWith("x-") &&
      !(i > 0 && typeof segments[i - 1] === "string" && nameMaps.has(segments[i - 1] as string)),
  )

/** Segments of a pointer Redocly reports (`#/paths/~1a/get`): escaped, not URI-encoded. */
const pointerSegments = (pointer: string): Array<string> => {
  const body = pointer.startsWith("#") ? pointer.slice(1) : pointer
  if (body === "" || body === "/") return []
  return body
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
}

/**
 * Walks a parsed file once: records where each object came from (for `locate` after bundling),
 * the `$ref`s (to locate what they inlined), and refuses a `$ref` that is not a string and a
 * nesting deeper than Redocly's recursive walk can take.
 */
const scan = (
  source: Source.Source,
  node: unknown,
  at: Array<string | number>,
  scanned: Scanned,
  origins: WeakMap<object, Origin> | undefined,
  seen: Set<object>,
): void => {
  const { sites, errors } = scanned
  if (node === null || typeof node !== "object" || seen.has(node)) return
  seen.add(node)
  if (at.length > maxDepth) {
    const pos = source.locate(at)
    errors.push(
      new ParseError({
        file: source.display,
        line: pos?.line,
        column: pos?.column,
        found: `values nested more than ${maxDepth} levels deep`,
        expected: `at most ${maxDepth} levels`,
      }),
    )
    return
  }
  if (origins && !origins.has(node)) origins.set(node, { source, segments: [...at] })
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      at.push(i)
      scan(source, node[i], at, scanned, origins, seen)
      at.pop()
    }
    return
  }
  const obj = node as Record<string, unknown>
  const parentKey = at[at.length - 1]
  const names = typeof parentKey === "string" && nameMaps.has(parentKey)
  if (!names && Object.hasOwn(obj, "$ref")) {
    const ref = obj.$ref
    if (typeof ref === "string") {
      const problem = malformed(source, ref, scanned)
      if (problem) errors.push(refError(source, at, JSON.stringify(ref), problem))
      sites.set(obj, { source, ref })
      scanned.refs.push({ source, ref, at: [...at] })
    } else
      errors.push(
        refError(
          source,
          at,
          show(ref),
          'a string: a URI reference such as "#/components/schemas/Pet" or "./pet.yaml"',
        ),
      )
  }
  for (const key in obj) {
    if (key === "$ref") continue
    if (!names && (dataKeys.has(key) || key.startsWith("x-"))) continue
    const value = obj[key]
    if (value === null || typeof value !== "object") continue
    at.push(key)
    scan(source, value, at, scanned, origins, seen)
    at.pop()
  }
}

/** What is wrong with a string `$ref` before anything resolves it, if anything. */
const malformed = (source: Source.Source, ref: string, scanned: Scanned): string | undefined => {
  const hash = ref.indexOf("#")
  const uri = hash === -1 ? ref : ref.slice(0, hash)
  const fragment = hash === -1 ? "" : ref.slice(hash + 1)
  try {
    decodeURIComponent(fragment)
    decodeURI(uri)
  } catch {
    return "a valid URI reference (a % that starts no percent-encoding)"
  }
  if (fragment !== "" && fragment !== "/") return undefined
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return undefined
  // a schema file may name itself whole (a recursive schema); the OpenAPI document may not
  if (scanned.fileOf(source.path, uri) === scanned.rootPath)
    return "a pointer to a value inside the OpenAPI document (this $ref names the whole document)"
  return undefined
}

const onlyLocalRefsResolve = (text: string, document: unknown): boolean => {
  if (!/^\s*\{/.test(text)) return false
  const seen = new Set<string>()
  const pattern = /"\$ref"\s*:\s*"((?:[^"\\]|\\.)*)"/g
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const ref = m[1]!
    if (seen.has(ref)) continue
    seen.add(ref)
    if (!ref.startsWith("#") || ref.includes("\\")) return false
    if (ref !== "#" && Source.get(document, Source.segments(ref)) === undefined) return false
  }
  return true
}

const refError = (
  source: Source.Source,
  at: ReadonlyArray<string | number>,
  found: string,
  expected: string,
) => {
  const segments = [...at, "$ref"]
  const pos = source.locate(segments)
  return new RefError({
    file: source.display,
    line: pos?.line,
    column: pos?.column,
    pointer: Source.pointer(segments),
    found,
    expected,
  })
}

const locateIn =
  (
    root: Source.Source,
    document: unknown,
    origins: WeakMap<object, Origin>,
    inlined: (node: object) => Origin | undefined,
  ) =>
  (segments: ReadonlyArray<string | number>): Location => {
    let origin: Origin = { source: root, segments: [] }
    let from = 0
    let node: unknown = document
    for (let i = 0; i <= segments.length; i++) {
      if (node !== null && typeof node === "object") {
        const o = origins.get(node) ?? inlined(node)
        if (o) {
          origin = o
          from = i
        }
      } else break
      if (i === segments.length) break
      node = (node as Record<string, unknown>)[segments[i] as string]
    }
    const inFile = [...origin.segments, ...segments.slice(from)]
    const pos = origin.source.locate(inFile)
    return {
      file: origin.source.display,
      line: pos?.line,
      column: pos?.column,
      pointer: Source.pointer(inFile),
    }
  }
