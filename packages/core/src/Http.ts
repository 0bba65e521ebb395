/**
 * The plain request and response values that flow through Keyway's pipeline, beneath
 * openapi-fetch. They are deliberately simple (no streams): the request body is read once into
 * bytes, so every attempt and every retry after a token refresh sends a fresh, identical copy, and
 * a response is complete (body read) before it is classified, so a connection reset mid-body is a
 * network error of that attempt, not a surprise for the caller.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * const req = Http.makeRequest("GET", "https://api.example/items", { accept: "application/json" })
 * const signed = Http.setHeader(req, "authorization", "Bearer t")
 * ```
 *
 * @since 0.1.0
 */
import { STATUS_CODES } from "node:http"
import type * as Shapes from "./internal/shapes.ts"

/**
 * An outgoing request. Header names are lower case. Plugins return a new value (`setHeader`,
 * `setQuery`) rather than mutating.
 *
 * @example
 * ```ts
 * import type { Http } from "@keyway/core"
 * const request: Http.HttpRequest = { method: "GET", url: "https://api.example.com/jobs", headers: { accept: "application/json" }, body: undefined }
 * ```
 *
 * @since 0.1.0
 */
export interface HttpRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array | undefined
}

/**
 * A complete response: status, lower-case headers, and the whole body.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * const response: Http.HttpResponse = { status: 200, headers: { "content-type": "application/json" }, body: new TextEncoder().encode('{"ok":true}') }
 * Http.json(response) // { ok: true }
 * ```
 *
 * @since 0.1.0
 */
export interface HttpResponse {
  readonly status: number
  /**
   * The reason phrase the server sent (`"OK"`, `"Not Found"`), as the transport saw it; HTTP/2
   * has none, and a hand-made response may leave it out: read it with {@link statusText}, which
   * falls back to the standard phrase.
   */
  readonly statusText?: string | undefined
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string>>>
  readonly body: Uint8Array
}

/**
 * Builds a request; header names are lower-cased.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.makeRequest("POST", "https://x/y", { "Content-Type": "application/json" }, new TextEncoder().encode("{}"))
 * ```
 *
 * @since 0.1.0
 */
export const makeRequest = (
  method: string,
  url: string,
  headers: Readonly<Record<string, string>> = {},
  body?: Uint8Array,
): HttpRequest => {
  const lower: Record<string, string> = {}
  for (const name in headers) lower[name.toLowerCase()] = headers[name]!
  return { method: method.toUpperCase(), url, headers: lower, body }
}

/**
 * Returns the request with a header set (name lower-cased).
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.setHeader(Http.makeRequest("GET", "https://x/"), "Authorization", "Bearer t")
 * ```
 *
 * @since 0.1.0
 */
export const setHeader = (request: HttpRequest, name: string, value: string): HttpRequest => ({
  ...request,
  headers: { ...request.headers, [name.toLowerCase()]: value },
})

/**
 * Returns the request with a query parameter set (replacing any of the same name).
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.setQuery(Http.makeRequest("GET", "https://x/y?a=1"), "api_key", "k").url // "https://x/y?a=1&api_key=k"
 * ```
 *
 * @since 0.1.0
 */
export const setQuery = (request: HttpRequest, name: string, value: string): HttpRequest => {
  const url = new URL(request.url)
  url.searchParams.set(name, value)
  return { ...request, url: url.toString() }
}

/**
 * A response header's first value, by lower-case name.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.header({ status: 200, headers: { "retry-after": "3" }, body: new Uint8Array() }, "retry-after") // "3"
 * ```
 *
 * @since 0.1.0
 */
export const header = (response: HttpResponse, name: string): string | undefined => {
  const value = response.headers[name]
  return Array.isArray(value) ? value[0] : (value as string | undefined)
}

/**
 * The status line's reason phrase: the one the server sent, else the standard phrase of the
 * status (`STATUS_CODES` of `node:http`), else `""`.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.statusText({ status: 404, headers: {}, body: new Uint8Array() }) // "Not Found"
 * Http.statusText({ status: 200, statusText: "Fine", headers: {}, body: new Uint8Array() }) // "Fine"
 * ```
 *
 * @since 0.2.0
 */
export const statusText = (response: HttpResponse): string =>
  response.statusText || STATUS_CODES[response.status] || ""

const decoder = new TextDecoder()

/**
 * The body as text (UTF-8).
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.text({ status: 200, headers: {}, body: new TextEncoder().encode("hi") }) // "hi"
 * ```
 *
 * @since 0.1.0
 */
export const text = (response: HttpResponse): string => decoder.decode(response.body)

/**
 * The body parsed as JSON, or the text when it is not JSON, or `undefined` when empty.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.json({ status: 400, headers: {}, body: new TextEncoder().encode('{"error":"x"}') }) // { error: "x" }
 * ```
 *
 * @since 0.1.0
 */
export const json = (response: HttpResponse): unknown => {
  if (response.body.byteLength === 0) return undefined
  const body = text(response)
  try {
    return JSON.parse(body)
  } catch {
    return body
  }
}

/**
 * Methods that may be retried after the request reached the server.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.idempotentMethods.has("PUT") // true
 * Http.idempotentMethods.has("POST") // false
 * ```
 *
 * @since 0.1.0
 */
export const idempotentMethods: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "OPTIONS",
  "PUT",
  "DELETE",
  "TRACE",
])

/**
 * Where a credential goes: a header (with an optional scheme such as `Bearer`) or a query
 * parameter: the descriptor's `placement`. A plain type (the Promise entry loads no effect) whose
 * agreement with the schema (`Descriptor.Placement`) `Descriptor.ts` checks at compile time.
 *
 * @example
 * ```ts
 * import type { Http } from "@keyway/core"
 * const apiKey: Http.Placement = { in: "header", name: "X-Api-Key" }
 * ```
 *
 * @since 0.1.0
 */
export interface Placement {
  readonly in: (typeof Shapes.placements)[number]
  readonly name: string
  readonly scheme?: string | undefined
}

/**
 * `Authorization: Bearer <token>`, the placement most providers use.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.withCredential(Http.makeRequest("GET", "https://x/"), Http.bearer, "t").headers.authorization // "Bearer t"
 * ```
 *
 * @since 0.1.0
 */
export const bearer: Placement = { in: "header", name: "Authorization", scheme: "Bearer" }

/**
 * Puts a credential where a placement says.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * Http.withCredential(Http.makeRequest("GET", "https://x/"), { in: "header", name: "X-Api-Key" }, "k").headers["x-api-key"] // "k"
 * Http.withCredential(Http.makeRequest("GET", "https://x/"), { in: "query", name: "api_key" }, "k").url // "https://x/?api_key=k"
 * ```
 *
 * @since 0.2.0
 */
export const withCredential = (request: HttpRequest, placement: Placement, value: string): HttpRequest =>
  placement.in === "query"
    ? setQuery(request, placement.name, value)
    : setHeader(request, placement.name, placement.scheme ? `${placement.scheme} ${value}` : value)

/**
 * Reads back the credential a request carries at a placement (the scheme removed), e.g. to
 * know which token a 401 rejected.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * const request = Http.withCredential(Http.makeRequest("GET", "https://x/"), Http.bearer, "t")
 * Http.credentialOf(request, Http.bearer) // "t"
 * ```
 *
 * @since 0.2.0
 */
export const credentialOf = (request: HttpRequest, placement: Placement): string | undefined => {
  const raw =
    placement.in === "query"
      ? (new URL(request.url).searchParams.get(placement.name) ?? undefined)
      : request.headers[placement.name.toLowerCase()]
  if (raw === undefined) return undefined
  return placement.in === "header" && placement.scheme ? raw.replace(/^\S+\s+/, "") : raw
}
