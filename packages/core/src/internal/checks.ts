/**
 * The checks of a client's options and of one call's `init`, run before anything is sent: a base
 * URL or extra origin that is not https (nor loopback http, unless `allowInsecureHttp`), a header
 * `fetch` would refuse (a CR, LF or NUL in it), a path parameter that would point the request at
 * another endpoint. Each returns the `ConfigError` naming the setting, or `undefined`.
 *
 * @since 0.1.0
 */
import { ConfigError } from "../Errors.ts"
import type * as Options from "../Options.ts"
import * as Origin from "../Origin.ts"

/** A header name: an RFC 9110 token. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** A header value as `fetch` accepts it: no CR, LF or NUL. */
export const HEADER_VALUE = /^[^\r\n\0]*$/

/** The error of a header that is no valid HTTP header (its name printed safely). */
export const badHeader = (name: string): ConfigError =>
  new ConfigError({
    path: `headers.${name.replace(/[^\x21-\x7e]/g, "?")}`,
    message: "not a valid HTTP header (a name is a token; a value has no CR, LF or NUL)",
  })

/** The configuration problem of a client's options, if any. */
export const checkOptions = (options: Options.Common): ConfigError | undefined => {
  const insecure = options.allowInsecureHttp ?? false
  const base = Origin.checkUrl("baseUrl", options.baseUrl, insecure)
  if (base !== undefined) return base
  for (const [i, origin] of (options.origins ?? []).entries()) {
    const error = Origin.checkUrl(`origins[${i}]`, origin, insecure)
    if (error !== undefined) return error
  }
  for (const name in options.headers) {
    const value = options.headers[name]
    if (!HEADER_NAME.test(name)) return badHeader(name)
    for (const item of Array.isArray(value) ? value : [value])
      if (item !== null && item !== undefined && !HEADER_VALUE.test(String(item))) return badHeader(name)
  }
  return undefined
}

/** The correlation header's name, when it is no valid header name. */
export const checkCorrelation = (
  correlation: Options.CorrelationOptions | undefined,
): ConfigError | undefined =>
  correlation !== undefined && !HEADER_NAME.test(correlation.header)
    ? new ConfigError({ path: "correlation.header", message: "not a valid HTTP header name" })
    : undefined

/** `.` and `..` (and an empty value) as a path parameter would make the URL point elsewhere. */
export const checkPathParams = (
  path: Readonly<Record<string, unknown>> | undefined,
): ConfigError | undefined => {
  if (path === undefined || path === null) return undefined
  for (const name in path) {
    const value = path[name]
    for (const item of Array.isArray(value) ? value : [value]) {
      const text = typeof item === "string" ? item : typeof item === "number" ? String(item) : undefined
      if (text !== undefined && (text === "." || text === ".." || text === "")) {
        return new ConfigError({
          path: `params.path.${name}`,
          message: `the path parameter ${name} is ${JSON.stringify(text)}: it would point the request at another endpoint`,
        })
      }
    }
  }
  return undefined
}
