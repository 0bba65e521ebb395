/**
 * A path router for the sandboxes: `{name}` segments capture path parameters. Routes are indexed
 * by method and segment count, so matching is a short scan.
 *
 * @example
 * ```ts
 * const router = new Router<string>()
 * router.add("GET", "/jobs/{shortcode}", "api", "getJob")
 * router.match("GET", "/jobs/ABC123") // { route: { …, handler: "getJob" }, params: { shortcode: "ABC123" } }
 * ```
 *
 * @since 0.1.0
 */

/**
 * What a route does, for counters, token latency and fault targeting:
 * `token` (token endpoint), `login` (a session login), `authorize` (the consent redirect),
 * `revoke`, `logout` and `api` (a resource call).
 *
 * @example
 * ```ts
 * const kind: RouteKind = "token"
 * ```
 */
export type RouteKind = "token" | "login" | "authorize" | "revoke" | "logout" | "api"

/**
 * A registered route.
 *
 * @example
 * ```ts
 * const route: Route<string> = { method: "GET", pattern: "/a/{id}", segments: ["", "a", "{id}"], kind: "api", handler: "x" }
 * ```
 */
export interface Route<H> {
  readonly method: string
  readonly pattern: string
  readonly segments: readonly string[]
  readonly kind: RouteKind
  readonly handler: H
}

/**
 * A match: the route and its decoded path parameters.
 *
 * @example
 * ```ts
 * const m: RouteMatch<string> | undefined = router.match("GET", "/a/1")
 * ```
 */
export interface RouteMatch<H> {
  readonly route: Route<H>
  readonly params: Record<string, string>
}

/**
 * The router itself.
 *
 * @example
 * ```ts
 * new Router<() => void>().add("POST", "/token", "token", () => {})
 * ```
 */
export class Router<H> {
  readonly #index = new Map<string, Route<H>[]>()
  readonly routes: Route<H>[] = []

  /**
   * Registers a route; returns the router for chaining.
   *
   * @example
   * ```ts
   * router.add("GET", "/users/{id}", "api", handler)
   * ```
   */
  add(method: string, pattern: string, kind: RouteKind, handler: H): this {
    const segments = pattern.split("/")
    const route: Route<H> = { method, pattern, segments, kind, handler }
    const key = `${method} ${segments.length}`
    const list = this.#index.get(key)
    if (list) list.push(route)
    else this.#index.set(key, [route])
    this.routes.push(route)
    return this
  }

  /**
   * Finds the route for a method and a path (without query string). Literal segments win over
   * parameters when both match, whatever the order of registration.
   *
   * @example
   * ```ts
   * router.match("GET", "/users/42")?.params.id // "42"
   * ```
   */
  match(method: string, path: string): RouteMatch<H> | undefined {
    const parts = path.split("/")
    const list = this.#index.get(`${method} ${parts.length}`)
    if (!list) return undefined
    let best: RouteMatch<H> | undefined
    let bestLiterals = -1
    for (const route of list) {
      let literals = 0
      let params: Record<string, string> | undefined
      let ok = true
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i] as string
        const part = parts[i] as string
        if (seg.charCodeAt(0) === 123 /* { */) {
          if (part === "") {
            ok = false
            break
          }
          params ??= {}
          params[seg.slice(1, -1)] = safeDecode(part)
        } else if (seg === part) {
          literals++
        } else {
          ok = false
          break
        }
      }
      if (ok && literals > bestLiterals) {
        best = { route, params: params ?? {} }
        bestLiterals = literals
      }
    }
    return best
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}
