/**
 * Builders of the ts-morph statement structures the built-in emitters use: exported interfaces,
 * type aliases and constants, each with its JSDoc structure. Names are generator-made and checked
 * with `Emit.identifier`; doc text goes through `Emit.jsDoc`, so nothing a spec or a descriptor
 * holds can leave its comment.
 *
 * @since 0.1.0
 */
import {
  type CodeBlockWriter,
  type InterfaceDeclarationStructure,
  type JSDocStructure,
  type OptionalKind,
  type PropertySignatureStructure,
  StructureKind,
  type TypeAliasDeclarationStructure,
  type TypeParameterDeclarationStructure,
  VariableDeclarationKind,
  type VariableStatementStructure,
  type WriterFunction,
} from "ts-morph"
import * as Emit from "../Emit.ts"

/** Options every builder takes. */
export interface Declared {
  readonly doc?: string | undefined
  readonly example?: string | undefined
  readonly exported?: boolean | undefined
}

const docsOf = (options: Declared) => Emit.docs(options.doc, options.example)

/** `export type <name><params> = <type>`. */
export const typeAlias = (
  name: string,
  type: string | WriterFunction,
  options: Declared & {
    readonly typeParameters?: ReadonlyArray<string | OptionalKind<TypeParameterDeclarationStructure>>
  } = {},
): TypeAliasDeclarationStructure => {
  const parameters = (options.typeParameters ?? []).map((p) =>
    typeof p === "string"
      ? p
      : `${p.name}${p.constraint ? ` extends ${p.constraint}` : ""}${p.default ? ` = ${p.default}` : ""}`,
  )
  const head = `export type ${name}${parameters.length ? `<${parameters.join(", ")}>` : ""} = `
  return {
    kind: StructureKind.TypeAlias,
    name: Emit.identifier(name),
    isExported: options.exported ?? true,
    typeParameters: options.typeParameters ? [...options.typeParameters] : [],
    // Past the line width, the type goes on the next line.
    type:
      typeof type === "string" && head.length + type.length > 110
        ? (writer) => {
            writer.newLine()
            writer.indent(() => {
              writer.write(type)
            })
          }
        : type,
    docs: docsOf(options),
  }
}

/** `export interface <name> extends <extends> { ... }`. */
export const iface = (
  name: string,
  properties: ReadonlyArray<OptionalKind<PropertySignatureStructure>>,
  options: Declared & { readonly extends?: ReadonlyArray<string> | undefined } = {},
): InterfaceDeclarationStructure => ({
  kind: StructureKind.Interface,
  name: Emit.identifier(name),
  isExported: options.exported ?? true,
  extends: options.extends ? [...options.extends] : [],
  properties: [...properties],
  docs: docsOf(options),
})

/** `export const <name>: <type> = <initializer>`. */
export const constant = (
  name: string,
  initializer: string | WriterFunction,
  options: Declared & { readonly type?: string | undefined } = {},
): VariableStatementStructure => ({
  kind: StructureKind.VariableStatement,
  declarationKind: VariableDeclarationKind.Const,
  isExported: options.exported ?? true,
  declarations: [{ name: Emit.identifier(name), type: options.type, initializer }],
  docs: docsOf(options),
})

/** Lines of code as a writer (each at the writer's indentation; `""` is an empty line). */
export const lines =
  (...code: ReadonlyArray<string>): WriterFunction =>
  (writer: CodeBlockWriter) => {
    code.forEach((line, i) => {
      if (i > 0) writer.newLine()
      writer.write(line)
    })
  }

/**
 * A call or object literal whose arguments are laid out one a line when they do not fit on one:
 * `open` (`f({`), the items (each a line, a trailing comma), `close` (`})`).
 */
export const block = (open: string, items: ReadonlyArray<string>, close: string, width = 100): string => {
  const inline = `${open}${open.endsWith("{") ? " " : ""}${items.join(", ")}${close.startsWith("}") ? " " : ""}${close}`
  if (items.length === 0) return `${open}${close}`
  if (inline.length <= width && !items.some((i) => i.includes("\n"))) return inline
  return `${open}\n${items.map((i) => `${indent(i)},`).join("\n")}\n${close}`
}

/** Indents every line of `text` by two spaces. */
export const indent = (text: string): string =>
  text
    .split("\n")
    .map((l) => (l === "" ? l : `  ${l}`))
    .join("\n")

/**
 * An arrow function constant: `export const name = (params): Result =>` then `body` (an
 * expression, or a block when it starts with `{`).
 */
export const arrow = (
  name: string,
  params: string,
  result: string,
  body: string,
  options: Declared & { readonly typeParameters?: string | undefined } = {},
): VariableStatementStructure =>
  constant(
    name,
    (writer) => {
      const generic = options.typeParameters ? `<${options.typeParameters}>` : ""
      const signature = `${generic}(${params}): ${result} =>`
      // `export const ` + name + ` = ` + signature, past the line width: one parameter a line.
      writer.write(
        name.length + signature.length + 16 <= 110
          ? signature
          : `${generic}(\n${params
              .split(/, (?=[A-Za-z_$][\w$]*\??: )/)
              .map((p) => `  ${p},`)
              .join("\n")}\n): ${result} =>`,
      )
      if (body.startsWith("{")) writer.write(` ${body}`)
      else {
        writer.newLine()
        writer.indent(() => {
          writer.write(body)
        })
      }
    },
    options,
  )

/** A JSDoc structure as text (its description is escaped already: `Emit.jsDoc` made it). */
const docText = (doc: OptionalKind<JSDocStructure>): string => {
  const text = typeof doc.description === "string" ? doc.description : ""
  const lines = text.split("\n")
  return lines.length === 1
    ? `/** ${text} */`
    : `/**\n${lines.map((l) => (l === "" ? " *" : ` * ${l}`)).join("\n")}\n */`
}

/**
 * `export const <name> = <initializer>` written as the emitter laid it out (one line an entry of
 * a table of thousands): a statement the module's formatter pass leaves alone. Its doc is a
 * {@link Emit.jsDoc} structure; its initializer generator-made code with literals from `Emit`.
 */
export const verbatimConstant = (name: string, initializer: string, options: Declared = {}): string =>
  `${docsOf(options)
    .map((d) => `${docText(d)}\n`)
    .join("")}${options.exported === false ? "" : "export "}const ${Emit.identifier(name)} = ${initializer}`
