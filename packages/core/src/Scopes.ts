/**
 * The scope sets of a token plugin's configuration, one definition for every plugin (client
 * credentials, authorization code, third-party plugins):
 *
 * - the **requested** set (asked for when a call names none, and the grant's set at consent):
 *   `requestScopes`, else the descriptor's `defaultScopes`, else none; never the descriptor's
 *   `scopes`, which lists every scope the provider knows;
 * - **unknown** scopes: requested but missing from a non-empty `scopes` list. They are still
 *   requested (providers add scopes) and logged at debug.
 *
 * @example
 * ```ts
 * import { Scopes } from "@keyway/core"
 * const config = { scopes: ["r_jobs", "r_candidates", "w_candidates"], defaultScopes: ["r_jobs"] }
 * Scopes.requested(config) // ["r_jobs"]
 * Scopes.unknown(config, ["r_jobs", "r_offers"]) // ["r_offers"]
 * ```
 *
 * @since 0.2.0
 */
import { Effect } from "effect"

/**
 * The scope settings of a plugin's configuration (the descriptor's `scopes` and
 * `defaultScopes`, the user's `requestScopes`).
 *
 * @example
 * ```ts
 * import type { Scopes } from "@keyway/core"
 * const config: Scopes.Declared = { scopes: ["r_jobs", "r_candidates"], defaultScopes: ["r_jobs"] }
 * ```
 *
 * @since 0.2.0
 */
export interface Declared {
  /** The scopes to request, over the descriptor's `defaultScopes`. */
  readonly requestScopes?: ReadonlyArray<string> | undefined
  /** The descriptor's default request. */
  readonly defaultScopes?: ReadonlyArray<string> | undefined
  /** The descriptor's list of every scope the provider knows; never requested by itself. */
  readonly scopes?: ReadonlyArray<string> | undefined
}

/**
 * The requested scope set: `requestScopes`, else `defaultScopes`, else none.
 *
 * @example
 * ```ts
 * import { Scopes } from "@keyway/core"
 * Scopes.requested({ scopes: ["a", "b"], defaultScopes: ["a"] }) // ["a"]
 * Scopes.requested({ scopes: ["a", "b"] }) // []
 * ```
 *
 * @since 0.2.0
 */
export const requested = (config: Declared): ReadonlyArray<string> =>
  config.requestScopes ?? config.defaultScopes ?? []

/**
 * The scopes of `scopes` that a non-empty `config.scopes` does not list.
 *
 * @example
 * ```ts
 * import { Scopes } from "@keyway/core"
 * Scopes.unknown({ scopes: ["a"] }, ["a", "z"]) // ["z"]
 * Scopes.unknown({}, ["z"]) // []
 * ```
 *
 * @since 0.2.0
 */
export const unknown = (config: Declared, scopes: ReadonlyArray<string>): ReadonlyArray<string> => {
  const known = config.scopes
  return known === undefined || known.length === 0 ? [] : scopes.filter((scope) => !known.includes(scope))
}

/**
 * Logs the {@link unknown} scopes of a request at debug (they are requested anyway).
 *
 * @example
 * ```ts
 * import { Scopes } from "@keyway/core"
 * const log = Scopes.logUnknown("workable", { scopes: ["r_jobs"] }, ["r_jobs", "r_offers"])
 * ```
 *
 * @since 0.2.0
 */
export const logUnknown = (
  provider: string,
  config: Declared,
  scopes: ReadonlyArray<string>,
): Effect.Effect<void> => {
  const missing = unknown(config, scopes)
  return missing.length === 0
    ? Effect.void
    : Effect.logDebug("requested scopes the descriptor does not list: requesting them anyway").pipe(
        Effect.annotateLogs({ provider, scopes: missing.join(" ") }),
      )
}
