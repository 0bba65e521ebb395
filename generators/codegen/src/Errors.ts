/**
 * The generator's errors, as tagged values. Every problem a user can fix names the file, the line
 * (or the JSON pointer when no line is known), what was found and what was expected, and renders
 * as ONE line through {@link format}. Nothing here carries a stack trace into the output: the CLI
 * prints `format(error)` and shows the stack only with `--debug`.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * const e = new Errors.DescriptorError({ file: "specs/ccw/provider.yaml", line: 12, column: 5, pointer: "/auth/0/tokenUrl", found: "3", expected: "a string" })
 * Errors.format(e) // "specs/ccw/provider.yaml:12:5 /auth/0/tokenUrl: wrong field in descriptor: found 3, expected a string"
 * ```
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * Where a problem is and what it is: the shape shared by every located error.
 *
 * @example
 * ```ts
 * import type { Errors } from "@keyway/codegen"
 * declare const located: Errors.Located
 * console.log(located.file)
 * ```
 *
 * @since 0.1.0
 */
export interface Located {
  /** The file, relative to the working directory when possible. */
  readonly file: string
  /** 1-based line, when known. */
  readonly line?: number | undefined
  /** 1-based column, when known. */
  readonly column?: number | undefined
  /** JSON pointer inside the file (`/paths/~1pets/get`), when the problem is at a value. */
  readonly pointer?: string | undefined
  /** What was found (a short rendering of the value). */
  readonly found: string
  /** What was expected. */
  readonly expected: string
}

/**
 * A YAML or JSON file that does not parse.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.ParseError({ file: "specs/x/openapi.yaml", line: 3, column: 1, found: "a tab", expected: "valid YAML" })
 * ```
 *
 * @since 0.1.0
 */
export class ParseError extends Data.TaggedError("ParseError")<Located> {
  override get message(): string {
    return render(this, "invalid YAML/JSON")
  }
}

/**
 * A `$ref` that does not resolve: a missing file, or a pointer that names nothing.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.RefError({ file: "specs/x/openapi.yaml", line: 20, pointer: "/paths/~1a/get/responses/200/$ref", found: "#/components/responses/Nope", expected: "a $ref to an existing value" })
 * ```
 *
 * @since 0.1.0
 */
export class RefError extends Data.TaggedError("RefError")<Located> {
  override get message(): string {
    return render(this, "$ref does not resolve")
  }
}

/**
 * An auth strategy `type` the descriptor schema does not know.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.UnknownAuthStrategy({ file: "specs/x/provider.yaml", line: 9, pointer: "/auth/0/type", found: '"oauth3"', expected: "one of ..." })
 * ```
 *
 * @since 0.1.0
 */
export class UnknownAuthStrategy extends Data.TaggedError("UnknownAuthStrategy")<Located> {
  override get message(): string {
    return render(this, "unknown auth strategy")
  }
}

/**
 * A descriptor field that is missing, unknown, or of the wrong type or value.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.DescriptorError({ file: "specs/x/provider.yaml", line: 4, pointer: "/baseUrl", found: "nothing", expected: "a string" })
 * ```
 *
 * @since 0.1.0
 */
export class DescriptorError extends Data.TaggedError("DescriptorError")<Located> {
  override get message(): string {
    return render(this, "wrong field in descriptor")
  }
}

/**
 * An OpenAPI document that breaks a structural rule (version, info, paths, responses,
 * duplicate operationIds) or a cross-check with its descriptor.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.SpecError({ file: "specs/x/openapi.yaml", line: 1, pointer: "/openapi", found: '"2.0"', expected: "an OpenAPI 3.0 or 3.1 version" })
 * ```
 *
 * @since 0.1.0
 */
export class SpecError extends Data.TaggedError("SpecError")<Located> {
  override get message(): string {
    return render(this, "invalid OpenAPI document")
  }
}

/**
 * A problem a lint rule of `@redocly/openapi-core` found in the spec (an unknown `in`, a schema
 * `type` OpenAPI does not know, a `{name}` of a path no parameter declares, a parameter declared
 * twice, ...). A warning by default; an error with `keyway generate --strict`.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * const w = new Errors.LintProblem({ file: "specs/x/openapi.yaml", line: 9, pointer: "/paths/~1a/get/parameters/0/in", rule: "struct", severity: "warning", found: '"querry"', expected: "one of query, header, path, cookie" })
 * w.message // 'specs/x/openapi.yaml:9 /paths/~1a/get/parameters/0/in: lint (struct): found "querry", expected one of query, header, path, cookie'
 * ```
 *
 * @since 0.1.0
 */
export class LintProblem extends Data.TaggedError("LintProblem")<
  Located & { readonly rule: string; readonly severity: "warning" | "error" }
> {
  override get message(): string {
    return render(this, `${this.severity === "error" ? "lint error" : "lint"} (${this.rule})`)
  }
}

/**
 * An OpenAPI Overlay document that is malformed or does not apply: a target that selects
 * nothing (so a vendor update that moved things is noticed), an update that does not fit the
 * selected node.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.OverlayError({ file: "specs/x/overlays/10-ids.yaml", line: 7, column: 13, pointer: "/actions/2/target", found: "$.paths['/gone'].get (selects nothing in specs/x/openapi.yaml)", expected: "a target that selects at least one node" })
 * ```
 *
 * @since 0.1.0
 */
export class OverlayError extends Data.TaggedError("OverlayError")<Located> {
  override get message(): string {
    return render(this, "overlay does not apply")
  }
}

/**
 * A security scheme `keyway generate --spec` cannot turn into an auth strategy (an apiKey in a
 * cookie, mutual TLS, OpenID Connect discovery, ...), or the bearer token it assumed for a
 * document without schemes: a warning when another scheme is usable, an error when none is.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.InferenceError({ file: "api.yaml", line: 40, pointer: "/components/securitySchemes/session", found: 'apiKey in cookie "sid"', expected: "a scheme keyway can serve" })
 * ```
 *
 * @since 0.1.0
 */
export class InferenceError extends Data.TaggedError("InferenceError")<Located> {
  override get message(): string {
    return render(this, "auth not inferred")
  }
}

/**
 * The configuration file could not be loaded or holds a wrong value.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.KeywayConfigError({ file: "keyway.config.ts", found: "plugins: 3", expected: "an array of plugins" })
 * ```
 *
 * @since 0.1.0
 */
export class KeywayConfigError extends Data.TaggedError("KeywayConfigError")<Located> {
  override get message(): string {
    return render(this, "invalid configuration")
  }
}

/**
 * A plugin failed, or the plugins cannot be ordered (unknown dependency, cycle).
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.PluginError({ plugin: "my-plugin", stage: "client", reason: "boom" })
 * ```
 *
 * @since 0.1.0
 */
export class PluginError extends Data.TaggedError("PluginError")<{
  readonly plugin: string
  readonly stage: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `plugin ${this.plugin} failed in stage ${this.stage}: ${this.reason}`
  }
}

/**
 * openapi-typescript could not turn the bundled document into types.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.TypesError({ file: "specs/x/openapi.yaml", reason: "Duplicate operationId" })
 * ```
 *
 * @since 0.1.0
 */
export class TypesError extends Data.TaggedError("TypesError")<{
  readonly file: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.file}: openapi-typescript failed: ${this.reason}`
  }
}

/**
 * Files could not be written or moved into place. The previous package is untouched.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.WriteError({ file: "packages/providers/x/src/client.ts", reason: "EACCES" })
 * ```
 *
 * @since 0.1.0
 */
export class WriteError extends Data.TaggedError("WriteError")<{
  readonly file: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.file}: could not write: ${this.reason}`
  }
}

/**
 * A command-line usage mistake.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.UsageError({ reason: "--spec needs --name and --out" })
 * ```
 *
 * @since 0.1.0
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message(): string {
    return `usage: ${this.reason}`
  }
}

/**
 * Several problems of one provider, reported together (one line each).
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * new Errors.Problems({ provider: "x", problems: [new Errors.UsageError({ reason: "x" })] })
 * ```
 *
 * @since 0.1.0
 */
export class Problems extends Data.TaggedError("Problems")<{
  readonly provider: string
  readonly problems: ReadonlyArray<GenerateError>
}> {
  override get message(): string {
    return this.problems.map(format).join("\n")
  }
}

/**
 * Every error of a single problem.
 *
 * @example
 * ```ts
 * import type { Errors } from "@keyway/codegen"
 * declare const generateError: Errors.GenerateError
 * console.log(generateError)
 * ```
 *
 * @since 0.1.0
 */
export type GenerateError =
  | ParseError
  | RefError
  | UnknownAuthStrategy
  | DescriptorError
  | SpecError
  | LintProblem
  | OverlayError
  | InferenceError
  | KeywayConfigError
  | PluginError
  | TypesError
  | WriteError
  | UsageError

/**
 * Every error the generator fails with.
 *
 * @example
 * ```ts
 * import type { Errors } from "@keyway/codegen"
 * declare const keywayCodegenError: Errors.KeywayCodegenError
 * console.log(keywayCodegenError)
 * ```
 *
 * @since 0.1.0
 */
export type KeywayCodegenError = GenerateError | Problems

const tags = new Set([
  "ParseError",
  "RefError",
  "UnknownAuthStrategy",
  "DescriptorError",
  "SpecError",
  "LintProblem",
  "OverlayError",
  "InferenceError",
  "KeywayConfigError",
  "PluginError",
  "TypesError",
  "WriteError",
  "UsageError",
  "Problems",
])

/**
 * Whether a value is one of the generator's errors.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * Errors.isCodegenError(new Errors.UsageError({ reason: "x" })) // true
 * ```
 *
 * @since 0.1.0
 */
export const isCodegenError = (u: unknown): u is KeywayCodegenError =>
  typeof u === "object" && u !== null && "_tag" in u && tags.has((u as { _tag: string })._tag)

/**
 * Flattens an error into its single problems.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * Errors.problemsOf(new Errors.UsageError({ reason: "x" })).length // 1
 * ```
 *
 * @since 0.1.0
 */
export const problemsOf = (error: KeywayCodegenError): ReadonlyArray<GenerateError> =>
  error._tag === "Problems" ? error.problems : [error]

/**
 * One line per problem: `file:line:column pointer: what: found X, expected Y`.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * Errors.format(new Errors.UsageError({ reason: "unknown command" })) // "usage: unknown command"
 * ```
 *
 * @since 0.1.0
 */
export const format = (error: unknown): string => {
  if (isCodegenError(error) && error._tag === "Problems") return error.problems.map(format).join("\n")
  return oneLine(error instanceof Error ? error.message : String(error))
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
const unprintable = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

/**
 * Text on one line: line breaks, U+2028/U+2029 and other control characters written as escapes
 * (`\n`, `\u2028`), so that a hostile value in a message cannot start a line of its own.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * Errors.oneLine("a\nb") // "a\\nb"
 * ```
 *
 * @since 0.1.0
 */
export const oneLine = (text: string): string =>
  text.replace(unprintable, (c) =>
    c === "\n"
      ? "\\n"
      : c === "\r"
        ? "\\r"
        : c === "\t"
          ? "\\t"
          : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  )

const render = (e: Located, what: string): string => {
  const where =
    e.line !== undefined ? `${e.file}:${e.line}${e.column !== undefined ? `:${e.column}` : ""}` : e.file
  const pointer = e.pointer !== undefined ? ` ${e.pointer === "" ? "/" : e.pointer}` : ""
  return oneLine(`${where}${pointer}: ${what}: found ${e.found}, expected ${e.expected}`)
}

/**
 * A short rendering of a found value for messages: JSON, cut at 60 characters; `nothing` for a
 * missing value.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/codegen"
 * Errors.show("x") // '"x"'
 * ```
 *
 * @since 0.1.0
 */
export const show = (value: unknown): string => {
  if (value === undefined) return "nothing"
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
