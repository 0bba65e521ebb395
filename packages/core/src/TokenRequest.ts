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
import { Cause, Clock, Context, Effect, Option, Redacted, Result, Tracer } from "effect"
import * as ClientAuthentication from "./ClientAuth.ts"
import type { BodyFormat, ClientAuth, RevokeStyle } from "./Descriptor.ts"
import {
  type AuthError,
  ConfigError,
  CredentialsExpired,
  InvalidClient,
  InvalidCredentials,
  ReauthorizationRequired,
  redactUrl,
  TokenEndpointError,
} from "./Errors.ts"
import * as Grant from "./Grant.ts"
import * as Http from "./Http.ts"
import * as Limits from "./Limits.ts"
import * as Retry from "./Retry.ts"
import * as Telemetry from "./Telemetry.ts"
import { maxLifetimeSeconds, type Obtained } from "./TokenLifecycle.ts"
import { type ClientCertificate, type SendError, Transport } from "./Transport.ts"

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
 * What a token request is for; decides how failures map to errors (see {@link Grant}). Open:
 * any other name is a grant with the defaults of {@link Grant.fromKind}.
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
 * @since 0.1.0
 */
export type ParamValue = ClientAuthentication.ParamValue

/**
 * One token request.
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
export const basicAuthorization: (
  clientId: string,
  clientSecret: Redacted.Redacted<string> | undefined,
) => Redacted.Redacted<string> = ClientAuthentication.basicAuthorization

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
 * A token request ready to send: the HTTP request (its body or `Authorization` header holds
 * secrets: never log it) and the client certificate for its connection, if any.
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
    for (const name in applied.headers) headers[name.toLowerCase()] = Redacted.value(applied.headers[name]!)
    const { contentType, body } = encodeBody(endpoint.bodyFormat ?? "form", fields)
    headers["content-type"] = contentType
    return {
      request: Http.makeRequest("POST", endpoint.tokenUrl, headers, body),
      certificate: applied.certificate,
    }
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

const lowerKeys = (headers: Readonly<Record<string, string>> | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) out[name.toLowerCase()] = headers[name]!
  return out
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

/**
 * Makes any effect that obtains a credential a token request as the runtime reports them: a
 * root span `keyway.token_request` linked to the call that caused it (when a tracer is
 * installed), counted by grant and outcome (when a `Telemetry` sink is). {@link request} runs
 * through it; a plugin with a login of its own (session login) wraps its login with it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const login = TokenRequest.observe({ provider: "cca", grant: "session_login" }, Effect.succeed({ token: "t" }))
 * ```
 *
 * @since 0.1.0
 */
export const observe = <A, E extends { readonly _tag: string }, R>(
  labels: { readonly provider: string; readonly grant: string },
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R> =>
  Effect.flatMap(Tracer.Tracer, (tracer) =>
    Effect.flatMap(Telemetry.Telemetry, (sink) => {
      const measured = sink === undefined ? effect : counted(sink, labels, effect)
      if (tracer === Tracer.nativeTracer) return measured
      return Effect.flatMap(Telemetry.CurrentCall, (call) =>
        Effect.flatMap(Effect.option(Effect.currentParentSpan), (parent) => {
          const caller = call !== undefined ? Option.some(call) : parent
          return Effect.flatMap(currentCorrelationId, (correlationId) =>
            Effect.provideService(measured, CorrelationId, correlationId).pipe(
              Effect.tap(() => Effect.annotateCurrentSpan("keyway.outcome", "success")),
              Effect.tapError((error) => Effect.annotateCurrentSpan("keyway.outcome", error._tag)),
              Effect.withSpan("keyway.token_request", {
                kind: "client",
                root: true,
                links: Option.isSome(caller)
                  ? [{ span: caller.value, attributes: { "keyway.link": "caused_by_call" } }]
                  : [],
                attributes: {
                  "keyway.provider": labels.provider,
                  "keyway.grant": labels.grant,
                  "keyway.correlation_id": correlationId,
                },
              }),
            ),
          )
        }),
      )
    }),
  )

const counted = <A, E extends { readonly _tag: string }, R>(
  sink: Telemetry.Sink,
  labels: { readonly provider: string; readonly grant: string },
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R> =>
  Effect.clockWith((clock) => {
    const started = clock.currentTimeMillisUnsafe()
    return Effect.onExit(effect, (exit) =>
      Effect.sync(() => {
        const error = exit._tag === "Failure" ? Cause.findErrorOption(exit.cause) : Option.none()
        sink.tokenRequest({
          provider: labels.provider,
          grant: labels.grant,
          outcome:
            exit._tag === "Success" ? "success" : Option.isSome(error) ? error.value._tag : "interrupted",
          durationMs: clock.currentTimeMillisUnsafe() - started,
        })
      }),
    )
  })

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
      outcomeOf: (result) => {
        if (Result.isSuccess(result)) {
          const response = result.success
          if (response.status >= 200 && response.status < 300) return undefined
          return {
            _tag: "Status",
            status: response.status,
            retryAfterMs: Retry.parseRetryAfter(
              Http.header(response, "retry-after"),
              clock.currentTimeMillisUnsafe(),
            ),
          }
        }
        const error = result.failure
        return error._tag === "NetworkError"
          ? { _tag: "Network", reachedServer: error.reachedServer }
          : error._tag === "TimeoutError"
            ? { _tag: "Timeout" }
            : undefined
      },
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
    for (const name in applied.headers) headers[name.toLowerCase()] = Redacted.value(applied.headers[name]!)
    const { contentType, body } = encodeBody(input.bodyFormat ?? "form", fields)
    headers["content-type"] = contentType
    return {
      request: Http.makeRequest("POST", input.revokeUrl, headers, body),
      certificate: applied.certificate,
    }
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
      case "InvalidCredentials":
        return new InvalidCredentials({ ...fieldsOf(error), correlationId } as ConstructorParameters<
          typeof InvalidCredentials
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
