/**
 * The consent half of the plugin (part of `AuthorizationCode`, which re-exports the public
 * names): the authorization URL with state and PKCE, and the callback that checks them and
 * exchanges the code.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { type Errors, Origin, Scopes, type TokenStore } from "@keyway/core"
import { Effect } from "effect"
import type { Config } from "../AuthorizationCode.ts"
import { CallbackRejected, exchange } from "./grants.ts"

/**
 * What `authorizeUrl` gives: the URL to send the user to and the values to keep for the callback.
 *
 * @example
 * ```ts
 * import type { AuthorizationCode } from "@keyway/auth-authorization-code"
 * const keep = (start: AuthorizationCode.AuthorizeRequest) => ({ state: start.state, verifier: start.codeVerifier })
 * ```
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
 * @example
 * ```ts
 * import type { AuthorizationCode } from "@keyway/auth-authorization-code"
 * const input: AuthorizationCode.CallbackInput = {
 *   callbackUrl: "https://app.example/cb?code=abc&state=s1", expectedState: "s1", redirectUri: "https://app.example/cb",
 * }
 * ```
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
 * @example
 * ```ts
 * import type { AuthorizationCode } from "@keyway/auth-authorization-code"
 * const start = (consent: AuthorizationCode.Consent) => consent.authorizeUrl({ redirectUri: "https://app.example/cb" }).url
 * ```
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
      const scopes = input.scopes ?? Scopes.requested(config)
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
