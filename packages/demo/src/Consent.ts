/**
 * The consent step of the authorization code providers (CCH, Workable) against a sandbox, done
 * with the authorization-code plugin's helpers: build the authorize URL (random `state`), let the
 * scripted user agent consent, check that the redirect came back to our redirect URI, hand the
 * callback to `handleCallback` (constant-time state check, code exchange) and store the grant in
 * the TokenStore the generated client then reads.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import * as Consent from "@keyway/demo/Consent"
 * // const store = TokenStore.makeMemory()
 * // await Consent.run(Consent.config("workable", Workable.descriptor.auth[0], sandbox), store)
 * ```
 *
 * @since 0.1.0
 */
import { AuthorizationCode, StrategyConfig } from "@keyway/auth-authorization-code"
import { type Descriptor, TokenStore } from "@keyway/core"
import { Effect, Redacted, References } from "effect"
import * as UserAgent from "./UserAgent.ts"

/**
 * What a sandbox of an authorization code provider gives.
 *
 * @example
 * ```ts
 * import type * as Consent from "@keyway/demo/Consent"
 * const sandbox: Consent.AuthorizationCodeSandbox = { urls: { tokenUrl: "http://127.0.0.1:4000/token" }, credentials: { clientId: "id", clientSecret: "s" } }
 * ```
 *
 * @since 0.1.0
 */
export interface AuthorizationCodeSandbox {
  readonly urls: {
    readonly authorizeUrl?: string | undefined
    readonly tokenUrl?: string | undefined
    readonly revokeUrl?: string | undefined
  }
  readonly credentials: { readonly clientId: string; readonly clientSecret: string }
}

/**
 * The plugin configuration the generated client builds for the same provider, pointed at the
 * sandbox: the descriptor's strategy, the grant's scopes (the strategy's `defaultScopes`, as the
 * generated client uses when given none), the sandbox URLs and credentials.
 *
 * @example
 * ```ts
 * import * as Consent from "@keyway/demo/Consent"
 * // const config = Consent.config("cch", Cch.descriptor.auth[0], sandbox)
 * ```
 *
 * @since 0.1.0
 */
export const config = (
  provider: string,
  strategy: Descriptor.AuthorizationCodeStrategy,
  sandbox: AuthorizationCodeSandbox,
  options: { readonly connection?: string | undefined; readonly scopes?: ReadonlyArray<string> } = {},
): AuthorizationCode.Config =>
  // The one way every Keyway tool builds the config from a descriptor (the generated `authLayer` too).
  StrategyConfig.make(strategy, {
    provider,
    clientId: sandbox.credentials.clientId,
    clientSecret: sandbox.credentials.clientSecret,
    connection: options.connection,
    scopes: options.scopes,
    authorizeUrl: sandbox.urls.authorizeUrl,
    tokenUrl: sandbox.urls.tokenUrl,
    revokeUrl: sandbox.urls.revokeUrl,
  })

/**
 * Runs the consent and stores the grant; returns the stored record.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import * as Consent from "@keyway/demo/Consent"
 * // const stored = await Consent.run(config, TokenStore.makeMemory())
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  settings: AuthorizationCode.Config,
  store: TokenStore.TokenStoreShape,
  options: { readonly redirectUri?: string | undefined; readonly quiet?: boolean | undefined } = {},
): Promise<TokenStore.StoredToken> => {
  // Nothing listens there: the user agent only reads the redirect, it does not follow it.
  const redirectUri = options.redirectUri ?? "http://127.0.0.1:9/keyway/callback"
  const helpers = AuthorizationCode.consent(settings)
  const start = helpers.authorizeUrl({ redirectUri })
  const callback = await UserAgent.authorize(start.url)
  if (`${callback.origin}${callback.pathname}` !== redirectUri) {
    throw new Error(
      `the provider redirected to ${callback.origin}${callback.pathname}, not to ${redirectUri}`,
    )
  }
  return Effect.runPromise(
    helpers
      .handleCallback({ callbackUrl: callback, expectedState: start.state, redirectUri })
      .pipe(
        Effect.provideService(TokenStore.TokenStore, store),
        Effect.provideService(References.MinimumLogLevel, options.quiet === false ? "Info" : "Warn"),
      ),
  )
}

/**
 * The grant stored for a provider's connection and scope set, if any.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import * as Consent from "@keyway/demo/Consent"
 * // const record = await Consent.stored(store, config)
 * // record?.refreshToken
 * ```
 *
 * @since 0.1.0
 */
export const stored = (
  store: TokenStore.TokenStoreShape,
  settings: AuthorizationCode.Config,
): Promise<TokenStore.StoredToken | undefined> =>
  Effect.runPromise(
    store.get(
      TokenStore.key({
        provider: settings.provider,
        connection: settings.connection ?? "default",
        scopes: AuthorizationCode.grantScopesOf(settings),
      }),
    ),
  )

/**
 * The secret of a stored token, for comparing two records (never printed).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import * as Consent from "@keyway/demo/Consent"
 * Consent.reveal(Redacted.make("r1")) // "r1"
 * ```
 *
 * @since 0.1.0
 */
export const reveal = (secret: Redacted.Redacted<string> | undefined): string | undefined =>
  secret === undefined ? undefined : Redacted.value(secret)
