/**
 * A secret as a client's options take it: a plain string, or an effect `Redacted` (which never
 * prints). Declared structurally, without importing effect: a `Redacted<string>` carries
 * `"~effect/Redacted"` as its type id, and that is all this type asks for, so the Promise API's
 * types stay Effect-free while `Redacted.make(…)` values are accepted as they are.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Secret } from "@keyway/core"
 * const plain: Secret.Secret = "s3cr3t"
 * const redacted: Secret.Secret = Redacted.make("s3cr3t")
 * ```
 *
 * @since 0.1.0
 */

/**
 * An effect `Redacted` value, structurally (its type id and variance marker).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Secret } from "@keyway/core"
 * const value: Secret.RedactedLike<string> = Redacted.make("s3cr3t")
 * ```
 *
 * @since 0.1.0
 */
export interface RedactedLike<A = string> {
  readonly "~effect/Redacted": { readonly _A: (_: never) => A }
}

/**
 * A plain string or a `Redacted<string>`.
 *
 * @example
 * ```ts
 * import type { Secret } from "@keyway/core"
 * const token: Secret.Secret = process.env.API_TOKEN ?? ""
 * ```
 *
 * @since 0.1.0
 */
export type Secret = string | RedactedLike<string>

/**
 * Whether a secret is a `Redacted` value (checked by its type id, as `Redacted.isRedacted` does).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Secret } from "@keyway/core"
 * Secret.isRedacted(Redacted.make("x")) // true
 * Secret.isRedacted("x") // false
 * ```
 *
 * @since 0.1.0
 */
export const isRedacted = (secret: Secret): secret is RedactedLike<string> =>
  typeof secret === "object" && secret !== null && "~effect/Redacted" in secret
