/**
 * The requests the coverage checks sign: one base request that has every part a plugin may sign,
 * and its variants, each differing from it in one part.
 *
 * @since 0.2.0
 */
import { Http } from "@keyway/core"
import type { Signs } from "../../conformance/Options.ts"

const text = (value: string) => new TextEncoder().encode(value)

/**
 * The request the coverage check varies, one part at a time.
 *
 * @example
 * ```ts
 * coverageBase("http://127.0.0.1:8080/resource", { headers: ["x-date"] }).headers["x-date"] // "kit-x-date-1"
 * ```
 */
export const coverageBase = (resourceUrl: string, signs: Signs) =>
  Http.makeRequest(
    "POST",
    `${resourceUrl}/items?a=1&b=two`,
    {
      "content-type": "application/json",
      ...Object.fromEntries((signs.headers ?? []).map((name) => [name, `kit-${name}-1`])),
    },
    text('{"n":1}'),
  )

/**
 * The request with each declared part changed, named by the part.
 *
 * @example
 * ```ts
 * variantsOf(base, { method: true }).map(([part]) => part) // ["the method"]
 * ```
 */
export const variantsOf = (
  base: Http.HttpRequest,
  signs: Signs,
): ReadonlyArray<readonly [part: string, request: Http.HttpRequest]> => {
  const url = new URL(base.url)
  const out: Array<readonly [string, Http.HttpRequest]> = []
  if (signs.method) out.push(["the method", { ...base, method: "PUT" }])
  if (signs.path) out.push(["the path", { ...base, url: `${url.origin}${url.pathname}-other${url.search}` }])
  if (signs.query) {
    const changed = new URL(base.url)
    changed.searchParams.set("a", "2")
    out.push(["the query", { ...base, url: changed.toString() }])
  }
  for (const name of signs.headers ?? []) {
    out.push([`the ${name} header`, Http.setHeader(base, name, `kit-${name}-2`)])
  }
  if (signs.body) out.push(["the body", { ...base, body: text('{"n":2}') }])
  return out
}
