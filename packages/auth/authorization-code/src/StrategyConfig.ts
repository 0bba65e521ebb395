/**
 * The ONE way to turn a descriptor's `oauth2-authorization-code` strategy into the plugin's
 * {@link AuthorizationCode.Config}: URL templates resolved against the provider's variables and
 * base URL, overrides applied, the grant's scope set (`requestScopes`, else the strategy's
 * `defaultScopes`), credentials `Redacted`. The generated `authLayer`, the generated `consent`
 * helpers, `keyway connect`, `keyway serve`, the keeper and the demo all build their config here,
 * so a grant stored by one is found by the others (same provider, connection and scope set).
 *
 * @example
 * ```ts
 * import { StrategyConfig } from "@keyway/auth-authorization-code"
 * import { descriptor } from "@keyway/provider-workable/descriptor"
 *
 * const config = StrategyConfig.make(descriptor.auth[0], {
 *   provider: "workable",
 *   clientId: "id",
 *   clientSecret: "secret",
 *   variables: { subdomain: "www" },
 * })
 * config.requestScopes // ["r_jobs", "r_candidates", "w_candidates"]
 * ```
 *
 * @since 0.1.0
 */
import { Auth, Descriptor, type Secret } from "@keyway/core"
import type { Redacted } from "effect"
import type { Config } from "./AuthorizationCode.ts"

/**
 * What {@link make} takes besides the strategy.
 *
 * @example
 * ```ts
 * import type { StrategyConfig } from "@keyway/auth-authorization-code"
 * const options: StrategyConfig.Options = { provider: "cch", clientId: "id", connection: "alice" }
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  readonly provider: string
  readonly clientId: string
  /** Absent for a public client (PKCE only). */
  readonly clientSecret?: Secret.Secret | Redacted.Redacted<string> | undefined
  /** Whose grant this is; default `default`. */
  readonly connection?: string | undefined
  /** The grant's scope set; default the strategy's `defaultScopes`. */
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly refreshAhead?: boolean | undefined
  /** Values for `{placeholders}` in the strategy's URLs. */
  readonly variables?: Readonly<Record<string, string>> | undefined
  /** What relative URLs of the strategy are relative to (the API's base URL). */
  readonly baseUrl?: string | undefined
  /** Overrides of the strategy's URLs (a sandbox, a regional host). */
  readonly authorizeUrl?: string | undefined
  readonly tokenUrl?: string | undefined
  readonly revokeUrl?: string | undefined
  /** Allow plain http to a non-loopback host (never in production: RFC 9700). */
  readonly allowInsecureHttp?: boolean | undefined
}

/**
 * The plugin's config for a strategy. Throws when a URL template needs a variable that is not
 * given (the message names it).
 *
 * @example
 * ```ts
 * import { StrategyConfig } from "@keyway/auth-authorization-code"
 * const config = StrategyConfig.make(
 *   { type: "oauth2-authorization-code", authorizeUrl: "https://x/authorize", tokenUrl: "https://x/token", defaultScopes: ["read"] },
 *   { provider: "cch", clientId: "id", clientSecret: "s", tokenUrl: "http://127.0.0.1:4000/token" },
 * )
 * config.tokenUrl // "http://127.0.0.1:4000/token"
 * ```
 *
 * @since 0.1.0
 */
export const make = (strategy: Descriptor.AuthorizationCodeStrategy, options: Options): Config => {
  const variables = options.variables ?? {}
  const resolve = (template: string) => Descriptor.resolveUrl(template, variables, options.baseUrl)
  return {
    ...strategy,
    provider: options.provider,
    connection: options.connection ?? "default",
    // The descriptor's `scopes` (every scope the provider knows) stays as spread; the scopes of
    // the grant, asked for at consent and in the store key, are `requestScopes`.
    requestScopes: options.scopes ?? strategy.defaultScopes ?? [],
    authorizeUrl: options.authorizeUrl ?? resolve(strategy.authorizeUrl),
    tokenUrl: options.tokenUrl ?? resolve(strategy.tokenUrl),
    revokeUrl:
      options.revokeUrl ?? (strategy.revokeUrl === undefined ? undefined : resolve(strategy.revokeUrl)),
    clientId: options.clientId,
    clientSecret: options.clientSecret === undefined ? undefined : Auth.redact(options.clientSecret),
    refreshAhead: options.refreshAhead,
    allowInsecureHttp: options.allowInsecureHttp,
  }
}

/**
 * The same config for another connection of the same provider (the consent handlers and the
 * keeper serve many connections with one config).
 *
 * @example
 * ```ts
 * import { StrategyConfig } from "@keyway/auth-authorization-code"
 * // const alice = StrategyConfig.forConnection(config, "alice")
 * ```
 *
 * @since 0.1.0
 */
export const forConnection = (config: Config, connection: string): Config => ({ ...config, connection })
