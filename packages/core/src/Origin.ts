/**
 * Where a credential may go: the one definition every part of the runtime that writes a
 * credential onto a request uses (the call pipeline before `auth.authenticate`, pagination before
 * following a `next` link, the plugins before talking to a token endpoint).
 *
 * - **Origins**: an origin is scheme, host and port (`https://api.example:443`). A client trusts
 *   its API origin (from its base URL) and the origins its descriptor lists; the call pipeline
 *   refuses to decorate a request for any other origin ({@link Errors.OriginRefused}).
 * - **Transport security**: an API, token, authorize or revoke URL must be `https:`, or `http:` to
 *   a loopback host (`127.0.0.0/8`, `::1`, `localhost`), unless `allowInsecureHttp` is set
 *   (RFC 9700 §2.6). A URL that is neither is a `ConfigError` naming the field; the check runs on
 *   the configuration, before any connection.
 *
 * @example
 * ```ts
 * import { Origin } from "@keyway/core"
 * Origin.of("https://api.example/v1/items?x=1") // "https://api.example"
 * Origin.isLoopback("http://127.0.0.1:8080/") // true
 * Origin.checkUrl("tokenUrl", "http://auth.example/token", false)?.message
 * // "tokenUrl: http://auth.example/token is plain http to a non-loopback host: use https (or allowInsecureHttp)"
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import { ConfigError, OriginRefused, redactUrl } from "./Errors.ts"
import type { HttpRequest } from "./Http.ts"

/**
 * The origin of a URL (`scheme://host[:port]`, default ports omitted), or `undefined` when the
 * URL cannot be parsed or has no origin (`data:`, `javascript:`).
 *
 * @example
 * ```ts
 * import { Origin } from "@keyway/core"
 * Origin.of("https://Api.Example:443/x") // "https://api.example"
 * Origin.of("javascript:alert(1)") // undefined
 * ```
 *
 * @since 0.1.0
 */
export const of = (url: string | URL): string | undefined => {
  let parsed: URL
  try {
    parsed = typeof url === "string" ? new URL(url) : url
  } catch {
    return undefined
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined
  return parsed.origin
}

/**
 * Whether a URL's host is a loopback address: `localhost`, `127.0.0.0/8` or `::1`.
 *
 * @example
 * ```ts
 * import { Origin } from "@keyway/core"
 * Origin.isLoopback("http://[::1]:9/") // true
 * Origin.isLoopback("http://127.0.0.1.example/") // false
 * ```
 *
 * @since 0.1.0
 */
export const isLoopback = (url: string | URL): boolean => {
  let host: string
  try {
    host = (typeof url === "string" ? new URL(url) : url).hostname.toLowerCase()
  } catch {
    return false
  }
  if (host === "localhost" || host === "[::1]") return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/**
 * The `ConfigError` for a URL a credential would travel to, or `undefined` when it is fine:
 * `https:`, or `http:` to a loopback host, or any `http:` with `allowInsecureHttp`. Other schemes
 * and unparseable URLs are always refused. `field` names the setting in the error.
 *
 * @example
 * ```ts
 * import { Origin } from "@keyway/core"
 * Origin.checkUrl("baseUrl", "https://api.example/v1", false) // undefined
 * Origin.checkUrl("baseUrl", "http://127.0.0.1:8080", false) // undefined
 * Origin.checkUrl("baseUrl", "http://api.example", true) // undefined
 * Origin.checkUrl("baseUrl", "ftp://api.example", true)?._tag // "ConfigError"
 * ```
 *
 * @since 0.1.0
 */
export const checkUrl = (field: string, url: string, allowInsecureHttp: boolean): ConfigError | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return new ConfigError({ path: field, message: `${field}: not a valid absolute URL` })
  }
  const shown = redactUrl(parsed)
  if (parsed.protocol === "https:") return undefined
  if (parsed.protocol !== "http:") {
    return new ConfigError({ path: field, message: `${field}: ${shown} is not an http(s) URL` })
  }
  if (allowInsecureHttp || isLoopback(parsed)) return undefined
  return new ConfigError({
    path: field,
    message: `${field}: ${shown} is plain http to a non-loopback host: use https (or allowInsecureHttp)`,
  })
}

/**
 * Whether plain `http:` to non-loopback hosts is allowed (default `false`). A client built with
 * `allowInsecureHttp: true` provides `true` to its plugins, so their URL checks agree with the
 * client's.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Origin } from "@keyway/core"
 * const relaxed = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Origin.AllowInsecureHttp, true)
 * ```
 *
 * @since 0.1.0
 */
export const AllowInsecureHttp = Context.Reference<boolean>("@keyway/core/Origin/AllowInsecureHttp", {
  defaultValue: () => false,
})

/**
 * {@link checkUrl} for several fields at once, under the {@link AllowInsecureHttp} in context:
 * what plugins run when they are built. `undefined` URLs are skipped.
 *
 * @example
 * ```ts
 * import { Origin } from "@keyway/core"
 * const checked = Origin.requireSecure({ tokenUrl: "https://auth.example/token", revokeUrl: undefined })
 * ```
 *
 * @since 0.1.0
 */
export const requireSecure = (
  urls: Readonly<Record<string, string | undefined>>,
): Effect.Effect<void, ConfigError> =>
  Effect.flatMap(AllowInsecureHttp, (allow) => {
    for (const field in urls) {
      const url = urls[field]
      if (url === undefined) continue
      const error = checkUrl(field, url, allow)
      if (error !== undefined) return Effect.fail(error)
    }
    return Effect.void
  })

/**
 * The origins a client's credentials may be written to.
 *
 * @example
 * ```ts
 * import { Origin } from "@keyway/core"
 * const trusted = Origin.trusted("https://api.example/v1", ["https://files.example"])
 * trusted.has("https://files.example") // true
 * ```
 *
 * @since 0.1.0
 */
export const trusted = (baseUrl: string, extra: ReadonlyArray<string> = []): ReadonlySet<string> => {
  const out = new Set<string>()
  for (const url of [baseUrl, ...extra]) {
    const origin = of(url)
    if (origin !== undefined) out.add(origin)
  }
  return out
}

// `url` is on `origin` (a serialized origin: lower-case scheme and host, no default port) when it
// is that text followed by nothing, "/", "?" or "#": the parser then reads exactly that scheme,
// host and port (no user info, no longer host name, no other port can follow).
const startsWithOrigin = (url: string, origin: string): boolean => {
  if (!url.startsWith(origin)) return false
  const next = url.charCodeAt(origin.length)
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */ || next === 35 /* # */
}

/**
 * Fails with {@link Errors.OriginRefused} when the request's origin is not one of `origins`:
 * the call pipeline runs this before `auth.authenticate`, so no plugin can write a credential
 * onto a request for another origin.
 *
 * @example
 * ```ts
 * import { Http, Origin } from "@keyway/core"
 * const refused = Origin.guard(Origin.trusted("https://api.example"), Http.makeRequest("GET", "https://evil.example/"), "c-1")
 * refused?._tag // "OriginRefused"
 * ```
 *
 * @since 0.1.0
 */
export const guard = (
  origins: ReadonlySet<string>,
  request: HttpRequest,
  correlationId: string,
  secretQueryParams?: ReadonlyArray<string>,
): OriginRefused | undefined => {
  // The hot path: a URL the client built from its base URL starts with the serialized origin
  // itself, followed by the path, query or fragment. Anything else is parsed.
  for (const allowed of origins) if (startsWithOrigin(request.url, allowed)) return undefined
  const origin = of(request.url)
  if (origin !== undefined && origins.has(origin)) return undefined
  return new OriginRefused({
    method: request.method,
    url: redactUrl(request.url, secretQueryParams),
    correlationId,
    origin: origin ?? "<none>",
    reason: `${origin ?? "the URL"} is not an origin this client sends credentials to (${[...origins].join(", ")})`,
  })
}

/**
 * How a link from one page to the next relates to the page's origin: the `same` origin, a
 * `cross`-origin link, or a `downgrade` from https to http (always refused).
 *
 * @example
 * ```ts
 * import { Origin } from "@keyway/core"
 * Origin.relation("https://api.example/jobs", "https://api.example/jobs?page=2") // "same"
 * Origin.relation("https://api.example/jobs", "http://api.example/jobs?page=2") // "downgrade"
 * Origin.relation("https://api.example/jobs", "https://cdn.example/jobs") // "cross"
 * ```
 *
 * @since 0.1.0
 */
export const relation = (from: string, to: string): "same" | "cross" | "downgrade" => {
  const a = of(from)
  const b = of(to)
  if (b === undefined) return "cross"
  if (a?.startsWith("https:") && b.startsWith("http:")) return "downgrade"
  return a === b ? "same" : "cross"
}
