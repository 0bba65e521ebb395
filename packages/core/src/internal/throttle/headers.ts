import type * as Http from "../../Http.ts"

/**
 * What a provider's rate-limit headers say. Times are milliseconds from `now`.
 *
 * @example
 * ```ts
 * import type { Throttle } from "@keyway/core"
 * const info: Throttle.RateLimitInfo = { limit: 50, remaining: 0, resetMs: 4_000 }
 * ```
 *
 * @since 0.1.0
 */
export interface RateLimitInfo {
  readonly limit?: number | undefined
  readonly remaining?: number | undefined
  readonly resetMs?: number | undefined
  /** The window of `limit` (`RateLimit-Policy`'s `w`), when declared. */
  readonly windowMs?: number | undefined
}

const first = (headers: Http.HttpResponse["headers"], names: ReadonlyArray<string>): string | undefined => {
  for (const name of names) {
    const value = headers[name]
    if (typeof value === "string") return value
    if (Array.isArray(value) && value.length > 0) return value[0]
  }
  return undefined
}

const num = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined
  const match = /-?\d+(\.\d+)?/.exec(text)
  return match === null ? undefined : Number(match[0])
}

// A reset that looks like a Unix time (seconds) rather than a delay.
const resetToMs = (seconds: number | undefined, now: number): number | undefined => {
  if (seconds === undefined) return undefined
  return seconds > 1_000_000_000 ? Math.max(0, seconds * 1000 - now) : Math.max(0, seconds * 1000)
}

const param = (text: string | undefined, names: ReadonlyArray<string>): number | undefined => {
  if (text === undefined) return undefined
  for (const name of names) {
    const match = new RegExp(`(?:^|[;,\\s])${name}=(\\d+(?:\\.\\d+)?)`).exec(text)
    if (match !== null) return Number(match[1])
  }
  return undefined
}

/**
 * Reads the rate-limit headers of a response (lower-case names): `X-RateLimit-*` and
 * `X-Rate-Limit-*` (a reset above 10⁹ is a Unix time), the IETF draft's `RateLimit` (`limit=`,
 * `remaining=`/`r=`, `reset=`/`t=`) with `RateLimit-Policy` (`10;w=1` or `"p";q=10;w=1`), and the
 * draft's older `RateLimit-Limit/Remaining/Reset`. `undefined` when none is present.
 *
 * @example
 * ```ts
 * import { Throttle } from "@keyway/core"
 * Throttle.parseHeaders({ ratelimit: '"default";r=0;t=2', "ratelimit-policy": '"default";q=10;w=1' }, 0)
 * // { limit: 10, remaining: 0, resetMs: 2000, windowMs: 1000 }
 * ```
 *
 * @since 0.1.0
 */
export const parseHeaders = (
  headers: Http.HttpResponse["headers"],
  now: number,
): RateLimitInfo | undefined => {
  const combined = first(headers, ["ratelimit"])
  const policy = first(headers, ["ratelimit-policy", "x-ratelimit-policy"])
  const limit =
    num(first(headers, ["x-ratelimit-limit", "x-rate-limit-limit", "ratelimit-limit"])) ??
    param(combined, ["limit"]) ??
    param(policy, ["q"]) ??
    (policy !== undefined && /^\s*\d/.test(policy) ? num(policy) : undefined)
  const remaining =
    num(first(headers, ["x-ratelimit-remaining", "x-rate-limit-remaining", "ratelimit-remaining"])) ??
    param(combined, ["remaining", "r"])
  const resetSeconds =
    num(first(headers, ["x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"])) ??
    param(combined, ["reset", "t"])
  const windowSeconds = param(policy, ["w"])
  if (limit === undefined && remaining === undefined && resetSeconds === undefined) return undefined
  return {
    limit,
    remaining,
    resetMs: resetToMs(resetSeconds, now),
    windowMs: windowSeconds === undefined ? undefined : windowSeconds * 1000,
  }
}
