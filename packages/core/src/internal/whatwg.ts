/**
 * The bridge between the pipeline's plain `Http.HttpRequest` and the WHATWG `Request` and
 * `Response` that openapi-fetch middleware, a caller's `Request` class and a caller's `fetch`
 * work with. Nothing here runs on a call without middleware or `fetch`: such a call never builds
 * a `Request`.
 *
 * @internal
 */
import type * as Http from "../Http.ts"

/**
 * The keys of an openapi-fetch `init` that openapi-fetch itself consumes; every other key is
 * `RequestInit` (`signal`, `credentials`, …) or a custom property copied onto the `Request`.
 *
 * @internal
 */
export const OWN_KEYS: ReadonlySet<string> = new Set([
  "baseUrl",
  "fetch",
  "Request",
  "headers",
  "params",
  "parseAs",
  "querySerializer",
  "bodySerializer",
  "pathSerializer",
  "body",
  "middleware",
])

/**
 * The `RequestInit` part of a call's `init` (and its custom properties): what is left once
 * openapi-fetch's own keys are removed. `undefined` when there is none.
 *
 * @internal
 */
export const restOf = (
  init: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined => {
  if (init === undefined) return undefined
  let rest: Record<string, unknown> | undefined
  for (const key in init) {
    if (OWN_KEYS.has(key)) continue
    rest ??= {}
    rest[key] = init[key]
  }
  return rest
}

/**
 * A WHATWG `Request` of the given class for a pipeline request, as openapi-fetch builds it:
 * `redirect: "follow"`, then the client's `RequestInit` defaults, then the call's, then the body
 * and headers; properties of the init that a `Request` does not have are copied onto it.
 *
 * A plain `Request` gets the same request the cheaper way: `redirect: "follow"` and `GET` are
 * its defaults, and headers set on the built request skip the WebIDL record conversion of an
 * `init.headers` (a third of the constructor's cost). They end the same: a body's own content
 * type is only there when no `content-type` header is, and `set` replaces it. A subclass gets the
 * init it may read.
 *
 * @internal
 */
export const toRequest = (
  RequestClass: typeof Request,
  request: Http.HttpRequest,
  defaults: Readonly<Record<string, unknown>> | undefined,
  rest: Readonly<Record<string, unknown>> | undefined,
): Request => {
  if (RequestClass === globalThis.Request && defaults === undefined && rest === undefined) {
    const out =
      request.method === "GET" && request.body === undefined
        ? new Request(request.url)
        : new Request(request.url, { method: request.method, body: request.body as RequestInit["body"] })
    const headers = out.headers
    for (const name in request.headers) headers.set(name, request.headers[name]!)
    return out
  }
  const init = {
    redirect: "follow",
    ...defaults,
    ...rest,
    method: request.method,
    headers: request.headers,
    body: request.body as RequestInit["body"],
  } as RequestInit
  const out = new RequestClass(request.url, init)
  if (rest !== undefined) {
    for (const key in rest) {
      if (!(key in out)) (out as unknown as Record<string, unknown>)[key] = rest[key]
    }
  }
  return out
}

/**
 * The headers of a WHATWG `Headers` as a lower-case record (values of one name joined by `, `).
 *
 * @internal
 */
export const headersOf = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {}
  headers.forEach((value, name) => {
    out[name] = value
  })
  return out
}

/**
 * A pipeline request from a WHATWG `Request`. `built` is the request it was made from, if any:
 * when `request` is still the one built from it, its body bytes are reused (a body cannot be
 * changed on a `Request`) and only its headers (which a middleware may have set) are read.
 *
 * @internal
 */
export const fromRequest = (
  request: Request,
  built?: { readonly from: Http.HttpRequest; readonly request: Request } | undefined,
): Http.HttpRequest | Promise<Http.HttpRequest> => {
  const headers = headersOf(request.headers)
  if (built !== undefined && built.request === request) {
    return { method: built.from.method, url: built.from.url, headers, body: built.from.body }
  }
  if (request.body === null) return { method: request.method, url: request.url, headers, body: undefined }
  return request
    .arrayBuffer()
    .then((bytes) => ({ method: request.method, url: request.url, headers, body: new Uint8Array(bytes) }))
}

/**
 * openapi-fetch's answer for a WHATWG `Response` (after middleware changed or made it): no body
 * for 204, HEAD or `Content-Length: 0` (not chunked); a 2xx body as `parseAs` says (JSON when
 * empty without a length is `undefined`); an error body as JSON, else its text. Throws the
 * parser's `SyntaxError` for a 2xx body that is not JSON, as openapi-fetch does.
 *
 * @internal
 */
export const parse = async (
  response: Response,
  method: string,
  parseAs: "json" | "text" | "blob" | "arrayBuffer" | "stream",
): Promise<{ readonly data?: unknown; readonly error?: unknown; readonly response: Response }> => {
  const contentLength = response.headers.get("Content-Length")
  if (
    response.status === 204 ||
    method === "HEAD" ||
    (contentLength === "0" && !response.headers.get("Transfer-Encoding")?.includes("chunked"))
  ) {
    return response.ok ? { data: undefined, response } : { error: undefined, response }
  }
  if (response.ok) {
    if (parseAs === "stream") return { data: response.body, response }
    if (parseAs === "json" && !contentLength) {
      const raw = await response.text()
      return { data: raw ? JSON.parse(raw) : undefined, response }
    }
    return { data: await response[parseAs](), response }
  }
  let error: unknown = await response.text()
  try {
    error = JSON.parse(error as string)
  } catch {}
  return { error, response }
}
