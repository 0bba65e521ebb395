/**
 * A loaded YAML or JSON file that can tell where a value is: `locate(["paths", "/a", "get"])`
 * gives the 1-based line and column of that value (of its key, when it has one). YAML keeps its
 * parsed document with a `LineCounter`; JSON is parsed with `JSON.parse` (fast, for 13 MB specs)
 * and mapped to lines only when an error needs a location.
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * const source = Source.parse("/tmp/a.yaml", "a:\n  b: 1\n")
 * source.locate(["a", "b"]) // { line: 2, column: 3 }
 * ```
 *
 * @since 0.1.0
 */
import { relative } from "node:path"
import jsyaml from "js-yaml"
import { type Document, LineCounter, parseDocument } from "yaml"
import { ParseError } from "./Errors.ts"
import { jsonError, lineStarts, locateJson, positionOf, tooDeepAt } from "./internal/JsonText.ts"
import { checkAliases, locateIn, mayHoldAliases, yamlError } from "./internal/YamlText.ts"

/**
 * A 1-based position in a file.
 *
 * @example
 * ```ts
 * import type { Source } from "@keyway/codegen"
 * declare const position: Source.Position
 * console.log(position.line)
 * ```
 *
 * @since 0.1.0
 */
export interface Position {
  readonly line: number
  readonly column: number
}

/**
 * A parsed file.
 *
 * @example
 * ```ts
 * import type { Source } from "@keyway/codegen"
 * declare const source: Source.Source
 * console.log(source.path)
 * ```
 *
 * @since 0.1.0
 */
export interface Source {
  /** Absolute path. */
  readonly path: string
  /** Path for messages: relative to the working directory. */
  readonly display: string
  readonly text: string
  readonly value: unknown
  /** The position of the value (or of its key) at `segments`, or of the deepest existing parent. */
  readonly locate: (segments: ReadonlyArray<string | number>) => Position | undefined
  /** {@link Source.locate} of many places at once (one pass over a JSON text). */
  readonly locateMany: (
    paths: ReadonlyArray<ReadonlyArray<string | number>>,
  ) => ReadonlyArray<Position | undefined>
}

/**
 * The path shown in messages: relative to the working directory when inside it.
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * Source.displayPath(process.cwd() + "/specs/a.yaml") // "specs/a.yaml"
 * ```
 *
 * @since 0.1.0
 */
export const displayPath = (path: string): string => {
  const rel = relative(process.cwd(), path)
  return rel.startsWith("..") || rel === "" ? path : rel
}

/**
 * The largest document the generator reads: 64 MiB (GitHub's REST spec, one of the largest
 * public ones, is 13 MB).
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * console.log(Source.maxDocumentBytes)
 * ```
 *
 * @since 0.1.0
 */
export const maxDocumentBytes = 64 * 1024 * 1024

/**
 * The most nodes a YAML document may hold once its aliases are expanded: a spec that a reader
 * expands into more values than this (a "billion laughs" alias bomb) is refused.
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * console.log(Source.maxExpandedNodes)
 * ```
 *
 * @since 0.1.0
 */
export const maxExpandedNodes = 2_000_000

/**
 * The deepest nesting of arrays and objects a document may have: 256 levels (real specs stay
 * under 30); deeper ones would overflow the stack of the recursive walks that read them.
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * console.log(Source.maxDepth)
 * ```
 *
 * @since 0.1.0
 */
export const maxDepth = 256

const isJson = (path: string, text: string): boolean => path.endsWith(".json") || /^\s*[{[]/.test(text)

/**
 * Parses a file's text as JSON (`.json`, or text starting with `{`) or YAML; fails with a
 * located {@link ParseError}.
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * Source.parse("/tmp/a.json", '{"a": 1}').value // { a: 1 }
 * ```
 *
 * @since 0.1.0
 */
export const parse = (path: string, text: string): Source => {
  const display = displayPath(path)
  if (text.length > maxDocumentBytes)
    throw new ParseError({
      file: display,
      found: `${(text.length / 1024 / 1024).toFixed(1)} MiB of text`,
      expected: `a document of at most ${maxDocumentBytes / 1024 / 1024} MiB`,
    })
  if (isJson(path, text)) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      throw jsonError(display, text, error)
    }
    const deep = tooDeepAt(text)
    if (deep !== undefined) {
      const pos = positionOf(lineStarts(text.slice(0, deep + 1)), deep)
      throw new ParseError({
        file: display,
        line: pos.line,
        column: pos.column,
        found: `values nested more than ${maxDepth} levels deep`,
        expected: `at most ${maxDepth} levels`,
      })
    }
    let lines: Array<number> | undefined
    const locateMany = (paths: ReadonlyArray<ReadonlyArray<string | number>>) => {
      lines ??= lineStarts(text)
      const starts = lines
      return locateJson(text, paths).map((offset) =>
        offset === undefined ? undefined : positionOf(starts, offset),
      )
    }
    return {
      path,
      display,
      text,
      value,
      locate: (segments) => locateMany([segments])[0],
      locateMany,
    }
  }
  // js-yaml (core schema: no timestamps) parses ten times faster than \`yaml\`'s document API;
  // the document with its line counter is made only when a location is asked for.
  let value: unknown
  try {
    value = jsyaml.load(text, { schema: jsyaml.CORE_SCHEMA, filename: display })
  } catch (error) {
    throw yamlError(display, text, error)
  }
  if (mayHoldAliases(text)) checkAliases(display, text)
  let document: { doc: Document; counter: LineCounter } | undefined
  const locate = (segments: ReadonlyArray<string | number>) => {
    if (!document) {
      const counter = new LineCounter()
      document = { doc: parseDocument(text, { lineCounter: counter, uniqueKeys: false }), counter }
    }
    return locateIn(document.doc, document.counter, segments)
  }
  return {
    path,
    display,
    text,
    value,
    locate,
    locateMany: (paths) => paths.map(locate),
  }
}

/**
 * A JSON pointer from segments (`~` and `/` escaped).
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * Source.pointer(["paths", "/a/{id}", "get"]) // "/paths/~1a~1{id}/get"
 * ```
 *
 * @since 0.1.0
 */
export const pointer = (segments: ReadonlyArray<string | number>): string =>
  segments.map((s) => `/${String(s).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("")

/**
 * Where a place of a document is, for a located error or diagnostic: its file, the line and
 * column of the place (or of its deepest existing parent), and its JSON pointer.
 *
 * @example
 * ```ts
 * import type { Source } from "@keyway/codegen"
 * declare const place: Source.Place
 * console.log(`${place.file}:${place.line ?? 1}:${place.column ?? 1} ${place.pointer}`)
 * ```
 *
 * @since 0.2.0
 */
export interface Place {
  readonly file: string
  readonly line?: number | undefined
  readonly column?: number | undefined
  /** The pointer inside that file. */
  readonly pointer: string
}

/**
 * The {@link Place} of `segments` at a position already located (one of `locateMany`'s).
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * Source.placeAt("api.yaml", ["paths", "/a"], { line: 3, column: 3 })
 * // { file: "api.yaml", line: 3, column: 3, pointer: "/paths/~1a" }
 * ```
 *
 * @since 0.2.0
 */
export const placeAt = (
  file: string,
  segments: ReadonlyArray<string | number>,
  position: Position | undefined,
): Place => ({ file, line: position?.line, column: position?.column, pointer: pointer(segments) })

/**
 * The {@link Place} of `segments` in a document.
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * const source = Source.parse("api.yaml", "paths:\n  /a: {}\n")
 * Source.place(source, ["paths", "/a"]).pointer // "/paths/~1a"
 * ```
 *
 * @since 0.2.0
 */
export const place = (
  source: Pick<Source, "display" | "locate">,
  segments: ReadonlyArray<string | number>,
): Place => placeAt(source.display, segments, source.locate(segments))

/**
 * Segments from a JSON pointer (with or without the leading `#`); URI-decoded.
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * Source.segments("#/components/schemas/Pet") // ["components", "schemas", "Pet"]
 * ```
 *
 * @since 0.1.0
 */
export const segments = (ptr: string): Array<string> => {
  const body = ptr.startsWith("#") ? ptr.slice(1) : ptr
  if (body === "" || body === "/") return body === "/" ? [""] : []
  return body
    .slice(1)
    .split("/")
    .map((s) => decodeURIComponent(s).replaceAll("~1", "/").replaceAll("~0", "~"))
}

/**
 * The value at `segments` inside `root`, or `undefined`.
 *
 * @example
 * ```ts
 * import { Source } from "@keyway/codegen"
 * Source.get({ a: [{ b: 1 }] }, ["a", 0, "b"]) // 1
 * ```
 *
 * @since 0.1.0
 */
export const get = (root: unknown, path: ReadonlyArray<string | number>): unknown => {
  let node = root
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined
    if (!Object.hasOwn(node, segment)) return undefined
    node = (node as Record<string, unknown>)[segment as string]
  }
  return node
}
