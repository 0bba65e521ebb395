/**
 * Redirects of a call (301, 302, 303, 307, 308 with a `Location`), followed by the pipeline
 * itself (transports never follow them), with fetch's method and body rules and Keyway's
 * credential rule:
 *
 * - **method and body** (WHATWG fetch, "HTTP-redirect fetch"): 303 becomes `GET` without a body
 *   (a `HEAD` stays `HEAD`); 301 and 302 turn a `POST` into a `GET` without a body; 307 and 308
 *   keep the method and the body. A dropped body takes its `content-*` headers with it.
 * - **same origin**: the next hop is decorated by the auth plugin again, like the first.
 * - **another origin**: refused with `OriginRefused` (the default, as pagination's `crossOrigin`),
 *   or, with `crossOrigin: "follow-without-credentials"`, re-sent undecorated: the plugin does not
 *   run, `Authorization`, `Cookie` and `Proxy-Authorization` headers are dropped and so are the
 *   plugin's secret query parameters in the target URL. Once a call has left its origin it stays
 *   anonymous for its later hops.
 * - **https → http** is always refused; so is a target that is not an http(s) URL.
 * - **hops**: at most `maxHops` (default 5); one more is `TooManyRedirects`. `maxHops: 0` makes
 *   any redirect an error (fetch's `redirect: "error"`), `follow: false` returns the 3xx response
 *   as it is (fetch's `redirect: "manual"`).
 *
 * The policy is per provider (the descriptor's `redirects`, the client options' `redirects`) and
 * per call (`keyway: { redirects: { follow: false } }`).
 *
 * @example
 * ```ts
 * import { Http, Redirect } from "@keyway/core"
 * const post = Http.makeRequest("POST", "https://api.example/jobs", { "content-type": "application/json" }, new Uint8Array([1]))
 * const next = Redirect.nextRequest(post, 303, "/jobs/7")
 * next?.method // "GET"
 * next?.url // "https://api.example/jobs/7"
 * ```
 *
 * @since 0.2.0
 */
import { OriginRefused, redactUrl, TooManyRedirects } from "./Errors.ts"
import type { HttpRequest } from "./Http.ts"
import type * as Options from "./Options.ts"
import * as Origin from "./Origin.ts"

/**
 * How a provider's calls treat redirects.
 *
 * @example
 * ```ts
 * import type { Redirect } from "@keyway/core"
 * const downloads: Redirect.Policy = { follow: true, crossOrigin: "follow-without-credentials", maxHops: 3 }
 * ```
 *
 * @since 0.2.0
 */
export interface Policy extends Options.RedirectPolicy {}

/**
 * The defaults: follow, refuse another origin, 5 hops.
 *
 * @example
 * ```ts
 * import { Redirect } from "@keyway/core"
 * Redirect.defaults.crossOrigin // "refuse"
 * ```
 *
 * @since 0.2.0
 */
export const defaults: Policy = { follow: true, crossOrigin: "refuse", maxHops: 5 }

/**
 * A policy with overrides applied (undefined fields ignored).
 *
 * @example
 * ```ts
 * import { Redirect } from "@keyway/core"
 * Redirect.merge(Redirect.defaults, { maxHops: 2 }).maxHops // 2
 * ```
 *
 * @since 0.2.0
 */
export const merge = (policy: Policy, overrides: Partial<Policy> | undefined): Policy =>
  overrides === undefined
    ? policy
    : {
        follow: overrides.follow ?? policy.follow,
        crossOrigin: overrides.crossOrigin ?? policy.crossOrigin,
        maxHops: overrides.maxHops ?? policy.maxHops,
      }

/**
 * The redirect statuses.
 *
 * @example
 * ```ts
 * import { Redirect } from "@keyway/core"
 * Redirect.statuses.has(307) // true
 * ```
 *
 * @since 0.2.0
 */
export const statuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

// fetch's "request-body-header names", plus the length of the body that is dropped.
const BODY_HEADERS = [
  "content-encoding",
  "content-language",
  "content-location",
  "content-type",
  "content-length",
]
// What carries a credential in a request that leaves its origin.
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"]

/**
 * The request of the next hop, with fetch's method and body rules; `undefined` when the status
 * is no redirect or the location is not a URL (the response is then the answer).
 *
 * @example
 * ```ts
 * import { Http, Redirect } from "@keyway/core"
 * const put = Http.makeRequest("PUT", "https://api.example/a", {}, new Uint8Array([1]))
 * Redirect.nextRequest(put, 307, "https://api.example/b")?.body?.byteLength // 1
 * ```
 *
 * @since 0.2.0
 */
export const nextRequest = (
  request: HttpRequest,
  status: number,
  location: string,
): HttpRequest | undefined => {
  if (!statuses.has(status)) return undefined
  let url: URL
  try {
    url = new URL(location, request.url)
  } catch {
    return undefined
  }
  url.hash = ""
  const toGet =
    (status === 303 && request.method !== "GET" && request.method !== "HEAD") ||
    ((status === 301 || status === 302) && request.method === "POST")
  if (!toGet) return { ...request, url: url.href }
  const headers: Record<string, string> = { ...request.headers }
  for (const name of BODY_HEADERS) delete headers[name]
  return { method: "GET", url: url.href, headers, body: undefined }
}

/**
 * The request of a hop to another origin, without any credential: no `Authorization`, `Cookie`
 * or `Proxy-Authorization` header, none of the given secret query parameters.
 *
 * @example
 * ```ts
 * import { Http, Redirect } from "@keyway/core"
 * const request = Http.makeRequest("GET", "https://cdn.example/f?api_key=k&v=1", { authorization: "Bearer t" })
 * const bare = Redirect.withoutCredentials(request, ["api_key"])
 * bare.url // "https://cdn.example/f?v=1"
 * bare.headers.authorization // undefined
 * ```
 *
 * @since 0.2.0
 */
export const withoutCredentials = (
  request: HttpRequest,
  secretQueryParams: ReadonlyArray<string> = [],
): HttpRequest => {
  const headers: Record<string, string> = { ...request.headers }
  for (const name of CREDENTIAL_HEADERS) delete headers[name]
  let url = request.url
  if (secretQueryParams.length > 0) {
    const parsed = new URL(request.url)
    for (const name of secretQueryParams) parsed.searchParams.delete(name)
    url = parsed.href
  }
  return { ...request, url, headers }
}

/**
 * What to do with a redirect response: follow it with the next request (anonymous or not), or
 * fail. Built by {@link decide}.
 *
 * @example
 * ```ts
 * import type { Redirect } from "@keyway/core"
 * const done = (d: Redirect.Decision) => d._tag === "Answer"
 * ```
 *
 * @since 0.2.0
 */
export type Decision =
  | { readonly _tag: "Follow"; readonly request: HttpRequest; readonly anonymous: boolean }
  | { readonly _tag: "Answer" }
  | { readonly _tag: "Refuse"; readonly error: OriginRefused | TooManyRedirects }

/**
 * Decides about a response to `request` (hop `hops`, counted from 0): the answer, the next hop,
 * or the typed refusal (another origin under `refuse`, https→http, a target that is not
 * http(s), one hop past `maxHops`).
 *
 * @example
 * ```ts
 * import { Http, Redirect } from "@keyway/core"
 * const request = Http.makeRequest("GET", "https://api.example/a")
 * const response = { status: 302, headers: { location: "https://evil.example/" }, body: new Uint8Array() }
 * Redirect.decide(Redirect.defaults, request, response, { hops: 0, anonymous: false, correlationId: "c" })._tag // "Refuse"
 * ```
 *
 * @since 0.2.0
 */
export const decide = (
  policy: Policy,
  request: HttpRequest,
  response: {
    readonly status: number
    readonly headers: Readonly<Record<string, string | ReadonlyArray<string>>>
  },
  context: {
    readonly hops: number
    readonly anonymous: boolean
    readonly correlationId: string
    readonly secretQueryParams?: ReadonlyArray<string> | undefined
  },
): Decision => {
  if (!policy.follow || !statuses.has(response.status)) return answer
  const raw = response.headers.location
  const location = Array.isArray(raw) ? raw[0] : (raw as string | undefined)
  if (location === undefined) return answer
  const next = nextRequest(request, response.status, location)
  if (next === undefined) return answer
  const secret = context.secretQueryParams
  const refuse = (reason: string): Decision => ({
    _tag: "Refuse",
    error: new OriginRefused({
      method: request.method,
      url: redactUrl(next.url, secret),
      correlationId: context.correlationId,
      origin: Origin.of(next.url) ?? "<none>",
      reason,
    }),
  })
  if (context.hops >= policy.maxHops) {
    return {
      _tag: "Refuse",
      error: new TooManyRedirects({
        method: request.method,
        url: redactUrl(request.url, secret),
        correlationId: context.correlationId,
        location: redactUrl(next.url, secret),
        maxHops: policy.maxHops,
      }),
    }
  }
  if (Origin.of(next.url) === undefined) return refuse("the redirect target is not an http(s) URL")
  const relation = Origin.relation(request.url, next.url)
  if (relation === "downgrade") return refuse("the redirect downgrades https to http")
  if (relation === "same") return { _tag: "Follow", request: next, anonymous: context.anonymous }
  if (policy.crossOrigin !== "follow-without-credentials") {
    return refuse(`the redirect leaves ${Origin.of(request.url)} for ${Origin.of(next.url)}`)
  }
  return { _tag: "Follow", request: withoutCredentials(next, secret), anonymous: true }
}

const answer: Decision = { _tag: "Answer" }
