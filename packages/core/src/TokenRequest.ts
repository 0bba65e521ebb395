/**
 * The OAuth 2.0 token and revocation requests shared by the client credentials and authorization
 * code plugins (and by any third-party plugin that talks to a token endpoint).
 *
 * - **Body formats**: `form` (`application/x-www-form-urlencoded`), `json` (CCW, CCH) or
 *   `multipart` (Workable's docs use `curl -F`).
 * - **Client authentication** as data ({@link ClientAuth.Method}): `client_secret_post`,
 *   `client_secret_basic` (RFC 6749 §2.3.1), `client_secret_jwt`, `private_key_jwt` (signed with
 *   `jose`), `none`, `tls_client_auth` (a client certificate on the transport), or your own. The
 *   descriptor's `clientAuth: body | basic` still works.
 * - **Grants** as data ({@link Grant.Grant}): client credentials, authorization code, refresh
 *   token, password, JWT bearer (RFC 7523), token exchange (RFC 8693), or your own; parameters may
 *   be a function evaluated for every attempt (assertions, nonces).
 * - **Grant type literal** configurable (CCW documents `client_credential`, singular).
 * - **Scopes** joined with a separator, or built from a template with variables
 *   (Culture Amp: `target-entity:{entityId}:{permissions}`, `{permissions}` = scopes joined by `,`).
 * - **Response parsing**: `access_token`, `token_type` (any case), `expires_in` (number or numeric
 *   string), `refresh_token`, `scope`, `created_at`, into a {@link TokenLifecycle.Obtained}.
 * - **Failure mapping** by status and RFC 6749 `error` code, never by body text alone, per grant:
 *   `invalid_client` (400/401), or 401 on a client credentials request, is `InvalidClient`;
 *   `invalid_grant`, or 401 on a refresh or code exchange, is `ReauthorizationRequired`; a refused
 *   password, JWT bearer assertion or subject token is `InvalidCredentials`; 5xx, network failures,
 *   unparseable bodies and bodies without `access_token` are `TokenEndpointError`. No error
 *   carries a secret, a token or the response body.
 *
 * Every request goes through {@link Transport.Transport}, with the correlation id of the call
 * that needed the token (see {@link CorrelationId}).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 *
 * const token = TokenRequest.request({
 *   endpoint: { provider: "ccw", tokenUrl: "https://auth.example/token", bodyFormat: "json" },
 *   client: { clientId: "id", clientSecret: Redacted.make("secret") },
 *   kind: "client_credentials",
 *   grantType: "client_credential",
 *   params: { scope: "ccw.candidate" },
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Effect, type Redacted, Result } from "effect"
import * as ClientAuthentication from "./ClientAuth.ts"
import type { BodyFormat, ClientAuth } from "./Descriptor.ts"
import { type AuthError, redactUrl, TokenEndpointError } from "./Errors.ts"
import * as Grant from "./Grant.ts"
import type * as Http from "./Http.ts"
import { CorrelationId, currentCorrelationId } from "./internal/tokenRequest/correlation.ts"
import { lowerKeys, preparePost } from "./internal/tokenRequest/encode.ts"
import { observe } from "./internal/tokenRequest/observe.ts"
import {
  classify,
  parse,
  parseBody,
  type ResponseContext,
  sanitizeExpiresIn,
  transportFailure,
  warnOnce,
} from "./internal/tokenRequest/response.ts"
import * as Limits from "./Limits.ts"
import * as Retry from "./Retry.ts"
import type { Obtained } from "./TokenLifecycle.ts"
import { type ClientCertificate, type SendError, Transport } from "./Transport.ts"

// The parts of a token request live in internal modules, one job each: building the body
// (encode), reading the answer (response), reporting it (observe), revocation (revoke). Their
// public names are this module's.
export { CorrelationId } from "./internal/tokenRequest/correlation.ts"
export {
  encodeBody,
  formatScopes,
  missingVariables,
  type ScopeFormat,
} from "./internal/tokenRequest/encode.ts"
export { observe } from "./internal/tokenRequest/observe.ts"
export {
  classify,
  oauthError,
  parse,
  type ResponseContext,
  sanitizeExpiresIn,
} from "./internal/tokenRequest/response.ts"
export {
  buildRevoke,
  prepareRevoke,
  type RevokeInput,
  revoke,
} from "./internal/tokenRequest/revoke.ts"

/**
 * Where and how token requests are sent: the token endpoint settings of a descriptor strategy,
 * with URLs already resolved.
 *
 * @example
 * ```ts
 * import type { TokenRequest } from "@keyway/core"
 * const endpoint: TokenRequest.Endpoint = { provider: "ccw", tokenUrl: "https://auth.example.com/token", bodyFormat: "json", clientAuth: "basic" }
 * ```
 *
 * @since 0.1.0
 */
export interface Endpoint {
  readonly provider: string
  readonly tokenUrl: string
  /** Default `form`. */
  readonly bodyFormat?: BodyFormat | undefined
  /** Default `body`. */
  readonly clientAuth?: ClientAuth | undefined
  /** Extra headers on every token request (CCH: `Accept: application/vnd.ucf.v1+json`). */
  readonly tokenHeaders?: Readonly<Record<string, string>> | undefined
  /** Extra parameters on every token request. */
  readonly tokenParams?: Readonly<Record<string, string>> | undefined
  /** Time allowed for one token request; default `Limits.tokenTimeoutMs` (10 seconds). */
  readonly timeoutMs?: number | undefined
  /** The largest token response accepted; default `Limits.tokenMaxResponseBytes` (256 KiB). */
  readonly maxResponseBytes?: number | undefined
}

/**
 * The client's own credentials. A public client has no secret.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { TokenRequest } from "@keyway/core"
 * const client: TokenRequest.ClientCredentials = { clientId: "app", clientSecret: Redacted.make(process.env.CLIENT_SECRET!) }
 * ```
 *
 * @since 0.1.0
 */
export interface ClientCredentials {
  readonly clientId: string
  readonly clientSecret?: Redacted.Redacted<string> | undefined
}

/**
 * What a token request is for; decides how failures map to errors (see {@link Grant}). Open:
 * any other name is a grant with the defaults of {@link Grant.fromKind}.
 *
 * @example
 * ```ts
 * import type { TokenRequest } from "@keyway/core"
 * const kind: TokenRequest.Kind = "refresh_token"
 * ```
 *
 * @since 0.1.0
 */
export type Kind =
  | "client_credentials"
  | "authorization_code"
  | "refresh_token"
  | "password"
  | "jwt_bearer"
  | "token_exchange"
  | (string & {})

/**
 * A parameter value; `Redacted` values are unwrapped only when the body is encoded.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { TokenRequest } from "@keyway/core"
 * const params: Record<string, TokenRequest.ParamValue> = { scope: "read", assertion: Redacted.make("eyJ...") }
 * ```
 *
 * @since 0.1.0
 */
export type ParamValue = ClientAuthentication.ParamValue

/**
 * One token request.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const input: TokenRequest.Input = {
 *   endpoint: { provider: "example", tokenUrl: "https://auth.example.com/token" },
 *   client: { clientId: "app", clientSecret: Redacted.make("s") },
 *   kind: "client_credentials",
 * }
 * const token = TokenRequest.request(input) // Effect<TokenResponse, AuthError>
 * ```
 *
 * @since 0.1.0
 */
export interface Input {
  readonly endpoint: Endpoint
  readonly client: ClientCredentials
  /** The grant as data; when absent, it is made from `kind`, `grantType` and `params`. */
  readonly grant?: Grant.Grant | undefined
  /** What the request is for, when no `grant` is given. */
  readonly kind?: Kind | undefined
  /** The `grant_type` literal; defaults to the grant's. */
  readonly grantType?: string | undefined
  /**
   * Grant parameters (`scope`, `code`, `refresh_token`, `redirect_uri`, ...), or a function
   * computing them for every attempt (assertions, nonces); merged over the grant's own.
   */
  readonly params?: Grant.Params | undefined
  /**
   * How the client authenticates; default from `endpoint.clientAuth` and `client.clientSecret`
   * (`body` → `client_secret_post`, or `none` without a secret; `basic` → `client_secret_basic`).
   */
  readonly clientAuthentication?: ClientAuthentication.Method | undefined
  /** The connection, for `ReauthorizationRequired`; default `default`. */
  readonly connection?: string | undefined
}

/**
 * The grant of an input: its `grant` (with `grantType` and `params` applied), or the one made
 * from `kind`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * TokenRequest.grantOf({
 *   endpoint: { provider: "p", tokenUrl: "https://x/token" }, client: { clientId: "id" }, kind: "password",
 * }).refused // "credentials"
 * ```
 *
 * @since 0.2.0
 */
export const grantOf = (input: Input): Grant.Grant => {
  if (input.grant === undefined)
    return Grant.fromKind(input.kind ?? "client_credentials", input.grantType, input.params)
  const grant = input.grantType === undefined ? input.grant : { ...input.grant, grantType: input.grantType }
  return Grant.withParams(grant, input.params)
}

/**
 * The client-authentication method of an input.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * TokenRequest.clientAuthenticationOf({
 *   endpoint: { provider: "p", tokenUrl: "https://x/token", clientAuth: "basic" },
 *   client: { clientId: "id", clientSecret: Redacted.make("s") },
 * }).name // "client_secret_basic"
 * ```
 *
 * @since 0.2.0
 */
export const clientAuthenticationOf = (input: Pick<Input, "endpoint" | "client" | "clientAuthentication">) =>
  input.clientAuthentication ??
  ClientAuthentication.fromSetting(input.endpoint.clientAuth, input.client.clientSecret)

/**
 * A parsed token response: what the lifecycle stores, plus the provider's `created_at` (epoch ms)
 * when it sent one (Workable).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * declare const input: TokenRequest.Input
 * const expiresIn = TokenRequest.request(input).pipe(Effect.map((r: TokenRequest.TokenResponse) => r.expiresIn))
 * ```
 *
 * @since 0.1.0
 */
export interface TokenResponse extends Obtained {
  readonly createdAt?: number | undefined
}

/**
 * The `Authorization` header value of HTTP Basic client authentication:
 * `Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 asks.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * Redacted.value(TokenRequest.basicAuthorization("id", Redacted.make("secret"))) // "Basic aWQ6c2VjcmV0"
 * ```
 *
 * @since 0.1.0
 */
export const basicAuthorization: (
  clientId: string,
  clientSecret: Redacted.Redacted<string> | undefined,
) => Redacted.Redacted<string> = ClientAuthentication.basicAuthorization

/**
 * A token request ready to send: the HTTP request (its body or `Authorization` header holds
 * secrets: never log it) and the client certificate for its connection, if any.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * declare const input: TokenRequest.Input
 * const url = TokenRequest.prepare(input).pipe(Effect.map((p: TokenRequest.Prepared) => p.request.url))
 * ```
 *
 * @since 0.2.0
 */
export interface Prepared {
  readonly request: Http.HttpRequest
  readonly certificate?: ClientCertificate | undefined
}

/**
 * Builds one attempt of a token request: the grant's parameters for this attempt, the endpoint's
 * extra parameters and headers, and the client authentication (a fresh assertion each time).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { ClientAuth, Grant, TokenRequest } from "@keyway/core"
 * const prepared = TokenRequest.prepare({
 *   endpoint: { provider: "acme", tokenUrl: "https://auth.acme.example/token" },
 *   client: { clientId: "id" },
 *   grant: Grant.clientCredentials(),
 *   clientAuthentication: ClientAuth.clientSecretJwt(Redacted.make("a-shared-secret-of-at-least-32-bytes")),
 * })
 * ```
 *
 * @since 0.2.0
 */
export const prepare = (
  input: Input,
  attempt: { readonly attempt?: number; readonly correlationId?: string } = {},
): Effect.Effect<Prepared, AuthError> =>
  Effect.gen(function* () {
    const endpoint = input.endpoint
    const grant = grantOf(input)
    const now = yield* Clock.currentTimeMillis
    const params = yield* Grant.paramsOf(grant, {
      tokenUrl: endpoint.tokenUrl,
      clientId: input.client.clientId,
      now,
      attempt: attempt.attempt ?? 1,
      correlationId: attempt.correlationId ?? "",
    })
    const applied = yield* clientAuthenticationOf(input).apply({
      clientId: input.client.clientId,
      tokenUrl: endpoint.tokenUrl,
      now,
    })
    const fields: Record<string, ParamValue> = {
      grant_type: grant.grantType,
      ...endpoint.tokenParams,
      ...params,
      ...applied.fields,
    }
    const headers: Record<string, string> = {
      accept: "application/json",
      ...lowerKeys(endpoint.tokenHeaders),
    }
    return preparePost(endpoint.tokenUrl, headers, fields, endpoint.bodyFormat, applied)
  })

/**
 * Builds the HTTP request of a token request whose parameters and client authentication need no
 * asynchronous work (static parameters; `client_secret_post`, `client_secret_basic`, `none`).
 * Use {@link prepare} for the others. The secrets are in its body or `Authorization` header:
 * never log it.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const request = TokenRequest.build({
 *   endpoint: { provider: "cultureamp", tokenUrl: "https://api.example/oauth2/token", clientAuth: "basic" },
 *   client: { clientId: "id", clientSecret: Redacted.make("secret") },
 *   kind: "client_credentials",
 * })
 * request.headers.authorization // "Basic aWQ6c2VjcmV0"
 * ```
 *
 * @since 0.1.0
 */
export const build = (input: Input): Http.HttpRequest => Effect.runSync(prepare(input)).request

/**
 * Sends a token request and parses the answer, mapping failures to typed errors.
 *
 * When a tracer is installed the request is a root span of its own, `keyway.token_request`
 * (provider, grant, correlation id, outcome), linked to the `keyway.call` span of the call that
 * needed the token: one token request may serve many calls, so it is not any single call's child. With a
 * {@link Telemetry.Sink} installed it is counted by grant and outcome.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const refreshed = TokenRequest.request({
 *   endpoint: { provider: "workable", tokenUrl: "https://www.workable.com/oauth/token" },
 *   client: { clientId: "id", clientSecret: Redacted.make("secret") },
 *   kind: "refresh_token",
 *   params: { refresh_token: Redacted.make("r1") },
 * })
 * ```
 *
 * @since 0.1.0
 */
export const request = (input: Input): Effect.Effect<TokenResponse, AuthError> =>
  observe({ provider: input.endpoint.provider, grant: grantOf(input).kind }, send(input))

const send = Effect.fnUntraced(function* (input: Input) {
  const correlationId = yield* currentCorrelationId
  const grant = grantOf(input)
  const context: ResponseContext = {
    provider: input.endpoint.provider,
    url: input.endpoint.tokenUrl,
    kind: grant.kind,
    grant,
    connection: input.connection,
    correlationId,
  }
  const transport = yield* Transport
  // Token requests run on the one retry engine (Retry.run) under the provider's policy, at most 3
  // attempts, with the same jitter, Retry-After and deadline rules as calls; but only when it is
  // safe: a client credentials request can always be repeated; a code exchange or a refresh only if
  // it never reached the server (or the server said 429/503 with Retry-After), because a code is
  // single use and a refresh may already have rotated the refresh token.
  const provided = yield* Retry.Retry
  const policy = Retry.merge(provided, { maxAttempts: Math.min(3, provided.maxAttempts) })
  const prepared: Input = { ...input, grant, grantType: undefined, params: undefined }
  const limits = yield* Limits.Limits
  const clock = yield* Clock.Clock
  const sent = yield* Effect.result(
    Retry.run<Http.HttpResponse, SendError | AuthError, never>({
      policy,
      target: {
        method: "POST",
        repeatable: grant.repeatable,
        deadline: clock.currentTimeMillisUnsafe() + policy.deadlineMs,
      },
      attempt: (attempt) =>
        // Built for every attempt: an assertion or a nonce is never sent twice.
        Effect.flatMap(prepare(prepared, { attempt, correlationId }), ({ request, certificate }) =>
          transport.send(request, {
            correlationId,
            timeoutMs: input.endpoint.timeoutMs ?? limits.tokenTimeoutMs,
            maxResponseBytes: input.endpoint.maxResponseBytes ?? limits.tokenMaxResponseBytes,
            clientCertificate: certificate,
          }),
        ),
      outcomeOf: (result) =>
        Result.isSuccess(result)
          ? result.success.status >= 200 && result.success.status < 300
            ? undefined
            : Retry.statusOutcome(result.success, clock.currentTimeMillisUnsafe())
          : Retry.errorOutcome(result.failure),
      refuse: (refusal, last) =>
        new TokenEndpointError({
          provider: context.provider,
          url: redactUrl(context.url),
          status: Result.isSuccess(last) ? last.success.status : undefined,
          correlationId,
          reason:
            refusal._tag === "RateLimited"
              ? `rate limited: the token endpoint asked to wait ${refusal.retryAfterMs} ms, more than the ${refusal.maxWaitMs} ms allowed`
              : `${Result.isFailure(last) && isSendError(last.failure) ? transportFailure(last.failure, context).reason : "no answer"}; no time left before the ${policy.deadlineMs} ms deadline`,
        }),
      onRetry: (attempt, delay) => Effect.logDebug(`token endpoint: attempt ${attempt + 1} in ${delay} ms`),
    }),
  )
  if (Result.isFailure(sent)) {
    const failure = sent.failure
    return yield* Effect.fail(isSendError(failure) ? transportFailure(failure, context) : failure)
  }
  const response = sent.success
  if (response.status < 200 || response.status >= 300) return yield* Effect.fail(classify(response, context))
  const anomaly = sanitizeExpiresIn(parseBody(response)?.expires_in).anomaly
  if (anomaly !== undefined) yield* warnOnce(context.provider, anomaly)
  return yield* parse(response, context)
})

const isSendError = (error: SendError | AuthError): error is SendError =>
  error._tag === "NetworkError" || error._tag === "TimeoutError" || error._tag === "ResponseTooLarge"

/**
 * Returns the error with the given correlation id: a token obtained once (single flight) for many
 * calls fails each of them with its own id. Errors without a correlation id field (`ConfigError`,
 * `TokenStoreUnavailable`) are returned as they are. Plugins use {@link forCall}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Errors, TokenRequest } from "@keyway/core"
 * const failed = Effect.fail(new Errors.InvalidClient({ provider: "p", status: 401 }))
 * failed.pipe(Effect.mapError(TokenRequest.withCorrelationId("c-1")))
 * ```
 *
 * @since 0.1.0
 */
export const withCorrelationId =
  (correlationId: string) =>
  <E extends AuthError>(error: E): E => {
    if (error._tag === "ConfigError" || error._tag === "TokenStoreUnavailable") return error
    if ((error as { readonly correlationId?: string }).correlationId === correlationId) return error
    const fields: Record<string, unknown> = {}
    for (const name of Object.keys(error))
      if (name !== "stack" && name !== "_tag") fields[name] = (error as never)[name]
    // The same class, built again with the call's id: its tag, TypeId and message come with it.
    const Class = error.constructor as new (args: Record<string, unknown>) => E
    return new Class({ ...fields, correlationId })
  }

/**
 * The one route of a call's correlation id into what a plugin obtains for it (a token, a
 * session): the token requests it causes are sent with the id (see {@link CorrelationId}), and
 * every auth error it fails with carries the id, even when the token was obtained once for many
 * calls (single flight) by another call's request.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Errors, TokenRequest } from "@keyway/core"
 * const token = Effect.fail(new Errors.InvalidClient({ provider: "p", status: 401 }))
 * const forThisCall = token.pipe(TokenRequest.forCall("c-1"))
 * ```
 *
 * @since 0.2.0
 */
export const forCall =
  (correlationId: string) =>
  <A, E extends AuthError, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    effect.pipe(
      Effect.provideService(CorrelationId, correlationId),
      Effect.mapError(withCorrelationId(correlationId)),
    )
