/**
 * OAuth 2.0 authorization code with refresh (CCH, Workable) as a Keyway auth plugin, plus the
 * consent dance your web app runs once per user.
 *
 * **Consent** ({@link consent}, no Layer needed):
 * 1. `authorizeUrl({ redirectUri, scopes })` gives the URL to send the user to, a random `state`
 *    and a PKCE S256 `codeVerifier` (PKCE is on unless the descriptor says `pkce: false`, for
 *    providers that reject it). Keep both in the user's session. The state is single use and
 *    expires after `stateTtl` (default 10 minutes); it is remembered by these helpers, so the
 *    callback must reach the same `consent(config)` value (the same process). The
 *    scopes asked for are the input's, else `requestScopes`, else the descriptor's
 *    `defaultScopes`; never the descriptor's `scopes` (every scope the provider knows).
 * 2. `handleCallback({ callbackUrl, expectedState, codeVerifier, redirectUri })` checks the
 *    state in constant time, exchanges the code and stores the grant in the `TokenStore`.
 *
 * **Calls** ({@link layer}):
 * - The access token is served from `TokenLifecycle`: single flight, refreshed ahead of expiry
 *   when a call finds it stale, and, with `refreshAhead: true`, by a background fiber that lives
 *   as long as the layer's scope (CCH names both ways).
 * - Refresh-token rotation is safe: the new refresh token is written to the store with
 *   compare-and-set before the new access token is handed out; a response without
 *   `refresh_token` keeps the old one; one process never refreshes twice with the same token.
 * - A refresh token older than `refreshTokenLifetime` (CCH: two weeks) fails with
 *   `ReauthorizationRequired` without a network call. A refresh answered 401 or `invalid_grant`
 *   (revoked, already used) marks the stored grant as needing reauthorization (kept, not
 *   deleted) and fails with `ReauthorizationRequired`.
 * - An expired-token answer (CCH: `401 {"message":"The access token provided has expired"}`)
 *   makes `onUnauthorized` refresh; the runtime retries once.
 * - `release` revokes the grant (RFC 7009 or Workable style) and clears the store.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 *
 * const workable: AuthorizationCode.Config = {
 *   provider: "workable",
 *   authorizeUrl: "https://www.workable.com/oauth/authorize",
 *   authorizeParams: { resource: "user" },
 *   tokenUrl: "https://www.workable.com/oauth/token",
 *   revokeUrl: "https://www.workable.com/oauth/revoke",
 *   revokeStyle: "workable",
 *   scopeSeparator: "+",
 *   requestScopes: ["r_jobs", "r_candidates", "w_candidates"],
 *   clientId: "id",
 *   clientSecret: Redacted.make("secret"),
 *   connection: "acme",
 * }
 * const start = AuthorizationCode.consent(workable).authorizeUrl({ redirectUri: "https://app.example/cb" })
 * // redirect the user to start.url; keep start.state (and start.codeVerifier) in the session
 * ```
 *
 * @since 0.1.0
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import {
  Auth,
  type ClientAuth,
  type Descriptor,
  Errors,
  Grant,
  Http,
  Limits,
  Origin,
  Scopes,
  TokenLifecycle,
  TokenRequest,
  TokenStore,
} from "@keyway/core"
import { Clock, Data, Duration, Effect, Fiber, Layer, Redacted } from "effect"

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
 * What `authorizeUrl` gives: the URL to send the user to and the values to keep for the callback.
 *
 * @since 0.1.0
 */
export interface AuthorizeRequest {
  readonly url: string
  readonly state: string
  /** The PKCE verifier (absent only with `pkce: false`). */
  readonly codeVerifier: string | undefined
}

/**
 * What `handleCallback` takes.
 *
 * @since 0.1.0
 */
export interface CallbackInput {
  /** The full URL the provider redirected to... */
  readonly callbackUrl?: string | URL | undefined
  /** ...or its query parameters. */
  readonly query?: URLSearchParams | Readonly<Record<string, string | undefined>> | undefined
  /** The `state` kept from `authorizeUrl`. */
  readonly expectedState: string
  /** The `codeVerifier` kept from `authorizeUrl` (PKCE). */
  readonly codeVerifier?: string | undefined
  /** The same redirect URI as in `authorizeUrl`. */
  readonly redirectUri: string
}

/**
 * The consent helpers of one configuration.
 *
 * @since 0.1.0
 */
export interface Consent {
  readonly authorizeUrl: (input: {
    readonly redirectUri: string
    readonly scopes?: ReadonlyArray<string> | undefined
    readonly state?: string | undefined
  }) => AuthorizeRequest
  readonly handleCallback: (
    input: CallbackInput,
  ) => Effect.Effect<TokenStore.StoredToken, Errors.AuthError | CallbackRejected, TokenStore.TokenStore>
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

const logUnknownScopes = (config: Config, scopes: ReadonlyArray<string>): Effect.Effect<void> =>
  Scopes.logUnknown(config.provider, config, scopes)

const endpointOf = (config: Config): TokenRequest.Endpoint => ({
  provider: config.provider,
  tokenUrl: config.tokenUrl,
  bodyFormat: config.bodyFormat,
  clientAuth: config.clientAuth,
  tokenHeaders: config.tokenHeaders,
  tokenParams: config.tokenParams,
})

const clientOf = (config: Config): TokenRequest.ClientCredentials => ({
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

/** Query encoding that keeps a `+` scope separator literal (Workable: `scope=r_jobs+r_candidates`). */
const queryOf = (params: ReadonlyArray<readonly [string, string]>, scope: string | undefined) => {
  const parts = params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
  if (scope !== undefined) parts.push(`scope=${scope}`)
  return parts.join("&")
}

const base64url = (bytes: Buffer) => bytes.toString("base64url")

/**
 * Compares two strings in constant time: both are hashed to 32 bytes, then compared with
 * `crypto.timingSafeEqual`, so neither the content nor the length leaks through timing.
 *
 * @example
 * ```ts
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 * AuthorizationCode.constantTimeEqual("abc", "abc") // true
 * ```
 *
 * @since 0.1.0
 */
export const constantTimeEqual = (a: string, b: string): boolean => {
  const left = createHash("sha256").update(a, "utf8").digest()
  const right = createHash("sha256").update(b, "utf8").digest()
  return timingSafeEqual(left, right)
}

/**
 * The plugin's URLs as RFC 9700 wants them: https, or http to a loopback host, unless
 * `allowInsecureHttp` (the config's, or `Origin.AllowInsecureHttp` in context). A `ConfigError`
 * names the field.
 */
const requireSecureUrls = (config: Config): Effect.Effect<void, Errors.ConfigError> => {
  const urls = { authorizeUrl: config.authorizeUrl, tokenUrl: config.tokenUrl, revokeUrl: config.revokeUrl }
  return config.allowInsecureHttp ? Effect.void : Origin.requireSecure(urls)
}

/**
 * The consent helpers: build the authorization URL, then accept the callback and store the grant.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { AuthorizationCode } from "@keyway/auth-authorization-code"
 *
 * const cch = AuthorizationCode.consent({
 *   provider: "cch", authorizeUrl: "https://auth.unifiedcompliance.com/authorize",
 *   tokenUrl: "https://auth.unifiedcompliance.com/token", bodyFormat: "json", requestScopes: ["read"],
 *   clientId: "id", clientSecret: Redacted.make("secret"),
 * })
 * const start = cch.authorizeUrl({ redirectUri: "https://app.example/cb" })
 * // later, in the callback handler:
 * const stored = cch.handleCallback({
 *   callbackUrl: "https://app.example/cb?code=abc&state=" + start.state,
 *   expectedState: start.state, redirectUri: "https://app.example/cb",
 * }).pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const consent = (config: Config): Consent => {
  const ttlMs = (config.stateTtl ?? 600) * 1000
  // States issued and not yet used, and states used (kept until they would have expired, to name
  // a replay as such): a state is accepted once, within its lifetime.
  const issued = new Map<string, number>()
  const used = new Map<string, number>()
  const prune = (now: number) => {
    for (const [state, expiresAt] of issued) if (expiresAt <= now) issued.delete(state)
    for (const [state, expiresAt] of used) if (expiresAt <= now) used.delete(state)
  }
  return {
    authorizeUrl: (input) => {
      if (!config.allowInsecureHttp) {
        const insecure = Origin.checkUrl("authorizeUrl", config.authorizeUrl, false)
        if (insecure !== undefined) throw insecure
      }
      const now = Date.now()
      prune(now)
      const state = input.state ?? base64url(randomBytes(24))
      issued.set(state, now + ttlMs)
      const codeVerifier = config.pkce === false ? undefined : base64url(randomBytes(32))
      const scopes = input.scopes ?? grantScopesOf(config)
      const separator = config.scopeSeparator ?? " "
      const scope =
        scopes.length === 0
          ? undefined
          : scopes.map(encodeURIComponent).join(separator === "+" ? "+" : encodeURIComponent(separator))
      const params: Array<readonly [string, string]> = [
        ["client_id", config.clientId],
        ["redirect_uri", input.redirectUri],
        ...Object.entries(config.authorizeParams ?? {}),
        ["response_type", "code"],
        ["state", state],
      ]
      if (codeVerifier !== undefined) {
        params.push(["code_challenge", base64url(createHash("sha256").update(codeVerifier).digest())])
        params.push(["code_challenge_method", "S256"])
      }
      const joiner = config.authorizeUrl.includes("?") ? "&" : "?"
      return { url: `${config.authorizeUrl}${joiner}${queryOf(params, scope)}`, state, codeVerifier }
    },

    handleCallback: Effect.fn("AuthorizationCode.handleCallback")(function* (input: CallbackInput) {
      const query =
        input.query instanceof URLSearchParams
          ? input.query
          : input.query !== undefined
            ? new URLSearchParams(
                Object.entries(input.query).filter((e): e is [string, string] => typeof e[1] === "string"),
              )
            : new URL(String(input.callbackUrl ?? "http://invalid/")).searchParams
      const state = query.get("state") ?? ""
      if (!constantTimeEqual(state, input.expectedState) || input.expectedState.length === 0) {
        return yield* new CallbackRejected({ provider: config.provider, reason: "state-mismatch" })
      }
      const now = Date.now()
      const expiresAt = issued.get(state)
      if (expiresAt === undefined) {
        const replayed = used.has(state)
        prune(now)
        return yield* new CallbackRejected({
          provider: config.provider,
          reason: replayed ? "state-replayed" : "state-unknown",
        })
      }
      // Used from here on, whatever the outcome: a state is good for one callback.
      issued.delete(state)
      used.set(state, expiresAt)
      if (now >= expiresAt) {
        return yield* new CallbackRejected({ provider: config.provider, reason: "state-expired" })
      }
      return yield* exchange(config, {
        query,
        codeVerifier: input.codeVerifier,
        redirectUri: input.redirectUri,
      })
    }),
  }
}

/**
 * What {@link exchange} takes.
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
  yield* logUnknownScopes(config, grantScopesOf(config))
  const stored = yield* lifecycle.put(grantScopesOf(config), { ...token, newGrant: true })
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
    scopes: grantScopesOf(config),
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
  if (config.clientId.length === 0) {
    return yield* new Errors.ConfigError({ path: "clientId", message: "the client id is empty" })
  }
  yield* requireSecureUrls(config)
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
  const layerScope = yield* Effect.scope

  const lifecycle = yield* TokenLifecycle.make(lifecycleOptions(config, refresher(config, endpoint)))

  // Refresh ahead: one background fiber in the layer's scope, (re)started once a grant works.
  let ahead: Fiber.Fiber<unknown> | undefined
  let aheadActive = false
  const startAhead = Effect.suspend(() => {
    if (!config.refreshAhead || aheadActive) return Effect.void
    aheadActive = true
    const previous = ahead
    return Effect.gen(function* () {
      if (previous !== undefined) yield* Fiber.interrupt(previous)
      ahead = yield* Effect.scoped(Effect.andThen(lifecycle.refreshAhead(grantScopes), Effect.never)).pipe(
        Effect.forkIn(layerScope),
      )
    })
  })
  const watch = <A>(effect: Effect.Effect<A, Errors.AuthError>, correlationId: string) =>
    effect.pipe(
      Effect.tapError((error) =>
        Effect.sync(() => {
          if (error._tag === "ReauthorizationRequired") aheadActive = false
        }),
      ),
      TokenRequest.forCall(correlationId),
    )

  if (config.refreshAhead) {
    // A store that cannot answer now only delays the start to the first successful call.
    const existing = yield* store
      .get(lifecycle.keyOf(grantScopes))
      .pipe(Effect.orElseSucceed(() => undefined))
    if (existing?.refreshToken !== undefined && existing.needsReauthorization === undefined) yield* startAhead
  }

  const expiredStatus = config.expiredTokenStatus ?? 401

  const revokeGrant = Effect.gen(function* () {
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
      Effect.annotateLogs({ provider: config.provider, connection }),
    )
  })

  return Auth.make({
    name: "oauth2-authorization-code",
    isUnauthorized: (response) => response.status === expiredStatus,
    // Hot path: untraced; the call's own `keyway.call` span covers it (a traced
    // function costs a span and a stack trace on every call).
    authenticate: Effect.fnUntraced(function* (request: Http.HttpRequest, call: Auth.CallInfo) {
      const token = yield* watch(lifecycle.get(grantScopes), call.correlationId)
      yield* startAhead
      return Http.setHeader(request, "authorization", `Bearer ${Redacted.value(token.accessToken!)}`)
    }),
    onUnauthorized: Effect.fn("AuthorizationCode.onUnauthorized")(function* (
      failed: { readonly request: Http.HttpRequest },
      call: Auth.CallInfo,
    ) {
      const rejected = Http.placed(failed.request, Http.bearer)
      if (rejected !== undefined) yield* lifecycle.invalidate(grantScopes, Redacted.make(rejected))
      yield* Effect.logDebug("access token refused: refreshing").pipe(
        Effect.annotateLogs({ provider: config.provider, connection, correlationId: call.correlationId }),
      )
      yield* watch(lifecycle.get(grantScopes), call.correlationId)
      return "retry" as const
    }),
    // The refreshed token worked: a run of refused tokens is over.
    onAccepted: () => lifecycle.accepted(grantScopes),
    release: Effect.gen(function* () {
      if (ahead !== undefined) yield* Fiber.interrupt(ahead)
      aheadActive = false
      yield* revokeGrant.pipe(Effect.ensuring(Effect.ignore(lifecycle.clear(grantScopes))))
    }).pipe(Effect.withSpan("AuthorizationCode.release")),
  })
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
