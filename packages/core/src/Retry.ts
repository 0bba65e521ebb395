/**
 * Retry policy: exponential backoff with full jitter, a cap, an attempt limit and an overall
 * deadline; `Retry-After` honoured (seconds or HTTP date) as a minimum delay; a wait longer than
 * `maxRetryAfterMs` fails fast with `RateLimited` instead of sleeping.
 *
 * What is retried:
 * - network errors and the statuses in `retryOn` (408, 425, 429, 500, 502, 503, 504);
 * - for POST and PATCH (not idempotent) only when the request never reached the server, on
 *   429/503 with `Retry-After` (the server says it did nothing), or when the call carries an
 *   idempotency key.
 *
 * Configurable per provider (`Retry.layer`, the descriptor's `retry`) and per call
 * (`keyway: { retry: { maxAttempts: 1 } }`).
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * const layer = Retry.layer({ maxAttempts: 5, maxDelayMs: 5_000 })
 * Retry.parseRetryAfter("120", 0) // 120_000
 * ```
 *
 * @since 0.1.0
 */
import { Context, Layer } from "effect"
import { idempotentMethods } from "./Http.ts"
import type * as Options from "./Options.ts"

/**
 * A retry policy. All times are milliseconds.
 *
 * @since 0.1.0
 */
export interface Policy extends Options.RetryPolicy {}

/**
 * The defaults: 4 attempts, 200 ms base, 10 s cap, 60 s for a Retry-After, 2 min deadline,
 * 30 s per attempt.
 *
 * @since 0.1.0
 */
export const defaults: Policy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  deadlineMs: 120_000,
  attemptTimeoutMs: 30_000,
  retryOn: [408, 425, 429, 500, 502, 503, 504],
}

/**
 * The policy service; defaults to {@link defaults}.
 *
 * @since 0.1.0
 */
export const Retry = Context.Reference<Policy>("@keyway/core/Retry", { defaultValue: () => defaults })

/**
 * A layer with a provider's overrides on top of the defaults.
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * Retry.layer({ maxAttempts: 2 })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (overrides: Partial<Policy>): Layer.Layer<never> =>
  Layer.succeed(Retry, merge(defaults, overrides)) as Layer.Layer<never>

/**
 * A policy with overrides applied (undefined fields ignored).
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * Retry.merge(Retry.defaults, { maxAttempts: 1 }).maxAttempts // 1
 * ```
 *
 * @since 0.1.0
 */
export const merge = (policy: Policy, overrides: Partial<Policy> | undefined): Policy => {
  if (overrides === undefined) return policy
  const out: Record<string, unknown> = { ...policy }
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) out[name] = value
  return out as unknown as Policy
}

/**
 * The backoff before attempt `attempt + 1` (after `attempt` failed), with full jitter:
 * a uniform draw in `[0, min(cap, base × 2^(attempt-1))]`.
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * Retry.backoff(Retry.defaults, 3, 0.5) // 400
 * ```
 *
 * @since 0.1.0
 */
export const backoff = (policy: Policy, attempt: number, random: number): number =>
  Math.floor(random * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)))

/**
 * `Retry-After` in milliseconds from now: delta-seconds or an HTTP date; `undefined` when absent
 * or unparseable. A date in the past gives 0.
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * Retry.parseRetryAfter("3", 0) // 3000
 * Retry.parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4_000) // 6000
 * ```
 *
 * @since 0.1.0
 */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * What failed in an attempt, for {@link isRetryable}.
 *
 * @since 0.1.0
 */
export type Outcome =
  | { readonly _tag: "Status"; readonly status: number; readonly retryAfterMs: number | undefined }
  | { readonly _tag: "Network"; readonly reachedServer: boolean }
  | { readonly _tag: "Timeout" }

/**
 * Whether an attempt's outcome deserves another attempt under the method rules.
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * Retry.isRetryable(Retry.defaults, "POST", { _tag: "Status", status: 503, retryAfterMs: undefined }, false) // false
 * Retry.isRetryable(Retry.defaults, "POST", { _tag: "Status", status: 503, retryAfterMs: 1000 }, false) // true
 * ```
 *
 * @since 0.1.0
 */
export const isRetryable = (
  policy: Policy,
  method: string,
  outcome: Outcome,
  idempotencyKey: boolean,
): boolean => {
  const safe = idempotencyKey || idempotentMethods.has(method)
  switch (outcome._tag) {
    case "Status":
      if (!policy.retryOn.includes(outcome.status)) return false
      return (
        safe || ((outcome.status === 429 || outcome.status === 503) && outcome.retryAfterMs !== undefined)
      )
    case "Network":
      return safe || !outcome.reachedServer
    case "Timeout":
      return safe
  }
}
