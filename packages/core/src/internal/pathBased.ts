/**
 * The path-based form of a client (`client["/pets/{petId}"].GET(init)`), built with
 * openapi-fetch's own `wrapAsPathBasedClient` (a proxy that forwards every property to the
 * client's methods), plus the client's lifecycle methods (`close`, `release`,
 * `Symbol.asyncDispose`) as own properties: no OpenAPI path can be named like them (paths start
 * with `/`), so they never hide an endpoint.
 *
 * @internal
 */
import { wrapAsPathBasedClient } from "openapi-fetch"

const lifecycle = ["close", "release", Symbol.asyncDispose] as const

/**
 * Wraps a client: every `/path` property forwards to its methods, the lifecycle methods are the
 * client's own.
 *
 * @internal
 */
export const wrap = <T extends object>(client: object): T => {
  const wrapped = wrapAsPathBasedClient(client as never) as Record<PropertyKey, unknown>
  const source = client as Record<PropertyKey, unknown>
  for (const key of lifecycle) {
    if (typeof source[key] === "function") {
      Object.defineProperty(wrapped, key, { value: source[key], enumerable: false })
    }
  }
  return wrapped as T
}
