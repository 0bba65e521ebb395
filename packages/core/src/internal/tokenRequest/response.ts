/**
 * Reading a token endpoint's answer (part of `TokenRequest`, which re-exports the public names):
 * RFC 6749 error codes, the mapping of failures to typed errors, `expires_in` sanity, parsing.
 */
import { Effect, Redacted } from "effect"
import {
  type AuthError,
  InvalidClient,
  InvalidCredentials,
  ReauthorizationRequired,
  redactUrl,
  TokenEndpointError,
} from "../../Errors.ts"
import * as Grant from "../../Grant.ts"
import * as Http from "../../Http.ts"
import { maxLifetimeSeconds } from "../../TokenLifecycle.ts"
import type { Kind, TokenResponse } from "../../TokenRequest.ts"
import type { SendError } from "../../Transport.ts"

const RFC_ERROR = /^[\w.-]{1,64}$/

/**
 * The RFC 6749 `error` code of a failed token response, when the body has a plausible one.
 *
 * @example
 * ```ts
 * import { TokenRequest } from "@keyway/core"
 * TokenRequest.oauthError({ status: 400, headers: {}, body: new TextEncoder().encode('{"error":"invalid_grant"}') }) // "invalid_grant"
 * ```
 *
 * @since 0.1.0
 */
export const oauthError = (response: Http.HttpResponse): string | undefined => {
  const body = parseBody(response)
  const error = body?.error
  return typeof error === "string" && RFC_ERROR.test(error) ? error : undefined
}

/** A JSON object, or a form-encoded body (some providers answer tokens that way). */
export const parseBody = (response: Http.HttpResponse): Record<string, unknown> | undefined => {
  const parsed = Http.json(response)
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
    return parsed as Record<string, unknown>
  const contentType = Http.header(response, "content-type") ?? ""
  if (typeof parsed === "string" && contentType.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(parsed))
  }
  return undefined
}

/**
 * Context of a response being classified.
 *
 * @example
 * ```ts
 * import type { TokenRequest } from "@keyway/core"
 * const context: TokenRequest.ResponseContext = { provider: "ccw", url: "https://auth.example/token", kind: "client_credentials" }
 * ```
 *
 * @since 0.1.0
 */
export interface ResponseContext {
  readonly provider: string
  readonly url: string
  readonly kind: Kind
  /** How refusals of this grant map to errors; default from `kind` ({@link Grant.fromKind}). */
  readonly grant?: Pick<Grant.Grant, "refused" | "unauthorized" | "refusedWhat"> | undefined
  readonly connection?: string | undefined
  readonly correlationId?: string | undefined
}

/**
 * Maps a failed token response to its typed error, by status and RFC 6749 `error` code.
 *
 * @example
 * ```ts
 * import { TokenRequest } from "@keyway/core"
 * const error = TokenRequest.classify(
 *   { status: 401, headers: {}, body: new Uint8Array() },
 *   { provider: "ccw", url: "https://auth.example/token", kind: "client_credentials" },
 * )
 * error._tag // "InvalidClient"
 * ```
 *
 * @since 0.1.0
 */
export const classify = (response: Http.HttpResponse, context: ResponseContext): AuthError => {
  const status = response.status
  const code = oauthError(response)
  const correlationId = context.correlationId
  const grant = context.grant ?? Grant.fromKind(context.kind, undefined, undefined)
  const refusal: Grant.Refusal | undefined =
    code === "invalid_client" && (status === 400 || status === 401)
      ? "client"
      : code === "invalid_grant"
        ? grant.refused
        : status === 401
          ? grant.unauthorized
          : undefined
  const detail = `status ${status}${code ? `, ${code}` : ""}`
  switch (refusal) {
    case "client":
      return new InvalidClient({ provider: context.provider, status, correlationId, oauthError: code })
    case "credentials":
      return new InvalidCredentials({
        provider: context.provider,
        status,
        grant: context.kind,
        correlationId,
        oauthError: code,
      })
    case "reauthorize":
      return new ReauthorizationRequired({
        provider: context.provider,
        connection: context.connection ?? "default",
        correlationId,
        reason: `the token endpoint refused ${grant.refusedWhat ?? `the ${context.kind} grant`} (${detail})`,
      })
    default:
      return new TokenEndpointError({
        provider: context.provider,
        url: redactUrl(context.url),
        status,
        correlationId,
        reason: `status ${status}${code ? ` (${code})` : ""}`,
      })
  }
}

const asNumber = (value: unknown): number | undefined => {
  if (typeof value === "number" && Number.isFinite(value)) return value
  if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value)
  return undefined
}

/**
 * A token response's `expires_in` made sensible, with what was wrong with it:
 *
 * - absent: `undefined` (the JWT `exp`, else the default lifetime, decides);
 * - not a number (`"abc"`), zero or negative: ignored, `undefined`, anomaly reported;
 * - longer than {@link TokenLifecycle.maxLifetimeSeconds} (one year; `1e12`): clamped to it,
 *   anomaly reported.
 *
 * `request` logs one warning per provider and kind of anomaly.
 *
 * @example
 * ```ts
 * import { TokenRequest } from "@keyway/core"
 * TokenRequest.sanitizeExpiresIn("3600") // { expiresIn: 3600 }
 * TokenRequest.sanitizeExpiresIn(-1).anomaly // "not a positive number of seconds"
 * TokenRequest.sanitizeExpiresIn(1e12).expiresIn // 31536000
 * ```
 *
 * @since 0.1.0
 */
export const sanitizeExpiresIn = (
  raw: unknown,
): { readonly expiresIn: number | undefined; readonly anomaly?: string | undefined } => {
  if (raw === undefined || raw === null) return { expiresIn: undefined }
  const value = asNumber(raw)
  if (value === undefined) return { expiresIn: undefined, anomaly: "not a number" }
  if (value <= 0) return { expiresIn: undefined, anomaly: "not a positive number of seconds" }
  if (value > maxLifetimeSeconds) {
    return { expiresIn: maxLifetimeSeconds, anomaly: `longer than ${maxLifetimeSeconds} seconds, clamped` }
  }
  return { expiresIn: value }
}

const warned = new Set<string>()

/** One warning per provider and anomaly, for the life of the process. */
export const warnOnce = (provider: string, anomaly: string): Effect.Effect<void> => {
  const key = `${provider}\u0000${anomaly}`
  if (warned.has(key)) return Effect.void
  warned.add(key)
  return Effect.logWarning(
    `token response expires_in is ${anomaly}: using ${anomaly.endsWith("clamped") ? "the clamped value" : "the JWT exp or the default lifetime"} (logged once)`,
  ).pipe(Effect.annotateLogs({ provider }))
}

/**
 * Parses a successful token response. A body that is not a JSON object (or a form) or that has
 * no `access_token` is a `TokenEndpointError` whose reason holds no part of the body.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const body = new TextEncoder().encode('{"access_token":"t","token_type":"bearer","expires_in":"7200"}')
 * const token = Effect.runSync(TokenRequest.parse({ status: 200, headers: {}, body }, { provider: "workable", url: "https://x/token", kind: "refresh_token" }))
 * token.expiresIn // 7200
 * ```
 *
 * @since 0.1.0
 */
export const parse = (
  response: Http.HttpResponse,
  context: ResponseContext,
): Effect.Effect<TokenResponse, TokenEndpointError> => {
  const fail = (reason: string) =>
    Effect.fail(
      new TokenEndpointError({
        provider: context.provider,
        url: redactUrl(context.url),
        status: response.status,
        correlationId: context.correlationId,
        reason,
      }),
    )
  const body = parseBody(response)
  if (body === undefined) return fail("the token response is not a JSON object")
  const accessToken = body.access_token
  if (typeof accessToken !== "string" || accessToken.length === 0)
    return fail("the token response has no access_token")
  const tokenType = typeof body.token_type === "string" ? body.token_type : undefined
  const refreshToken = body.refresh_token
  const createdAt = asNumber(body.created_at)
  return Effect.succeed({
    accessToken: Redacted.make(accessToken),
    refreshToken:
      typeof refreshToken === "string" && refreshToken.length > 0 ? Redacted.make(refreshToken) : undefined,
    tokenType:
      tokenType === undefined ? undefined : tokenType.toLowerCase() === "bearer" ? "Bearer" : tokenType,
    expiresIn: sanitizeExpiresIn(body.expires_in).expiresIn,
    scope: typeof body.scope === "string" ? body.scope : undefined,
    createdAt: createdAt === undefined ? undefined : createdAt * 1000,
  })
}

export const transportFailure = (error: SendError, context: ResponseContext) =>
  new TokenEndpointError({
    provider: context.provider,
    url: redactUrl(context.url),
    correlationId: context.correlationId,
    reason:
      error._tag === "NetworkError"
        ? `network error: ${error.reason}`
        : error._tag === "ResponseTooLarge"
          ? `the response is larger than ${error.limitBytes} bytes`
          : `no answer within ${error.timeoutMs} ms`,
  })
