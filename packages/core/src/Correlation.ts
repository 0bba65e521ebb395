/**
 * Correlation ids: one id per logical call, the same across its retries and its token refresh,
 * sent in the provider's header (CCW: `X-Correlation-id`, at most 36 characters) and attached to
 * every error, log line and span of the call.
 *
 * A caller's own id (`keyway: { correlationId }` on a call) is used as given once validated: at
 * most `maxLength` characters, printable ASCII only. A bad id is refused with a `ConfigError`
 * before anything is sent.
 *
 * @example
 * ```ts
 * import { Correlation } from "@keyway/core"
 * const layer = Correlation.layer({ header: "X-Correlation-id", maxLength: 36 })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { ConfigError } from "./Errors.ts"

/**
 * Correlation settings of a provider.
 *
 * @example
 * ```ts
 * import { Correlation } from "@keyway/core"
 * const settings: Correlation.Settings = { header: "X-Request-Id", maxLength: 64 }
 * Correlation.validate("order-42", settings) // "order-42"
 * ```
 *
 * @since 0.1.0
 */
export interface Settings {
  /** The header name as the provider spells it. */
  readonly header: string
  /** Longest id the provider accepts; default 36 (a UUID). */
  readonly maxLength: number
}

/**
 * The settings service; defaults to `X-Correlation-Id`, 36 characters.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Correlation } from "@keyway/core"
 * const header = Effect.gen(function*() {
 *   const settings = yield* Correlation.Correlation
 *   return settings.header // "X-Correlation-Id" unless a layer says otherwise
 * })
 * ```
 *
 * @since 0.1.0
 */
export const Correlation = Context.Reference<Settings>("@keyway/core/Correlation", {
  defaultValue: () => ({ header: "X-Correlation-Id", maxLength: 36 }),
})

/**
 * A layer with a provider's settings.
 *
 * @example
 * ```ts
 * import { Correlation } from "@keyway/core"
 * Correlation.layer({ header: "X-Correlation-id" })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (settings: {
  readonly header: string
  readonly maxLength?: number | undefined
}): Layer.Layer<never> =>
  Layer.succeed(Correlation, {
    header: settings.header,
    maxLength: settings.maxLength ?? 36,
  }) as Layer.Layer<never>

const UNSAFE = /[^\x20-\x7e]/

/**
 * The id to use for a call: the caller's own (validated) or a fresh UUID; a `ConfigError` when the
 * caller's id is unusable. Synchronous, for the hot path.
 *
 * @example
 * ```ts
 * import { Correlation } from "@keyway/core"
 * Correlation.validate("order-42", { header: "X-Correlation-id", maxLength: 36 }) // "order-42"
 * ```
 *
 * @since 0.1.0
 */
export const validate = (given: string | undefined, settings: Settings): string | ConfigError => {
  if (given === undefined) return crypto.randomUUID()
  if (given.length === 0 || given.length > settings.maxLength) {
    return new ConfigError({
      path: "correlationId",
      message: `a correlation id must have 1 to ${settings.maxLength} characters (${settings.header}); got ${given.length}`,
    })
  }
  if (UNSAFE.test(given)) {
    return new ConfigError({
      path: "correlationId",
      message: `a correlation id must be printable ASCII without control characters (${settings.header})`,
    })
  }
  return given
}

/**
 * {@link validate} as an Effect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Correlation } from "@keyway/core"
 * Effect.runSync(Correlation.resolve(undefined, { header: "x", maxLength: 36 })).length // 36
 * ```
 *
 * @since 0.1.0
 */
export const resolve = (
  given: string | undefined,
  settings: Settings,
): Effect.Effect<string, ConfigError> => {
  const result = validate(given, settings)
  return typeof result === "string" ? Effect.succeed(result) : Effect.fail(result)
}
