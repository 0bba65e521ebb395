/**
 * JSON text of `Source`: positions of offsets, the one-pass locator of many paths in a big JSON
 * text, the nesting guard and the located parse error. Internal to `Source.ts`.
 *
 * @since 0.1.0
 */
import { ParseError } from "../Errors.ts"
import { maxDepth, type Position } from "../Source.ts"

export const lineStarts = (text: string): Array<number> => {
  const starts = [0]
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1)
  return starts
}

export const positionOf = (starts: ReadonlyArray<number>, offset: number): Position => {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]! <= offset) lo = mid
    else hi = mid - 1
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 }
}

export interface Trie {
  readonly children: Map<string, Trie>
  offset?: number
}

/**
 * Offsets in a JSON text of many paths, in one pass that descends only where a path goes and
 * skips every other value without parsing it (GitHub's 13 MB spec: tens of milliseconds). Each
 * offset is that of the deepest existing segment's key (or array item), as `locateIn` does for
 * YAML.
 */
export const locateJson = (
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

/** The offset in a JSON text where nesting first goes deeper than {@link maxDepth}, if it does. */
export const tooDeepAt = (text: string): number | undefined => {
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

export const jsonError = (display: string, text: string, error: unknown): ParseError => {
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
