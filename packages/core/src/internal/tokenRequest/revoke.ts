/**
 * Token revocation, RFC 7009 and Workable's style (part of `TokenRequest`, which re-exports
 * the public names).
 */
import { Clock, Effect, type Redacted } from "effect"
import * as ClientAuthentication from "../../ClientAuth.ts"
import type { BodyFormat, ClientAuth, RevokeStyle } from "../../Descriptor.ts"
import { type ConfigError, InvalidClient, redactUrl, TokenEndpointError } from "../../Errors.ts"
import type * as Http from "../../Http.ts"
import * as Limits from "../../Limits.ts"
import type { ClientCredentials, ParamValue, Prepared } from "../../TokenRequest.ts"
import { Transport } from "../../Transport.ts"
import { currentCorrelationId } from "./correlation.ts"
import { lowerKeys, preparePost } from "./encode.ts"
import { oauthError, type ResponseContext, transportFailure } from "./response.ts"

/**
 * One revocation request.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { TokenRequest } from "@keyway/core"
 * const input: TokenRequest.RevokeInput = {
 *   provider: "workable", revokeUrl: "https://www.workable.com/oauth/revoke", style: "workable",
 *   client: { clientId: "id", clientSecret: Redacted.make("s") }, token: Redacted.make("r1"),
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface RevokeInput {
  readonly provider: string
  readonly revokeUrl: string
  /**
   * `rfc7009`: `token`, `token_type_hint`, client authentication as configured.
   * `workable`: `client_id`, `client_secret`, `token` (the refresh token) in the body.
   */
  readonly style: RevokeStyle
  readonly client: ClientCredentials
  readonly token: Redacted.Redacted<string>
  readonly tokenTypeHint?: "refresh_token" | "access_token" | undefined
  readonly bodyFormat?: BodyFormat | undefined
  readonly clientAuth?: ClientAuth | undefined
  /** How the client authenticates (RFC 7009 style only); default from `clientAuth`. */
  readonly clientAuthentication?: ClientAuthentication.Method | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Default `Limits.tokenTimeoutMs`. */
  readonly timeoutMs?: number | undefined
  /** Default `Limits.tokenMaxResponseBytes`. */
  readonly maxResponseBytes?: number | undefined
}

/**
 * Builds the HTTP request of a revocation.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * TokenRequest.buildRevoke({
 *   provider: "workable", revokeUrl: "https://www.workable.com/oauth/revoke", style: "workable",
 *   client: { clientId: "id", clientSecret: Redacted.make("s") }, token: Redacted.make("r1"),
 * }).method // "POST"
 * ```
 *
 * @since 0.1.0
 */
export const buildRevoke = (input: RevokeInput): Http.HttpRequest =>
  Effect.runSync(prepareRevoke(input)).request

/**
 * Builds a revocation request, with any client-authentication method (a fresh assertion each time).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const prepared = TokenRequest.prepareRevoke({
 *   provider: "example", revokeUrl: "https://auth.example/token/revocation", style: "rfc7009",
 *   client: { clientId: "id", clientSecret: Redacted.make("s") }, token: Redacted.make("r1"),
 * })
 * ```
 *
 * @since 0.2.0
 */
export const prepareRevoke = (input: RevokeInput): Effect.Effect<Prepared, ConfigError> =>
  Effect.gen(function* () {
    const headers: Record<string, string> = { accept: "application/json", ...lowerKeys(input.headers) }
    const fields: Record<string, ParamValue> = { token: input.token }
    const method =
      input.style === "workable"
        ? ClientAuthentication.fromSetting("body", input.client.clientSecret)
        : (input.clientAuthentication ??
          ClientAuthentication.fromSetting(input.clientAuth, input.client.clientSecret))
    if (input.style !== "workable") fields.token_type_hint = input.tokenTypeHint ?? "refresh_token"
    const applied = yield* method.apply({
      clientId: input.client.clientId,
      tokenUrl: input.revokeUrl,
      now: yield* Clock.currentTimeMillis,
    })
    Object.assign(fields, applied.fields)
    return preparePost(input.revokeUrl, headers, fields, input.bodyFormat, applied)
  })

/**
 * Revokes a token. A 2xx answer, or an answer saying the token is already dead (`invalid_grant`,
 * `invalid_token`, or Workable's 401 for an already revoked grant), succeeds; `invalid_client`
 * is `InvalidClient`; anything else is a `TokenEndpointError`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const revoked = TokenRequest.revoke({
 *   provider: "example", revokeUrl: "https://auth.example/token/revocation", style: "rfc7009",
 *   client: { clientId: "id", clientSecret: Redacted.make("s") }, token: Redacted.make("r1"),
 * })
 * ```
 *
 * @since 0.1.0
 */
export const revoke: (input: RevokeInput) => Effect.Effect<void, InvalidClient | TokenEndpointError> =
  Effect.fn("TokenRequest.revoke")(function* (input: RevokeInput) {
    const correlationId = yield* currentCorrelationId
    const context: ResponseContext = {
      provider: input.provider,
      url: input.revokeUrl,
      kind: "refresh_token",
      correlationId,
    }
    const transport = yield* Transport
    const { request, certificate } = yield* prepareRevoke(input).pipe(
      Effect.mapError(
        (error) =>
          new TokenEndpointError({
            provider: input.provider,
            url: redactUrl(input.revokeUrl),
            correlationId,
            reason: error.message,
          }),
      ),
    )
    const limits = yield* Limits.Limits
    const response = yield* transport
      .send(request, {
        correlationId,
        timeoutMs: input.timeoutMs ?? limits.tokenTimeoutMs,
        maxResponseBytes: input.maxResponseBytes ?? limits.tokenMaxResponseBytes,
        clientCertificate: certificate,
      })
      .pipe(Effect.mapError((error) => transportFailure(error, context)))
    if (response.status >= 200 && response.status < 300) return
    const code = oauthError(response)
    if (code === "invalid_client" && (response.status === 400 || response.status === 401)) {
      return yield* new InvalidClient({
        provider: input.provider,
        status: response.status,
        correlationId,
        oauthError: code,
      })
    }
    if (
      code === "invalid_grant" ||
      code === "invalid_token" ||
      (input.style === "workable" && response.status === 401)
    ) {
      return
    }
    return yield* new TokenEndpointError({
      provider: input.provider,
      url: redactUrl(input.revokeUrl),
      status: response.status,
      correlationId,
      reason: `revocation answered status ${response.status}${code ? ` (${code})` : ""}`,
    })
  })
