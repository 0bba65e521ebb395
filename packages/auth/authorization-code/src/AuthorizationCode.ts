import {
  Auth,
  type ClientAuth,
  type Descriptor,
  Errors,
  Http,
  Limits,
  Scopes,
  TokenLifecycle,
  TokenRequest,
  TokenStore,
} from "@keyway/core"
import { Effect, Fiber, Layer, Redacted, type Scope } from "effect"
import { refresher } from "./internal/grants.ts"
import {
  clientOf,
  endpointOf,
  lifecycleOptions,
  logUnknownScopes,
  requireSecureUrls,
} from "./internal/settings.ts"

// The parts of the plugin are internal modules, one job each: consent (authorization URL,
// callback), grants (exchange, import, refresh), settings (what the config derives). Their
// public names are this module's.
export {
  type AuthorizeRequest,
  type CallbackInput,
  type Consent,
  consent,
  constantTimeEqual,
} from "./internal/consent.ts"
export {
  CallbackRejected,
  type ExchangeInput,
  exchange,
  type ImportedGrant,
  importGrant,
  refresher,
} from "./internal/grants.ts"
export { lifecycleOptions } from "./internal/settings.ts"

/**
 * The plugin's settings: the descriptor's `oauth2-authorization-code` section (URLs resolved)
 * plus the client's credentials.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { AuthorizationCode } from "@keyway/auth-authorization-code"
 * const cch: AuthorizationCode.Config = {
 *   provider: "cch", authorizeUrl: "https://auth.unifiedcompliance.com/authorize",
 *   tokenUrl: "https://auth.unifiedcompliance.com/token", bodyFormat: "json",
 *   refreshTokenLifetime: 14 * 24 * 3600, requestScopes: ["read"], clientId: "id", clientSecret: Redacted.make("s"),
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface Config extends Omit<Descriptor.AuthorizationCodeStrategy, "type"> {
  readonly type?: "oauth2-authorization-code" | undefined
  readonly provider: string
  readonly clientId: string
  /** Absent for a public client (PKCE only). */
  readonly clientSecret?: Redacted.Redacted<string> | undefined
  /**
   * How the client authenticates on token and revocation requests (`private_key_jwt`,
   * `tls_client_auth`, ...); default from `clientAuth` and `clientSecret` (`none` without one).
   */
  readonly clientAuthentication?: ClientAuth.Method | undefined
  /** Whose grant this is (a user or account id); default `default`. */
  readonly connection?: string | undefined
  /**
   * The scopes asked for at consent when `authorizeUrl` is given none; the grant is stored under
   * this scope set. Falls back to the descriptor's `defaultScopes`, then to none.
   *
   * Not `scopes`: that field keeps the descriptor's meaning (every scope the provider knows) and
   * is never asked for by itself, so a descriptor strategy spread into the config
   * (`{ ...descriptor.auth[0], ... }`) asks only for these or the `defaultScopes`.
   */
  readonly requestScopes?: ReadonlyArray<string> | undefined
  /**
   * The descriptor's meaning: every scope the provider knows. Never asked for by itself. A
   * requested scope missing from a non-empty list is still asked for (providers add scopes); it
   * is logged at debug.
   */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** Keep the access token fresh in a background fiber (lives as long as the layer's scope). */
  readonly refreshAhead?: boolean | undefined
  /** Allow plain `http:` to non-loopback hosts for the authorize, token and revoke URLs (default `false`). */
  readonly allowInsecureHttp?: boolean | undefined
  /** How long a `state` from `authorizeUrl` stays acceptable, in seconds; default 600. */
  readonly stateTtl?: number | undefined
}

/**
 * The scope set of the grant: asked for at consent (when `authorizeUrl` is given none) and the
 * `TokenStore` key's scopes. `requestScopes`, else the descriptor's `defaultScopes`, else none;
 * never the descriptor's `scopes` (every scope the provider knows).
 *
 * @example
 * ```ts
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 * AuthorizationCode.grantScopesOf({
 *   provider: "workable", authorizeUrl: "https://x/authorize", tokenUrl: "https://x/token", clientId: "id",
 *   scopes: ["r_jobs", "r_candidates", "w_candidates", "r_employees"], defaultScopes: ["r_jobs", "r_candidates"],
 * }) // ["r_jobs", "r_candidates"]
 * ```
 *
 * @since 0.1.0
 */
export const grantScopesOf = (config: Config): ReadonlyArray<string> => Scopes.requested(config)

/**
 * Builds the plugin on the `TokenStore` in context; the scope bounds the `refreshAhead` fiber.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 * const plugin = AuthorizationCode.make({
 *   provider: "cch", authorizeUrl: "https://auth.example/authorize", tokenUrl: "https://auth.example/token",
 *   clientId: "id", clientSecret: Redacted.make("secret"), refreshTokenLifetime: 14 * 24 * 3600,
 * }).pipe(Effect.provide(TokenStore.layerMemory), Effect.scoped)
 * ```
 *
 * @since 0.1.0
 */
export const make = Effect.fn("AuthorizationCode.make")(function* (config: Config) {
  yield* checkConfig(config)
  // The limits of the client this plugin is built for (refreshes may run in a caller's context
  // that does not carry them, e.g. the Effect API).
  const limits = yield* Limits.Limits
  const endpoint: TokenRequest.Endpoint = {
    ...endpointOf(config),
    timeoutMs: limits.tokenTimeoutMs,
    maxResponseBytes: limits.tokenMaxResponseBytes,
  }
  const connection = config.connection ?? "default"
  const grantScopes = grantScopesOf(config)
  yield* logUnknownScopes(config, grantScopes)
  const store = yield* TokenStore.TokenStore
  const lifecycle = yield* TokenLifecycle.make(lifecycleOptions(config, refresher(config, endpoint)))
  const ahead = yield* refreshAheadOf(config, lifecycle, grantScopes)
  const expiredStatus = config.expiredTokenStatus ?? 401

  /** A call's token: the lifecycle's, the call's correlation id on it; a dead grant stops refresh-ahead. */
  const tokenFor = (correlationId: string) =>
    lifecycle.get(grantScopes).pipe(
      Effect.tapError((error) => (error._tag === "ReauthorizationRequired" ? ahead.pause : Effect.void)),
      TokenRequest.forCall(correlationId),
    )

  return Auth.make({
    name: "oauth2-authorization-code",
    isUnauthorized: (response) => response.status === expiredStatus,
    // Hot path: untraced; the call's own `keyway.call` span covers it (a traced
    // function costs a span and a stack trace on every call).
    authenticate: Effect.fnUntraced(function* (request: Http.HttpRequest, call: Auth.CallInfo) {
      const token = yield* tokenFor(call.correlationId)
      yield* ahead.start
      return Http.setHeader(request, "authorization", `Bearer ${Redacted.value(token.accessToken!)}`)
    }),
    onUnauthorized: Effect.fn("AuthorizationCode.onUnauthorized")(function* (
      failed: { readonly request: Http.HttpRequest },
      call: Auth.CallInfo,
    ) {
      const rejected = Http.credentialOf(failed.request, Http.bearer)
      if (rejected !== undefined) yield* lifecycle.invalidate(grantScopes, Redacted.make(rejected))
      yield* Effect.logDebug("access token refused: refreshing").pipe(
        Effect.annotateLogs({ provider: config.provider, connection, correlationId: call.correlationId }),
      )
      yield* tokenFor(call.correlationId)
      return "retry" as const
    }),
    // The refreshed token worked: a run of refused tokens is over.
    onAccepted: () => lifecycle.accepted(grantScopes),
    release: Effect.gen(function* () {
      yield* ahead.stop
      yield* revokeGrant(config, store, lifecycle, grantScopes, limits).pipe(
        Effect.ensuring(Effect.ignore(lifecycle.clear(grantScopes))),
      )
    }).pipe(Effect.withSpan("AuthorizationCode.release")),
  })
})

/** Step: a config the plugin can work with (a client id, secure URLs). */
const checkConfig = (config: Config): Effect.Effect<void, Errors.ConfigError> =>
  config.clientId.length === 0
    ? Effect.fail(new Errors.ConfigError({ path: "clientId", message: "the client id is empty" }))
    : requireSecureUrls(config)

/** The refresh-ahead fiber of a plugin. */
interface RefreshAhead {
  /** Starts it unless it runs (a call whose grant works). */
  readonly start: Effect.Effect<void>
  /** The grant died: the next working grant starts it again. */
  readonly pause: Effect.Effect<void>
  /** Release: interrupts it. */
  readonly stop: Effect.Effect<void>
}

/**
 * Step: refresh ahead (`refreshAhead: true`): one background fiber in the layer's scope,
 * (re)started once a grant works, started at once when the store already holds a live grant (a
 * store that cannot answer now only delays the start to the first successful call).
 */
const refreshAheadOf = (
  config: Config,
  lifecycle: TokenLifecycle.TokenLifecycle,
  grantScopes: ReadonlyArray<string>,
): Effect.Effect<RefreshAhead, never, TokenStore.TokenStore | Scope.Scope> =>
  Effect.gen(function* () {
    const layerScope = yield* Effect.scope
    let fiber: Fiber.Fiber<unknown> | undefined
    let active = false
    const start = Effect.suspend(() => {
      if (!config.refreshAhead || active) return Effect.void
      active = true
      const previous = fiber
      return Effect.gen(function* () {
        if (previous !== undefined) yield* Fiber.interrupt(previous)
        fiber = yield* Effect.scoped(Effect.andThen(lifecycle.refreshAhead(grantScopes), Effect.never)).pipe(
          Effect.forkIn(layerScope),
        )
      })
    })
    // A dead grant: the fiber stops by itself; the next working grant starts a new one.
    const pause = Effect.sync(() => {
      active = false
    })
    const stop = Effect.suspend(() => {
      const running = fiber
      active = false
      return running === undefined ? Effect.void : Fiber.interrupt(running)
    })
    if (config.refreshAhead) {
      const existing = yield* (yield* TokenStore.TokenStore)
        .get(lifecycle.keyOf(grantScopes))
        .pipe(Effect.orElseSucceed(() => undefined))
      if (existing?.refreshToken !== undefined && existing.needsReauthorization === undefined) yield* start
    }
    return { start, pause, stop }
  })

/** Step (release): revoke the stored grant at the provider, when it has a revocation endpoint. */
const revokeGrant = (
  config: Config,
  store: TokenStore.TokenStoreShape,
  lifecycle: TokenLifecycle.TokenLifecycle,
  grantScopes: ReadonlyArray<string>,
  limits: Limits.Limits,
) =>
  Effect.gen(function* () {
    const record = yield* store.get(lifecycle.keyOf(grantScopes))
    if (config.revokeUrl === undefined || record === undefined) return
    const token = record.refreshToken ?? record.accessToken
    if (token === undefined) return
    yield* TokenRequest.revoke({
      provider: config.provider,
      revokeUrl: config.revokeUrl,
      style: config.revokeStyle ?? "rfc7009",
      client: clientOf(config),
      token,
      tokenTypeHint: record.refreshToken !== undefined ? "refresh_token" : "access_token",
      bodyFormat: config.bodyFormat,
      clientAuth: config.clientAuth,
      clientAuthentication: config.clientAuthentication,
      headers: config.tokenHeaders,
      timeoutMs: limits.tokenTimeoutMs,
      maxResponseBytes: limits.tokenMaxResponseBytes,
    })
    yield* Effect.logInfo("grant revoked").pipe(
      Effect.annotateLogs({ provider: config.provider, connection: config.connection ?? "default" }),
    )
  })

/**
 * The plugin as a layer providing `Auth.Auth`; needs a `TokenStore`. With `refreshAhead: true`
 * its background refresh fiber lives as long as the layer.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 * const auth = AuthorizationCode.layer({
 *   provider: "cch", authorizeUrl: "https://auth.unifiedcompliance.com/authorize",
 *   tokenUrl: "https://auth.unifiedcompliance.com/token", bodyFormat: "json",
 *   tokenHeaders: { Accept: "application/vnd.ucf.v1+json" }, refreshTokenLifetime: 1_209_600,
 *   clientId: "id", clientSecret: Redacted.make("secret"), requestScopes: ["read"], refreshAhead: true,
 * }).pipe(Layer.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const layer = (config: Config): Layer.Layer<Auth.Auth, Errors.ConfigError, TokenStore.TokenStore> =>
  Layer.effect(Auth.Auth, make(config))
