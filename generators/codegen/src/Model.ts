/**
 * What the stages know about one provider once its files are loaded and validated: the
 * descriptor, the bundled OpenAPI document, its operations and the names code is emitted with.
 *
 * @example
 * ```ts
 * import { Model } from "@keyway/codegen"
 * Model.pascalCase("cultureamp") // "Cultureamp"
 * Model.identifier("search-candidates") // "searchCandidates"
 * ```
 *
 * @since 0.1.0
 */

import type { ProviderDescriptor } from "@keyway/core/Descriptor"
import type * as CustomPlugins from "./CustomPlugins.ts"
import type { Source } from "./Source.ts"

/**
 * The HTTP methods an OpenAPI path item may hold.
 *
 * @example
 * ```ts
 * import { Model } from "@keyway/codegen"
 * Model.methods.includes("get") // true
 * ```
 *
 * @since 0.1.0
 */
export const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const
/**
 * One of {@link methods}.
 *
 * @example
 * ```ts
 * import type { Model } from "@keyway/codegen"
 * declare const httpMethod: Model.HttpMethod
 * console.log(httpMethod)
 * ```
 *
 * @since 0.1.0
 */
export type HttpMethod = (typeof methods)[number]

/**
 * One operation of the spec.
 *
 * @example
 * ```ts
 * import type { Model } from "@keyway/codegen"
 * declare const operation: Model.Operation
 * console.log(operation.method)
 * ```
 *
 * @since 0.1.0
 */
export interface Operation {
  readonly method: HttpMethod
  /** The path template, e.g. `/API/candidates/{id}/confirm`. */
  readonly path: string
  /** The spec's operationId, or one made from method and path when missing. */
  readonly operationId: string
  /** A JavaScript identifier made from the operationId, unique in the provider. */
  readonly name: string
  /** Scopes from the operation's `security` (or the document's). */
  readonly scopes: ReadonlyArray<string>
  readonly summary?: string | undefined
  readonly deprecated: boolean
  /** Names of the operation's query parameters. */
  readonly queryParams: ReadonlyArray<string>
  readonly hasBody: boolean
}

/**
 * Where one provider's inputs are.
 *
 * @example
 * ```ts
 * import type { Model } from "@keyway/codegen"
 * declare const providerInput: Model.ProviderInput
 * console.log(providerInput.name)
 * ```
 *
 * @since 0.1.0
 */
export interface ProviderInput {
  readonly name: string
  /** `provider.yaml`, absent for `generate --spec` (auth inferred from `securitySchemes`). */
  readonly descriptorPath: string | undefined
  /** The spec, when given directly (`--spec`). */
  readonly specPath: string | undefined
  readonly outDir: string
  readonly packageName: string
  /** `--allow-insecure-http` (with `--spec`): plain `http:` servers to non-loopback hosts are accepted. */
  readonly allowInsecureHttp?: boolean | undefined
}

/**
 * A validated provider, ready for emitters.
 *
 * @example
 * ```ts
 * import type { Model } from "@keyway/codegen"
 * declare const providerModel: Model.ProviderModel
 * console.log(providerModel.input)
 * ```
 *
 * @since 0.1.0
 */
export interface ProviderModel {
  readonly input: ProviderInput
  readonly name: string
  readonly packageName: string
  readonly descriptor: ProviderDescriptor
  /** Whether the descriptor was inferred from the spec (no provider.yaml). */
  readonly inferred: boolean
  /** The bundled OpenAPI document: one object, every local `$ref` internal. */
  readonly document: Record<string, unknown>
  readonly operations: ReadonlyArray<Operation>
  /** Every file the load stage read (descriptor, spec and its `$ref`ed files). */
  readonly files: ReadonlyArray<string>
  /** The root spec file. */
  readonly spec: Source
  /** The root spec's path as generated files name it: relative to the project root, posix. */
  readonly specName: string
  /** PascalCase of the provider name: `Ccw`, `Cultureamp`. */
  readonly typeName: string
  /** The loaded plugins of `type: custom` strategies, by strategy index. */
  readonly customPlugins?: ReadonlyMap<number, CustomPlugins.Loaded> | undefined
  /**
   * Header parameters every operation requires (`ClientHeaders.find`): left out of the call types,
   * set once on the client. Absent: none.
   */
  readonly clientHeaders?: ReadonlyArray<string> | undefined
  /** The overlay files applied to the spec, as generated files name them (posix, project-relative). */
  readonly overlays?: ReadonlyArray<string> | undefined
}

/**
 * PascalCase from any name.
 *
 * @example
 * ```ts
 * import { Model } from "@keyway/codegen"
 * Model.pascalCase("culture-amp") // "CultureAmp"
 * ```
 *
 * @since 0.1.0
 */
export const pascalCase = (name: string): string => {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
  const out = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("")
  return /^[0-9]/.test(out) ? `_${out}` : out || "_"
}

const reserved = new Set(
  "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await".split(
    " ",
  ),
)

/**
 * A camelCase JavaScript identifier from an operationId or other name.
 *
 * @example
 * ```ts
 * import { Model } from "@keyway/codegen"
 * Model.identifier("repos/list-for-org") // "reposListForOrg"
 * ```
 *
 * @since 0.1.0
 */
export const identifier = (name: string): string => {
  const pascal = pascalCase(name)
  const out = pascal.startsWith("_") ? pascal : pascal[0]!.toLowerCase() + pascal.slice(1)
  return reserved.has(out) ? `${out}_` : out
}

/**
 * An operationId for an operation without one: `get /pets/{id}` → `getPetsById`.
 *
 * @example
 * ```ts
 * import { Model } from "@keyway/codegen"
 * Model.fallbackOperationId("get", "/pets/{id}") // "getPetsById"
 * ```
 *
 * @since 0.1.0
 */
export const fallbackOperationId = (method: string, path: string): string =>
  identifier(
    `${method} ${path
      .split("/")
      .map((s) => (s.startsWith("{") ? `by ${s.slice(1, -1)}` : s))
      .join(" ")}`,
  )

/**
 * The operation table key: `"POST /API/candidates/search"`.
 *
 * @example
 * ```ts
 * import { Model } from "@keyway/codegen"
 * Model.operationKey({ method: "post", path: "/a" }) // "POST /a"
 * ```
 *
 * @since 0.1.0
 */
export const operationKey = (op: { readonly method: string; readonly path: string }): string =>
  `${op.method.toUpperCase()} ${op.path}`

/**
 * The emitting functions, re-exported from {@link Emit} (their one definition) for plugins that
 * import them from here: `literal` is `Emit.string`.
 *
 * @example
 * ```ts
 * import { Model } from "@keyway/codegen"
 * Model.literal("a\u2028b") // '"a\\u2028b"'
 * ```
 *
 * @since 0.1.0
 */
export { docText, propertyName, string as literal } from "./Emit.ts"
