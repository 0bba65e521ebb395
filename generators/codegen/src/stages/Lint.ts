/**
 * Lint, part of loading: `@redocly/openapi-core`'s `lintDocument` with a configuration of its
 * built-in rules that catch what would otherwise pass silently into the generated types (an
 * `in: querry` parameter is dropped, `type: strnig` becomes `Record<string, never>`, a `{jobId}`
 * no parameter declares, a parameter declared twice). Each problem is mapped to Keyway's one-line
 * located format by the load stage; they are warnings, errors with `--strict`.
 *
 * @example
 * ```ts
 * import { Lint } from "@keyway/codegen"
 * Object.keys(Lint.rules) // ["struct", "path-parameters-defined", ...]
 * ```
 *
 * @since 0.1.0
 */
import type { BaseResolver, Document, NormalizedProblem } from "@redocly/openapi-core"

/**
 * The rules, each with what a spec should do instead (the "expected" of the message); for
 * `struct` and `no-enum-type-mismatch` Redocly's message says what is expected, and the value
 * found is shown.
 *
 * @example
 * ```ts
 * import { Lint } from "@keyway/codegen"
 * console.log(Lint.rules)
 * ```
 *
 * @since 0.1.0
 */
export const rules: Readonly<Record<string, string | undefined>> = {
  struct: undefined,
  "path-parameters-defined": "a path parameter declared for every {name} of the path, and only for those",
  "operation-parameters-unique": "each parameter (name and in) declared once per operation",
  "path-declaration-must-exist": "a parameter name inside every {} of a path",
  "no-identical-paths": "paths that differ by more than their parameter names",
  "path-not-include-query": "a path without a query string (declare query parameters instead)",
  "no-enum-type-mismatch": undefined,
}

/**
 * What the bundler reports (not a lint rule: two different schemas from files of the same name
 * are hoisted under two names).
 *
 * @example
 * ```ts
 * import { Lint } from "@keyway/codegen"
 * console.log(Lint.bundleExpected)
 * ```
 *
 * @since 0.1.0
 */
export const bundleExpected = "one component name per schema (files of one name hold one schema)"

let cached: Promise<import("@redocly/openapi-core").Config> | undefined

/**
 * The Redocly configuration of {@link rules} (made once).
 *
 * @example
 * ```ts
 * import { Lint } from "@keyway/codegen"
 * const { styleguide } = await Lint.config()
 * ```
 *
 * @since 0.1.0
 */
export const config = async (): Promise<import("@redocly/openapi-core").Config> => {
  if (!cached) {
    const { createConfig } = await import("@redocly/openapi-core")
    cached = createConfig({
      rules: Object.fromEntries(Object.keys(rules).map((rule) => [rule, "warn"])),
    })
  }
  return cached
}

/**
 * Lints a document (its `$ref`'d files through `resolver`); returns Redocly's problems.
 *
 * @example
 * ```ts
 * import { Lint } from "@keyway/codegen"
 * declare const [document, resolver, types]: Parameters<typeof Lint.run>
 * const problems = await Lint.run(document, resolver, types)
 * problems.map((p) => p.ruleId)
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  document: Document,
  resolver: BaseResolver,
  types: Record<string, unknown>,
): Promise<ReadonlyArray<NormalizedProblem>> => {
  const [{ lintDocument }, resolved] = await Promise.all([import("@redocly/openapi-core"), config()])
  return lintDocument({
    document,
    config: resolved.styleguide,
    externalRefResolver: resolver,
    customTypes: types as never,
  })
}
