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
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml"
import { ParseError } from "./Errors.ts"

/**
 * A 1-based position in a file.
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
  if (isJson(path, text)) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      throw jsonError(display, text, error)
    }
    let document: { doc: Document; counter: LineCounter } | undefined
    return {
      path,
      display,
      text,
      value,
      locate: (segments) => {
        if (!document) {
          const counter = new LineCounter()
          document = { doc: parseDocument(text, { lineCounter: counter, uniqueKeys: false }), counter }
        }
        return locateIn(document.doc, document.counter, segments)
      },
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
  let document: { doc: Document; counter: LineCounter } | undefined
  return {
    path,
    display,
    text,
    value,
    locate: (segments) => {
      if (!document) {
        const counter = new LineCounter()
        document = { doc: parseDocument(text, { lineCounter: counter, uniqueKeys: false }), counter }
      }
      return locateIn(document.doc, document.counter, segments)
    },
  }
}

const yamlError = (display: string, text: string, error: unknown): ParseError => {
  // \`yaml\` reports the error with a code and a position; js-yaml's mark is the fallback.
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false })
  const first = doc.errors[0]
  if (first) {
    const pos = first.linePos?.[0] ?? (first.pos ? counter.linePos(first.pos[0]) : undefined)
    return new ParseError({
      file: display,
      line: pos?.line,
      column: pos?.col,
      found: describeYamlError(first.message, first.code),
      expected: "valid YAML",
    })
  }
  const e = error as { reason?: string; mark?: { line: number; column: number }; message?: string }
  return new ParseError({
    file: display,
    line: e.mark ? e.mark.line + 1 : undefined,
    column: e.mark ? e.mark.column + 1 : undefined,
    found: e.reason ?? e.message ?? String(error),
    expected: "valid YAML",
  })
}

const describeYamlError = (message: string, code: string): string => {
  const firstLine = (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "").trim()
  return `${firstLine} (${code})`
}

const jsonError = (display: string, text: string, error: unknown): ParseError => {
  const message = error instanceof Error ? error.message : String(error)
  let line: number | undefined
  let column: number | undefined
  const lc = /line (\d+) column (\d+)/.exec(message)
  const at = /position (\d+)/.exec(message)
  if (lc) {
    line = Number(lc[1])
    column = Number(lc[2])
  } else if (at) {
    const offset = Number(at[1])
    const before = text.slice(0, offset)
    line = before.split("\n").length
    column = offset - before.lastIndexOf("\n")
  } else if (/end of JSON input/.test(message)) {
    line = text.split("\n").length
  }
  const found = message
    .replace(/\s*\(line \d+ column \d+\)/, "")
    .replace(/ in JSON at position \d+/, "")
    .replace(/, "[\s\S]*" is not valid JSON$/, "")
  return new ParseError({ file: display, line, column, found, expected: "valid JSON" })
}

const locateIn = (
  doc: Document,
  counter: LineCounter,
  segments: ReadonlyArray<string | number>,
): Position | undefined => {
  let node: unknown = doc.contents
  let best: [number, number, number] | undefined = (node as Node | null)?.range ?? undefined
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment),
      )
      if (!pair) break
      const keyRange = isScalar(pair.key) ? pair.key.range : undefined
      best = keyRange ?? (pair.value as Node | null)?.range ?? best
      node = pair.value
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)]
      if (item === undefined) break
      best = (item as Node | null)?.range ?? best
      node = item
    } else break
  }
  if (!best) return undefined
  const pos = counter.linePos(best[0])
  return { line: pos.line, column: pos.col }
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
