/**
 * Stage 1, load and bundle: reads the descriptor and the spec, and resolves the spec's local
 * multi-file `$ref`s into one document. A `$ref` to `#/components/<kind>/<name>` of another file
 * lands at the same place of the bundle; a `$ref` to a whole file or another pointer is hoisted
 * into `components.schemas` when it sits where a schema goes, and inlined elsewhere (path items,
 * responses, parameters). Every `$ref` is checked, local ones too.
 *
 * The bundle remembers where each value came from, so `locate(pointer)` answers the file and line
 * of any value of the bundled document: errors found later (validation, cross-checks) point
 * at the file a user edits, not at the bundle.
 *
 * @example
 * ```ts
 * import { Load } from "@keyway/codegen"
 * const loaded = Load.bundle("/repo/specs/x/openapi.yaml")
 * loaded.locate(["paths", "/pets", "get"]) // { file: "specs/x/paths/pets.yaml", line: 2, column: 1, pointer: "/get" }
 * ```
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync } from "node:fs"
import { basename, dirname, extname, resolve } from "node:path"
import { RefError } from "../Errors.ts"
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
export const read = (path: string): Source.Source => Source.parse(path, readFileSync(path, "utf8"))

const schemaKeys = new Set([
  "schema",
  "items",
  "additionalProperties",
  "not",
  "contains",
  "if",
  "then",
  "else",
])
const schemaMaps = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"])
const schemaLists = new Set(["allOf", "oneOf", "anyOf", "prefixItems"])
const literalKeys = new Set(["example", "const", "enum", "default"])

interface Origin {
  readonly source: Source.Source
  readonly segments: ReadonlyArray<string | number>
}

/**
 * Loads a spec and bundles its `$ref`s.
 *
 * @example
 * ```ts
 * import { Load } from "@keyway/codegen"
 * Load.bundle("/repo/specs/x/openapi.yaml").document.openapi // "3.1.0"
 * ```
 *
 * @since 0.1.0
 */
export const bundle = (rootPath: string): Bundle => {
  const root = read(rootPath)
  const sources = new Map<string, Source.Source>([[root.path, root]])
  const origins = new WeakMap<object, Origin>()
  const document = root.value as Record<string, unknown>
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    return {
      root,
      document: {} as Record<string, unknown>,
      files: [root.path],
      locate: locateIn(root, {}, origins),
    }
  }
  origins.set(document, { source: root, segments: [] })
  // Fast path for one big JSON document (GitHub's is 13 MB): when every $ref is local and
  // resolves, there is nothing to bundle and no need to walk the tree.
  if (root.text.length > 1_000_000 && onlyLocalRefsResolve(root.text, document)) {
    return { root, document, files: [root.path], locate: locateIn(root, document, origins) }
  }
  const hoisted = new Map<string, string>()
  const inlining: Array<string> = []

  const load = (
    path: string,
    from: Source.Source,
    at: ReadonlyArray<string | number>,
    ref: string,
  ): Source.Source => {
    const cached = sources.get(path)
    if (cached) return cached
    if (!existsSync(path))
      throw refError(from, at, ref, `an existing file (${Source.displayPath(path)} does not exist)`)
    const source = read(path)
    sources.set(path, source)
    return source
  }

  const uniqueName = (kind: string, wanted: string, key: string): string => {
    const components = (document.components ??= {}) as Record<string, Record<string, unknown>>
    const bucket = (components[kind] ??= {})
    let name = wanted.replace(/[^A-Za-z0-9_.-]/g, "_") || "Schema"
    let n = 2
    const base = name
    while (Object.hasOwn(bucket, name) && hoisted.get(key) !== `#/components/${kind}/${name}`)
      name = `${base}${n++}`
    return name
  }

  // Walks `node` (which came from `source` at `at`), rewriting external $refs.
  const walk = (
    node: unknown,
    source: Source.Source,
    at: Array<string | number>,
    parentKey: string | number | undefined,
    grandKey: string | number | undefined,
  ): unknown => {
    if (node === null || typeof node !== "object") return node
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        at.push(i)
        node[i] = walk(node[i], source, at, i, parentKey)
        at.pop()
      }
      return node
    }
    const obj = node as Record<string, unknown>
    const ref = obj.$ref
    if (typeof ref === "string") {
      const replaced = resolveRef(obj, ref, source, at, parentKey, grandKey)
      if (replaced !== obj) return replaced
    }
    for (const key in obj) {
      if (key === "$ref" || literalKeys.has(key) || key.startsWith("x-")) continue
      const value = obj[key]
      if (value === null || typeof value !== "object") continue
      at.push(key)
      const next = walk(value, source, at, key, parentKey)
      if (next !== value) obj[key] = next
      at.pop()
    }
    return obj
  }

  const resolveRef = (
    obj: Record<string, unknown>,
    ref: string,
    source: Source.Source,
    at: Array<string | number>,
    parentKey: string | number | undefined,
    grandKey: string | number | undefined,
  ): unknown => {
    const hash = ref.indexOf("#")
    const filePart = hash === -1 ? ref : ref.slice(0, hash)
    const fragment = hash === -1 ? "" : ref.slice(hash)
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(filePart))
      throw refError(source, at, ref, "a local file (remote $refs are not fetched)")
    if (filePart === "" && source === root) {
      if (
        Source.get(document, Source.segments(fragment)) === undefined &&
        fragment !== "" &&
        fragment !== "#"
      )
        throw refError(source, at, ref, "a pointer to an existing value of this document")
      return obj
    }
    const targetPath = filePart === "" ? source.path : resolve(dirname(source.path), decodeURI(filePart))
    const target = load(targetPath, source, at, ref)
    const fragSegments = Source.segments(fragment)
    const value = Source.get(target.value, fragSegments)
    if (value === undefined)
      throw refError(source, at, ref, `a pointer to an existing value of ${Source.displayPath(targetPath)}`)
    const key = `${targetPath}#${Source.pointer(fragSegments)}`
    if (targetPath === root.path) {
      // A $ref from another file back into the root document: make it local.
      return { ...obj, $ref: `#${Source.pointer(fragSegments)}` }
    }
    const known = hoisted.get(key)
    if (known) return { ...siblings(obj), $ref: known }
    const components =
      fragSegments.length === 3 && fragSegments[0] === "components" ? fragSegments : undefined
    const schemaPlace =
      (typeof parentKey === "string" && schemaKeys.has(parentKey)) ||
      (typeof grandKey === "string" && (schemaMaps.has(grandKey) || schemaLists.has(grandKey))) ||
      (typeof parentKey === "string" &&
        parentKey !== "" &&
        typeof grandKey === "string" &&
        grandKey === "schemas")
    if (components || schemaPlace || inlining.includes(key)) {
      const kind = components ? String(components[1]) : "schemas"
      const wanted = components
        ? String(components[2])
        : String(fragSegments[fragSegments.length - 1] ?? basename(targetPath, extname(targetPath)))
      const name = uniqueName(kind, wanted, key)
      const local = `#/components/${kind}/${Source.pointer([name]).slice(1)}`
      hoisted.set(key, local)
      const copy = structuredClone(value)
      const bucket = (document.components as Record<string, Record<string, unknown>>)[kind]!
      bucket[name] = copy
      if (copy !== null && typeof copy === "object")
        origins.set(copy, { source: target, segments: fragSegments })
      bucket[name] = walk(copy, target, [...fragSegments], kind === "schemas" ? name : name, kind)
      return { ...siblings(obj), $ref: local }
    }
    // Inline (path items, responses, parameters, whole-file refs outside schemas).
    inlining.push(key)
    const copy = structuredClone(value)
    if (copy !== null && typeof copy === "object")
      origins.set(copy, { source: target, segments: fragSegments })
    const out = walk(copy, target, [...fragSegments], parentKey, grandKey)
    inlining.pop()
    return out
  }

  walk(document, root, [], undefined, undefined)
  return { root, document, files: [...sources.keys()], locate: locateIn(root, document, origins) }
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

const siblings = (obj: Record<string, unknown>): Record<string, unknown> => {
  const { $ref: _ignored, ...rest } = obj
  return rest
}

const refError = (
  source: Source.Source,
  at: ReadonlyArray<string | number>,
  ref: string,
  expected: string,
) => {
  const segments = [...at, "$ref"]
  const pos = source.locate(segments)
  return new RefError({
    file: source.display,
    line: pos?.line,
    column: pos?.column,
    pointer: Source.pointer(segments),
    found: JSON.stringify(ref),
    expected,
  })
}

const locateIn =
  (root: Source.Source, document: unknown, origins: WeakMap<object, Origin>) =>
  (segments: ReadonlyArray<string | number>): Location => {
    let origin: Origin = { source: root, segments: [] }
    let from = 0
    let node: unknown = document
    for (let i = 0; i <= segments.length; i++) {
      if (node !== null && typeof node === "object") {
        const o = origins.get(node)
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
