/**
 * Shared helpers for the sandbox tests: JSON fetches and token flows.
 *
 * @example
 * ```ts
 * const { status, body } = await getJson(url, bearer(token))
 * ```
 */

/**
 * A fetch that answers status, headers and the parsed JSON body (or text).
 *
 * @example
 * ```ts
 * const r = await call("http://127.0.0.1:1/x", { method: "POST" })
 * ```
 */
export async function call(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await fetch(url, { redirect: "manual", ...init })
  const text = await res.text()
  let body: any
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = text
  }
  return { status: res.status, headers: res.headers, body, text }
}

/**
 * A bearer Authorization header.
 *
 * @example
 * ```ts
 * bearer("abc") // { authorization: "Bearer abc" }
 * ```
 */
export function bearer(token: string, extra?: Record<string, string>): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...extra }
}

/**
 * POSTs JSON.
 *
 * @example
 * ```ts
 * await postJson(url, { a: 1 })
 * ```
 */
export function postJson(url: string, body: unknown, headers?: Record<string, string>) {
  return call(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  })
}

/**
 * POSTs a urlencoded form.
 *
 * @example
 * ```ts
 * await postForm(url, { a: "1" })
 * ```
 */
export function postForm(url: string, fields: Record<string, string>, headers?: Record<string, string>) {
  return call(url, { method: "POST", headers, body: new URLSearchParams(fields) })
}

/**
 * Follows an authorize URL without a browser and returns the redirect's query.
 *
 * @example
 * ```ts
 * const q = await authorize(`${authorizeUrl}?client_id=…`)
 * q.get("code")
 * ```
 */
export async function authorize(
  url: string,
): Promise<{ status: number; query: URLSearchParams; location: string }> {
  const res = await fetch(url, { redirect: "manual" })
  await res.text()
  const location = res.headers.get("location") ?? ""
  return {
    status: res.status,
    query: location ? new URL(location).searchParams : new URLSearchParams(),
    location,
  }
}
