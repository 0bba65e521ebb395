/**
 * OAuth 2.0 grants as data: what a token request asks for, which parameters it sends (computed
 * for every attempt, so assertions and nonces are fresh), whether it may be repeated after it
 * reached the server, and what the server's refusal means.
 *
 * | constructor | `grant_type` | a refused grant (`invalid_grant`) is |
 * | --- | --- | --- |
 * | {@link clientCredentials} | `client_credentials` (configurable: CCW's `client_credential`) | `TokenEndpointError` (401: `InvalidClient`) |
 * | {@link authorizationCode} | `authorization_code` | `ReauthorizationRequired` |
 * | {@link refreshToken} | `refresh_token` | `ReauthorizationRequired` |
 * | {@link password} | `password` | `InvalidCredentials` |
 * | {@link jwtBearer}, {@link jwtBearerSigned} | `urn:ietf:params:oauth:grant-type:jwt-bearer` (RFC 7523 §2.1) | `InvalidCredentials` |
 * | {@link tokenExchange} | `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693) | `InvalidCredentials` |
 *
 * {@link make} builds any other grant (a provider's own `grant_type`).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Grant, TokenRequest } from "@keyway/core"
 *
 * const token = TokenRequest.request({
 *   endpoint: { provider: "acme", tokenUrl: "https://auth.acme.example/token" },
 *   client: { clientId: "id", clientSecret: Redacted.make("secret") },
 *   grant: Grant.password({ username: "ada", password: Redacted.make("pw"), scope: "read" }),
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Effect, type Redacted } from "effect"
import { type AssertionOptions, type ParamValue, privateKeyOnce, signJwt } from "./ClientAuth.ts"
import type { AuthError } from "./Errors.ts"

/**
 * What a refusal of this grant means: the client's own credentials (`client`), the user must
 * authorize again (`reauthorize`), the presented credentials are wrong (`credentials`), or nothing
 * the caller can act on (`endpoint`, a `TokenEndpointError`).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Grant } from "@keyway/core"
 * const refusal: Grant.Refusal = Grant.authorizationCode({ code: Redacted.make("c") }).refused // "reauthorize"
 * ```
 *
 * @since 0.2.0
 */
export type Refusal = "client" | "reauthorize" | "credentials" | "endpoint"

/**
 * What the parameters function knows about the attempt it builds.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Grant } from "@keyway/core"
 * const params: Grant.Params = (context: Grant.ParamsContext) =>
 *   Effect.succeed({ issued_at: String(Math.floor(context.now / 1000)), audience: context.tokenUrl })
 * ```
 *
 * @since 0.2.0
 */
export interface ParamsContext {
  readonly tokenUrl: string
  readonly clientId: string
  /** Epoch ms, from `Clock`. */
  readonly now: number
  /** 1 for the first attempt of this token request. */
  readonly attempt: number
  readonly correlationId: string
}

/**
 * Grant parameters: a record, or a function computing them for each attempt.
 *
 * @example
 * ```ts
 * import { Grant } from "@keyway/core"
 * const params: Grant.Params = { audience: "https://api.example.com" }
 * const grant = Grant.withParams(Grant.clientCredentials(), params)
 * ```
 *
 * @since 0.2.0
 */
export type Params =
  | Readonly<Record<string, ParamValue>>
  | ((context: ParamsContext) => Effect.Effect<Readonly<Record<string, ParamValue>>, AuthError>)

/**
 * One grant.
 *
 * @example
 * ```ts
 * import { Grant } from "@keyway/core"
 * const deviceCode: Grant.Grant = Grant.make({
 *   kind: "device_code",
 *   grantType: "urn:ietf:params:oauth:grant-type:device_code",
 *   params: { device_code: "GmRhmhcxhwAzkoEqiMEg" },
 *   repeatable: true,
 *   refused: "reauthorize",
 *   unauthorized: "client",
 * })
 * ```
 *
 * @since 0.2.0
 */
export interface Grant {
  /** A short name for spans and error messages (`password`, `jwt_bearer`). */
  readonly kind: string
  /** The `grant_type` literal. */
  readonly grantType: string
  readonly params: Params
  /** May the request be sent again after it reached the server (a code is single use, a refresh may rotate)? */
  readonly repeatable: boolean
  /** What `invalid_grant` means. */
  readonly refused: Refusal
  /** What a 401 without `invalid_client` means. */
  readonly unauthorized: Refusal
  /** For `refused: "reauthorize"`: what was refused, for the error's reason. */
  readonly refusedWhat?: string | undefined
}

/**
 * A grant from its parts.
 *
 * @example
 * ```ts
 * import { Grant } from "@keyway/core"
 * const device = Grant.make({
 *   kind: "device_code",
 *   grantType: "urn:ietf:params:oauth:grant-type:device_code",
 *   params: { device_code: "d-1" },
 *   repeatable: false,
 *   refused: "reauthorize",
 *   unauthorized: "client",
 * })
 * ```
 *
 * @since 0.2.0
 */
export const make = (grant: Grant): Grant => grant

/** The standard grants' settings: one definition, used by the constructors and {@link fromKind}. */
const known = {
  client_credentials: {
    grantType: "client_credentials",
    repeatable: true,
    refused: "endpoint",
    unauthorized: "client",
  },
  authorization_code: {
    grantType: "authorization_code",
    repeatable: false,
    refused: "reauthorize",
    unauthorized: "reauthorize",
    refusedWhat: "the authorization code",
  },
  refresh_token: {
    grantType: "refresh_token",
    repeatable: false,
    refused: "reauthorize",
    unauthorized: "reauthorize",
    refusedWhat: "the refresh token",
  },
  password: { grantType: "password", repeatable: true, refused: "credentials", unauthorized: "credentials" },
  jwt_bearer: {
    grantType: "urn:ietf:params:oauth:grant-type:jwt-bearer",
    repeatable: true,
    refused: "credentials",
    unauthorized: "client",
  },
  token_exchange: {
    grantType: "urn:ietf:params:oauth:grant-type:token-exchange",
    repeatable: true,
    refused: "credentials",
    unauthorized: "client",
  },
} satisfies Record<string, Omit<Grant, "params" | "kind">>

/**
 * The parameters of one attempt.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Grant } from "@keyway/core"
 * const params = Grant.paramsOf(Grant.clientCredentials({ scope: "read" }), {
 *   tokenUrl: "https://x/token", clientId: "id", now: 0, attempt: 1, correlationId: "c",
 * })
 * ```
 *
 * @since 0.2.0
 */
export const paramsOf = (
  grant: Grant,
  context: ParamsContext,
): Effect.Effect<Readonly<Record<string, ParamValue>>, AuthError> =>
  typeof grant.params === "function" ? grant.params(context) : Effect.succeed(grant.params)

/**
 * Merges more parameters into a grant's (a static record or a per-attempt function, e.g. a
 * nonce); the extra ones win, except where they are `undefined`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Grant } from "@keyway/core"
 * const withNonce = Grant.withParams(Grant.clientCredentials(), (ctx) => Effect.succeed({ nonce: `${ctx.now}` }))
 * ```
 *
 * @since 0.2.0
 */
export const withParams = (grant: Grant, extra: Params | undefined): Grant =>
  extra === undefined
    ? grant
    : {
        ...grant,
        params: (context) =>
          Effect.zipWith(paramsOf(grant, context), paramsOf({ ...grant, params: extra }, context), (a, b) => {
            const merged = { ...a }
            for (const name in b) if (b[name] !== undefined) merged[name] = b[name]
            return merged
          }),
      }

/**
 * `client_credentials`. Always repeatable.
 *
 * @example
 * ```ts
 * import { Grant } from "@keyway/core"
 * const ccw = Grant.clientCredentials({ grantType: "client_credential", scope: "ccw.candidate" })
 * ```
 *
 * @since 0.2.0
 */
export const clientCredentials = (
  options: {
    readonly scope?: string | undefined
    readonly grantType?: string | undefined
    readonly params?: Params | undefined
  } = {},
): Grant =>
  withParams(
    {
      ...known.client_credentials,
      kind: "client_credentials",
      grantType: options.grantType ?? known.client_credentials.grantType,
      params: { scope: options.scope },
    },
    options.params,
  )

/**
 * `authorization_code`: a code exchange (with the PKCE verifier when one was sent). Single use:
 * never repeated once it reached the server.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Grant } from "@keyway/core"
 * const exchange = Grant.authorizationCode({ code: Redacted.make("c"), redirectUri: "https://app/cb", codeVerifier: Redacted.make("v") })
 * ```
 *
 * @since 0.2.0
 */
export const authorizationCode = (options: {
  readonly code: Redacted.Redacted<string>
  readonly redirectUri?: string | undefined
  readonly codeVerifier?: Redacted.Redacted<string> | undefined
  readonly grantType?: string | undefined
  readonly params?: Params | undefined
}): Grant =>
  withParams(
    {
      ...known.authorization_code,
      kind: "authorization_code",
      grantType: options.grantType ?? known.authorization_code.grantType,
      params: { code: options.code, redirect_uri: options.redirectUri, code_verifier: options.codeVerifier },
    },
    options.params,
  )

/**
 * `refresh_token`. Not repeated once it reached the server (it may have rotated); a refusal
 * means the user must authorize again.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Grant } from "@keyway/core"
 * const refresh = Grant.refreshToken({ refreshToken: Redacted.make("r1") })
 * ```
 *
 * @since 0.2.0
 */
export const refreshToken = (options: {
  readonly refreshToken: Redacted.Redacted<string>
  readonly scope?: string | undefined
  readonly grantType?: string | undefined
  readonly params?: Params | undefined
}): Grant =>
  withParams(
    {
      ...known.refresh_token,
      kind: "refresh_token",
      grantType: options.grantType ?? known.refresh_token.grantType,
      params: { refresh_token: options.refreshToken, scope: options.scope },
    },
    options.params,
  )

/**
 * `password` (resource owner password credentials). A wrong username or password
 * (`invalid_grant`, or a bare 401) is `InvalidCredentials`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Grant } from "@keyway/core"
 * const login = Grant.password({ username: "ada", password: Redacted.make("pw") })
 * ```
 *
 * @since 0.2.0
 */
export const password = (options: {
  readonly username: string
  readonly password: Redacted.Redacted<string>
  readonly scope?: string | undefined
  readonly params?: Params | undefined
}): Grant =>
  withParams(
    {
      ...known.password,
      kind: "password",
      params: { username: options.username, password: options.password, scope: options.scope },
    },
    options.params,
  )

/**
 * The JWT bearer grant (RFC 7523 §2.1): an assertion as the grant, made for each attempt when
 * `assertion` is a function (a fresh `jti` and `exp`). A refused assertion is `InvalidCredentials`.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Grant } from "@keyway/core"
 * const grant = Grant.jwtBearer({ assertion: (ctx) => Effect.succeed(Redacted.make(`jwt-made-at-${ctx.now}`)), scope: "read" })
 * ```
 *
 * @since 0.2.0
 */
export const jwtBearer = (options: {
  readonly assertion:
    | Redacted.Redacted<string>
    | ((context: ParamsContext) => Effect.Effect<Redacted.Redacted<string>, AuthError>)
  readonly scope?: string | undefined
  readonly params?: Params | undefined
}): Grant =>
  withParams(
    {
      ...known.jwt_bearer,
      kind: "jwt_bearer",
      params: (context) =>
        Effect.map(
          typeof options.assertion === "function"
            ? options.assertion(context)
            : Effect.succeed(options.assertion),
          (assertion) => ({ assertion, scope: options.scope }),
        ),
    },
    options.params,
  )

/**
 * The JWT bearer grant with an assertion signed here (with `jose`) for every attempt: `iss` and
 * `sub` as given (the client, and the user or service the token is for), `aud` the token URL
 * unless given, a fresh `jti`, `iat` from `Clock`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Grant } from "@keyway/core"
 * const grant = Grant.jwtBearerSigned({
 *   privateKey: Redacted.make(process.env.KEY_PEM ?? ""), algorithm: "RS256",
 *   issuer: "my-service@acme", subject: "ada@acme.example", scope: "read",
 * })
 * ```
 *
 * @since 0.2.0
 */
export const jwtBearerSigned = (
  options: AssertionOptions & {
    /** PKCS#8 PEM or a private JWK as JSON. */
    readonly privateKey: Redacted.Redacted<string>
    /** Default `RS256`. */
    readonly algorithm?: string | undefined
    readonly issuer: string
    readonly subject: string
    readonly scope?: string | undefined
    readonly params?: Params | undefined
  },
): Grant => {
  const algorithm = options.algorithm ?? "RS256"
  const key = privateKeyOnce(options.privateKey, algorithm)
  return jwtBearer({
    assertion: (context) =>
      Effect.flatMap(key, (signingKey) =>
        signJwt(signingKey, algorithm, {
          ...options,
          audience: options.audience ?? context.tokenUrl,
          now: context.now,
        }),
      ),
    scope: options.scope,
    params: options.params,
  })
}

/**
 * Token types of RFC 8693 §3.
 *
 * @example
 * ```ts
 * import { Grant } from "@keyway/core"
 * Grant.tokenTypes.accessToken // "urn:ietf:params:oauth:token-type:access_token"
 * ```
 *
 * @since 0.2.0
 */
export const tokenTypes = {
  accessToken: "urn:ietf:params:oauth:token-type:access_token",
  refreshToken: "urn:ietf:params:oauth:token-type:refresh_token",
  idToken: "urn:ietf:params:oauth:token-type:id_token",
  jwt: "urn:ietf:params:oauth:token-type:jwt",
} as const

/**
 * Token exchange (RFC 8693): trade a subject token (and optionally an actor token) for a token
 * for an `audience` or `resource`. A refused subject token is `InvalidCredentials`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Grant } from "@keyway/core"
 * const grant = Grant.tokenExchange({
 *   subjectToken: Redacted.make("user-token"),
 *   subjectTokenType: Grant.tokenTypes.accessToken,
 *   audience: "https://api.acme.example",
 * })
 * ```
 *
 * @since 0.2.0
 */
export const tokenExchange = (options: {
  readonly subjectToken: Redacted.Redacted<string>
  readonly subjectTokenType: string
  readonly actorToken?: Redacted.Redacted<string> | undefined
  readonly actorTokenType?: string | undefined
  readonly audience?: string | undefined
  readonly resource?: string | undefined
  readonly requestedTokenType?: string | undefined
  readonly scope?: string | undefined
  readonly params?: Params | undefined
}): Grant =>
  withParams(
    {
      ...known.token_exchange,
      kind: "token_exchange",
      params: {
        subject_token: options.subjectToken,
        subject_token_type: options.subjectTokenType,
        actor_token: options.actorToken,
        actor_token_type: options.actorToken === undefined ? undefined : options.actorTokenType,
        audience: options.audience,
        resource: options.resource,
        requested_token_type: options.requestedTokenType,
        scope: options.scope,
      },
    },
    options.params,
  )

/**
 * The grant of a token request given the older way, by `kind`, `grant_type` literal and
 * parameters (what `TokenRequest.request` callers passed before grants were data).
 *
 * @example
 * ```ts
 * import { Grant } from "@keyway/core"
 * Grant.fromKind("client_credentials", "client_credential", { scope: "s" }).grantType // "client_credential"
 * ```
 *
 * @since 0.2.0
 */
export const fromKind = (kind: string, grantType: string | undefined, params: Params | undefined): Grant => {
  const base = (known as Record<string, Omit<Grant, "params" | "kind">>)[kind]
  return {
    kind,
    grantType: grantType ?? base?.grantType ?? kind,
    params: params ?? {},
    repeatable: base?.repeatable ?? false,
    refused: base?.refused ?? "endpoint",
    unauthorized: base?.unauthorized ?? "client",
    refusedWhat: base?.refusedWhat,
  }
}
