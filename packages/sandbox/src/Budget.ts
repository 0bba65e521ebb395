/**
 * A provider's rate limit, as a sandbox enforces it on API calls: a token bucket of `limit` calls
 * per `window` seconds (refilled continuously, `burst` deep), answering `status` (429 or 503) with
 * or without `Retry-After` above it, and optionally advertising the budget in headers on every
 * API response (`X-RateLimit-*`, Workable's `X-Rate-Limit-*`, or the IETF draft's
 * `RateLimit-Policy`/`RateLimit`).
 *
 * @example
 * ```ts
 * import { Budget } from "@keyway/sandbox"
 * const budget = new Budget({ limit: 10, window: 1, status: 429, retryAfter: true, headers: "x-ratelimit" })
 * const verdict = budget.take(performance.now())
 * verdict.allowed // true for the first 10 calls of a quiet second
 * ```
 *
 * @since 0.1.0
 */
import type { OutgoingHttpHeaders } from "node:http"

/**
 * The rate-limit headers a sandbox may send.
 *
 * @example
 * ```ts
 * import type { HeaderStyle } from "@keyway/sandbox"
 * const style: HeaderStyle = "ietf"
 * ```
 */
export type HeaderStyle = "none" | "x-ratelimit" | "x-rate-limit" | "ietf"

/**
 * A budget, as given in a sandbox's options (`budget`) or by `POST /__sandbox/control {"budget": …}`.
 *
 * @example
 * ```ts
 * import type { BudgetSpec } from "@keyway/sandbox"
 * const spec: BudgetSpec = { limit: 50, window: 10, headers: "x-rate-limit" }
 * ```
 */
export interface BudgetSpec {
  /** Calls per window. */
  readonly limit: number
  /** The window in seconds (default 1). */
  readonly window?: number
  /** Bucket depth: calls that may arrive at once (default `limit`). */
  readonly burst?: number
  /**
   * `bucket` (default): refilled continuously. `interval`: fixed windows aligned on the wall
   * clock, `limit` calls each (Workable: "rate limits are divided into 10 seconds intervals").
   */
  readonly kind?: "bucket" | "interval"
  /** The status above the budget (default 429). */
  readonly status?: 429 | 503
  /** Whether the refusal says `Retry-After` (seconds until a call fits; default true). */
  readonly retryAfter?: boolean
  /** Rate-limit headers on every API response (default none). */
  readonly headers?: HeaderStyle
}

/**
 * The decision for one API call, and the headers to send with its answer.
 *
 * @example
 * ```ts
 * import { Budget, type Verdict } from "@keyway/sandbox"
 * const budget = new Budget({ limit: 10 })
 * const { allowed, headers, retryAfter }: Verdict = budget.take(performance.now())
 * ```
 */
export interface Verdict {
  readonly allowed: boolean
  readonly headers: OutgoingHttpHeaders
  /** Seconds until a call fits, when refused. */
  readonly retryAfter: number
}

/**
 * Checks a budget spec; throws a `TypeError` saying what is wrong.
 *
 * @example
 * ```ts
 * import { validateBudget } from "@keyway/sandbox"
 * validateBudget({ limit: 0 }) // throws: budget limit must be a positive number
 * ```
 */
export function validateBudget(spec: unknown): BudgetSpec {
  if (spec === null || typeof spec !== "object") throw new TypeError("a budget must be an object")
  const s = spec as Record<string, unknown>
  const positive = (key: string, required: boolean) => {
    const v = s[key]
    if (v === undefined && !required) return
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0)
      throw new TypeError(`budget ${key} must be a positive number`)
  }
  positive("limit", true)
  positive("window", false)
  positive("burst", false)
  if (s.status !== undefined && s.status !== 429 && s.status !== 503)
    throw new TypeError("budget status must be 429 or 503")
  if (s.kind !== undefined && s.kind !== "bucket" && s.kind !== "interval")
    throw new TypeError("budget kind must be bucket or interval")
  if (s.retryAfter !== undefined && typeof s.retryAfter !== "boolean")
    throw new TypeError("budget retryAfter must be a boolean")
  if (
    s.headers !== undefined &&
    !["none", "x-ratelimit", "x-rate-limit", "ietf"].includes(s.headers as string)
  )
    throw new TypeError("budget headers must be none, x-ratelimit, x-rate-limit or ietf")
  return s as unknown as BudgetSpec
}

/**
 * A token bucket over API calls. Times are milliseconds of a monotonic clock.
 *
 * @example
 * ```ts
 * import { Budget } from "@keyway/sandbox"
 * const budget = new Budget({ limit: 5, window: 1, burst: 1 })
 * budget.take(0).allowed // true
 * budget.take(10).allowed // false: the next call fits at 200 ms
 * ```
 */
export class Budget {
  readonly spec: BudgetSpec
  readonly #ratePerMs: number
  readonly #depth: number
  #tokens: number
  #at: number | undefined

  constructor(spec: BudgetSpec) {
    this.spec = validateBudget(spec)
    this.#ratePerMs = spec.limit / ((spec.window ?? 1) * 1000)
    this.#depth = spec.burst ?? spec.limit
    this.#tokens = this.#depth
    this.#at = undefined
  }

  /**
   * Takes one call's token if there is one.
   *
   * @example
   * ```ts
   * import { Budget } from "@keyway/sandbox"
   * const budget = new Budget({ limit: 1, window: 10 })
   * budget.take(performance.now()).allowed // true
   * budget.take(performance.now()).allowed // false: answer 429
   * ```
   */
  take(nowMs: number): Verdict {
    if (this.spec.kind === "interval") return this.#takeInterval()
    if (this.#at !== undefined) {
      this.#tokens = Math.min(this.#depth, this.#tokens + (nowMs - this.#at) * this.#ratePerMs)
    }
    this.#at = nowMs
    const allowed = this.#tokens >= 1
    if (allowed) this.#tokens -= 1
    const untilNextMs = allowed ? 0 : (1 - this.#tokens) / this.#ratePerMs
    const untilFullMs = (this.#depth - this.#tokens) / this.#ratePerMs
    const remaining = Math.floor(this.#tokens)
    const resetMs = remaining === 0 ? (1 - this.#tokens) / this.#ratePerMs : untilFullMs
    return {
      allowed,
      retryAfter: Math.max(1, Math.ceil(untilNextMs / 1000)),
      headers: this.#headers(remaining, Math.ceil(resetMs / 1000)),
    }
  }

  #windowStart = 0
  #used = 0

  // Fixed windows on the wall clock, so that the reset is the Unix time of the next interval.
  #takeInterval(): Verdict {
    const windowMs = (this.spec.window ?? 1) * 1000
    const now = Date.now()
    const start = Math.floor(now / windowMs) * windowMs
    if (start !== this.#windowStart) {
      this.#windowStart = start
      this.#used = 0
    }
    const allowed = this.#used < this.spec.limit
    if (allowed) this.#used++
    const resetSeconds = Math.max(1, Math.ceil((start + windowMs - now) / 1000))
    return {
      allowed,
      retryAfter: resetSeconds,
      headers: this.#headers(this.spec.limit - this.#used, resetSeconds),
    }
  }

  #headers(remaining: number, resetSeconds: number): OutgoingHttpHeaders {
    const limit = this.spec.limit
    const window = this.spec.window ?? 1
    switch (this.spec.headers ?? "none") {
      case "x-ratelimit":
        return {
          "x-ratelimit-limit": String(limit),
          "x-ratelimit-remaining": String(remaining),
          "x-ratelimit-reset": String(resetSeconds),
        }
      case "x-rate-limit":
        // Workable's spelling; its reset is a Unix time in seconds.
        return {
          "x-rate-limit-limit": String(limit),
          "x-rate-limit-remaining": String(remaining),
          "x-rate-limit-reset": String(Math.ceil(Date.now() / 1000) + resetSeconds),
        }
      case "ietf":
        return {
          "ratelimit-policy": `"default";q=${limit};w=${window}`,
          ratelimit: `"default";r=${remaining};t=${resetSeconds}`,
        }
      default:
        return {}
    }
  }
}
