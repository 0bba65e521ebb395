/**
 * OAuth 2.0 client credentials (CCW, Culture Amp) as a Keyway auth plugin.
 *
 * - One token per scope set: a call's `CallInfo.scopes`, else `requestScopes`, else the
 *   descriptor's `defaultScopes`. The descriptor's `scopes` (every scope the provider knows) are
 *   never requested by themselves.
 *   Tokens are cached and shared through `TokenLifecycle` (single flight, proactive refresh,
 *   persisted in the `TokenStore`).
 * - Token requests as the provider wants them: `form`, `json` (CCW) or `multipart` bodies; client
 *   authentication in the body or as HTTP Basic (Culture Amp); the `grant_type` literal
 *   (CCW: `client_credential`); scope templates (Culture Amp:
 *   `target-entity:{entityId}:{permissions}`).
 * - Expiry from `expires_in`, else the JWT `exp`, else `defaultTokenLifetime` (seconds).
 * - A 401 invalidates the rejected token and answers `"retry"`: the runtime re-authenticates once
 *   with a new token.
 * - A thin configuration of core's token requests: any client-authentication method
 *   (`clientAuthentication`: `private_key_jwt`, `client_secret_jwt`, `tls_client_auth`, ...; then
 *   no `clientSecret` is needed), per-request token parameters (`requestParams`, a function for
 *   nonces), and any grant that needs no user (`grant`: JWT bearer, token exchange, password).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientCredentials } from "@keyway/auth-client-credentials"
 *
 * // CCW: JSON body, `client_credential` grant, scopes per call
 * const ccw = ClientCredentials.layer({
 *   provider: "ccw",
 *   tokenUrl: "https://auth.example/auth/realms/ccw-na-stg/protocol/openid-connect/token",
 *   grantType: "client_credential",
 *   bodyFormat: "json",
 *   clientId: "my-id",
 *   clientSecret: Redacted.make(process.env.CCW_SECRET ?? ""),
 *   requestScopes: ["ccw.candidate"],
 * })
 * ```
 *
 * @since 0.1.0
 */
import {
  Auth,
  ClientAuth,
  type Descriptor,
  Errors,
  Grant,
  Http,
  Limits,
  Origin,
  Scopes,
  TokenLifecycle,
  TokenRequest,
  type TokenStore,
} from "@keyway/core"
import { Duration, Effect, Layer, Redacted } from "effect"

/**
 * The plugin's settings: the descriptor's `oauth2-client-credentials` section (URLs resolved)
 * plus the client's own credentials.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { ClientCredentials } from "@keyway/auth-client-credentials"
 * const cultureAmp: ClientCredentials.Config = {
 *   provider: "cultureamp", tokenUrl: "https://api.cultureamp.com/v1/oauth2/token", clientAuth: "basic",
 *   scopeTemplate: "target-entity:{entityId}:{permissions}", variables: { entityId: "8ed1..." },
 *   requestScopes: ["employees-read"], clientId: "id", clientSecret: Redacted.make("s"),
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface Config extends Omit<Descriptor.ClientCredentialsStrategy, "type"> {
  readonly type?: "oauth2-client-credentials" | undefined
  /** The provider's name, for errors, logs and store keys. */
  readonly provider: string
  readonly clientId: string
  /** The client secret; required unless `clientAuthentication` says otherwise. */
  readonly clientSecret?: Redacted.Redacted<string> | undefined
  /**
   * How the client authenticates; default from `clientAuth` and `clientSecret`
   * (`client_secret_post` or `client_secret_basic`).
   *
   * @example
   * ```ts
   * import { Redacted } from "effect"
   * import { ClientAuth } from "@keyway/core"
   * const clientAuthentication = ClientAuth.privateKeyJwt({ privateKey: Redacted.make(process.env.KEY_PEM ?? "") })
   * ```
   */
  readonly clientAuthentication?: ClientAuth.Method | undefined
  /**
   * The grant sent for a scope string; default `client_credentials` with `grantType`. Use it for
   * grants that need no user interaction: `Grant.jwtBearer`, `Grant.tokenExchange`, `Grant.password`.
   */
  readonly grant?: ((scope: string | undefined) => Grant.Grant) | undefined
  /** Extra token parameters computed for every token request attempt (nonces, assertions). */
  readonly requestParams?: Grant.Params | undefined
  /** Values for the scope template's placeholders (Culture Amp: `entityId`). */
  readonly variables?: Readonly<Record<string, string>> | undefined
  /** The connection id in the store; default `default`. */
  readonly connection?: string | undefined
  /**
   * The scopes requested when a call names none. Falls back to the descriptor's
   * `defaultScopes`, then to none (no `scope` parameter).
   *
   * Not `scopes`: that field keeps the descriptor's meaning (every scope the provider knows) and
   * is never requested by itself, so a descriptor strategy spread into the config
   * (`{ ...descriptor.auth[0], ... }`) asks only for these or the `defaultScopes`.
   */
  readonly requestScopes?: ReadonlyArray<string> | undefined
  /**
   * The descriptor's meaning: every scope the provider knows. Never requested by itself. A
   * requested scope missing from a non-empty list is still requested (providers add scopes);
   * it is logged at debug.
   */
  readonly scopes?: ReadonlyArray<string> | undefined
}

/**
 * The scopes requested when a call names none: `requestScopes`, else the descriptor's
 * `defaultScopes`, else none. Never the descriptor's `scopes` (the scopes the provider knows).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientCredentials } from "@keyway/auth-client-credentials"
 * ClientCredentials.requestScopesOf({
 *   provider: "ccw", tokenUrl: "https://auth.example/token", clientId: "id", clientSecret: Redacted.make("s"),
 *   scopes: ["ccw.candidate", "ccw.contingent_workers"], defaultScopes: ["ccw.candidate"],
 * }) // ["ccw.candidate"]
 * ```
 *
 * @since 0.1.0
 */
export const requestScopesOf = (config: Config): ReadonlyArray<string> => Scopes.requested(config)

const checkConfig = (config: Config): Effect.Effect<void, Errors.ConfigError> =>
  Effect.gen(function* () {
    if (config.clientId.length === 0) {
      return yield* new Errors.ConfigError({ path: "clientId", message: "the client id is empty" })
    }
    if (config.clientSecret === undefined && config.clientAuthentication === undefined) {
      return yield* new Errors.ConfigError({
        path: "clientSecret",
        message: "a client secret is needed unless clientAuthentication names another method",
      })
    }
    if (config.scopeTemplate !== undefined) {
      const missing = TokenRequest.missingVariables(config.scopeTemplate, config.variables)
      if (missing.length > 0) {
        return yield* new Errors.ConfigError({
          path: "variables",
          message: `the scope template needs values for: ${missing.join(", ")}`,
        })
      }
    }
  })

/**
 * Builds the plugin on the `TokenStore` in context.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { ClientCredentials } from "@keyway/auth-client-credentials"
 * const plugin = ClientCredentials.make({
 *   provider: "cultureamp", tokenUrl: "https://api.cultureamp.com/v1/oauth2/token", clientAuth: "basic",
 *   scopeTemplate: "target-entity:{entityId}:{permissions}", variables: { entityId: "8ed1" },
 *   clientId: "id", clientSecret: Redacted.make("secret"),
 * }).pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const make = Effect.fn("ClientCredentials.make")(function* (config: Config) {
  yield* checkConfig(config)
  // The client secret travels to the token URL: https, or loopback http (allowInsecureHttp aside).
  yield* Origin.requireSecure({ tokenUrl: config.tokenUrl })
  const defaultScopes = requestScopesOf(config)
  yield* Scopes.logUnknown(config.provider, config, defaultScopes)
  // The limits of the client this plugin is built for (token requests may run in a caller's
  // context that does not carry them, e.g. the Effect API).
  const limits = yield* Limits.Limits
  const endpoint: TokenRequest.Endpoint = {
    provider: config.provider,
    tokenUrl: config.tokenUrl,
    timeoutMs: limits.tokenTimeoutMs,
    maxResponseBytes: limits.tokenMaxResponseBytes,
    bodyFormat: config.bodyFormat,
    clientAuth: config.clientAuth,
    tokenHeaders: config.tokenHeaders,
    tokenParams: config.tokenParams,
  }
  const client: TokenRequest.ClientCredentials = {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
  }
  const clientAuthentication =
    config.clientAuthentication ?? ClientAuth.fromSetting(config.clientAuth, config.clientSecret)
  const grantFor =
    config.grant ??
    ((scope: string | undefined) => Grant.clientCredentials({ scope, grantType: config.grantType }))

  const fetchToken = Effect.fn("ClientCredentials.fetchToken")(function* (scopes: ReadonlyArray<string>) {
    const scope = yield* TokenRequest.formatScopes(scopes, {
      separator: config.scopeSeparator,
      template: config.scopeTemplate,
      variables: config.variables,
    })
    const token = yield* TokenRequest.request({
      endpoint,
      client,
      clientAuthentication,
      grant: grantFor(scope),
      params: config.requestParams,
      connection: config.connection,
    })
    yield* Effect.logDebug("client credentials token obtained").pipe(
      Effect.annotateLogs({ provider: config.provider, scope, expiresIn: token.expiresIn }),
    )
    return token
  })

  const lifecycle = yield* TokenLifecycle.make({
    provider: config.provider,
    connection: config.connection,
    fetch: (_current, scopes) => fetchToken(scopes),
    defaultLifetime:
      config.defaultTokenLifetime === undefined ? undefined : Duration.seconds(config.defaultTokenLifetime),
    refreshBuffer: config.refreshBuffer === undefined ? undefined : Duration.seconds(config.refreshBuffer),
  })

  const scopesOf = (call: Auth.CallInfo): ReadonlyArray<string> =>
    call.scopes !== undefined && call.scopes.length > 0 ? call.scopes : defaultScopes

  return Auth.make({
    name: "oauth2-client-credentials",
    // Hot path: untraced; the call's own `keyway.call` span covers it (a traced
    // function costs a span and a stack trace on every call).
    authenticate: Effect.fnUntraced(function* (request: Http.HttpRequest, call: Auth.CallInfo) {
      const token = yield* lifecycle.get(scopesOf(call)).pipe(TokenRequest.forCall(call.correlationId))
      return Http.setHeader(request, "authorization", `Bearer ${Redacted.value(token.accessToken!)}`)
    }),
    onUnauthorized: Effect.fn("ClientCredentials.onUnauthorized")(function* (
      failed: { readonly request: Http.HttpRequest },
      call: Auth.CallInfo,
    ) {
      const rejected = bearerOf(failed.request)
      if (rejected !== undefined) yield* lifecycle.invalidate(scopesOf(call), rejected)
      yield* Effect.logDebug("token rejected with 401: a new one will be requested").pipe(
        Effect.annotateLogs({ provider: config.provider, correlationId: call.correlationId }),
      )
      return "retry" as const
    }),
    // The new token worked: a run of refused tokens is over.
    onAccepted: (_accepted, call) => lifecycle.accepted(scopesOf(call)),
    release: lifecycle.clearAll.pipe(Effect.withSpan("ClientCredentials.release")),
  })
})

/**
 * The bearer token a request carried, as `Redacted`.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * import { ClientCredentials } from "@keyway/auth-client-credentials"
 * ClientCredentials.bearerOf(Http.makeRequest("GET", "https://x/", { authorization: "Bearer t" })) // Redacted("t")
 * ```
 *
 * @since 0.1.0
 */
export const bearerOf = (request: Http.HttpRequest): Redacted.Redacted<string> | undefined => {
  const token = Http.credentialOf(request, Http.bearer)
  return token === undefined ? undefined : Redacted.make(token)
}

/**
 * The plugin as a layer providing `Auth.Auth`; needs a `TokenStore`.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { ClientCredentials } from "@keyway/auth-client-credentials"
 * const auth = ClientCredentials.layer({
 *   provider: "ccw", tokenUrl: "https://auth.example/token", grantType: "client_credential", bodyFormat: "json",
 *   clientId: "id", clientSecret: Redacted.make("secret"), requestScopes: ["ccw.candidate"],
 * }).pipe(Layer.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const layer = (config: Config): Layer.Layer<Auth.Auth, Errors.ConfigError, TokenStore.TokenStore> =>
  Layer.effect(Auth.Auth, make(config))
