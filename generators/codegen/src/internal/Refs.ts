/**
 * The `$ref` bookkeeping of the load stage's bundler: the walk that records where each value of
 * every file came from and refuses malformed `$ref`s, the cycle finder, and `locate` over the
 * bundled document. Internal to `stages/Load.ts`.
 *
 * @since 0.1.0
 */
import { ParseError, Problems, RefError, show } from "../Errors.ts"
import * as Source from "../Source.ts"
import type { LoadOptions, Location } from "../stages/Load.ts"
import type { KeywayResolver } from "./Resolver.ts"

export interface Origin {
  readonly source: Source.Source
  readonly segments: ReadonlyArray<string | number>
}

export interface RefSite {
  readonly source: Source.Source
  readonly ref: string
}

export interface Scanned {
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
export const dataKeys = new Set(["example", "examples", "default", "const", "enum"])
// Maps whose keys are names (a property called "x-id" is not an extension).
export const nameMaps = new Set([
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
export const maxDepth = Source.maxDepth

/**
 * Runs a Redocly step; what it throws (a cycle of `$ref`s: "Self-referencing circular pointer")
 * becomes a located error at the first `$ref` of the cycle.
 */
export const guarded = async <A>(
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
export const findCycle = (scanned: Scanned, resolver: KeywayResolver): RefError | undefined => {
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

export const failure = (errors: ReadonlyArray<RefError | ParseError>, options: LoadOptions) =>
  errors.length === 1 ? errors[0]! : new Problems({ provider: options.provider ?? "", problems: errors })

export const expectedOf = (resolver: KeywayResolver, source: Source.Source, ref: string): string => {
  const hash = ref.indexOf("#")
  const uri = hash === -1 ? ref : ref.slice(0, hash)
  if (uri === "") return "a pointer to an existing value of this document"
  const target = resolver.resolveExternalRef(source.path, uri)
  return resolver.refused.get(target) ?? `a pointer to an existing value of ${Source.displayPath(target)}`
}

export const inExtension = (segments: ReadonlyArray<string | number>): boolean =>
  segments.some(
    (s, i) =>
      typeof s === "string" &&
      s.startsWith("x-") &&
      !(i > 0 && typeof segments[i - 1] === "string" && nameMaps.has(segments[i - 1] as string)),
  )

/** Segments of a pointer Redocly reports (`#/paths/~1a/get`): escaped, not URI-encoded. */
export const pointerSegments = (pointer: string): Array<string> => {
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
export const scan = (
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
export const malformed = (source: Source.Source, ref: string, scanned: Scanned): string | undefined => {
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

export const onlyLocalRefsResolve = (text: string, document: unknown): boolean => {
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

export const refError = (
  source: Source.Source,
  at: ReadonlyArray<string | number>,
  found: string,
  expected: string,
) => {
  return new RefError({ ...Source.place(source, [...at, "$ref"]), found, expected })
}

export const locateIn =
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
    return Source.place(origin.source, [...origin.segments, ...segments.slice(from)])
  }
