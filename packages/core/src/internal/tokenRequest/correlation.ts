/**
 * The correlation id of token requests (part of `TokenRequest`, which re-exports it): kept apart so
 * that the other parts of a token request read it without importing the whole module.
 */
import { Context, Effect } from "effect"

/**
 * The correlation id token requests are sent with: the id of the call that needed the token.
 * Plugins set it around `TokenLifecycle.get` (the lifecycle's detached fetch inherits it); when
 * unset, a fresh UUID is used.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const withId = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, TokenRequest.CorrelationId, "c-1")
 * ```
 *
 * @since 0.1.0
 */
export const CorrelationId = Context.Reference<string | undefined>(
  "@keyway/core/TokenRequest/CorrelationId",
  {
    defaultValue: () => undefined,
  },
)

/** The id to send with: the caller's, or a fresh UUID. */
export const currentCorrelationId = Effect.map(CorrelationId, (id) => id ?? crypto.randomUUID())
