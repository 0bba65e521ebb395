import { type Errors, Origin, Scopes, type TokenLifecycle, type TokenRequest } from "@keyway/core"
import { Duration, Effect } from "effect"
import type { Config } from "../AuthorizationCode.ts"

export const logUnknownScopes = (config: Config, scopes: ReadonlyArray<string>): Effect.Effect<void> =>
  Scopes.logUnknown(config.provider, config, scopes)

export const endpointOf = (config: Config): TokenRequest.Endpoint => ({
  provider: config.provider,
  tokenUrl: config.tokenUrl,
  bodyFormat: config.bodyFormat,
  clientAuth: config.clientAuth,
  tokenHeaders: config.tokenHeaders,
  tokenParams: config.tokenParams,
})

export const clientOf = (config: Config): TokenRequest.ClientCredentials => ({
  clientId: config.clientId,
  clientSecret: config.clientSecret,
})

/**
 * The `TokenLifecycle` options of a config (lifetimes, buffer, connection) with `fetch`.
 *
 * @example
 * ```ts
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 * // const lifecycle = yield* TokenLifecycle.make(AuthorizationCode.lifecycleOptions(config, AuthorizationCode.refresher(config)))
 * ```
 *
 * @since 0.1.0
 */
export const lifecycleOptions = (
  config: Config,
  fetch: TokenLifecycle.Options["fetch"],
): TokenLifecycle.Options => ({
  provider: config.provider,
  connection: config.connection,
  fetch,
  defaultLifetime:
    config.defaultTokenLifetime === undefined ? undefined : Duration.seconds(config.defaultTokenLifetime),
  refreshBuffer: config.refreshBuffer === undefined ? undefined : Duration.seconds(config.refreshBuffer),
  refreshTokenLifetime:
    config.refreshTokenLifetime === undefined ? undefined : Duration.seconds(config.refreshTokenLifetime),
})

/**
 * The plugin's URLs as RFC 9700 wants them: https, or http to a loopback host, unless
 * `allowInsecureHttp` (the config's, or `Origin.AllowInsecureHttp` in context). A `ConfigError`
 * names the field.
 */
export const requireSecureUrls = (config: Config): Effect.Effect<void, Errors.ConfigError> => {
  const urls = { authorizeUrl: config.authorizeUrl, tokenUrl: config.tokenUrl, revokeUrl: config.revokeUrl }
  return config.allowInsecureHttp ? Effect.void : Origin.requireSecure(urls)
}
