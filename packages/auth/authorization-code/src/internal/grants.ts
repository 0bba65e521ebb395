import { Errors, Grant, Scopes, TokenLifecycle, TokenRequest, TokenStore } from "@keyway/core"
import { Clock, Data, Effect, Redacted } from "effect"
import type { Config } from "../AuthorizationCode.ts"
import { clientOf, endpointOf, lifecycleOptions, logUnknownScopes, requireSecureUrls } from "./settings.ts"

/**
 * The consent callback could not be accepted: the `state` does not match (a forged or stale
 * callback), the provider reported an error (`access_denied`), or there is no `code`.
 *
 * @example
 * ```ts
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 * new AuthorizationCode.CallbackRejected({ provider: "workable", reason: "state-mismatch" })
 * ```
 *
 * @since 0.1.0
 */
export class CallbackRejected extends Data.TaggedError("CallbackRejected")<{
  readonly provider: string
  /**
   * `state-mismatch`: the callback's state is not the expected one; `state-unknown`: these
   * helpers never issued it; `state-replayed`: it was already used once; `state-expired`: it is
   * older than `stateTtl`; `provider-error`: the provider sent `error`; `missing-code`: no code.
   */
  readonly reason:
    | "state-mismatch"
    | "state-unknown"
    | "state-replayed"
    | "state-expired"
    | "provider-error"
    | "missing-code"
  /** The provider's `error` parameter, e.g. `access_denied`. */
  readonly oauthError?: string | undefined
}> {
  override get message(): string {
    return `${this.provider}: authorization callback rejected: ${this.reason}${this.oauthError ? ` (${this.oauthError})` : ""}`
  }
}

/**
 * What {@link exchange} takes.
 *
 * @example
 * ```ts
 * import type { AuthorizationCode } from "@keyway/auth-authorization-code"
 * const input: AuthorizationCode.ExchangeInput = { query: new URLSearchParams("code=abc"), redirectUri: "https://app.example/cb" }
 * ```
 *
 * @since 0.1.0
 */
export interface ExchangeInput {
  /** The callback's query parameters (`code`, or `error`). */
  readonly query: URLSearchParams
  /** The PKCE verifier kept from `authorizeUrl`. */
  readonly codeVerifier?: string | undefined
  /** The same redirect URI as in `authorizeUrl`. */
  readonly redirectUri: string
}

/**
 * The exchange half of a callback, for a caller that has checked the callback's `state` itself
 * (single use, expiry): `handleCallback` checks it in memory, `WebConsent` in the TokenStore.
 * Refuses a provider error or a missing code, exchanges the code and stores the grant.
 *
 * @example
 * ```ts
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 * // const stored = yield* AuthorizationCode.exchange(config, { query: url.searchParams, codeVerifier, redirectUri })
 * ```
 *
 * @since 0.1.0
 */
export const exchange = Effect.fn("AuthorizationCode.exchange")(function* (
  config: Config,
  input: ExchangeInput,
) {
  const query = input.query
  yield* requireSecureUrls(config)
  const error = query.get("error")
  if (error !== null) {
    return yield* new CallbackRejected({
      provider: config.provider,
      reason: "provider-error",
      oauthError: /^[\w.-]{1,64}$/.test(error) ? error : undefined,
    })
  }
  const code = query.get("code")
  if (code === null || code.length === 0) {
    return yield* new CallbackRejected({ provider: config.provider, reason: "missing-code" })
  }
  const token = yield* TokenRequest.request({
    endpoint: endpointOf(config),
    client: clientOf(config),
    clientAuthentication: config.clientAuthentication,
    grant: Grant.authorizationCode({
      code: Redacted.make(code),
      redirectUri: input.redirectUri,
      codeVerifier: input.codeVerifier === undefined ? undefined : Redacted.make(input.codeVerifier),
    }),
    connection: config.connection,
  })
  const lifecycle = yield* TokenLifecycle.make(
    lifecycleOptions(config, () =>
      Effect.fail(
        new Errors.ReauthorizationRequired({
          provider: config.provider,
          connection: config.connection ?? "default",
          reason: "not used: this lifecycle only stores the new grant",
        }),
      ),
    ),
  )
  yield* logUnknownScopes(config, Scopes.requested(config))
  const stored = yield* lifecycle.put(Scopes.requested(config), { ...token, newGrant: true })
  yield* Effect.logInfo("authorization code exchanged; grant stored").pipe(
    Effect.annotateLogs({
      provider: config.provider,
      connection: lifecycle.connection,
      scope: token.scope,
    }),
  )
  return stored
})

/**
 * A grant obtained outside Keyway (a migration, a test): what {@link importGrant} stores.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { AuthorizationCode } from "@keyway/auth-authorization-code"
 * const grant: AuthorizationCode.ImportedGrant = { refreshToken: Redacted.make("r1") }
 * ```
 *
 * @since 0.1.0
 */
export interface ImportedGrant {
  readonly refreshToken: Redacted.Redacted<string>
  readonly accessToken?: Redacted.Redacted<string> | undefined
  /** Epoch ms; an imported access token without it is refreshed on first use. */
  readonly expiresAt?: number | undefined
  /** Epoch ms; default now + `refreshTokenLifetime`, when configured. */
  readonly refreshExpiresAt?: number | undefined
  readonly scope?: string | undefined
}

/**
 * Stores a grant obtained outside the consent helpers (e.g. moved from another system).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 * const config = { provider: "workable", authorizeUrl: "https://x/authorize", tokenUrl: "https://x/token", clientId: "id" }
 * const imported = AuthorizationCode.importGrant(config, { refreshToken: Redacted.make("r1") }).pipe(
 *   Effect.provide(TokenStore.layerMemory),
 * )
 * ```
 *
 * @since 0.1.0
 */
export const importGrant = Effect.fn("AuthorizationCode.importGrant")(function* (
  config: Config,
  grant: ImportedGrant,
) {
  const store = yield* TokenStore.TokenStore
  const now = yield* Clock.currentTimeMillis
  const key = TokenStore.key({
    provider: config.provider,
    connection: config.connection ?? "default",
    scopes: Scopes.requested(config),
  })
  const record: TokenStore.StoredToken = {
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    expiresAt: grant.accessToken === undefined ? undefined : (grant.expiresAt ?? now),
    refreshExpiresAt:
      grant.refreshExpiresAt ??
      (config.refreshTokenLifetime === undefined ? undefined : now + config.refreshTokenLifetime * 1000),
    scope: grant.scope,
    obtainedAt: now,
    revision: TokenStore.newRevision(),
  }
  for (let round = 0; round < 5; round++) {
    if (yield* store.compareAndSet(key, yield* store.get(key), record)) return record
  }
  return yield* new Errors.TokenStoreUnavailable({
    store: store.name,
    operation: "importGrant",
    reason: "the record kept changing",
  })
})

/**
 * The refresh of one config's grant: what the plugin's lifecycle calls when a token is stale, and
 * what the keeper calls on a schedule. Fails with `ReauthorizationRequired` when there is no
 * grant, no refresh token, a refresh token past its lifetime, or a refusal (`invalid_grant`).
 * `endpoint` carries a client's limits (`make` passes its own); default the config's endpoint.
 *
 * @example
 * ```ts
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 * // const refresh = AuthorizationCode.refresher(config)
 * // const options = AuthorizationCode.lifecycleOptions(config, refresh)
 * ```
 *
 * @since 0.1.0
 */
export const refresher = (
  config: Config,
  endpoint: TokenRequest.Endpoint = endpointOf(config),
): TokenLifecycle.Options["fetch"] => {
  const connection = config.connection ?? "default"
  return Effect.fn("AuthorizationCode.refresh")(function* (current: TokenStore.StoredToken | undefined) {
    const reauthorize = (reason: string) =>
      new Errors.ReauthorizationRequired({ provider: config.provider, connection, reason })
    if (current === undefined)
      return yield* reauthorize("no authorized grant for this connection: run the consent flow")
    if (current.refreshToken === undefined) return yield* reauthorize("the grant has no refresh token")
    const now = yield* Clock.currentTimeMillis
    if (current.refreshExpiresAt !== undefined && now >= current.refreshExpiresAt) {
      return yield* reauthorize("the refresh token is past its lifetime")
    }
    const token = yield* TokenRequest.request({
      endpoint,
      client: clientOf(config),
      clientAuthentication: config.clientAuthentication,
      grant: Grant.refreshToken({ refreshToken: current.refreshToken }),
      connection,
    })
    yield* Effect.logDebug("access token refreshed").pipe(
      Effect.annotateLogs({
        provider: config.provider,
        connection,
        rotated: token.refreshToken !== undefined,
      }),
    )
    return token
  })
}
