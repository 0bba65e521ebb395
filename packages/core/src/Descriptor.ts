/**
 * The provider descriptor: `specs/<provider>/provider.yaml`, the small file that says what an
 * OpenAPI spec cannot: how a provider authenticates, where its servers are per environment, which
 * header carries the correlation id, how it wants to be retried and what its error body looks like.
 *
 * The schema lives in core because the auth plugins take their settings in exactly this shape
 * (a plugin can be configured from a descriptor or by hand), and because the generator validates
 * descriptors with it and emits its JSON Schema to `specs/provider.schema.json`.
 *
 * Why one file of ~700 lines: it is one concept, the descriptor's schema, read top to bottom as
 * the file format's reference (each section's schema with its annotations, then the document that
 * combines them and the URL template helpers). Split by section, a reader would chase the format
 * through a dozen modules.
 *
 * Units: token and session lifetimes and buffers are seconds, as providers print them
 * (`expires_in`); retry delays, deadlines and timeouts are milliseconds, as the runtime's
 * `Retry.Policy` takes them. Each field's JSON Schema description names its unit.
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
import { ConfigError } from "./Errors.ts"
import type * as Http from "./Http.ts"
import * as Shapes from "./internal/shapes.ts"
import type * as PaginationModule from "./Pagination.ts"
import type * as Redirect from "./Redirect.ts"

// Finite (not Number) so that the JSON Schema keeps the description and the minimum.
const Seconds = Schema.Finite.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))).annotate({
  description: "A duration in seconds",
})

/** A duration in seconds, described with its unit. */
const seconds = (description: string) => Seconds.annotate({ description: `${description} (seconds)` })

/** A duration in milliseconds, described with its unit. */
const milliseconds = (description: string) =>
  Schema.Finite.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))).annotate({
    description: `${description} (milliseconds)`,
  })

/** A whole number of at least `min`, described. */
const count = (description: string, min = 0) =>
  Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(min))).annotate({ description })

/** An HTTP status code (100 to 599). */
const Status = Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 100, maximum: 599 })))

/**
 * A URL that may hold `{variable}` placeholders, filled from the connection's variables or
 * from the chosen environment. A relative URL is resolved against the base URL.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Descriptor } from "@keyway/core"
 * const template: string = Schema.decodeUnknownSync(Descriptor.UrlTemplate)("https://{hostname}/api")
 * Descriptor.resolveUrl(template, { hostname: "api.example.com" }) // "https://api.example.com/api"
 * ```
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
  in: Schema.Literals(Shapes.placements),
  name: Schema.String,
  scheme: Schema.optionalKey(Schema.String.annotate({ description: "Prefix before the token, e.g. Bearer" })),
}).annotate({ identifier: "Placement" })
export type Placement = typeof Placement.Type

/**
 * How a token request sends its parameters: `form` (application/x-www-form-urlencoded, the
 * standard), `json` (CCW, CCH) or `multipart` (Workable's docs use `curl -F`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Descriptor } from "@keyway/core"
 * const format: Descriptor.BodyFormat = Schema.decodeUnknownSync(Descriptor.BodyFormat)("json")
 * ```
 *
 * @since 0.1.0
 */
export const BodyFormat = Schema.Literals(["form", "json", "multipart"])
export type BodyFormat = typeof BodyFormat.Type

/**
 * Where the client id and secret go on a token request: in the `body`, or as an
 * `Authorization: Basic base64(id:secret)` header (`basic`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Descriptor } from "@keyway/core"
 * const clientAuth: Descriptor.ClientAuth = Schema.decodeUnknownSync(Descriptor.ClientAuth)("basic")
 * ```
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
    seconds("Token lifetime used when a token response has no expires_in and the token is no JWT"),
  ),
  refreshBuffer: Schema.optionalKey(seconds("Refresh this long before the token expires")),
}

/**
 * OAuth 2.0 client credentials (CCW, Culture Amp).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Descriptor } from "@keyway/core"
 * const ccw: Descriptor.ClientCredentialsStrategy = Schema.decodeUnknownSync(Descriptor.ClientCredentialsStrategy)({
 *   type: "oauth2-client-credentials",
 *   tokenUrl: "https://{authHost}/auth/realms/{realm}/protocol/openid-connect/token",
 *   grantType: "client_credential",
 *   bodyFormat: "json",
 * })
 * ```
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
 * @example
 * ```ts
 * import type { Descriptor } from "@keyway/core"
 * const style: Descriptor.RevokeStyle = "rfc7009"
 * ```
 *
 * @since 0.1.0
 */
export const RevokeStyle = Schema.Literals(["rfc7009", "workable"])
export type RevokeStyle = typeof RevokeStyle.Type

/**
 * OAuth 2.0 authorization code with refresh (CCH, Workable).
 *
 * @example
 * ```ts
 * import type { Descriptor } from "@keyway/core"
 * const workable: Descriptor.AuthorizationCodeStrategy = {
 *   type: "oauth2-authorization-code",
 *   authorizeUrl: "https://www.workable.com/oauth/authorize",
 *   tokenUrl: "https://www.workable.com/oauth/token",
 *   revokeStyle: "workable",
 *   pkce: true,
 * }
 * ```
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
    seconds("Past this age a refresh token is dead: reauthorize without a network call"),
  ),
  rotation: Schema.optionalKey(
    Schema.Boolean.annotate({ description: "The provider rotates refresh tokens" }),
  ),
  expiredTokenStatus: Schema.optionalKey(
    Status.annotate({ description: "Status of an expired-token answer; default 401" }),
  ),
  ...TokenEndpointSettings,
  ...ScopeSettings,
}).annotate({ identifier: "AuthorizationCodeStrategy" })
export type AuthorizationCodeStrategy = typeof AuthorizationCodeStrategy.Type

/**
 * A long-lived token made by an administrator or a user (CCA permanent token, CCH API key,
 * Workable API token).
 *
 * @example
 * ```ts
 * import type { Descriptor } from "@keyway/core"
 * const apiKey: Descriptor.PermanentTokenStrategy = {
 *   type: "permanent-token",
 *   placement: { in: "header", name: "Authorization", scheme: "Bearer" },
 * }
 * ```
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
 * @example
 * ```ts
 * import type { Descriptor } from "@keyway/core"
 * const cca: Descriptor.SessionLoginStrategy = {
 *   type: "session-login",
 *   login: { path: "/session", body: { username: "{username}", password: "{password}" } },
 *   token: { json: "token" },
 *   sessionLifetime: 60,
 * }
 * ```
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
  sessionLifetime: Schema.optionalKey(seconds("How long a session lives; CCA default 60")),
  refreshBuffer: Schema.optionalKey(seconds("Log in again this long before the session expires")),
  logout: Schema.optionalKey(
    Schema.Struct({ method: Schema.optionalKey(Schema.Literals(["POST", "DELETE"])), path: Schema.String }),
  ),
}).annotate({ identifier: "SessionLoginStrategy" })
export type SessionLoginStrategy = typeof SessionLoginStrategy.Type

/**
 * An auth plugin of your own: `plugin` names a package and the export holding its
 * `Auth.Definition`, whose `options` schema validates `options` (the generator checks it, and the
 * descriptor's JSON Schema describes it for editors). The generated client's options type takes
 * the plugin's credentials type.
 *
 * @example
 * ```yaml
 * auth:
 *   - type: custom
 *     id: hmac
 *     plugin: { package: "@keyway/example-auth-hmac-signing", export: "definition" }
 *     options: { keyId: k-2026 }
 * ```
 *
 * @since 0.2.0
 */
export const CustomStrategy = Schema.Struct({
  type: Schema.Literal("custom"),
  id: Schema.optionalKey(Schema.String),
  plugin: Schema.Struct({
    package: Schema.String.annotate({ description: "The npm package of the plugin" }),
    export: Schema.String.annotate({ description: "The named export holding its Auth.Definition" }),
  }),
  options: Schema.optionalKey(
    Schema.Record(Schema.String, Schema.Unknown).annotate({
      description: "The plugin's own options, validated by the schema it ships",
    }),
  ),
}).annotate({ identifier: "CustomStrategy" })
export type CustomStrategy = typeof CustomStrategy.Type

/**
 * One auth strategy of a provider.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Descriptor } from "@keyway/core"
 * const strategy: Descriptor.AuthStrategy = Schema.decodeUnknownSync(Descriptor.AuthStrategy)({ type: "permanent-token" })
 * strategy.type // "permanent-token"
 * ```
 *
 * @since 0.1.0
 */
export const AuthStrategy = Schema.Union([
  ClientCredentialsStrategy,
  AuthorizationCodeStrategy,
  PermanentTokenStrategy,
  SessionLoginStrategy,
  CustomStrategy,
]).annotate({ identifier: "AuthStrategy" })
export type AuthStrategy = typeof AuthStrategy.Type

/**
 * The auth strategy names a descriptor may use.
 *
 * @example
 * ```ts
 * import { Descriptor } from "@keyway/core"
 * Descriptor.strategyTypes.includes("session-login") // true
 * ```
 *
 * @since 0.1.0
 */
export const strategyTypes = [
  "oauth2-client-credentials",
  "oauth2-authorization-code",
  "permanent-token",
  "session-login",
  "custom",
] as const

/**
 * What a provider's calls and paginators do with a URL on another origin than the one they were
 * sent to (a redirect's `Location`, a `next` link): refuse it with `OriginRefused` (the default),
 * or follow it without credentials. An https→http move is refused either way.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Descriptor } from "@keyway/core"
 * Schema.decodeUnknownSync(Descriptor.CrossOrigin)("follow-without-credentials")
 * ```
 *
 * @since 0.2.0
 */
export const CrossOrigin = Schema.Literals(Shapes.crossOrigins)
export type CrossOrigin = typeof CrossOrigin.Type

/**
 * The descriptor's `redirects`: how calls follow 301/302/303/307/308 (see `Redirect`).
 *
 * @example
 * ```yaml
 * redirects:
 *   crossOrigin: follow-without-credentials   # a file download on a CDN
 *   maxHops: 3
 * ```
 *
 * @since 0.2.0
 */
export const RedirectSettings = Schema.Struct({
  follow: Schema.optionalKey(
    Schema.Boolean.annotate({ description: "Follow redirects; default true (false: the 3xx is the answer)" }),
  ),
  crossOrigin: Schema.optionalKey(
    CrossOrigin.annotate({
      description:
        "A redirect to another origin: refused with OriginRefused (default), or re-sent without credentials (no Authorization, no secret query parameter). An https→http redirect is always refused",
    }),
  ),
  maxHops: Schema.optionalKey(
    count(
      "Redirects followed at most in one call; default 5; one more is TooManyRedirects (0: any redirect is)",
    ),
  ),
}).annotate({ identifier: "Redirects" })
export type RedirectSettings = typeof RedirectSettings.Type

/**
 * Retry overrides; every field falls back to `Retry.defaults`.
 *
 * @example
 * ```ts
 * import type { Descriptor } from "@keyway/core"
 * const retry: Descriptor.RetrySettings = { maxAttempts: 3, baseDelay: 500, deadline: 60_000 }
 * ```
 *
 * @since 0.1.0
 */
export const RetrySettings = Schema.Struct({
  maxAttempts: Schema.optionalKey(count("Attempts of a call, the first one included; default 4", 1)),
  baseDelay: Schema.optionalKey(milliseconds("Base of the full-jitter exponential backoff; default 200")),
  maxDelay: Schema.optionalKey(milliseconds("Cap of one backoff delay; default 10000")),
  maxRetryAfter: Schema.optionalKey(
    milliseconds("Longest Retry-After waited for; a longer one fails fast with RateLimited; default 60000"),
  ),
  deadline: Schema.optionalKey(milliseconds("Budget for all attempts of a call; default 120000")),
  attemptTimeout: Schema.optionalKey(milliseconds("Timeout of one attempt; default 30000")),
  retryOn: Schema.optionalKey(
    Schema.Array(Status).annotate({ description: "HTTP statuses that are retried" }),
  ),
}).annotate({ identifier: "RetrySettings" })
export type RetrySettings = typeof RetrySettings.Type

/**
 * The provider's call budget (see `Throttle`): applied before a call is sent, shared by every
 * process on the same token store backend, adjusted by the provider's rate-limit headers.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Descriptor } from "@keyway/core"
 * const budget = Schema.decodeSync(Descriptor.ThrottleSettings)({ rate: 10, burst: 5, concurrency: 4 })
 * ```
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
 * (Culture Amp), `offset`/`limit` (CCW's `meta`), a `page` number (`page`/`per_page`, ending
 * with an empty page or at a `total`), or an RFC 8288 `link` header (`Link: <...>; rel="next"`).
 *
 * @example
 * ```yaml
 * pagination:
 *   - { operations: [listIssues], style: link, items: "", limitParam: per_page, pageSize: 100 }
 *   - { operations: [listUsers], style: page, items: users, param: page, limitParam: per_page, total: meta.total }
 * ```
 *
 * @since 0.1.0
 */
export const Pagination = Schema.Struct({
  operations: Schema.Array(Schema.String).annotate({ description: "operationIds that page this way" }),
  style: Schema.Literals(Shapes.paginationStyles).annotate({
    description:
      "next-url: URL in the body; cursor: token in the body sent back as `param`; offset: offset and limit; page: page number and page size; link: RFC 8288 Link header rel=next",
  }),
  items: Schema.String.annotate({
    description: "Dotted path to the items array in a response; empty when the body is the array",
  }),
  next: Schema.optionalKey(Schema.String.annotate({ description: "Dotted path to the next URL or cursor" })),
  param: Schema.optionalKey(
    Schema.String.annotate({
      description:
        "Where the cursor, offset or page number goes: a query name or a dotted body path; default cursor, offset, page",
    }),
  ),
  limitParam: Schema.optionalKey(
    Schema.String.annotate({ description: "Query name or dotted body path of the page size, e.g. per_page" }),
  ),
  pageSize: Schema.optionalKey(count("Items per page sent in limitParam when the caller gives none", 1)),
  firstPage: Schema.optionalKey(count("page: the number of the first page; default 1")),
  total: Schema.optionalKey(
    Schema.String.annotate({
      description: "offset, page: dotted path to the total number of items; paging stops once it is reached",
    }),
  ),
  totalPages: Schema.optionalKey(
    Schema.String.annotate({
      description: "page: dotted path to the number of pages; paging stops at the last one",
    }),
  ),
  crossOrigin: Schema.optionalKey(
    CrossOrigin.annotate({
      description:
        "A next link to another origin: refused with OriginRefused (default), or followed without credentials. An https→http link is always refused",
    }),
  ),
}).annotate({ identifier: "Pagination" })
export type Pagination = typeof Pagination.Type

/**
 * A variable of the base URL or of an auth URL. Its value must be a hostname or DNS label
 * ({@link defaultVariablePattern}) unless the variable gives a `pattern` or an `enum`.
 *
 * @example
 * ```yaml
 * variables:
 *   subdomain: { description: "Account subdomain", default: www }
 *   server: { description: "Host and port", pattern: "[a-z0-9.-]+(:[0-9]{1,5})?" }
 *   region: { enum: [eu, us] }
 * ```
 *
 * @since 0.1.0
 */
export const Variable = Schema.Struct({
  description: Schema.optionalKey(Schema.String),
  default: Schema.optionalKey(Schema.String),
  pattern: Schema.optionalKey(
    Schema.String.annotate({
      description:
        "A regular expression the whole value must match; default a hostname or DNS label (letters, digits, `-`, `_`, dots; no `/ ? # @ :`)",
    }),
  ),
  enum: Schema.optionalKey(
    Schema.Array(Schema.String).annotate({
      description: "The only values allowed (the spec's server variable enum)",
    }),
  ),
}).annotate({ identifier: "Variable" })
/**
 * A variable's definition, as decoded.
 *
 * @example
 * ```ts
 * import type { Descriptor } from "@keyway/core"
 * const region: Descriptor.Variable = { enum: ["eu", "us"] }
 * ```
 *
 * @since 0.1.0
 */
export type Variable = typeof Variable.Type

/**
 * What a URL variable may hold by default: a hostname or a DNS label (`acme`, `api.eu.example`),
 * so that a value can never change the scheme, port, path, query or userinfo of the URL.
 *
 * @example
 * ```ts
 * import { Descriptor } from "@keyway/core"
 * Descriptor.defaultVariablePattern.test("acme") // true
 * Descriptor.defaultVariablePattern.test("127.0.0.1:9/x#") // false
 * ```
 *
 * @since 0.1.0
 */
export const defaultVariablePattern =
  /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*$/

/**
 * The `ConfigError` for a URL variable's value, or `undefined` when it is allowed: one of the
 * variable's `enum` when it has one, else matching its `pattern` (whole value), else
 * {@link defaultVariablePattern}.
 *
 * @example
 * ```ts
 * import { Descriptor } from "@keyway/core"
 * Descriptor.checkVariable("subdomain", "acme") // undefined
 * Descriptor.checkVariable("subdomain", "evil.example:9/x#")?.path // "variables.subdomain"
 * Descriptor.checkVariable("region", "eu", { enum: ["eu", "us"] }) // undefined
 * ```
 *
 * @since 0.1.0
 */
export const checkVariable = (
  name: string,
  value: string,
  definition?: Variable | undefined,
): ConfigError | undefined => {
  const fail = (why: string) =>
    new ConfigError({
      path: `variables.${name}`,
      message: `the URL variable {${name}} ${why}: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`,
    })
  if (definition?.enum !== undefined) {
    return definition.enum.includes(value) ? undefined : fail(`must be one of ${definition.enum.join(", ")}`)
  }
  if (definition?.pattern !== undefined) {
    let pattern: RegExp
    try {
      pattern = new RegExp(`^(?:${definition.pattern})$`, "u")
    } catch {
      return new ConfigError({ path: `variables.${name}.pattern`, message: "not a valid regular expression" })
    }
    return pattern.test(value) ? undefined : fail(`does not match its pattern ${definition.pattern}`)
  }
  return defaultVariablePattern.test(value)
    ? undefined
    : fail("must be a hostname or DNS label (no / ? # @ : or spaces)")
}

/**
 * The whole descriptor.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Descriptor } from "@keyway/core"
 * const descriptor: Descriptor.ProviderDescriptor = Schema.decodeUnknownSync(Descriptor.ProviderDescriptor)({
 *   name: "example",
 *   title: "Example API",
 *   spec: "openapi.yaml",
 *   baseUrl: "https://api.example.com",
 *   auth: [{ type: "permanent-token" }],
 * })
 * ```
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
      maxLength: Schema.optionalKey(count("Longest correlation id accepted from a caller", 1)),
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
  origins: Schema.optionalKey(
    Schema.Array(Schema.String).annotate({
      description:
        "Origins besides the base URL's that credentials may be sent to (e.g. https://files.example); any other origin is refused",
    }),
  ),
  redirects: Schema.optionalKey(RedirectSettings),
  limits: Schema.optionalKey(
    Schema.Struct({
      maxResponseBytes: Schema.optionalKey(count("Largest API response body in bytes; default 32 MiB", 1)),
      tokenMaxResponseBytes: Schema.optionalKey(
        count("Largest token endpoint response in bytes; default 256 KiB", 1),
      ),
      tokenTimeoutMs: Schema.optionalKey(milliseconds("Timeout of one token request; default 10000")),
    }),
  ),
  allowInsecureHttp: Schema.optionalKey(
    Schema.Boolean.annotate({
      description:
        "The generator accepts plain http: URLs to hosts other than loopback (credentials then cross the network unencrypted); default false",
    }),
  ),
}).annotate({ identifier: "ProviderDescriptor" })
export type ProviderDescriptor = typeof ProviderDescriptor.Type

/**
 * Fills `{name}` placeholders of a URL template from `variables`, and resolves a relative result
 * against `base` (Culture Amp's spec gives its token URL as `/oauth2/token`). A placeholder with
 * no value, or with a value its definition does not allow ({@link checkVariable}: by default a
 * hostname or DNS label, so a value cannot move the URL to another host), is thrown as a
 * `ConfigError` naming it: never a URL with braces in it, never a URL on another server.
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
  definitions?: Readonly<Record<string, Variable>> | undefined,
): string => {
  const filled = template.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined
    if (value === undefined) {
      throw new ConfigError({
        path: `variables.${name}`,
        message: `URL template ${template} needs a value for {${name}}`,
      })
    }
    const invalid = checkVariable(name, value, definitions?.[name])
    if (invalid !== undefined) throw invalid
    return value
  })
  if (/^[a-z][a-z0-9+.-]*:/i.test(filled) || base === undefined) return filled
  const root = base.endsWith("/") ? base : `${base}/`
  return new URL(filled.replace(/^\//, ""), root).toString()
}

// One definition per concept, checked: the plain types of the Promise entry (effect-free) are the
// schema's types, field for field. A change to one side that the other does not follow fails here.
type Plain<T> = { -readonly [K in keyof T]-?: Exclude<T[K], undefined> }
Shapes.agree<Shapes.Equals<Plain<Omit<Pagination, "operations">>, Plain<PaginationModule.Spec>>>()
Shapes.agree<Shapes.Equals<Plain<Placement>, Plain<Http.Placement>>>()
Shapes.agree<Shapes.Equals<Plain<RedirectSettings>, Plain<Redirect.Policy>>>()
