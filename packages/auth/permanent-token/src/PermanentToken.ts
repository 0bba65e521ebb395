/**
 * Long-lived tokens as a Keyway auth plugin: a CCA permanent token (made by an administrator for
 * a user and a module, with an optional expiration date), a CCH API key, a Workable API token.
 *
 * - Placement: `Authorization: Bearer <token>` by default; another header without a scheme
 *   (`{ in: "header", name: "X-Api-Key" }`); or a query parameter (`{ in: "query", name: "api_key" }`),
 *   which is then declared in `secretQueryParams` so it is removed from URLs in errors and logs.
 * - An `expiresAt` in the past fails every call with `CredentialsExpired` *before* anything is
 *   sent (checked with the `Clock`, so tests can use `TestClock`).
 * - A 401 fails with `CredentialsExpired`: a permanent token cannot be renewed, so the call is
 *   never retried with it.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { PermanentToken } from "@keyway/auth-permanent-token"
 *
 * const cca = PermanentToken.layer({
 *   provider: "cca",
 *   token: Redacted.make("A-b189a7c5-804d-403f-ac4a-a940dfsfdfs"),
 *   expiresAt: "2027-01-01T00:00:00Z",
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Auth, type Descriptor, Errors, Http } from "@keyway/core"
import { Clock, Effect, Layer, Redacted } from "effect"

/**
 * The plugin's settings: the descriptor's `permanent-token` section plus the token.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { PermanentToken } from "@keyway/auth-permanent-token"
 * const cca: PermanentToken.Config = { provider: "cca", token: Redacted.make("A-b189..."), expiresAt: new Date("2027-01-01") }
 * ```
 *
 * @since 0.1.0
 */
export interface Config extends Omit<Descriptor.PermanentTokenStrategy, "type"> {
  readonly type?: "permanent-token" | undefined
  readonly provider: string
  readonly token: Redacted.Redacted<string>
  /** When the token stops working (CCA: the expiration date set by the administrator). */
  readonly expiresAt?: Date | string | undefined
}

/**
 * The default placement: `Authorization: Bearer <token>` (core's `Http.bearer`).
 *
 * @example
 * ```ts
 * import { PermanentToken } from "@keyway/auth-permanent-token"
 * PermanentToken.bearer // { in: "header", name: "Authorization", scheme: "Bearer" }
 * ```
 *
 * @since 0.1.0
 */
export const bearer: Descriptor.Placement = Http.bearer

const parseExpiry = (
  value: Date | string | undefined,
): Effect.Effect<number | undefined, Errors.ConfigError> => {
  if (value === undefined) return Effect.succeed(undefined)
  const ms = value instanceof Date ? value.getTime() : Date.parse(value)
  return Number.isFinite(ms)
    ? Effect.succeed(ms)
    : Effect.fail(
        new Errors.ConfigError({
          path: "expiresAt",
          message: "not a date (use a Date or an ISO 8601 string)",
        }),
      )
}

/**
 * Builds the plugin. Fails with `ConfigError` for an empty token or an unreadable `expiresAt`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { PermanentToken } from "@keyway/auth-permanent-token"
 * const plugin = PermanentToken.make({ provider: "cch", token: Redacted.make("api-key") })
 * ```
 *
 * @since 0.1.0
 */
export const make = Effect.fn("PermanentToken.make")(function* (config: Config) {
  if (Redacted.value(config.token).length === 0) {
    return yield* new Errors.ConfigError({ path: "token", message: "the token is empty" })
  }
  const expiresAt = yield* parseExpiry(config.expiresAt)
  const placement = config.placement ?? bearer
  const expiredReason = () => `the permanent token expired on ${new Date(expiresAt!).toISOString()}`

  return Auth.make({
    name: "permanent-token",
    secretQueryParams: placement.in === "query" ? [placement.name] : undefined,
    // Hot path: untraced; the call's own `keyway.call` span covers it (a traced
    // function costs a span and a stack trace on every call). A token with no expiry is an
    // answer at once (an `Exit`), which the pipeline uses without running anything.
    authenticate:
      expiresAt === undefined
        ? (request: Http.HttpRequest) =>
            Effect.succeed(Http.withCredential(request, placement, Redacted.value(config.token)))
        : Effect.fnUntraced(function* (request: Http.HttpRequest, call: Auth.CallInfo) {
            if ((yield* Clock.currentTimeMillis) >= expiresAt) {
              return yield* new Errors.CredentialsExpired({
                provider: config.provider,
                reason: expiredReason(),
                correlationId: call.correlationId,
              })
            }
            return Http.withCredential(request, placement, Redacted.value(config.token))
          }),
    onUnauthorized: Effect.fn("PermanentToken.onUnauthorized")(function* (
      _failed: { readonly request: Http.HttpRequest },
      call: Auth.CallInfo,
    ) {
      yield* Effect.logWarning("the permanent token was refused").pipe(
        Effect.annotateLogs({ provider: config.provider, correlationId: call.correlationId }),
      )
      return yield* new Errors.CredentialsExpired({
        provider: config.provider,
        reason: "the server refused the permanent token (401): it expired or was revoked; ask for a new one",
        correlationId: call.correlationId,
      })
    }),
  })
})

/**
 * The plugin as a layer providing `Auth.Auth` (it needs no TokenStore: nothing is cached).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { PermanentToken } from "@keyway/auth-permanent-token"
 * const workable = PermanentToken.layer({ provider: "workable", token: Redacted.make("api-token") })
 * const apiKeyInQuery = PermanentToken.layer({
 *   provider: "example", token: Redacted.make("k"), placement: { in: "query", name: "api_key" },
 * })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (config: Config): Layer.Layer<Auth.Auth, Errors.ConfigError> =>
  Layer.effect(Auth.Auth, make(config))
