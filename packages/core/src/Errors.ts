/**
 * Every way a Keyway call can fail, as tagged values. (One concept, one file of ~500 lines: the
 * catalogue of errors, each a short class with its message and example.)
 *
 * Each error carries the call's correlation id (when the failure belongs to a call) and never a
 * secret: URLs pass through {@link redactUrl}, bodies of token endpoints are never kept, and
 * credentials only ever travel as `Redacted`. Decisions (retry, refresh, reauthorize) are made on
 * the HTTP status and the error's tag, never on body text alone.
 *
 * The Promise API throws these same values (they are `Error`s), so `catch (e) { if (e._tag === "RateLimited") ... }`
 * works without Effect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Errors } from "@keyway/core"
 *
 * const program = Effect.fail(new Errors.NetworkError({ method: "GET", url: "https://api.example/x", correlationId: "c-1", reason: "ECONNRESET", reachedServer: false }))
 * program.pipe(Effect.catchTag("NetworkError", (e) => Effect.log(`network: ${e.reason} (${e.correlationId})`)))
 * ```
 *
 * @since 0.1.0
 */
import { type Cause, Data, type Types } from "effect"

/**
 * The mark every Keyway error carries (on its prototype), for {@link isKeywayError}.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * const error = new Errors.ConfigError({ path: "x", message: "y" })
 * error[Errors.TypeId] === Errors.TypeId // true
 * ```
 *
 * @since 0.2.0
 */
export const TypeId: unique symbol = Symbol.for("@keyway/core/Errors")

/**
 * The type of {@link TypeId}.
 *
 * @since 0.2.0
 */
export type TypeId = typeof TypeId

/**
 * `Data.TaggedError` with Keyway's {@link TypeId} on the prototype: the base of every Keyway
 * error, so that a guard asks the value, not a list of tags kept by hand.
 */
const KeywayTaggedError = <Tag extends string>(
  tag: Tag,
): (new <A extends Record<string, any> = {}>(
  args: Types.VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P] }>,
) => Cause.YieldableError & { readonly _tag: Tag; readonly [TypeId]: TypeId } & Readonly<A>) => {
  const Base = Data.TaggedError(tag)
  Object.defineProperty(Base.prototype, TypeId, { value: TypeId })
  return Base as never
}

const SECRET_QUERY =
  /^(access_token|refresh_token|token|client_secret|password|api_key|apikey|key|secret|code|signature|sig)$/i

/**
 * A URL fit for an error message or a log line: userinfo removed, and the values of query
 * parameters that commonly hold secrets (`access_token`, `api_key`, `client_secret`, `code`, ...)
 * replaced by `<redacted>`. Extra parameter names can be given (e.g. a plugin's query key name).
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * Errors.redactUrl("https://u:p@api.example/x?api_key=s3cret&page=2")
 * // "https://api.example/x?api_key=%3Credacted%3E&page=2"
 * ```
 *
 * @since 0.1.0
 */
export const redactUrl = (input: string | URL, extraNames: ReadonlyArray<string> = []): string => {
  let url: URL
  try {
    url = new URL(String(input))
  } catch {
    return "<unparseable url>"
  }
  url.username = ""
  url.password = ""
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_QUERY.test(name) || extraNames.includes(name)) url.searchParams.set(name, "<redacted>")
  }
  return url.toString()
}

interface CallFields {
  /** The correlation id of the call this failure belongs to. */
  readonly correlationId: string
  readonly method: string
  /** The URL with secrets removed (see {@link redactUrl}). */
  readonly url: string
}

/**
 * The server answered with a status that the call treats as a failure (after retries, if any).
 * `body` is the decoded response body; when the provider declares an error envelope (CCW's
 * `error_code`/`error_summary`/`error_causes`, Workable's `error`), the generated client types it
 * as `E`.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * const e = new Errors.HttpError({ status: 404, method: "GET", url: "https://x/y", correlationId: "c", body: { error: "Not found" }, attempts: 1 })
 * e.message // "GET https://x/y answered 404 (correlation id c)"
 * ```
 *
 * @since 0.1.0
 */
export class HttpError<E = unknown> extends KeywayTaggedError("HttpError")<
  CallFields & { readonly status: number; readonly body: E; readonly attempts: number }
> {
  override get message(): string {
    return `${this.method} ${this.url} answered ${this.status} (correlation id ${this.correlationId})`
  }
}

/**
 * The request could not be completed at the network level (refused, reset, DNS). `reachedServer`
 * tells whether any byte of the request may have been processed (a reset after the request was
 * written): non-idempotent calls are only retried when it is `false`.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.NetworkError({ method: "GET", url: "https://x/", correlationId: "c", reason: "ECONNRESET", reachedServer: true })
 * ```
 *
 * @since 0.1.0
 */
export class NetworkError extends KeywayTaggedError("NetworkError")<
  CallFields & { readonly reason: string; readonly reachedServer: boolean }
> {
  override get message(): string {
    return `${this.method} ${this.url} failed: ${this.reason} (correlation id ${this.correlationId})`
  }
}

/**
 * One attempt (`scope: "attempt"`) or the whole call including its retries (`scope: "deadline"`)
 * took longer than allowed.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.TimeoutError({ method: "GET", url: "https://x/", correlationId: "c", scope: "attempt", timeoutMs: 10_000 })
 * ```
 *
 * @since 0.1.0
 */
export class TimeoutError extends KeywayTaggedError("TimeoutError")<
  CallFields & { readonly scope: "attempt" | "deadline"; readonly timeoutMs: number }
> {
  override get message(): string {
    return `${this.method} ${this.url} timed out after ${this.timeoutMs} ms (${this.scope}; correlation id ${this.correlationId})`
  }
}

/**
 * The provider asked us to wait (429/503 with `Retry-After`) longer than the configured maximum,
 * or the wait would pass the call's deadline: failing now beats sleeping for minutes.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.RateLimited({ method: "GET", url: "https://x/", correlationId: "c", status: 429, retryAfterMs: 120_000, maxWaitMs: 30_000 })
 * ```
 *
 * @since 0.1.0
 */
export class RateLimited extends KeywayTaggedError("RateLimited")<
  CallFields & { readonly status: number; readonly retryAfterMs: number; readonly maxWaitMs: number }
> {
  override get message(): string {
    return `${this.method} ${this.url} is rate limited for ${this.retryAfterMs} ms, more than the ${this.maxWaitMs} ms allowed (correlation id ${this.correlationId})`
  }
}

/**
 * The token endpoint refused the client's own credentials (`invalid_client`, or 401 on a client
 * credentials request). Retrying cannot help: fix the configuration.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.InvalidClient({ provider: "ccw", status: 401, correlationId: "c" })
 * ```
 *
 * @since 0.1.0
 */
export class InvalidClient extends KeywayTaggedError("InvalidClient")<{
  readonly provider: string
  readonly status: number
  readonly correlationId?: string | undefined
  readonly oauthError?: string | undefined
}> {
  override get message(): string {
    return `${this.provider}: the token endpoint rejected the client credentials (status ${this.status}${this.oauthError ? `, ${this.oauthError}` : ""})`
  }
}

/**
 * The token endpoint refused what the user or the grant presented: a wrong username or password
 * (password grant, `invalid_grant`), a refused JWT bearer assertion or subject token. Retrying
 * with the same credentials cannot help; unlike {@link InvalidClient}, the client itself was
 * accepted.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.InvalidCredentials({ provider: "acme", status: 400, grant: "password", oauthError: "invalid_grant" })
 * ```
 *
 * @since 0.2.0
 */
export class InvalidCredentials extends KeywayTaggedError("InvalidCredentials")<{
  readonly provider: string
  readonly status: number
  /** The grant whose credentials were refused (`password`, `jwt_bearer`, `token_exchange`). */
  readonly grant: string
  readonly correlationId?: string | undefined
  readonly oauthError?: string | undefined
}> {
  override get message(): string {
    return `${this.provider}: the token endpoint refused the ${this.grant} credentials (status ${this.status}${this.oauthError ? `, ${this.oauthError}` : ""})`
  }
}

/**
 * The user must authorize again: the refresh token expired, was revoked (Workable answers 401),
 * was already used (`invalid_grant`), or there is no grant for this connection at all. The stored
 * grant is kept and marked, not silently deleted, so an app can prompt its user.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.ReauthorizationRequired({ provider: "workable", connection: "acme", reason: "refresh token revoked" })
 * ```
 *
 * @since 0.1.0
 */
export class ReauthorizationRequired extends KeywayTaggedError("ReauthorizationRequired")<{
  readonly provider: string
  readonly connection: string
  readonly reason: string
  readonly correlationId?: string | undefined
}> {
  override get message(): string {
    return `${this.provider} connection "${this.connection}" must be authorized again: ${this.reason}`
  }
}

/**
 * The token endpoint failed in a way that is not the client's fault (5xx, network, an
 * unparseable body, a body without `access_token`).
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.TokenEndpointError({ provider: "ccw", url: "https://auth.x/token", reason: "status 503", status: 503 })
 * ```
 *
 * @since 0.1.0
 */
export class TokenEndpointError extends KeywayTaggedError("TokenEndpointError")<{
  readonly provider: string
  readonly url: string
  readonly reason: string
  readonly status?: number | undefined
  readonly correlationId?: string | undefined
}> {
  override get message(): string {
    return `${this.provider}: token endpoint ${this.url} failed: ${this.reason}`
  }
}

/**
 * A long-lived credential is past its expiration date (CCA permanent tokens), or a permanent
 * credential was rejected with 401. No request is retried with it.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.CredentialsExpired({ provider: "cca", reason: "the permanent token expired on 2026-01-01" })
 * ```
 *
 * @since 0.1.0
 */
export class CredentialsExpired extends KeywayTaggedError("CredentialsExpired")<{
  readonly provider: string
  readonly reason: string
  readonly correlationId?: string | undefined
}> {
  override get message(): string {
    return `${this.provider}: credentials expired or rejected: ${this.reason}`
  }
}

/**
 * Keyway or a plugin was configured wrongly (a missing setting, an invalid correlation id, an
 * unknown environment). `path` names the setting.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.ConfigError({ path: "correlationId", message: "longer than 36 characters" })
 * ```
 *
 * @since 0.1.0
 */
export class ConfigError extends KeywayTaggedError("ConfigError")<{
  readonly path: string
  readonly message: string
}> {}

/**
 * The token store could not be reached or answered wrongly. A write may or may not have been
 * applied (a reply can be lost after the store committed); repeating the same compare-and-set is
 * safe, because it only applies against the revision it names.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.TokenStoreUnavailable({ store: "redis", operation: "get", reason: "connection refused" })
 * ```
 *
 * @since 0.1.0
 */
export class TokenStoreUnavailable extends KeywayTaggedError("TokenStoreUnavailable")<{
  readonly store: string
  readonly operation: string
  readonly reason: string
}> {
  override get message(): string {
    return `token store ${this.store} unavailable during ${this.operation}: ${this.reason}`
  }
}

/**
 * A successful status with a body that could not be read as declared (e.g. invalid JSON on a
 * 200). The provider's odd response is named, not hidden behind a parser's stack trace.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.UnexpectedResponse({ method: "GET", url: "https://x/", correlationId: "c", reason: "Unexpected token < in JSON" })
 * ```
 *
 * @since 0.1.0
 */
export class UnexpectedResponse extends KeywayTaggedError("UnexpectedResponse")<
  CallFields & { readonly reason: string }
> {
  override get message(): string {
    return `${this.method} ${this.url}: unexpected response: ${this.reason} (correlation id ${this.correlationId})`
  }
}

/**
 * A request was about to leave the origins a credential may go to: the auth pipeline refuses to
 * decorate a request to an origin that is not the client's API origin (or one the descriptor
 * lists), and a pagination `next` link to another origin (scheme, host or port) is refused unless
 * the provider opts in to following it without credentials. An https→http downgrade is always
 * refused. Nothing was sent.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.OriginRefused({ method: "GET", url: "http://other.example/steal", correlationId: "c", origin: "http://other.example", reason: "not an origin of the client" })
 * ```
 *
 * @since 0.1.0
 */
export class OriginRefused extends KeywayTaggedError("OriginRefused")<
  CallFields & { readonly origin: string; readonly reason: string }
> {
  override get message(): string {
    return `${this.method} ${this.url} refused before sending: ${this.reason} (correlation id ${this.correlationId})`
  }
}

/**
 * A call was redirected more often than its redirect policy allows (`maxHops`, default 5; with
 * `maxHops: 0` any redirect). Nothing was sent to `location`.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.TooManyRedirects({ method: "GET", url: "https://x/a", correlationId: "c", location: "https://x/b", maxHops: 5 })
 * ```
 *
 * @since 0.2.0
 */
export class TooManyRedirects extends KeywayTaggedError("TooManyRedirects")<
  CallFields & { readonly location: string; readonly maxHops: number }
> {
  override get message(): string {
    return `${this.method} ${this.url} was redirected more than ${this.maxHops} times (next: ${this.location}; correlation id ${this.correlationId})`
  }
}

/**
 * A response body grew past the limit (`maxResponseBytes`; default 32 MiB for calls, 256 KiB
 * for token endpoints). The connection was dropped as soon as the limit was passed: the body was
 * counted while it streamed, never buffered whole first.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * new Errors.ResponseTooLarge({ method: "GET", url: "https://x/", correlationId: "c", limitBytes: 1024 })
 * ```
 *
 * @since 0.1.0
 */
export class ResponseTooLarge extends KeywayTaggedError("ResponseTooLarge")<
  CallFields & { readonly limitBytes: number }
> {
  override get message(): string {
    return `${this.method} ${this.url}: the response is larger than ${this.limitBytes} bytes (correlation id ${this.correlationId})`
  }
}

/**
 * The errors of the auth family.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Errors } from "@keyway/core"
 * declare const token: Effect.Effect<string, Errors.AuthError>
 * const handled = token.pipe(Effect.catchTag("ReauthorizationRequired", () => Effect.succeed("reconnect")))
 * ```
 *
 * @since 0.1.0
 */
export type AuthError =
  | InvalidClient
  | InvalidCredentials
  | ReauthorizationRequired
  | TokenEndpointError
  | CredentialsExpired
  | ConfigError
  | TokenStoreUnavailable

/**
 * Every error a Keyway call can fail with.
 *
 * @example
 * ```ts
 * import type { Errors } from "@keyway/core"
 * const describe = (e: Errors.KeywayError): string => (e._tag === "RateLimited" ? "slow down" : e.message)
 * ```
 *
 * @since 0.1.0
 */
export type KeywayError<E = unknown> =
  | HttpError<E>
  | NetworkError
  | TimeoutError
  | RateLimited
  | UnexpectedResponse
  | OriginRefused
  | ResponseTooLarge
  | TooManyRedirects
  | AuthError

/**
 * Whether a value is one of Keyway's tagged errors (it carries {@link TypeId}).
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * declare const failure: unknown // what a Promise client call threw
 * if (Errors.isKeywayError(failure)) console.log(failure._tag, failure.message)
 * ```
 *
 * @since 0.1.0
 */
export const isKeywayError = (u: unknown): u is KeywayError =>
  typeof u === "object" && u !== null && (u as { readonly [TypeId]?: unknown })[TypeId] === TypeId

/**
 * The one constructor of {@link UnexpectedResponse} for a value something threw while a response
 * was read (a parser's `SyntaxError`): the URL redacted, the reason the thrown message, after an
 * optional `context` (`status 200 with a body that could not be read`).
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * Errors.unexpectedResponse(new SyntaxError("Unexpected token <"), { method: "GET", url: "https://x/a?api_key=k" }).url
 * // "https://x/a?api_key=%3Credacted%3E"
 * ```
 *
 * @since 0.2.0
 */
export const unexpectedResponse = (
  cause: unknown,
  call: {
    readonly method: string
    readonly url: string
    readonly correlationId?: string | undefined
    readonly context?: string | undefined
    readonly secretQueryParams?: ReadonlyArray<string> | undefined
  },
): UnexpectedResponse => {
  const message = cause instanceof Error ? cause.message : String(cause)
  return new UnexpectedResponse({
    method: call.method,
    url: call.url === "" ? "" : redactUrl(call.url, call.secretQueryParams),
    correlationId: call.correlationId ?? "",
    reason: call.context === undefined ? message : `${call.context}: ${message}`,
  })
}

/**
 * A thrown value as a Keyway error: a Keyway error as it is, anything else an
 * {@link unexpectedResponse}.
 *
 * @example
 * ```ts
 * import { Errors } from "@keyway/core"
 * Errors.orUnexpected(new Error("boom"), { method: "GET", url: "https://x/" })._tag // "UnexpectedResponse"
 * ```
 *
 * @since 0.2.0
 */
export const orUnexpected = (cause: unknown, call: Parameters<typeof unexpectedResponse>[1]): KeywayError =>
  isKeywayError(cause) ? cause : unexpectedResponse(cause, call)
