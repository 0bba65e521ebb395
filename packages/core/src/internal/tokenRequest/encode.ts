/**
 * Building a token request's body (part of `TokenRequest`, which re-exports the public names):
 * the body formats and the `scope` parameter.
 */
import { Effect, Redacted } from "effect"
import type { Applied } from "../../ClientAuth.ts"
import type { BodyFormat } from "../../Descriptor.ts"
import { ConfigError } from "../../Errors.ts"
import * as Http from "../../Http.ts"
import type { ParamValue, Prepared } from "../../TokenRequest.ts"

const encoder = new TextEncoder()

export const reveal = (value: ParamValue): string | undefined =>
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
 * How scopes become the `scope` parameter.
 *
 * @example
 * ```ts
 * import type { TokenRequest } from "@keyway/core"
 * const cultureAmp: TokenRequest.ScopeFormat = { template: "target-entity:{entityId}:{permissions}", variables: { entityId: "8ed1" } }
 * ```
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

/** Header names lower-cased. */
export const lowerKeys = (headers: Readonly<Record<string, string>> | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) out[name.toLowerCase()] = headers[name]!
  return out
}

/**
 * A token endpoint's POST (a token or a revocation request): the client authentication's headers
 * added to `headers` (lower-cased), `fields` encoded in `format` (default `form`), and the client
 * authentication's certificate.
 */
export const preparePost = (
  url: string,
  headers: Record<string, string>,
  fields: Readonly<Record<string, ParamValue>>,
  format: BodyFormat | undefined,
  applied: Applied,
): Prepared => {
  for (const name in applied.headers) headers[name.toLowerCase()] = Redacted.value(applied.headers[name]!)
  const { contentType, body } = encodeBody(format ?? "form", fields)
  headers["content-type"] = contentType
  return { request: Http.makeRequest("POST", url, headers, body), certificate: applied.certificate }
}
