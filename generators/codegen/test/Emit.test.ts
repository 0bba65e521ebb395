import { describe, expect, it } from "vitest"
import * as Emit from "../src/Emit.ts"
import * as Rules from "../src/Rules.ts"

/** Evaluates an emitted expression (the test's own input, never a spec's). */
const evaluate = (code: string): unknown => new Function(`"use strict"; return (${code})`)()

const hostile = [
  "*/ x /*",
  '"; x; "',
  "'; x; '",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the hostile text itself
  "`${x}`",
  "a\nb\r\nc",
  "a\u2028b\u2029c",
  "\\",
  "\u0000\u001f",
  "\ud800",
]

describe("Emit: untrusted text into generated code", () => {
  it("string literals evaluate to exactly the input and stay on one line", () => {
    for (const text of hostile) {
      const code = Emit.string(text)
      expect(code).not.toMatch(/[\n\r\u2028\u2029]/)
      expect(evaluate(code)).toBe(text)
    }
  })

  it("value literals keep every value: one array item stays one item, __proto__ stays a key", () => {
    const input = JSON.parse(
      '{"scopes":["read,write","a b"],"__proto__":{"x":1},"n":[1,2.5,null,true],"nested":[{"a":"*/"}],"k-1":"v"}',
    )
    for (const code of [Emit.value(input), Emit.json(input)]) {
      const back = evaluate(code) as Record<string, unknown>
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype)
      expect(Object.keys(back)).toEqual(["scopes", "__proto__", "n", "nested", "k-1"])
      expect(JSON.stringify(back)).toBe(JSON.stringify(input))
    }
    expect(Emit.json({ header: "X-Id", n: 2 })).toBe(JSON.stringify({ header: "X-Id", n: 2 }))
    expect(Emit.value({ scopes: ["read,write"] })).toBe('{\n  scopes: ["read,write"],\n}')
  })

  it("refuses what it cannot write faithfully: non-finite numbers, non-identifiers where one is needed", () => {
    expect(() => Emit.json({ a: Number.NaN })).toThrow(Emit.EmitError)
    expect(() => Emit.value([Number.POSITIVE_INFINITY])).toThrow(/number literal/)
    for (const name of ["a b", "x; globalThis.y = 1", "1a", "__proto__", ""])
      expect(() => Emit.identifier(name), name).toThrow(Emit.EmitError)
    expect(Emit.identifier("tenant_1")).toBe("tenant_1")
  })

  it("property names: bare, quoted, or computed for __proto__", () => {
    expect(Emit.propertyName("a")).toBe("a")
    expect(Emit.propertyName("sandbox-na")).toBe('"sandbox-na"')
    expect(Emit.propertyName("__proto__")).toBe('["__proto__"]')
    const obj = evaluate(`{ ${Emit.propertyName("__proto__")}: 1, ${Emit.propertyName("a\u2028")}: 2 }`)
    expect(Object.keys(obj as object)).toEqual(["__proto__", "a\u2028"])
  })

  it("JSDoc text cannot close its comment or break its line", () => {
    for (const text of hostile) {
      const comment = Emit.doc(text).trimEnd()
      expect(comment.slice(3, -2)).not.toContain("*/")
      expect(comment).not.toMatch(/[\n\r\u2028\u2029]/)
      expect(evaluate(`${comment} 1`)).toBe(1)
    }
  })

  it("template text evaluates to the input inside a template literal", () => {
    for (const text of hostile) expect(evaluate(`\`${Emit.templateText(text)}\``)).toBe(text)
  })

  it("Markdown: a code span cannot be closed early, text adds no markup", () => {
    expect(Emit.markdownCode("a`b")).toBe("``a`b``")
    expect(Emit.markdownCode("`x")).toBe("`` `x ``")
    expect(Emit.markdownCode("a|b\nc")).toBe("`a\\|b c`")
    expect(Emit.markdownText("<img src=x onerror=alert(1)> *b*")).toBe(
      "\\<img src=x onerror=alert(1)\\> \\*b\\*",
    )
  })
})

describe("Rules: URLs, loopback, placeholders", () => {
  const opts = { relative: false, allowInsecureHttp: false }
  it("loopback hosts", () => {
    for (const h of ["localhost", "api.localhost", "127.0.0.1", "127.1.2.3", "[::1]"])
      expect(Rules.isLoopbackHost(h), h).toBe(true)
    for (const h of ["127.0.0.1.example.com", "localhost.example.com", "10.0.0.1", "0.0.0.0"])
      expect(Rules.isLoopbackHost(h), h).toBe(false)
  })

  it("http only to a literal loopback host, unless allowed", () => {
    expect(Rules.url(["u"], "http://127.0.0.1:{port}/x", opts)).toEqual([])
    expect(Rules.url(["u"], "http://[::1]:8080", opts)).toEqual([])
    expect(Rules.url(["u"], "http://{host}/x", opts)).toHaveLength(1)
    expect(Rules.url(["u"], "http://user@example.com@127.0.0.1/x", opts)).toHaveLength(1)
    expect(Rules.url(["u"], "http://127.0.0.1.example.com/x", opts)).toHaveLength(1)
    expect(Rules.url(["u"], "http://api.example.com", { ...opts, allowInsecureHttp: true })).toEqual([])
    expect(Rules.url(["u"], "https://{host}/x", opts)).toEqual([])
  })

  it("placeholders must be balanced and named", () => {
    expect(Rules.placeholders("/a/{b}/{c.d}")).toEqual({ names: ["b", "c.d"] })
    expect(Rules.placeholders("/a/{b")).toEqual({ error: "an unclosed {" })
    expect(Rules.placeholders("/a/b}")).toEqual({ error: "a } without its {" })
    expect(Rules.placeholders("/a/{{b}}")).toEqual({ error: "a { inside a placeholder" })
    expect("error" in Rules.placeholders("/a/{}")).toBe(true)
    expect("error" in Rules.placeholders("/a/{__proto__}")).toBe(true)
  })
})
