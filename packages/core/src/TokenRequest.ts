/**
 * The OAuth 2.0 token and revocation requests shared by the client credentials and authorization
 * code plugins (and by any third-party plugin that talks to a token endpoint).
 *
 * - **Body formats**: `form` (`application/x-www-form-urlencoded`), `json` (CCW, CCH) or
 *   `multipart` (Workable's docs use `curl -F`).
 * - **Client authentication** in the body (`client_id`, `client_secret`) or as
 *   `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
 * - **Grant type literal** configurable (CCW documents `client_credential`, singular).
 * - **Scopes** joined with a separator, or built from a template with variables
 *   (Culture Amp: `target-entity:{entityId}:{permissions}`, `{permissions}` = scopes joined by `,`).
 * - **Response parsing**: `access_token`, `token_type` (any case), `expires_in` (number or numeric
 *   string), `refresh_token`, `scope`, `created_at`, into a {@link TokenLifecycle.Obtained}.
 * - **Failure mapping** by status and RFC 6749 `error` code, never by body text alone:
 *   `invalid_client` (400/401), or 401 on a client credentials request, is `InvalidClient`;
 *   `invalid_grant`, or 401 on a refresh, is `ReauthorizationRequired`; 5xx, network failures,
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
import { Clock, Context, Effect, Random, Redacted } from "effect"
import type { BodyFormat, ClientAuth, RevokeStyle } from "./Descriptor.ts"
import {
  type AuthError,
  ConfigError,
  CredentialsExpired,
  InvalidClient,
  ReauthorizationRequired,
  redactUrl,
  TokenEndpointError,
} from "./Errors.ts"
import * as Http from "./Http.ts"
import * as Limits from "./Limits.ts"
import * as Retry from "./Retry.ts"
import { maxLifetimeSeconds, type Obtained } from "./TokenLifecycle.ts"
import { type SendError, Transport } from "./Transport.ts"

/**
 * The correlation id token requests are sent with: the id of the call that needed the token.
 * Plugins set it around `TokenLifecycle.get` (the lifecycle's detached fetch inherits it); when
 * unset, a fresh UUID is used.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const withId = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, TokenRequest.CorrelationId, "c-1")
 * ```
 *
 * @since 0.1.0
 */
export const CorrelationId = Context.Reference<string | undefined>(
  "@keyway/core/TokenRequest/CorrelationId",
  {
    defaultValue: () => undefined,
  },
)

/**
 * Where and how token requests are sent: the token endpoint settings of a descriptor strategy,
 * with URLs already resolved.
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
 * @since 0.1.0
 */
export interface ClientCredentials {
  readonly clientId: string
  readonly clientSecret?: Redacted.Redacted<string> | undefined
}

/**
 * What a token request is for; decides how failures map to errors.
 *
 * @since 0.1.0
 */
export type Kind = "client_credentials" | "authorization_code" | "refresh_token"

/**
 * A parameter value; `Redacted` values are unwrapped only when the body is encoded.
 *
 * @since 0.1.0
 */
export type ParamValue = string | Redacted.Redacted<string> | undefined

/**
 * One token request.
 *
 * @since 0.1.0
 */
export interface Input {
  readonly endpoint: Endpoint
  readonly client: ClientCredentials
  readonly kind: Kind
  /** The `grant_type` literal; defaults to `kind`. */
  readonly grantType?: string | undefined
  /** Grant parameters (`scope`, `code`, `refresh_token`, `redirect_uri`, ...). */
  readonly params?: Readonly<Record<string, ParamValue>> | undefined
  /** The connection, for `ReauthorizationRequired`; default `default`. */
  readonly connection?: string | undefined
}

/**
 * A parsed token response: what the lifecycle stores, plus the provider's `created_at` (epoch ms)
 * when it sent one (Workable).
 *
 * @since 0.1.0
 */
export interface TokenResponse extends Obtained {
  readonly createdAt?: number | undefined
}

const encoder = new TextEncoder()

const reveal = (value: ParamValue): string | undefined =>
  value === undefined ? undefined : Redacted.isRedacted(value) ? Redacted.value(value) : value

/** `application/x-www-form-urlencoded` encoding of one value (space as `+`). */
const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, "+")

/**
 * Encodes parameters as a request body: `form`, `json` or `multipart`.
 *
 * @example
 * ```ts
 * import { TokenRequest } from "@keyway/core"
 * const { contentType, body } = TokenRequest.encodeBody("json", { grant_type: "client_credential" })
 * contentType // "application/json"
 * ```
 *
 * @since 0.1.0
 */
export const encodeBody = (
  format: BodyFormat,
  fields: Readonly<Record<string, ParamValue>>,
): { readonly contentType: string; readonly body: Uint8Array } => {
  const entries: Array<[string, string]> = []
  for (const name in fields) {
    const value = reveal(fields[name])
    if (value !== undefined) entries.push([name, value])
  }
  switch (format) {
    case "json":
      return {
        contentType: "application/json",
        body: encoder.encode(JSON.stringify(Object.fromEntries(entries))),
      }
    case "multipart": {
      const boundary = `----keyway${crypto.randomUUID().replace(/-/g, "")}`
      const parts = entries.map(
        ([name, value]) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/["\r\n]/g, "_")}"\r\n\r\n${value}\r\n`,
      )
      return {
        contentType: `multipart/form-data; boundary=${boundary}`,
        body: encoder.encode(`${parts.join("")}--${boundary}--\r\n`),
      }
    }
    default:
      return {
        contentType: "application/x-www-form-urlencoded",
        body: encoder.encode(
          entries.map(([name, value]) => `${formEncode(name)}=${formEncode(value)}`).join("&"),
        ),
      }
  }
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
export const basicAuthorization = (
  clientId: string,
  clientSecret: Redacted.Redacted<string> | undefined,
): Redacted.Redacted<string> =>
  Redacted.make(
    `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret === undefined ? "" : Redacted.value(clientSecret))}`).toString("base64")}`,
  )

/**
 * How scopes become the `scope` parameter.
 *
 * @since 0.1.0
 */
export interface ScopeFormat {
  /** Joins scopes; default a space. */
  readonly separator?: string | undefined
  /** e.g. `target-entity:{entityId}:{permissions}`; `{permissions}` = scopes joined with `,`, `{scopes}` = joined with the separator. */
  readonly template?: string | undefined
  /** Values for the template's other placeholders. */
  readonly variables?: Readonly<Record<string, string>> | undefined
}

const PLACEHOLDER = /\{([^{}]+)\}/g

/**
 * The placeholders of a scope template that are missing from `variables` (`permissions` and
 * `scopes` are always available). Plugins check this when their layer is built.
 *
 * @example
 * ```ts
 * import { TokenRequest } from "@keyway/core"
 * TokenRequest.missingVariables("target-entity:{entityId}:{permissions}", {}) // ["entityId"]
 * ```
 *
 * @since 0.1.0
 */
export const missingVariables = (
  template: string,
  variables: Readonly<Record<string, string>> | undefined,
): ReadonlyArray<string> =>
  [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[1]!)
    .filter((name) => name !== "permissions" && name !== "scopes" && variables?.[name] === undefined)

/**
 * The `scope` parameter for a scope set: joined with the separator, or built from the template.
 * `undefined` when there are no scopes and no template. A template placeholder without a value
 * is a `ConfigError`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * Effect.runSync(TokenRequest.formatScopes(["employees-read", "surveys-read"], {
 *   template: "target-entity:{entityId}:{permissions}", variables: { entityId: "8ed1" },
 * })) // "target-entity:8ed1:employees-read,surveys-read"
 * ```
 *
 * @since 0.1.0
 */
export const formatScopes = (
  scopes: ReadonlyArray<string>,
  format: ScopeFormat = {},
): Effect.Effect<string | undefined, ConfigError> => {
  const separator = format.separator ?? " "
  if (format.template === undefined) {
    return Effect.succeed(scopes.length === 0 ? undefined : scopes.join(separator))
  }
  const missing = missingVariables(format.template, format.variables)
  if (missing.length > 0) {
    return Effect.fail(
      new ConfigError({
        path: "scopeTemplate",
        message: `the scope template needs variables that were not given: ${missing.join(", ")}`,
      }),
    )
  }
  const variables = format.variables ?? {}
  return Effect.succeed(
    format.template.replace(PLACEHOLDER, (_, name: string) =>
      name === "permissions"
        ? scopes.join(",")
        : name === "scopes"
          ? scopes.join(separator)
          : (variables[name] ?? ""),
    ),
  )
}

/**
 * Builds the HTTP request of a token request (the secrets are in its body or `Authorization`
 * header: never log it).
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
export const build = (input: Input): Http.HttpRequest => {
  const endpoint = input.endpoint
  const fields: Record<string, ParamValue> = {
    grant_type: input.grantType ?? input.kind,
    ...endpoint.tokenParams,
    ...input.params,
  }
  const headers: Record<string, string> = { accept: "application/json", ...lowerKeys(endpoint.tokenHeaders) }
  addClientAuth(fields, headers, endpoint.clientAuth ?? "body", input.client)
  const { contentType, body } = encodeBody(endpoint.bodyFormat ?? "form", fields)
  headers["content-type"] = contentType
  return Http.makeRequest("POST", endpoint.tokenUrl, headers, body)
}

const lowerKeys = (headers: Readonly<Record<string, string>> | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) out[name.toLowerCase()] = headers[name]!
  return out
}

const addClientAuth = (
  fields: Record<string, ParamValue>,
  headers: Record<string, string>,
  clientAuth: ClientAuth,
  client: ClientCredentials,
) => {
  if (clientAuth === "basic") {
    headers.authorization = Redacted.value(basicAuthorization(client.clientId, client.clientSecret))
  } else {
    fields.client_id = client.clientId
    if (client.clientSecret !== undefined) fields.client_secret = client.clientSecret
  }
}

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
const parseBody = (response: Http.HttpResponse): Record<string, unknown> | undefined => {
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
 * @since 0.1.0
 */
export interface ResponseContext {
  readonly provider: string
  readonly url: string
  readonly kind: Kind
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
  if (
    (code === "invalid_client" && (status === 400 || status === 401)) ||
    (status === 401 && context.kind === "client_credentials")
  ) {
    return new InvalidClient({ provider: context.provider, status, correlationId, oauthError: code })
  }
  if (context.kind !== "client_credentials" && (code === "invalid_grant" || status === 401)) {
    return new ReauthorizationRequired({
      provider: context.provider,
      connection: context.connection ?? "default",
      correlationId,
      reason:
        context.kind === "refresh_token"
          ? `the token endpoint refused the refresh token (status ${status}${code ? `, ${code}` : ""})`
          : `the token endpoint refused the authorization code (status ${status}${code ? `, ${code}` : ""})`,
    })
  }
  return new TokenEndpointError({
    provider: context.provider,
    url: redactUrl(context.url),
    status,
    correlationId,
    reason: `status ${status}${code ? ` (${code})` : ""}`,
  })
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
const warnOnce = (provider: string, anomaly: string): Effect.Effect<void> => {
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

const transportFailure = (error: SendError, context: ResponseContext) =>
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

const currentCorrelationId = Effect.map(CorrelationId, (id) => id ?? crypto.randomUUID())

/**
 * Sends a token request and parses the answer, mapping failures to typed errors.
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
export const request: (input: Input) => Effect.Effect<TokenResponse, AuthError> = Effect.fn(
  "TokenRequest.request",
)(function* (input: Input) {
  const correlationId = yield* currentCorrelationId
  const context: ResponseContext = {
    provider: input.endpoint.provider,
    url: input.endpoint.tokenUrl,
    kind: input.kind,
    connection: input.connection,
    correlationId,
  }
  yield* Effect.annotateCurrentSpan({ "keyway.provider": context.provider, "keyway.grant": input.kind })
  const transport = yield* Transport
  // Token requests are retried under the provider's policy (at most 3 attempts), but only when it
  // is safe: a client credentials request can always be repeated; a code exchange or a refresh
  // only if it never reached the server (or the server said 429/503 with Retry-After), because a
  // code is single use and a refresh may already have rotated the refresh token.
  const policy = Retry.merge(yield* Retry.Retry, {
    maxAttempts: Math.min(3, (yield* Retry.Retry).maxAttempts),
  })
  const repeatable = input.kind === "client_credentials"
  const request = build(input)
  const limits = yield* Limits.Limits
  const sendOptions = {
    correlationId,
    timeoutMs: input.endpoint.timeoutMs ?? limits.tokenTimeoutMs,
    maxResponseBytes: input.endpoint.maxResponseBytes ?? limits.tokenMaxResponseBytes,
  }
  for (let attempt = 1; ; attempt++) {
    const sent = yield* Effect.result(transport.send(request, sendOptions))
    if (sent._tag === "Failure" && sent.failure._tag === "ResponseTooLarge") {
      return yield* Effect.fail(transportFailure(sent.failure, context))
    }
    const now = yield* Clock.currentTimeMillis
    const outcome: Retry.Outcome =
      sent._tag === "Success"
        ? {
            _tag: "Status",
            status: sent.success.status,
            retryAfterMs: Retry.parseRetryAfter(Http.header(sent.success, "retry-after"), now),
          }
        : sent.failure._tag === "NetworkError"
          ? { _tag: "Network", reachedServer: sent.failure.reachedServer }
          : { _tag: "Timeout" }
    const retryAfterMs = outcome._tag === "Status" ? (outcome.retryAfterMs ?? 0) : 0
    const again =
      attempt < policy.maxAttempts &&
      (outcome._tag !== "Status" || policy.retryOn.includes(outcome.status)) &&
      retryAfterMs <= policy.maxRetryAfterMs &&
      Retry.isRetryable(policy, "POST", outcome, repeatable)
    if (again) {
      const delay = Math.max(Retry.backoff(policy, attempt, yield* Random.next), retryAfterMs)
      yield* Effect.logDebug(`token endpoint: attempt ${attempt + 1} in ${delay} ms`)
      yield* Effect.sleep(delay)
      continue
    }
    if (sent._tag === "Failure") return yield* Effect.fail(transportFailure(sent.failure, context))
    const response = sent.success
    if (response.status < 200 || response.status >= 300)
      return yield* Effect.fail(classify(response, context))
    const anomaly = sanitizeExpiresIn(parseBody(response)?.expires_in).anomaly
    if (anomaly !== undefined) yield* warnOnce(context.provider, anomaly)
    return yield* parse(response, context)
  }
})

/**
 * One revocation request.
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
export const buildRevoke = (input: RevokeInput): Http.HttpRequest => {
  const headers: Record<string, string> = { accept: "application/json", ...lowerKeys(input.headers) }
  const fields: Record<string, ParamValue> = { token: input.token }
  if (input.style === "workable") {
    addClientAuth(fields, headers, "body", input.client)
  } else {
    fields.token_type_hint = input.tokenTypeHint ?? "refresh_token"
    addClientAuth(fields, headers, input.clientAuth ?? "body", input.client)
  }
  const { contentType, body } = encodeBody(input.bodyFormat ?? "form", fields)
  headers["content-type"] = contentType
  return Http.makeRequest("POST", input.revokeUrl, headers, body)
}

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
    const limits = yield* Limits.Limits
    const response = yield* transport
      .send(buildRevoke(input), {
        correlationId,
        timeoutMs: input.timeoutMs ?? limits.tokenTimeoutMs,
        maxResponseBytes: input.maxResponseBytes ?? limits.tokenMaxResponseBytes,
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

/**
 * Returns the error with the given correlation id: a token obtained once (single flight) for many
 * calls fails each of them with its own id.
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
  (error: AuthError): AuthError => {
    switch (error._tag) {
      case "InvalidClient":
        return new InvalidClient({ ...fieldsOf(error), correlationId } as ConstructorParameters<
          typeof InvalidClient
        >[0])
      case "ReauthorizationRequired":
        return new ReauthorizationRequired({
          ...fieldsOf(error),
          correlationId,
        } as ConstructorParameters<typeof ReauthorizationRequired>[0])
      case "TokenEndpointError":
        return new TokenEndpointError({
          ...fieldsOf(error),
          correlationId,
        } as ConstructorParameters<typeof TokenEndpointError>[0])
      case "CredentialsExpired":
        return new CredentialsExpired({
          ...fieldsOf(error),
          correlationId,
        } as ConstructorParameters<typeof CredentialsExpired>[0])
      default:
        return error
    }
  }

const fieldsOf = (error: object): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(error))
    if (name !== "_tag" && name !== "stack") out[name] = (error as Record<string, unknown>)[name]
  return out
}
