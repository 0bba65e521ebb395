/**
 * The provider descriptor: `specs/<provider>/provider.yaml`, the small file that says what an
 * OpenAPI spec cannot: how a provider authenticates, where its servers are per environment, which
 * header carries the correlation id, how it wants to be retried and what its error body looks like.
 *
 * The schema lives in core because the auth plugins take their settings in exactly this shape
 * (a plugin can be configured from a descriptor or by hand), and because the generator validates
 * descriptors with it and emits its JSON Schema to `specs/provider.schema.json`.
 *
 * Durations are whole seconds, as providers print them (`expires_in`).
 *
 * @example
 * ```yaml
 * name: ccw
 * title: Coupa Contingent Workforce
 * spec: openapi.yaml
 * baseUrl: "https://{hostname}"
 * variables:
 *   hostname: { description: "API host given by Coupa" }
 *   realm: { description: "Keycloak realm", default: ccw-na-stg }
 * environments:
 *   sandbox-na: { hostname: api.sandbox.example, realm: ccw-na-stg }
 * correlation: { header: X-Correlation-id }
 * auth:
 *   - type: oauth2-client-credentials
 *     tokenUrl: "https://{authHost}/auth/realms/{realm}/protocol/openid-connect/token"
 *     grantType: client_credential
 *     bodyFormat: json
 *     scopes: [ccw.candidate, ccw.contingent_workers]
 * errors: { envelope: "#/components/schemas/Error" }
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const Seconds = Schema.Number.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))).annotate({
  description: "A duration in whole seconds",
})

/**
 * A URL that may hold `{variable}` placeholders, filled from the connection's variables or
 * from the chosen environment. A relative URL is resolved against the base URL.
 *
 * @since 0.1.0
 */
export const UrlTemplate = Schema.String.annotate({
  description: "A URL; `{name}` placeholders are filled from variables or the chosen environment",
})

/**
 * Where a credential goes on an outgoing request.
 *
 * @example
 * ```yaml
 * placement: { in: header, name: Authorization, scheme: Bearer }   # Authorization: Bearer <token>
 * placement: { in: header, name: X-Api-Key }                        # X-Api-Key: <token>
 * placement: { in: query, name: api_key }                           # ?api_key=<token>
 * ```
 *
 * @since 0.1.0
 */
export const Placement = Schema.Struct({
  in: Schema.Literals(["header", "query"]),
  name: Schema.String,
  scheme: Schema.optionalKey(Schema.String.annotate({ description: "Prefix before the token, e.g. Bearer" })),
}).annotate({ identifier: "Placement" })
export type Placement = typeof Placement.Type

/**
 * How a token request sends its parameters: `form` (application/x-www-form-urlencoded, the
 * standard), `json` (CCW, CCH) or `multipart` (Workable's docs use `curl -F`).
 *
 * @since 0.1.0
 */
export const BodyFormat = Schema.Literals(["form", "json", "multipart"])
export type BodyFormat = typeof BodyFormat.Type

/**
 * Where the client id and secret go on a token request: in the `body`, or as an
 * `Authorization: Basic base64(id:secret)` header (`basic`).
 *
 * @since 0.1.0
 */
export const ClientAuth = Schema.Literals(["body", "basic"])
export type ClientAuth = typeof ClientAuth.Type

const ScopeSettings = {
  scopes: Schema.optionalKey(
    Schema.Array(Schema.String).annotate({ description: "Scopes the provider knows" }),
  ),
  defaultScopes: Schema.optionalKey(Schema.Array(Schema.String)),
  scopeSeparator: Schema.optionalKey(
    Schema.String.annotate({ description: "Joins scopes; default a space" }),
  ),
  scopeTemplate: Schema.optionalKey(
    Schema.String.annotate({
      description:
        "Builds the scope string from connection variables, e.g. `target-entity:{entityId}:{permissions}`; `{permissions}` is the requested scopes joined with `,`",
    }),
  ),
}

const TokenEndpointSettings = {
  tokenUrl: UrlTemplate,
  bodyFormat: Schema.optionalKey(BodyFormat),
  clientAuth: Schema.optionalKey(ClientAuth),
  tokenHeaders: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  tokenParams: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.String).annotate({
      description: "Extra parameters on every token request",
    }),
  ),
  defaultTokenLifetime: Schema.optionalKey(
    Seconds.annotate({ description: "Used when a token response has no expires_in and the token is no JWT" }),
  ),
  refreshBuffer: Schema.optionalKey(Seconds.annotate({ description: "Refresh this long before expiry" })),
}

/**
 * OAuth 2.0 client credentials (CCW, Culture Amp).
 *
 * @since 0.1.0
 */
export const ClientCredentialsStrategy = Schema.Struct({
  type: Schema.Literal("oauth2-client-credentials"),
  id: Schema.optionalKey(Schema.String),
  grantType: Schema.optionalKey(
    Schema.String.annotate({
      description: "The grant_type literal; default client_credentials (CCW: client_credential)",
    }),
  ),
  ...TokenEndpointSettings,
  ...ScopeSettings,
}).annotate({ identifier: "ClientCredentialsStrategy" })
export type ClientCredentialsStrategy = typeof ClientCredentialsStrategy.Type

/**
 * How a grant is revoked: RFC 7009 (`token`, `token_type_hint`, client authentication) or
 * Workable's form (`client_id`, `client_secret`, `token` = the refresh token).
 *
 * @since 0.1.0
 */
export const RevokeStyle = Schema.Literals(["rfc7009", "workable"])
export type RevokeStyle = typeof RevokeStyle.Type

/**
 * OAuth 2.0 authorization code with refresh (CCH, Workable).
 *
 * @since 0.1.0
 */
export const AuthorizationCodeStrategy = Schema.Struct({
  type: Schema.Literal("oauth2-authorization-code"),
  id: Schema.optionalKey(Schema.String),
  authorizeUrl: UrlTemplate,
  authorizeParams: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.String).annotate({
      description: "Extra authorize parameters, e.g. resource: user",
    }),
  ),
  pkce: Schema.optionalKey(Schema.Boolean.annotate({ description: "Send a PKCE S256 challenge" })),
  revokeUrl: Schema.optionalKey(UrlTemplate),
  revokeStyle: Schema.optionalKey(RevokeStyle),
  refreshTokenLifetime: Schema.optionalKey(
    Seconds.annotate({
      description: "Past this age a refresh token is dead: reauthorize without a network call",
    }),
  ),
  rotation: Schema.optionalKey(
    Schema.Boolean.annotate({ description: "The provider rotates refresh tokens" }),
  ),
  expiredTokenStatus: Schema.optionalKey(
    Schema.Number.annotate({ description: "Status of an expired-token answer; default 401" }),
  ),
  ...TokenEndpointSettings,
  ...ScopeSettings,
}).annotate({ identifier: "AuthorizationCodeStrategy" })
export type AuthorizationCodeStrategy = typeof AuthorizationCodeStrategy.Type

/**
 * A long-lived token made by an administrator or a user (CCA permanent token, CCH API key,
 * Workable API token).
 *
 * @since 0.1.0
 */
export const PermanentTokenStrategy = Schema.Struct({
  type: Schema.Literal("permanent-token"),
  id: Schema.optionalKey(Schema.String),
  placement: Schema.optionalKey(Placement),
  expires: Schema.optionalKey(
    Schema.Boolean.annotate({ description: "Tokens may carry an expiration date" }),
  ),
}).annotate({ identifier: "PermanentTokenStrategy" })
export type PermanentTokenStrategy = typeof PermanentTokenStrategy.Type

/**
 * A login request that returns a session token (CCA's `POST /session`).
 *
 * @since 0.1.0
 */
export const SessionLoginStrategy = Schema.Struct({
  type: Schema.Literal("session-login"),
  id: Schema.optionalKey(Schema.String),
  login: Schema.Struct({
    method: Schema.optionalKey(Schema.Literals(["POST", "PUT", "GET"])),
    path: Schema.String.annotate({ description: "Relative to the base URL" }),
    body: Schema.optionalKey(
      Schema.Record(Schema.String, Schema.String).annotate({
        description:
          "JSON body template; `{username}`, `{password}` and other credential names are filled in",
      }),
    ),
    headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  }),
  token: Schema.Union([
    Schema.Struct({
      json: Schema.String.annotate({
        description: "Dotted path in the JSON response, e.g. token or data.token",
      }),
    }),
    Schema.Struct({ header: Schema.String }),
  ]),
  placement: Schema.optionalKey(Placement),
  sessionLifetime: Schema.optionalKey(
    Seconds.annotate({ description: "How long a session lives; CCA default 60" }),
  ),
  refreshBuffer: Schema.optionalKey(Seconds),
  logout: Schema.optionalKey(
    Schema.Struct({ method: Schema.optionalKey(Schema.Literals(["POST", "DELETE"])), path: Schema.String }),
  ),
}).annotate({ identifier: "SessionLoginStrategy" })
export type SessionLoginStrategy = typeof SessionLoginStrategy.Type

/**
 * One auth strategy of a provider.
 *
 * @since 0.1.0
 */
export const AuthStrategy = Schema.Union([
  ClientCredentialsStrategy,
  AuthorizationCodeStrategy,
  PermanentTokenStrategy,
  SessionLoginStrategy,
]).annotate({ identifier: "AuthStrategy" })
export type AuthStrategy = typeof AuthStrategy.Type

/**
 * The auth strategy names a descriptor may use.
 *
 * @since 0.1.0
 */
export const strategyTypes = [
  "oauth2-client-credentials",
  "oauth2-authorization-code",
  "permanent-token",
  "session-login",
] as const

/**
 * Retry overrides; every field falls back to `Retry.defaults`.
 *
 * @since 0.1.0
 */
export const RetrySettings = Schema.Struct({
  maxAttempts: Schema.optionalKey(Schema.Number),
  baseDelay: Schema.optionalKey(Schema.Number.annotate({ description: "Milliseconds" })),
  maxDelay: Schema.optionalKey(Schema.Number.annotate({ description: "Milliseconds" })),
  maxRetryAfter: Schema.optionalKey(
    Schema.Number.annotate({ description: "Milliseconds; a longer Retry-After fails fast" }),
  ),
  deadline: Schema.optionalKey(
    Schema.Number.annotate({ description: "Milliseconds for all attempts of a call" }),
  ),
  attemptTimeout: Schema.optionalKey(Schema.Number.annotate({ description: "Milliseconds for one attempt" })),
  retryOn: Schema.optionalKey(Schema.Array(Schema.Number)),
}).annotate({ identifier: "RetrySettings" })
export type RetrySettings = typeof RetrySettings.Type

/**
 * The provider's call budget (see `Throttle`): applied before a call is sent, shared by every
 * process on the same token store backend, adjusted by the provider's rate-limit headers.
 *
 * @since 0.1.0
 */
export const ThrottleSettings = Schema.Struct({
  rate: Schema.optionalKey(
    Schema.Number.pipe(Schema.check(Schema.isGreaterThan(0))).annotate({
      description: "Calls per second, all processes together; absent: only the provider's headers pace calls",
    }),
  ),
  burst: Schema.optionalKey(
    Schema.Number.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))).annotate({
      description: "Calls that may go at once after a quiet spell (default 1)",
    }),
  ),
  concurrency: Schema.optionalKey(
    Schema.Number.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))).annotate({
      description: "Calls in flight at once, per process",
    }),
  ),
  per: Schema.optionalKey(
    Schema.Literals(["provider", "connection"]).annotate({
      description: "One budget for the provider (default) or one per connection",
    }),
  ),
}).annotate({ identifier: "ThrottleSettings" })
export type ThrottleSettings = typeof ThrottleSettings.Type

/**
 * How a list endpoint pages: a `next-url` in the body (Workable's `paging.next`), a `cursor`
 * (Culture Amp), or `offset`/`limit` (CCW's `meta`).
 *
 * @since 0.1.0
 */
export const Pagination = Schema.Struct({
  operations: Schema.Array(Schema.String).annotate({ description: "operationIds that page this way" }),
  style: Schema.Literals(["next-url", "cursor", "offset"]),
  items: Schema.String.annotate({ description: "Dotted path to the items array in a response" }),
  next: Schema.optionalKey(Schema.String.annotate({ description: "Dotted path to the next URL or cursor" })),
  param: Schema.optionalKey(
    Schema.String.annotate({
      description: "Where the cursor or offset goes: a query name or a dotted body path",
    }),
  ),
  limitParam: Schema.optionalKey(Schema.String),
  pageSize: Schema.optionalKey(Schema.Number),
}).annotate({ identifier: "Pagination" })
export type Pagination = typeof Pagination.Type

/**
 * A variable of the base URL or of an auth URL.
 *
 * @since 0.1.0
 */
export const Variable = Schema.Struct({
  description: Schema.optionalKey(Schema.String),
  default: Schema.optionalKey(Schema.String),
}).annotate({ identifier: "Variable" })

/**
 * The whole descriptor.
 *
 * @since 0.1.0
 */
export const ProviderDescriptor = Schema.Struct({
  $schema: Schema.optionalKey(Schema.String),
  name: Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z][a-z0-9-]*$/))).annotate({
    description: "Lower-case provider name; the package is named after it",
  }),
  title: Schema.String,
  spec: Schema.String.annotate({ description: "The OpenAPI document, relative to this file" }),
  source: Schema.optionalKey(Schema.String.annotate({ description: "Where the spec came from" })),
  baseUrl: UrlTemplate,
  variables: Schema.optionalKey(Schema.Record(Schema.String, Variable)),
  environments: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Record(Schema.String, Schema.String)).annotate({
      description: "Named environments: values for the variables",
    }),
  ),
  correlation: Schema.optionalKey(
    Schema.Struct({
      header: Schema.String,
      maxLength: Schema.optionalKey(Schema.Number),
    }),
  ),
  headers: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.String).annotate({
      description:
        "Headers the provider requires on every call, bodyless ones included (CCW: Content-Type: application/json)",
    }),
  ),
  auth: Schema.Array(AuthStrategy).pipe(Schema.check(Schema.isMinLength(1))),
  retry: Schema.optionalKey(RetrySettings),
  throttle: Schema.optionalKey(ThrottleSettings),
  errors: Schema.optionalKey(
    Schema.Struct({
      envelope: Schema.String.annotate({
        description: "JSON pointer to the error schema, e.g. #/components/schemas/Error",
      }),
    }),
  ),
  pagination: Schema.optionalKey(Schema.Array(Pagination)),
}).annotate({ identifier: "ProviderDescriptor" })
export type ProviderDescriptor = typeof ProviderDescriptor.Type

/**
 * Fills `{name}` placeholders of a URL template from `variables`, and resolves a relative result
 * against `base` (Culture Amp's spec gives its token URL as `/oauth2/token`). A placeholder with
 * no value is an error naming it, not a URL with braces in it.
 *
 * @example
 * ```ts
 * import { Descriptor } from "@keyway/core"
 * Descriptor.resolveUrl("https://{subdomain}.workable.com/spi/v3", { subdomain: "acme" }) // "https://acme.workable.com/spi/v3"
 * Descriptor.resolveUrl("/oauth2/token", {}, "https://api.cultureamp.com/v1") // "https://api.cultureamp.com/v1/oauth2/token"
 * ```
 *
 * @since 0.1.0
 */
export const resolveUrl = (
  template: string,
  variables: Readonly<Record<string, string>>,
  base?: string,
): string => {
  const filled = template.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    const value = variables[name]
    if (value === undefined) throw new Error(`URL template ${template} needs a value for {${name}}`)
    return value
  })
  if (/^[a-z][a-z0-9+.-]*:/i.test(filled) || base === undefined) return filled
  const root = base.endsWith("/") ? base : `${base}/`
  return new URL(filled.replace(/^\//, ""), root).toString()
}
