/**
 * The descriptor checks of the validate stage: the descriptor against `ProviderDescriptor`
 * (Effect Schema, excess properties are errors) and the descriptor rules, the options of custom
 * auth plugins, and the cross-checks between a valid descriptor and its spec. Internal to
 * `stages/Validate.ts`, which re-exports what it offers.
 *
 * @since 0.1.0
 */
import { existsSync } from "node:fs"
import { dirname, resolve } from "node:path"
import type { ProviderDescriptor } from "@keyway/core/Descriptor"
import * as Descriptor from "@keyway/core/Descriptor"
import * as CustomPlugins from "../CustomPlugins.ts"
import { DescriptorError, type GenerateError, show, UnknownAuthStrategy } from "../Errors.ts"
import { allowedKeys, descriptorSchema } from "../JsonSchema.ts"
import type { Operation } from "../Model.ts"
import * as Rules from "../Rules.ts"
import * as Source from "../Source.ts"
import type { Bundle } from "../stages/Load.ts"

const strategyTypes: ReadonlyArray<string> = Descriptor.strategyTypes

const descriptorProblem = (
  source: Source.Source,
  path: ReadonlyArray<string | number>,
  found: string,
  expected: string,
  Ctor: typeof DescriptorError | typeof UnknownAuthStrategy = DescriptorError,
) => {
  return new Ctor({ ...Source.place(source, path), found, expected })
}

const closest = (word: string, options: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  for (const option of options) {
    const d = distance(word.toLowerCase(), option.toLowerCase())
    if (d < bestScore) {
      bestScore = d
      best = option
    }
  }
  return bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined
}

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]!
}

/**
 * Validates a parsed descriptor; returns the decoded value or the problems.
 *
 * @example
 * ```ts
 * import { Validate } from "@keyway/codegen"
 * const result = await Validate.descriptor(source)
 * if ("problems" in result) console.log(result.problems.length)
 * ```
 *
 * @since 0.1.0
 */
export const descriptor = async (
  source: Source.Source,
): Promise<{ readonly value: ProviderDescriptor } | { readonly problems: ReadonlyArray<GenerateError> }> => {
  const raw = source.value
  const problems: Array<GenerateError> = []
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      problems: [
        descriptorProblem(source, [], show(raw), "a mapping with name, title, spec, baseUrl and auth"),
      ],
    }
  }
  const auth = (raw as { auth?: unknown }).auth
  const unknownStrategies = new Set<number>()
  if (Array.isArray(auth)) {
    auth.forEach((strategy, i) => {
      const type = (strategy as { type?: unknown } | null)?.type
      if (typeof type === "string" && !strategyTypes.includes(type)) {
        unknownStrategies.add(i)
        const near = closest(type, strategyTypes)
        problems.push(
          descriptorProblem(
            source,
            ["auth", i, "type"],
            JSON.stringify(type),
            `one of ${strategyTypes.join(", ")}${near ? ` (did you mean "${near}"?)` : ""}`,
            UnknownAuthStrategy,
          ),
        )
      }
    })
  }
  const [{ Effect, Schema, SchemaIssue }, { ProviderDescriptor }] = await Promise.all([
    import("effect"),
    import("@keyway/core/Descriptor"),
  ])
  const result = await Effect.runPromise(
    Effect.result(
      Schema.decodeUnknownEffect(ProviderDescriptor)(raw, { onExcessProperty: "error", errors: "all" }),
    ),
  )
  if (result._tag === "Success" && problems.length === 0) {
    const value = result.success as ProviderDescriptor
    const findings = Rules.descriptor(value)
    if (findings.length === 0) return { value }
    return { problems: findings.map((f) => descriptorProblem(source, f.path, f.found, f.expected)) }
  }
  if (result._tag === "Failure") {
    const schema = await descriptorSchema()
    const issues = SchemaIssue.makeFormatterStandardSchemaV1()(result.failure.issue).issues
    const seen = new Set<string>()
    for (const issue of issues) {
      const path = (issue.path ?? []).map((p) =>
        typeof p === "object" && p !== null && "key" in p ? p.key : p,
      ) as Array<string | number>
      if (path[0] === "auth" && typeof path[1] === "number" && unknownStrategies.has(path[1])) continue
      const key = `${Source.pointer(path)} ${issue.message}`
      if (seen.has(key)) continue
      seen.add(key)
      const value = Source.get(raw, path)
      if (issue.message === "Expected no excess property") {
        const allowed = allowedKeys(schema, path.slice(0, -1), raw) ?? []
        const name = String(path[path.length - 1])
        const near = closest(name, allowed)
        problems.push(
          descriptorProblem(
            source,
            path,
            `unknown field "${name}"`,
            `one of ${allowed.join(", ")}${near ? ` (did you mean "${near}"?)` : ""}`,
          ),
        )
      } else if (issue.message === "Missing key") {
        problems.push(
          descriptorProblem(source, path, `no "${String(path[path.length - 1])}"`, "this required field"),
        )
      } else {
        const expected = issue.message.replace(/^Expected /, "")
        problems.push(
          descriptorProblem(
            source,
            path,
            show(value),
            expected === "AuthStrategy"
              ? `an auth strategy: an object whose type is one of ${strategyTypes.join(", ")}`
              : expected,
          ),
        )
      }
    }
  }
  return { problems }
}

/**
 * Loads the plugins of the descriptor's `type: custom` strategies and validates each strategy's
 * `options` with the schema its plugin ships. Packages are looked up from the descriptor's folder
 * and from `cwd`.
 *
 * @example
 * ```ts
 * import { Validate } from "@keyway/codegen"
 * const { plugins, problems } = await Validate.customPlugins(descriptorSource, descriptor, process.cwd())
 * ```
 *
 * @since 0.2.0
 */
export const customPlugins = async (
  source: Source.Source,
  descriptor: ProviderDescriptor,
  cwd: string,
): Promise<{
  readonly plugins: ReadonlyMap<number, CustomPlugins.Loaded>
  readonly problems: ReadonlyArray<GenerateError>
}> => {
  const plugins = new Map<number, CustomPlugins.Loaded>()
  const problems: Array<GenerateError> = []
  for (const [i, strategy] of descriptor.auth.entries()) {
    if (strategy.type !== "custom") continue
    let loaded: CustomPlugins.Loaded
    try {
      loaded = await CustomPlugins.load(strategy.plugin, [dirname(source.path), cwd])
    } catch (error) {
      problems.push(
        descriptorProblem(
          source,
          ["auth", i, "plugin"],
          error instanceof CustomPlugins.LoadError
            ? error.message
            : `a plugin that failed to load (${show(String(error))})`,
          "an installed package exporting an Auth.Definition",
        ),
      )
      continue
    }
    plugins.set(i, loaded)
    for (const [path, message] of await CustomPlugins.validateOptions(loaded.definition, strategy.options)) {
      const full = ["auth", i, "options", ...path]
      problems.push(
        descriptorProblem(
          source,
          full,
          message === "Expected no excess property"
            ? `unknown option "${String(path.at(-1))}"`
            : show(Source.get(source.value, full)),
          `${message.replace(/^Expected /, "")} (the options schema of ${loaded.definition.name})`,
        ),
      )
    }
  }
  return { plugins, problems }
}

/**
 * The cross-checks between a valid descriptor and its spec.
 *
 * @example
 * ```ts
 * import { Validate } from "@keyway/codegen"
 * Validate.crossCheck(descriptorSource, descriptor, bundle, operations).length // 0
 * ```
 *
 * @since 0.1.0
 */
export const crossCheck = (
  source: Source.Source,
  value: ProviderDescriptor,
  bundle: Bundle | undefined,
  operations: ReadonlyArray<Operation>,
): ReadonlyArray<GenerateError> => {
  const problems: Array<GenerateError> = []
  const specPath = resolve(dirname(source.path), value.spec)
  if (!existsSync(specPath)) {
    problems.push(
      descriptorProblem(
        source,
        ["spec"],
        `${JSON.stringify(value.spec)} (${Source.displayPath(specPath)} does not exist)`,
        "the path of an OpenAPI file, relative to provider.yaml",
      ),
    )
    return problems
  }
  if (!bundle) return problems
  if (value.errors) {
    const ptr = value.errors.envelope
    const target = ptr.startsWith("#") ? Source.get(bundle.document, Source.segments(ptr)) : undefined
    if (target === undefined)
      problems.push(
        descriptorProblem(
          source,
          ["errors", "envelope"],
          JSON.stringify(ptr),
          `a JSON pointer to a schema of ${bundle.root.display}, e.g. "#/components/schemas/Error"`,
        ),
      )
  }
  const ids = new Set(operations.map((o) => o.operationId))
  // Fields a pagination style reads; any other is a mistake (a field of another style).
  const styleFields: Record<string, ReadonlyArray<string>> = {
    "next-url": ["next", "limitParam", "pageSize", "crossOrigin"],
    cursor: ["next", "param", "limitParam", "pageSize"],
    offset: ["param", "limitParam", "pageSize", "total"],
    page: ["param", "limitParam", "pageSize", "firstPage", "total", "totalPages"],
    link: ["limitParam", "pageSize", "crossOrigin"],
  }
  value.pagination?.forEach((page, i) => {
    const allowed = styleFields[page.style] ?? []
    for (const field of Object.keys(page))
      if (!["operations", "style", "items", ...allowed].includes(field))
        problems.push(
          descriptorProblem(
            source,
            ["pagination", i, field],
            `${field} with style ${page.style}`,
            `only ${allowed.join(", ")} beside operations, style and items for style ${page.style}`,
          ),
        )
  })
  value.pagination?.forEach((page, i) => {
    page.operations.forEach((id, j) => {
      if (!ids.has(id)) {
        const near = closest(id, [...ids])
        problems.push(
          descriptorProblem(
            source,
            ["pagination", i, "operations", j],
            JSON.stringify(id),
            `an operationId of ${bundle.root.display}${near ? ` (did you mean "${near}"?)` : ""}`,
          ),
        )
      }
    })
  })
  const envs = value.environments ?? {}
  const vars = Object.keys(value.variables ?? {})
  for (const [env, values] of Object.entries(envs))
    for (const name of Object.keys(values))
      if (!vars.includes(name))
        problems.push(
          descriptorProblem(
            source,
            ["environments", env, name],
            `variable "${name}"`,
            `one of the declared variables: ${vars.join(", ") || "none"}`,
          ),
        )
  return problems
}
