/**
 * `connect(options)`: connects one user of an OAuth authorization code provider (CCH, Workable,
 * or any generated provider with such a strategy) from a terminal, and leaves the grant where the
 * app's generated client will find it.
 *
 * 1. Starts a loopback listener on `127.0.0.1` (a free port unless `port`), whose
 *    `http://127.0.0.1:<port>/callback` is the redirect URI.
 * 2. Builds the authorize URL with the authorization-code plugin (a random single-use `state`;
 *    PKCE S256 unless the descriptor turns it off) and hands it to `onAuthorizeUrl` (the CLI
 *    prints it), and opens a browser when `open` is set. Before that, {@link checkConfig} refuses
 *    a public client without PKCE and plain-http URLs to non-loopback hosts.
 * 3. Waits for the redirect. The plugin's `handleCallback` checks `state` in constant time,
 *    exchanges the code and writes the grant to the TokenStore under the provider, the
 *    connection id and the grant's scopes: the same key a generated client with the same
 *    connection and scopes reads. A wrong `state` or a provider error ends the wait with the
 *    plugin's `CallbackRejected`; nothing is stored.
 *
 * The store is the SQLite store at `.keyway/tokens.db` (created `0600`) unless another path or a
 * store layer is given: an in-memory store would be lost when the command exits.
 *
 * @example
 * ```ts
 * import { connect } from "@keyway/connect"
 * const result = await connect({
 *   provider: "workable",
 *   clientId: process.env.KEYWAY_WORKABLE_CLIENT_ID!,
 *   clientSecret: process.env.KEYWAY_WORKABLE_CLIENT_SECRET,
 *   connection: "acme",
 *   onAuthorizeUrl: (url) => console.log(`Open ${url}`),
 * })
 * console.log(`connected ${result.provider} as ${result.connection}`)
 * ```
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { AuthorizationCode, StrategyConfig } from "@keyway/auth-authorization-code"
import { type Descriptor, Errors, Origin, type TokenStore } from "@keyway/core"
import { SqliteStore } from "@keyway/store-sqlite"
import { Effect, type Layer, type Redacted, References } from "effect"
import * as Browser from "./Browser.ts"
import { ConnectError } from "./ConnectError.ts"
import * as Loopback from "./Loopback.ts"
import * as ProviderLookup from "./ProviderLookup.ts"

/**
 * The default store file, relative to the working directory.
 *
 * @example
 * ```ts
 * import { Connect } from "@keyway/connect"
 * Connect.defaultStorePath // ".keyway/tokens.db"
 * ```
 *
 * @since 0.1.0
 */
export const defaultStorePath = Path.join(".keyway", "tokens.db")

/**
 * Options of {@link connect}.
 *
 * @example
 * ```ts
 * import type { ConnectOptions } from "@keyway/connect"
 * const options: ConnectOptions = { provider: "cch", clientId: "id", connection: "alice", port: 8765 }
 * ```
 *
 * @since 0.1.0
 */
export interface ConnectOptions {
  /** The provider's name, as in `@keyway/provider-<name>`. */
  readonly provider: string
  readonly clientId: string
  /** Absent for a public client (PKCE only). */
  readonly clientSecret?: string | Redacted.Redacted<string> | undefined
  /** The scopes to ask for; default the descriptor's `defaultScopes`. */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** The connection id the grant is stored under; default `default`. */
  readonly connection?: string | undefined
  /** The loopback port of the redirect URI; default 0 (a free one). */
  readonly port?: number | undefined
  /** Where the grant goes: a SQLite file path (default `.keyway/tokens.db`)... */
  readonly store?: string | undefined
  /** ...or any TokenStore layer (tests, Redis). Takes precedence over `store`. */
  readonly tokenStore?: Layer.Layer<TokenStore.TokenStore, unknown> | undefined
  /** Override the descriptor's URLs (a sandbox, a regional host). */
  readonly authorizeUrl?: string | undefined
  readonly tokenUrl?: string | undefined
  readonly revokeUrl?: string | undefined
  /** Values for `{placeholders}` in the descriptor's URLs. */
  readonly variables?: Readonly<Record<string, string>> | undefined
  /** The strategy to use instead of looking the provider's package up. */
  readonly strategy?: Descriptor.AuthorizationCodeStrategy | undefined
  /** Try to open the authorize URL in a browser; default false. */
  readonly open?: boolean | undefined
  /** How long to wait for the redirect; default 5 minutes. */
  readonly timeoutMs?: number | undefined
  readonly signal?: AbortSignal | undefined
  /** Called with the authorize URL once the listener runs (the CLI prints it). */
  readonly onAuthorizeUrl?: ((url: string, redirectUri: string) => void) | undefined
  /** Called when `open` is set, with whether a browser could be started. */
  readonly onBrowser?: ((opened: boolean) => void) | undefined
  /** The working directory for the default store and the provider lookup. */
  readonly cwd?: string | undefined
  /**
   * Allow plain `http:` to non-loopback hosts for the authorize, token and revoke URLs (default
   * `false`: such a URL is a `ConfigError` naming it, before anything is sent). Loopback `http:`
   * (a sandbox) is always allowed.
   */
  readonly allowInsecureHttp?: boolean | undefined
}

/**
 * What {@link connect} stored.
 *
 * @example
 * ```ts
 * import { connect } from "@keyway/connect"
 * // const { connection, store, refreshable } = await connect(options)
 * ```
 *
 * @since 0.1.0
 */
export interface ConnectResult {
  readonly provider: string
  /** The connection id the grant is stored under. */
  readonly connection: string
  /** The scope set of the stored grant (the TokenStore key's scopes). */
  readonly scopes: ReadonlyArray<string>
  /** The scope the provider granted, as it said it. */
  readonly grantedScope: string | undefined
  readonly redirectUri: string
  /** The store: the SQLite file's absolute path, or `custom` for a given layer. */
  readonly store: string
  /** When the access token expires (epoch ms). */
  readonly expiresAt: number | undefined
  /** Whether the provider gave a refresh token. */
  readonly refreshable: boolean
}

/**
 * Errors {@link connect} rejects with.
 *
 * @example
 * ```ts
 * import { connect } from "@keyway/connect"
 * // try { await connect(options) } catch (e) { if (e._tag === "CallbackRejected") console.error(e.reason) }
 * ```
 *
 * @since 0.1.0
 */
export type ConnectFailure = ConnectError | AuthorizationCode.CallbackRejected | Errors.AuthError

/**
 * The authorization-code plugin's settings for a strategy, with overrides applied.
 *
 * @example
 * ```ts
 * import { Connect } from "@keyway/connect"
 * // const config = Connect.pluginConfig(strategy, { provider: "cch", clientId: "id" })
 * ```
 *
 * @since 0.1.0
 */
export const pluginConfig = (
  strategy: Descriptor.AuthorizationCodeStrategy,
  options: ConnectOptions,
): AuthorizationCode.Config => {
  // The one way every Keyway tool builds the config from a descriptor (the generated
  // `authLayer` too), so the grant lands where the generated client looks for it.
  try {
    return StrategyConfig.make(strategy, {
      provider: options.provider,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      connection: options.connection,
      scopes: options.scopes,
      variables: options.variables,
      authorizeUrl: options.authorizeUrl,
      tokenUrl: options.tokenUrl,
      revokeUrl: options.revokeUrl,
      allowInsecureHttp: options.allowInsecureHttp,
    })
  } catch (error) {
    throw new ConnectError({
      reason: "config",
      detail: `${error instanceof Error ? error.message : String(error)}: pass --authorize-url, --token-url or --revoke-url (or the variable)`,
    })
  }
}

/**
 * What `connect` refuses before it listens or sends anything: a public client (no secret) whose
 * strategy turns PKCE off (its code could be redeemed by anyone who sees the redirect), and
 * authorize, token or revoke URLs over plain http to a non-loopback host (unless
 * `allowInsecureHttp`). A `ConfigError` names the field.
 *
 * @example
 * ```ts
 * import { Connect } from "@keyway/connect"
 * // const problem = Connect.checkConfig(Connect.pluginConfig(strategy, options))
 * ```
 *
 * @since 0.1.0
 */
export const checkConfig = (config: AuthorizationCode.Config): Errors.ConfigError | undefined => {
  if (config.clientSecret === undefined && config.pkce === false) {
    return new Errors.ConfigError({
      path: "pkce",
      message:
        "a public client (no client secret) needs PKCE, and this provider's strategy turns it off: pass the client secret",
    })
  }
  for (const field of ["authorizeUrl", "tokenUrl", "revokeUrl"] as const) {
    const url = config[field]
    if (url === undefined) continue
    const problem = Origin.checkUrl(field, url, config.allowInsecureHttp ?? false)
    if (problem !== undefined) return problem
  }
  return undefined
}

/**
 * Runs the consent on a loopback redirect and stores the grant.
 *
 * @example
 * ```ts
 * import { connect } from "@keyway/connect"
 * // const result = await connect({ provider: "workable", clientId: "id", clientSecret: "secret", onAuthorizeUrl: console.log })
 * ```
 *
 * @since 0.1.0
 */
export const connect = async (options: ConnectOptions): Promise<ConnectResult> => {
  if (options.clientId.length === 0) {
    throw new ConnectError({ reason: "config", detail: "the client id is empty" })
  }
  const cwd = options.cwd ?? process.cwd()
  const strategy = options.strategy ?? (await ProviderLookup.authorizationCode(options.provider, cwd))
  const config = pluginConfig(strategy, options)
  const invalid = checkConfig(config)
  if (invalid !== undefined) throw invalid
  const storePath =
    options.tokenStore === undefined ? Path.resolve(cwd, options.store ?? defaultStorePath) : undefined
  if (storePath !== undefined && !Fs.existsSync(Path.dirname(storePath))) {
    // Only this user may look into the folder of the grants (the store makes the file 0600).
    Fs.mkdirSync(Path.dirname(storePath), { recursive: true, mode: 0o700 })
  }
  const storeLayer = (options.tokenStore ?? SqliteStore.layer({ path: storePath! })) as Layer.Layer<
    TokenStore.TokenStore,
    unknown
  >
  // Open the store before the user consents: a code is used once, and a grant that cannot be
  // stored after the exchange is lost.
  await Effect.runPromise(Effect.provide(Effect.void, storeLayer)).catch((error: unknown) => {
    throw new ConnectError({
      reason: "config",
      detail: `the token store cannot be opened: ${error instanceof Error ? error.message : String(error)}`,
    })
  })

  const helpers = AuthorizationCode.consent(config)
  const listener = await Loopback.listen({ port: options.port })
  try {
    const start = helpers.authorizeUrl({ redirectUri: listener.redirectUri })
    // Wait for the redirect before anyone sees the URL: a fast browser must find the handler.
    const waiting = listener.wait<TokenStore.StoredToken>(
      async (query) => {
        try {
          const record = await Effect.runPromise(
            helpers
              .handleCallback({
                query,
                expectedState: start.state,
                codeVerifier: start.codeVerifier,
                redirectUri: listener.redirectUri,
              })
              .pipe(Effect.provide(storeLayer), Effect.provideService(References.MinimumLogLevel, "Warn")),
          )
          return {
            status: 200,
            title: `Connected to ${options.provider}`,
            text: "Keyway stored the grant. You can close this window.",
            value: record,
          }
        } catch (error) {
          const rejected = (error as { _tag?: unknown })?._tag === "CallbackRejected"
          return {
            status: rejected ? 400 : 502,
            title: "Connection refused",
            text: error instanceof Error ? error.message : "the authorization failed",
            error,
          }
        }
      },
      { timeoutMs: options.timeoutMs, signal: options.signal },
    )
    waiting.catch(() => {}) // settled below; only if printing or opening throws is it left alone
    options.onAuthorizeUrl?.(start.url, listener.redirectUri)
    if (options.open) {
      const opened = await Browser.open(start.url)
      options.onBrowser?.(opened)
    }
    const stored = await waiting
    return {
      provider: options.provider,
      connection: config.connection ?? "default",
      scopes: AuthorizationCode.grantScopesOf(config),
      grantedScope: stored.scope,
      redirectUri: listener.redirectUri,
      store: storePath ?? "custom",
      expiresAt: stored.expiresAt,
      refreshable: stored.refreshToken !== undefined,
    }
  } finally {
    await listener.close()
  }
}
