/**
 * The metrics hook of the runtime: what a call, an attempt, a retry, a token request and a
 * throttle wait report, to a {@link Sink} that an exporter package fills (`@keyway/otel` gives one
 * on OpenTelemetry's metrics API). With no sink installed (the default) nothing is measured and
 * the hot path pays one context lookup.
 *
 * Spans are not here: the runtime makes Effect spans (`keyway.call`, its `keyway.attempt`
 * children, `keyway.token_request` linked to the call that caused it) whenever a tracer is
 * installed, and any Effect tracer (e.g. `@effect/opentelemetry`'s) exports them.
 *
 * Every attribute is a low-cardinality label: provider, route template, method, status, reason.
 * Never a URL, a header, a token or a correlation id.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "@keyway/core"
 *
 * const calls: Array<Telemetry.CallEvent> = []
 * const sink: Telemetry.Sink = { ...Telemetry.noop, call: (event) => calls.push(event) }
 * const withSink = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Telemetry.Telemetry, sink)
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Tracer } from "effect"

/**
 * One finished call.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@keyway/core"
 * const event: Telemetry.CallEvent = { provider: "ccw", method: "POST", route: "/API/candidates/search", status: 200, outcome: "ok", attempts: 1, durationMs: 42 }
 * ```
 *
 * @since 0.1.0
 */
export interface CallEvent {
  readonly provider: string
  readonly method: string
  readonly route: string
  /** The final status, when there was a response. */
  readonly status: number | undefined
  /** `ok` (2xx/3xx), `http_error` (a 4xx/5xx answer), or the error's tag (`TimeoutError`, ...). */
  readonly outcome: string
  readonly attempts: number
  readonly durationMs: number
}

/**
 * One attempt (one request sent, or failing to be).
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@keyway/core"
 * const event: Telemetry.AttemptEvent = { provider: "ccw", method: "POST", route: "/API/candidates/search", status: 503, outcome: "response", durationMs: 12 }
 * ```
 *
 * @since 0.1.0
 */
export interface AttemptEvent {
  readonly provider: string
  readonly method: string
  readonly route: string
  readonly status: number | undefined
  /** `response` or the error's tag. */
  readonly outcome: string
  readonly durationMs: number
}

/**
 * A retry decided: why (`status_429`, `status_503`, `network`, `timeout`, `unauthorized`).
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@keyway/core"
 * const event: Telemetry.RetryEvent = { provider: "cultureamp", route: "/employees", reason: "status_429" }
 * ```
 *
 * @since 0.1.0
 */
export interface RetryEvent {
  readonly provider: string
  readonly route: string
  readonly reason: string
}

/**
 * One token request (grant `client_credentials`, `refresh_token`, `authorization_code`, ...).
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@keyway/core"
 * const event: Telemetry.TokenEvent = { provider: "workable", grant: "refresh_token", outcome: "success", durationMs: 80 }
 * ```
 *
 * @since 0.1.0
 */
export interface TokenEvent {
  readonly provider: string
  readonly grant: string
  /** `success` or the error's tag (`InvalidClient`, `TokenEndpointError`, ...). */
  readonly outcome: string
  readonly durationMs: number
}

/**
 * A throttle decision before a call: sent at once, after a wait, or refused (deadline).
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@keyway/core"
 * const event: Telemetry.ThrottleEvent = { provider: "ccw", outcome: "waited", waitMs: 100 }
 * ```
 *
 * @since 0.1.0
 */
export interface ThrottleEvent {
  readonly provider: string
  readonly outcome: "immediate" | "waited" | "rejected"
  readonly waitMs: number
}

/**
 * One sweep of a connections keeper (`@keyway/connections`): how many connections it saw, and
 * what became of those that were due.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@keyway/core"
 * const event: Telemetry.SweepEvent = { provider: "workable", connections: 10, due: 2, refreshed: 1, alreadyFresh: 0, failed: 1, reauthorizationRequired: 0, skipped: 8, durationMs: 35 }
 * ```
 *
 * @since 0.1.0
 */
export interface SweepEvent {
  /** The providers swept, comma-separated in the keeper's order. */
  readonly provider: string
  /** Connections listed. */
  readonly connections: number
  /** Connections due (refresh attempted). */
  readonly due: number
  /** Refreshes this keeper made (a token request that succeeded). */
  readonly refreshed: number
  /** Due connections another process had refreshed meanwhile (no token request). */
  readonly alreadyFresh: number
  readonly failed: number
  readonly reauthorizationRequired: number
  /** Connections skipped: needing reauthorization, revoked, expired, without refresh token, or in backoff. */
  readonly skipped: number
  readonly durationMs: number
}

/**
 * Where the runtime reports. Implementations must not throw and should be cheap (they run on
 * the call's path).
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@keyway/core"
 * const counts = new Map<string, number>()
 * const sink: Telemetry.Sink = {
 *   call: (e) => counts.set(e.outcome, (counts.get(e.outcome) ?? 0) + 1),
 *   attempt: () => {},
 *   retry: () => {},
 *   tokenRequest: () => {},
 *   throttle: () => {},
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface Sink {
  readonly call: (event: CallEvent) => void
  readonly attempt: (event: AttemptEvent) => void
  readonly retry: (event: RetryEvent) => void
  readonly tokenRequest: (event: TokenEvent) => void
  readonly throttle: (event: ThrottleEvent) => void
  /** A keeper sweep (optional: sinks written before keepers existed stay valid). */
  readonly keeperSweep?: ((event: SweepEvent) => void) | undefined
}

/**
 * A sink that drops everything, to spread into a partial one.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@keyway/core"
 * const sink: Telemetry.Sink = { ...Telemetry.noop, retry: (e) => console.log(e.reason) }
 * ```
 *
 * @since 0.1.0
 */
export const noop: Sink = {
  call: () => {},
  attempt: () => {},
  retry: () => {},
  tokenRequest: () => {},
  throttle: () => {},
}

/**
 * The installed sink; `undefined` (the default) measures nothing.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Telemetry } from "@keyway/core"
 * const layer = Layer.succeed(Telemetry.Telemetry, Telemetry.noop)
 * ```
 *
 * @since 0.1.0
 */
export const Telemetry = Context.Reference<Sink | undefined>("@keyway/core/Telemetry", {
  defaultValue: () => undefined,
})

/**
 * The `keyway.call` span of the call being run, when traced: what a token request the call
 * causes links to.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "@keyway/core"
 * const callSpanId = Effect.map(Telemetry.CurrentCall, (span) => span?.spanId)
 * ```
 *
 * @since 0.1.0
 */
export const CurrentCall = Context.Reference<Tracer.AnySpan | undefined>(
  "@keyway/core/Telemetry/CurrentCall",
  {
    defaultValue: () => undefined,
  },
)

/**
 * The outcome label of a call that ended with a response or an error.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@keyway/core"
 * Telemetry.outcomeOf(503, undefined) // "http_error"
 * ```
 *
 * @since 0.1.0
 */
export const outcomeOf = (
  status: number | undefined,
  error: { readonly _tag: string } | undefined,
): string => (error !== undefined ? error._tag : status !== undefined && status >= 400 ? "http_error" : "ok")
