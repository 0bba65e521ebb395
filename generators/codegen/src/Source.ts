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
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml"
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
 * @since 0.1.0
 */
export const maxDocumentBytes = 64 * 1024 * 1024

/**
 * The most nodes a YAML document may hold once its aliases are expanded: a spec that a reader
 * expands into more values than this (a "billion laughs" alias bomb) is refused.
 *
 * @since 0.1.0
 */
export const maxExpandedNodes = 2_000_000

/**
 * The deepest nesting of arrays and objects a document may have: 256 levels (real specs stay
 * under 30); deeper ones would overflow the stack of the recursive walks that read them.
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

const lineStarts = (text: string): Array<number> => {
  const starts = [0]
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1)
  return starts
}

const positionOf = (starts: ReadonlyArray<number>, offset: number): Position => {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]! <= offset) lo = mid
    else hi = mid - 1
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 }
}

interface Trie {
  readonly children: Map<string, Trie>
  offset?: number
}

/**
 * Offsets in a JSON text of many paths, in one pass that descends only where a path goes and
 * skips every other value without parsing it (GitHub's 13 MB spec: tens of milliseconds). Each
 * offset is that of the deepest existing segment's key (or array item), as `locateIn` does for
 * YAML.
 */
const locateJson = (
  text: string,
  paths: ReadonlyArray<ReadonlyArray<string | number>>,
): Array<number | undefined> => {
  const root: Trie = { children: new Map() }
  for (const path of paths) {
    let node = root
    for (const segment of path) {
      const key = String(segment)
      let next = node.children.get(key)
      if (!next) {
        next = { children: new Map() }
        node.children.set(key, next)
      }
      node = next
    }
  }
  let i = 0
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = text.charCodeAt(++i));
  }
  const stringEnd = (start: number): number => {
    let j = start + 1
    for (;;) {
      const q = text.indexOf('"', j)
      if (q === -1) return text.length
      let b = q - 1
      while (text.charCodeAt(b) === 92) b--
      if ((q - 1 - b) % 2 === 0) return q + 1
      j = q + 1
    }
  }
  const skip = () => {
    let depth = 0
    for (;;) {
      ws()
      const c = text.charCodeAt(i)
      if (Number.isNaN(c)) return
      if (c === 34) i = stringEnd(i)
      else if (c === 123 || c === 91) {
        depth++
        i++
      } else if (c === 125 || c === 93) {
        depth--
        i++
      } else if (c === 44 || c === 58) {
        if (depth === 0) return
        i++
      } else {
        while (i < text.length && !/[\s,:\]}]/.test(text[i]!)) i++
      }
      if (depth === 0) {
        ws()
        return
      }
    }
  }
  const value = (node: Trie) => {
    ws()
    node.offset ??= i
    if (node.children.size === 0) return skip()
    const c = text.charCodeAt(i)
    if (c === 123) {
      i++
      for (;;) {
        ws()
        if (text.charCodeAt(i) !== 34) break
        const at = i
        const end = stringEnd(i)
        const raw = text.slice(i + 1, end - 1)
        const key = raw.includes("\\") ? (JSON.parse(text.slice(i, end)) as string) : raw
        i = end
        ws()
        if (text.charCodeAt(i) === 58) i++
        const child = node.children.get(key)
        if (child) {
          child.offset ??= at
          value(child)
        } else skip()
        ws()
        if (text.charCodeAt(i) === 44) i++
        else break
      }
      if (text.charCodeAt(i) === 125) i++
    } else if (c === 91) {
      i++
      for (let n = 0; ; n++) {
        ws()
        if (text.charCodeAt(i) === 93 || i >= text.length) break
        const child = node.children.get(String(n))
        if (child) value(child)
        else skip()
        ws()
        if (text.charCodeAt(i) === 44) i++
        else break
      }
      if (text.charCodeAt(i) === 93) i++
    } else skip()
  }
  value(root)
  return paths.map((path) => {
    let node = root
    let offset = root.offset
    for (const segment of path) {
      const next = node.children.get(String(segment))
      if (!next || next.offset === undefined) break
      node = next
      offset = next.offset
    }
    return offset
  })
}

// An alias is `*name` where a value starts; a quick scan lets alias-free specs (nearly all) skip
// the document-level check below.
const mayHoldAliases = (text: string): boolean => /(?:^|[\s[{,:-])\*[^\s,[\]{}]/m.test(text)

/**
 * Counts the nodes of the document with its aliases expanded, each anchored node once
 * (memoized), so an alias bomb costs no more than its text; refuses more than
 * {@link maxExpandedNodes}, located at the alias that expands the most.
 */
const checkAliases = (display: string, text: string): void => {
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false })
  const sizes = new Map<unknown, number>()
  let worst: { node: Node; size: number } | undefined
  const visiting = new Set<unknown>()
  const size = (node: unknown): number => {
    if (node === null || typeof node !== "object") return 1
    const known = sizes.get(node)
    if (known !== undefined) return known
    if (visiting.has(node)) return 1
    visiting.add(node)
    let n = 1
    if (isAlias(node)) {
      const target = node.resolve(doc)
      if (target && visiting.has(target)) {
        const pos = node.range ? counter.linePos(node.range[0]) : undefined
        throw new ParseError({
          file: display,
          line: pos?.line,
          column: pos?.col,
          found: `the alias *${node.source} inside the value it names (a cycle)`,
          expected: "aliases to values outside themselves",
        })
      }
      n = target ? size(target) : 1
      if (!worst || n > worst.size) worst = { node, size: n }
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items as Array<unknown>) {
        n += isPair(item) ? size(item.key) + size(item.value) : size(item)
        if (n > maxExpandedNodes) break
      }
    }
    visiting.delete(node)
    sizes.set(node, n)
    return n
  }
  const total = size(doc.contents)
  if (total <= maxExpandedNodes || !worst) return
  const pos = worst.node.range ? counter.linePos(worst.node.range[0]) : undefined
  throw new ParseError({
    file: display,
    line: pos?.line,
    column: pos?.col,
    found: `aliases that expand to more than ${maxExpandedNodes.toLocaleString("en-US")} values (the largest here)`,
    expected: "a document without an alias bomb",
  })
}

/** The offset in a JSON text where nesting first goes deeper than {@link maxDepth}, if it does. */
const tooDeepAt = (text: string): number | undefined => {
  const token = /["{}[\]]/g
  let depth = 0
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    const c = m[0]
    if (c === '"') {
      let end = text.indexOf('"', m.index + 1)
      while (end !== -1) {
        let b = end - 1
        while (text.charCodeAt(b) === 92) b--
        if ((end - 1 - b) % 2 === 0) break
        end = text.indexOf('"', end + 1)
      }
      if (end === -1) return undefined
      token.lastIndex = end + 1
    } else if (c === "{" || c === "[") {
      if (++depth > maxDepth) return m.index
    } else depth--
  }
  return undefined
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
