/**
 * How much a call may receive and how long a token request may take: the limits that keep a
 * hostile or broken server from filling memory or holding a call.
 *
 * - `maxResponseBytes`: the largest response body of an API call; default 32 MiB.
 * - `tokenMaxResponseBytes`: the largest token or revocation response; default 256 KiB (a token
 *   response is a few hundred bytes, a few KiB with an id token).
 * - `tokenTimeoutMs`: one token or revocation request; default 10 seconds. A call's own deadline
 *   also covers the token it waits for (see `Call`).
 *
 * A body is counted while it streams: past the limit the connection is dropped and the call fails
 * with `ResponseTooLarge` (a token request with `TokenEndpointError`).
 *
 * @example
 * ```ts
 * import { Limits } from "@keyway/core"
 * const layer = Limits.layer({ maxResponseBytes: 4 * 1024 * 1024 })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Layer } from "effect"
import type * as Options from "./Options.ts"

/**
 * The limits.
 *
 * @since 0.1.0
 */
export interface Limits extends Options.Limits {}

/**
 * The defaults: 32 MiB per call response, 256 KiB per token response, 10 s per token request.
 *
 * @example
 * ```ts
 * import { Limits } from "@keyway/core"
 * Limits.defaults.maxResponseBytes // 33554432
 * ```
 *
 * @since 0.1.0
 */
export const defaults: Limits = {
  maxResponseBytes: 32 * 1024 * 1024,
  tokenMaxResponseBytes: 256 * 1024,
  tokenTimeoutMs: 10_000,
}

/**
 * The limits service; defaults to {@link defaults}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Limits } from "@keyway/core"
 * const max = Effect.map(Limits.Limits, (limits) => limits.maxResponseBytes)
 * ```
 *
 * @since 0.1.0
 */
export const Limits = Context.Reference<Limits>("@keyway/core/Limits", { defaultValue: () => defaults })

/**
 * A layer with overrides on top of the defaults.
 *
 * @example
 * ```ts
 * import { Limits } from "@keyway/core"
 * const layer = Limits.layer({ tokenTimeoutMs: 5_000 })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (overrides: Partial<Limits>): Layer.Layer<never> =>
  Layer.succeed(Limits, { ...defaults, ...overrides }) as Layer.Layer<never>
