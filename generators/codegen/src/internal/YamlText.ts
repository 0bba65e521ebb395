/**
 * YAML text of `Source`: the alias expansion guard, the located parse error and the locator over
 * a parsed `yaml` document. Internal to `Source.ts`.
 *
 * @since 0.1.0
 */
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
import { ParseError } from "../Errors.ts"
import { maxExpandedNodes, type Position } from "../Source.ts"

// An alias is `*name` where a value starts; a quick scan lets alias-free specs (nearly all) skip
// the document-level check below.
export const mayHoldAliases = (text: string): boolean => /(?:^|[\s[{,:-])\*[^\s,[\]{}]/m.test(text)

/**
 * Counts the nodes of the document with its aliases expanded, each anchored node once
 * (memoized), so an alias bomb costs no more than its text; refuses more than
 * {@link maxExpandedNodes}, located at the alias that expands the most.
 */
export const checkAliases = (display: string, text: string): void => {
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

export const yamlError = (display: string, text: string, error: unknown): ParseError => {
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

export const describeYamlError = (message: string, code: string): string => {
  const firstLine = (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "").trim()
  return `${firstLine} (${code})`
}

export const locateIn = (
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
