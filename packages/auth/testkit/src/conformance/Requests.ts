/**
 * The requests the kit signs: varied requests under the resource URL (every method, several body
 * types, queries), the request the signature-coverage check varies one declared part at a time,
 * and what a plugin added to a request (what the signing checks compare).
 *
 * @example
 * ```ts
 * import { Conformance } from "@keyway/auth-testkit"
 * Conformance.variedRequests("http://127.0.0.1:8080/resource").length // 9
 * ```
 *
 * @since 0.2.0
 */
import { Http } from "@keyway/core"

/**
 * What a plugin added to or changed on a request: headers, query parameters and the body. The
 * unit the signing checks compare.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * import { Conformance } from "@keyway/auth-testkit"
 * const base = Http.makeRequest("GET", "http://127.0.0.1/x?a=1")
 * Conformance.addedBy(base, Http.setHeader(base, "x-signature", "s")) // '{"headers":{"x-signature":"s"},"query":[],"body":null}'
 * ```
 *
 * @since 0.2.0
 */
export const addedBy = (base: Http.HttpRequest, signed: Http.HttpRequest): string => {
  const headers: Record<string, string> = {}
  for (const name of Object.keys(signed.headers).sort()) {
    if (base.headers[name] !== signed.headers[name]) headers[name] = signed.headers[name]!
  }
  const before = new URL(base.url).searchParams
  const query = [...new URL(signed.url).searchParams].filter(
    ([name, value]) => !before.getAll(name).includes(value),
  )
  const same =
    base.body === signed.body ||
    (base.body !== undefined &&
      signed.body !== undefined &&
      Buffer.from(base.body).equals(Buffer.from(signed.body)))
  return JSON.stringify({
    headers,
    query,
    body: same ? null : Buffer.from(signed.body ?? new Uint8Array()).toString("base64"),
  })
}

const text = (value: string) => new TextEncoder().encode(value)

/**
 * The kit's varied requests under a resource URL: every method, JSON, form, bytes, multipart and
 * text bodies, queries with repeated, encoded and unicode values.
 *
 * @example
 * ```ts
 * import { Conformance } from "@keyway/auth-testkit"
 * Conformance.variedRequests("http://127.0.0.1:8080/resource").map((r) => r.method)
 * ```
 *
 * @since 0.2.0
 */
export const variedRequests = (resourceUrl: string): ReadonlyArray<Http.HttpRequest> => {
  const boundary = "kitboundary7MA4YWxk"
  return [
    Http.makeRequest("GET", `${resourceUrl}/items?b=2&a=1&a=0&q=caf%C3%A9%20au+lait`, {
      accept: "application/json",
    }),
    Http.makeRequest(
      "POST",
      `${resourceUrl}/items`,
      { "content-type": "application/json" },
      text('{"name":"Ada","n":1,"tags":["a","b"]}'),
    ),
    Http.makeRequest(
      "PUT",
      `${resourceUrl}/items/42?dry=true`,
      { "content-type": "application/x-www-form-urlencoded" },
      text("a=1&b=x+y&c=%26"),
    ),
    Http.makeRequest(
      "PATCH",
      `${resourceUrl}/items/42`,
      { "content-type": "application/octet-stream" },
      new Uint8Array([0, 1, 2, 254, 255]),
    ),
    Http.makeRequest(
      "POST",
      `${resourceUrl}/uploads`,
      { "content-type": `multipart/form-data; boundary=${boundary}` },
      text(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--${boundary}--\r\n`,
      ),
    ),
    Http.makeRequest(
      "POST",
      `${resourceUrl}/notes?lang=fr`,
      { "content-type": "text/plain; charset=utf-8" },
      text("héllo ✓ — 10 €"),
    ),
    Http.makeRequest("DELETE", `${resourceUrl}/items/42?force=1`),
    Http.makeRequest("HEAD", `${resourceUrl}/items`),
    Http.makeRequest("OPTIONS", `${resourceUrl}/items`),
  ]
}
