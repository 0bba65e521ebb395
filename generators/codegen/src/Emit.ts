/**
 * The one place where untrusted text becomes generated code. Every value of a spec or a
 * descriptor that reaches a generated file goes through one of these functions, chosen by where
 * it lands: a string literal ({@link string}), a value literal ({@link value}, {@link json}), a
 * JSDoc comment ({@link docText}, {@link doc}), a property name ({@link propertyName}), an
 * identifier ({@link identifier}, which refuses anything that is not one), a template literal
 * chunk ({@link templateText}) or Markdown ({@link markdownCode}, {@link markdownText}). The
 * ts-morph structures the emitters build take their names, literals and doc text from here:
 * {@link jsDoc} (a JSDoc structure whose text cannot close its comment), {@link property} (a
 * property signature whose name is quoted or computed as needed), {@link unionType} and
 * {@link valueWriter}. Nothing else in the generator pastes input into code.
 *
 * What each one defends against: a comment terminator `*\/` in a comment, a quote, backtick or
 * `${` in a literal, a line break or U+2028/U+2029 anywhere, a `__proto__` key in an object
 * literal (which would set the prototype instead of a property), a non-finite number (which JSON
 * would silently turn into `null`). Values are never changed: a literal evaluates to exactly the
 * input.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.string("a\u2028b") // '"a\\u2028b"'
 * Emit.docText("a comment terminator: *\/") // escaped, the comment stays closed
 * Emit.propertyName("__proto__") // '["__proto__"]'
 * ```
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type {
  CodeBlockWriter,
  JSDocStructure,
  OptionalKind,
  PropertySignatureStructure,
  WriterFunction,
} from "ts-morph"

/**
 * A value the emitter cannot write as code (a name that is no identifier where one is needed, a
 * non-finite number). Validation refuses such input earlier with a located error; this is the
 * last line of defence, so that unsafe code is never written.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * new Emit.EmitError({ what: "an identifier", found: '"a b"' }).message // 'cannot emit "a b" as an identifier'
 * ```
 *
 * @since 0.1.0
 */
export class EmitError extends Data.TaggedError("EmitError")<{
  readonly what: string
  readonly found: string
}> {
  override get message(): string {
    return `cannot emit ${this.found} as ${this.what}`
  }
}

const lineSeparators = /[\u2028\u2029]/g

const escapeSeparators = (text: string): string =>
  text.replace(lineSeparators, (c) => (c === "\u2028" ? "\\u2028" : "\\u2029"))

/**
 * A double-quoted string literal that evaluates to exactly `value` (JSON quoting, plus U+2028
 * and U+2029 escaped so the literal stays on one line for every tool).
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.string('a"b') // '"a\\"b"'
 * ```
 *
 * @since 0.1.0
 */
export const string = (value: string): string => escapeSeparators(JSON.stringify(value))

const identifierPattern = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/**
 * Whether `name` is an ASCII JavaScript identifier name (what a dotted property access, a bare
 * property key or an option name can be) and not `__proto__`.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.isIdentifierName("tenantId") // true
 * Emit.isIdentifierName("a; globalThis.x = 1") // false
 * ```
 *
 * @since 0.1.0
 */
export const isIdentifierName = (name: string): boolean =>
  identifierPattern.test(name) && name !== "__proto__"

/**
 * `name` as an identifier (a property access `auth.<name>`, an interface member), or an
 * {@link EmitError} when it is not one: input is never pasted as code.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.identifier("module") // "module"
 * ```
 *
 * @since 0.1.0
 */
export const identifier = (name: string): string => {
  if (!isIdentifierName(name)) throw new EmitError({ what: "an identifier", found: string(name) })
  return name
}

/**
 * A property name of an object literal or a type: bare when it is an identifier, quoted
 * otherwise, and computed for `__proto__` (a plain `__proto__:` key would set the prototype).
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.propertyName("sandbox-na") // '"sandbox-na"'
 * ```
 *
 * @since 0.1.0
 */
export const propertyName = (name: string): string =>
  name === "__proto__" ? `[${string(name)}]` : identifierPattern.test(name) ? name : string(name)

const quotedKey = (name: string): string => (name === "__proto__" ? `[${string(name)}]` : string(name))

const scalar = (v: unknown): string => {
  if (typeof v === "string") return string(v)
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new EmitError({ what: "a number literal", found: String(v) })
    return JSON.stringify(v)
  }
  if (typeof v === "boolean" || v === null) return JSON.stringify(v)
  throw new EmitError({ what: "a value literal", found: typeof v })
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v)

/**
 * A compact value literal, laid out as `JSON.stringify` lays it out (`{"a":[1,2]}`), that
 * evaluates to exactly `v`: strings through {@link string}, a `__proto__` key computed, a
 * non-finite number refused. `undefined` members are left out, as JSON does.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.json({ header: "X-Id", scopes: ["read,write"] }) // '{"header":"X-Id","scopes":["read,write"]}'
 * ```
 *
 * @since 0.1.0
 */
export const json = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : json(x))).join(",")}]`
  if (isPlain(v))
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${quotedKey(k)}:${json(x)}`)
      .join(",")}}`
  return scalar(v)
}

/**
 * A value literal laid out for reading: objects one member per line (bare keys when they are
 * identifiers), arrays of scalars on one line. Evaluates to exactly `v` (an array item is never
 * split or joined: `["read,write"]` stays one item).
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.value({ scopes: ["read,write"] }) // '{\n  scopes: ["read,write"],\n}'
 * ```
 *
 * @since 0.1.0
 */
export const value = (v: unknown, indent = ""): string => {
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== "object")) return `[${v.map(scalar).join(", ")}]`
    return `[\n${v.map((x) => `${indent}  ${value(x, `${indent}  `)},`).join("\n")}\n${indent}]`
  }
  if (isPlain(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined)
    if (entries.length === 0) return "{}"
    return `{\n${entries
      .map(([k, x]) => `${indent}  ${propertyName(k)}: ${value(x, `${indent}  `)},`)
      .join("\n")}\n${indent}}`
  }
  return scalar(v)
}

/**
 * A union of string literal types (`never` when empty).
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.union(["a", "b"]) // '"a" | "b"'
 * ```
 *
 * @since 0.1.0
 */
export const union = (items: ReadonlyArray<string>): string =>
  items.length === 0 ? "never" : items.map(string).join(" | ")

/**
 * Text safe inside a JSDoc comment: whitespace (line breaks, U+2028/U+2029 included) collapsed to
 * one space, the closing token `*\/` escaped.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.docText("a\n  b") // "a b"
 * ```
 *
 * @since 0.1.0
 */
export const docText = (text: string): string => text.replace(/\s+/g, " ").trim().replaceAll("*/", "*\\/")

/**
 * A one-line JSDoc comment of `text` (see {@link docText}), with a trailing newline; empty for no
 * text.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.doc("The client.", "  ") // "  /** The client. *\/\n"
 * ```
 *
 * @since 0.1.0
 */
export const doc = (text: string | undefined, indent = ""): string =>
  text ? `${indent}/** ${docText(text)} */\n` : ""

/**
 * Text safe inside a template literal, on one line: `\`, backticks, `${` and line breaks escaped.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.templateText("a`${b}") // "a\\`\\${b}"
 * ```
 *
 * @since 0.1.0
 */
export const templateText = (text: string): string =>
  escapeSeparators(
    text.replace(/\\|`|\$\{|\r|\n/g, (m) => (m === "\r" ? "\\r" : m === "\n" ? "\\n" : `\\${m}`)),
  )

/**
 * A Markdown code span of `text` on one line: the fence is longer than any run of backticks
 * inside, `|` is escaped (GitHub tables), line breaks become spaces.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.markdownCode("a`b") // "``a`b``"
 * ```
 *
 * @since 0.1.0
 */
export const markdownCode = (text: string): string => {
  const flat = text.replace(/\s+/g, " ").replaceAll("|", "\\|")
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = "`".repeat(longest + 1)
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : ""
  return `${fence}${pad}${flat}${pad}${fence}`
}

/**
 * Markdown text on one line with Markdown and HTML punctuation escaped (`*`, `_`, `` ` ``, `[`,
 * `]`, `<`, `>`, `|`, `\`, `#` at the start), so input shows as written and adds no markup.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.markdownText("<b>*x*</b>") // "\\<b\\>\\*x\\*\\</b\\>"
 * ```
 *
 * @since 0.1.0
 */
export const markdownText = (text: string): string =>
  text
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`)
    .replace(/^#/, "\\#")

/**
 * Text for a JSDoc structure: the comment terminator `*\/` escaped and U+2028/U+2029 turned
 * into spaces; line breaks kept (ts-morph prefixes each line with ` * `).
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.commentText("a *\/ b") // the terminator stays escaped: the comment stays closed
 * ```
 *
 * @since 0.1.0
 */
export const commentText = (text: string): string =>
  text.replace(/\r\n?/g, "\n").replace(lineSeparators, " ").replaceAll("*/", "*\\/")

/**
 * A JSDoc structure: a description and, optionally, an `@example` TypeScript block. Both are
 * {@link commentText}: whatever they hold, the comment stays closed. Text from a spec or a
 * descriptor is passed through {@link docText} first (one line).
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.jsDoc("Creates a client.", "const client = createClient(options)")
 * ```
 *
 * @since 0.1.0
 */
export const jsDoc = (description: string, example?: string): OptionalKind<JSDocStructure> => {
  const text = wrap(description)
  return {
    description: commentText(
      example === undefined ? text : `${text}\n\n@example\n\`\`\`ts\n${example}\n\`\`\``,
    ),
  }
}

/** Lines of prose longer than `width` broken at spaces (a one-line comment that fits stays one line). */
const wrap = (text: string, width = 96): string =>
  text
    .split("\n")
    .flatMap((line) => {
      if (line.length <= width) return [line]
      const out: Array<string> = []
      let current = ""
      for (const word of line.split(" ")) {
        if (current !== "" && current.length + 1 + word.length > width) {
          out.push(current)
          current = word
        } else current = current === "" ? word : `${current} ${word}`
      }
      out.push(current)
      return out
    })
    .join("\n")

/**
 * The `docs` of a structure: one {@link jsDoc} of `text`, none without text.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.docs(undefined) // []
 * ```
 *
 * @since 0.1.0
 */
export const docs = (text: string | undefined, example?: string): Array<OptionalKind<JSDocStructure>> =>
  text ? [jsDoc(text, example)] : []

/**
 * A readonly property signature: `name` through {@link propertyName}, the doc through
 * {@link docText} (one line) into a {@link jsDoc}.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.property("sandbox-na", "string", { optional: true, doc: "A host." }).name // '"sandbox-na"'
 * ```
 *
 * @since 0.1.0
 */
export const property = (
  name: string,
  type: string | WriterFunction,
  options: {
    readonly optional?: boolean | undefined
    readonly doc?: string | undefined
    readonly deprecated?: boolean | undefined
  } = {},
): OptionalKind<PropertySignatureStructure> => ({
  name: propertyName(name),
  type,
  isReadonly: true,
  hasQuestionToken: options.optional === true,
  docs: options.doc
    ? [
        {
          ...jsDoc(docText(options.doc)),
          ...(options.deprecated ? { tags: [{ tagName: "deprecated" }] } : {}),
        },
      ]
    : [],
})

/**
 * A union type of `members` (type text the emitters made: string literals from {@link string},
 * type names): on one line when short, otherwise one member a line, as a formatter lays it out.
 * `never` when empty.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.unionType(['"a"', '"b"'])
 * ```
 *
 * @since 0.1.0
 */
export const unionType =
  (members: ReadonlyArray<string | WriterFunction>, width = 80): WriterFunction =>
  (writer: CodeBlockWriter) => {
    const texts = members.filter((m): m is string => typeof m === "string")
    if (members.length === 0) writer.write("never")
    else if (texts.length === members.length && (members.length === 1 || texts.join(" | ").length <= width))
      writer.write(texts.join(" | "))
    else
      writer.indent(() => {
        for (const m of members) {
          writer.newLine().write("| ")
          if (typeof m === "string") writer.write(m)
          else m(writer)
        }
      })
  }

/**
 * A union of string literal types, laid out by {@link unionType}.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.literalUnion(["r_jobs", "w_jobs"])
 * ```
 *
 * @since 0.1.0
 */
export const literalUnion = (items: ReadonlyArray<string>): WriterFunction => unionType(items.map(string))

/**
 * A writer of {@link value}: the literal laid out for reading, at the writer's indentation.
 *
 * @example
 * ```ts
 * import { Emit } from "@keyway/codegen"
 * Emit.valueWriter({ subdomain: "www" })
 * ```
 *
 * @since 0.1.0
 */
export const valueWriter =
  (v: unknown): WriterFunction =>
  (writer: CodeBlockWriter) => {
    writer.write(value(v))
  }
