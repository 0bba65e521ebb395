/**
 * The auth plugin contract: the one service every auth strategy implements, built-in or your own.
 *
 * A plugin is a `Layer` that provides {@link Auth}. The runtime calls it at three points of a call:
 *
 * 1. `authenticate` decorates each outgoing attempt (a header, a query parameter, a signature).
 *    It runs again for every retry and after a refresh, on a fresh copy of the request.
 * 2. `onUnauthorized` is called when the server answers 401 (or the plugin's own "expired" status).
 *    Answer `"retry"` after making a new credential available (refresh, re-login): the runtime
 *    re-authenticates and re-sends once. Answer `"pass"` to hand the 401 to the caller as an
 *    `HttpError`, or fail with a typed auth error (`CredentialsExpired`, `ReauthorizationRequired`).
 *    The runtime never asks twice in one call: no refresh loops.
 * 3. `release` gives the credential up on demand (revoke a grant, log a session out).
 *
 * Token-based plugins do not write their own caching: {@link TokenLifecycle} gives them single
 * flight, proactive refresh, rotation-safe writes to the {@link TokenStore} and expiry handling.
 *
 * @example
 * ```ts
 * // A complete plugin: an API key in a query parameter.
 * import { Effect, Layer, Redacted } from "effect"
 * import { Auth, Errors, Http } from "@keyway/core"
 *
 * export const layer = (options: { readonly apiKey: Redacted.Redacted<string>; readonly param?: string }) =>
 *   Layer.succeed(Auth.Auth, Auth.make({
 *     name: "api-key-query",
 *     secretQueryParams: [options.param ?? "api_key"],
 *     authenticate: (request) => Effect.succeed(Http.setQuery(request, options.param ?? "api_key", Redacted.value(options.apiKey))),
 *     onUnauthorized: () => Effect.fail(new Errors.CredentialsExpired({ provider: "example", reason: "API key rejected" })),
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { AuthError } from "./Errors.ts"
import type { HttpRequest, HttpResponse } from "./Http.ts"

/**
 * What a plugin knows about the call it is serving.
 *
 * @since 0.1.0
 */
export interface CallInfo {
  /** The logical call's correlation id: the same across its retries and its token refresh. */
  readonly correlationId: string
  /** 1 for the first attempt. */
  readonly attempt: number
  /** The OpenAPI path template (`/candidates/{id}`), when the call came through a typed client. */
  readonly route?: string | undefined
  /** The scopes this call needs (from the operation's `security`, or given per call). */
  readonly scopes?: ReadonlyArray<string> | undefined
}

/**
 * What `onUnauthorized` answers: `"retry"` once a new credential is available, `"pass"` to let the
 * 401 through to the caller.
 *
 * @since 0.1.0
 */
export type UnauthorizedDecision = "retry" | "pass"

/**
 * The shape of an auth plugin.
 *
 * @since 0.1.0
 */
export interface AuthPlugin {
  /** A short name for logs and spans, e.g. `oauth2-client-credentials`. */
  readonly name: string
  /** Decorate one attempt. Called for every attempt, on a fresh copy of the request. */
  readonly authenticate: (request: HttpRequest, call: CallInfo) => Effect.Effect<HttpRequest, AuthError>
  /** React to a 401 answer. Called at most once per call. */
  readonly onUnauthorized: (
    failed: { readonly request: HttpRequest; readonly response: HttpResponse },
    call: CallInfo,
  ) => Effect.Effect<UnauthorizedDecision, AuthError>
  /**
   * The attempt re-sent after `onUnauthorized` answered `"retry"` was not refused: the new
   * credential works. Token plugins tell their `TokenLifecycle` (`accepted`), which ends a run of
   * refused tokens. Optional; called only after a refresh, never on the hot path.
   */
  readonly onAccepted?:
    | ((
        accepted: { readonly request: HttpRequest; readonly response: HttpResponse },
        call: CallInfo,
      ) => Effect.Effect<void>)
    | undefined
  /** Whether a response means "your credential is no good" (default: status 401). */
  readonly isUnauthorized?: ((response: HttpResponse) => boolean) | undefined
  /** Give the credential up: revoke the grant, log out. The store holds nothing afterwards. */
  readonly release: Effect.Effect<void, AuthError>
  /** Query parameter names that hold secrets, removed from URLs in errors and logs. */
  readonly secretQueryParams?: ReadonlyArray<string> | undefined
}

/**
 * The auth service of a client. Provide it with a plugin's layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth } from "@keyway/core"
 * const revoke = Effect.gen(function*() {
 *   const auth = yield* Auth.Auth
 *   yield* auth.release
 * })
 * ```
 *
 * @since 0.1.0
 */
export class Auth extends Context.Service<Auth, AuthPlugin>()("@keyway/core/Auth") {}

/**
 * Builds a plugin, filling the optional parts: `onUnauthorized` defaults to `"pass"` and `release`
 * to doing nothing.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth, Http } from "@keyway/core"
 * const plugin = Auth.make({ name: "static", authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", "Bearer x")) })
 * ```
 *
 * @since 0.1.0
 */
export const make = (
  plugin: Pick<AuthPlugin, "name" | "authenticate"> & Partial<Omit<AuthPlugin, "name" | "authenticate">>,
): AuthPlugin => ({
  onUnauthorized: () => Effect.succeed("pass"),
  release: Effect.void,
  ...plugin,
})

/**
 * No authentication at all (public endpoints, tests).
 *
 * @example
 * ```ts
 * import { Auth } from "@keyway/core"
 * const layer = Auth.layerNone
 * ```
 *
 * @since 0.1.0
 */
export const layerNone: Layer.Layer<Auth> = Layer.succeed(
  Auth,
  make({ name: "none", authenticate: (request) => Effect.succeed(request) }),
)

/**
 * Whether a response is a 401 for this plugin.
 *
 * @since 0.1.0
 */
export const isUnauthorized = (plugin: AuthPlugin, response: HttpResponse): boolean =>
  plugin.isUnauthorized ? plugin.isUnauthorized(response) : response.status === 401
