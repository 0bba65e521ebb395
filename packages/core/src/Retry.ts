/**
 * The one retry engine of Keyway, used by calls (`Call.execute`) and token requests
 * (`TokenRequest.request`) alike: exponential backoff with full jitter, a cap, an attempt limit
 * and an overall deadline; `Retry-After` honoured (seconds or HTTP date) as a minimum delay; a
 * wait longer than `maxRetryAfterMs` (or one that would pass the deadline) is refused instead of
 * slept (`RateLimited` for a call, a `TokenEndpointError` for a token request).
 *
 * The policy is an effect `Schedule` ({@link schedule}) fed with each failed attempt's
 * {@link Outcome}; {@link run} drives it around one attempt effect. The decision of one step is
 * the pure function {@link decide}.
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
import { Cause, Context, Duration, Effect, Layer, Pull, Random, Result, Schedule } from "effect"
import { type HttpResponse, header, idempotentMethods } from "./Http.ts"
import type * as Options from "./Options.ts"

/**
 * A retry policy. All times are milliseconds.
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * const patient: Retry.Policy = { ...Retry.defaults, maxAttempts: 6, deadlineMs: 300_000 }
 * ```
 *
 * @since 0.1.0
 */
export interface Policy extends Options.RetryPolicy {}

/**
 * The defaults: 4 attempts, 200 ms base, 10 s cap, 60 s for a Retry-After, 2 min deadline,
 * 30 s per attempt.
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * Retry.defaults.maxAttempts // 4
 * Retry.merge(Retry.defaults, { maxAttempts: 1 }).maxAttempts // 1
 * ```
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
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Retry } from "@keyway/core"
 * const attempts = Effect.gen(function*() {
 *   const policy = yield* Retry.Retry
 *   return policy.maxAttempts
 * }).pipe(Effect.provide(Retry.layer({ maxAttempts: 2 })))
 * ```
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
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * const outcome: Retry.Outcome = { _tag: "Status", status: 503, retryAfterMs: 2_000 }
 * Retry.isRetryable(Retry.defaults, "GET", outcome, false) // true
 * ```
 *
 * @since 0.1.0
 */
export type Outcome =
  | { readonly _tag: "Status"; readonly status: number; readonly retryAfterMs: number | undefined }
  | { readonly _tag: "Network"; readonly reachedServer: boolean }
  | { readonly _tag: "Timeout" }

/**
 * The outcome of an attempt that ended with an answer whose status is worth another attempt:
 * the status, and the answer's `Retry-After` (seconds or HTTP date, read at `now`) in ms. Calls and
 * token requests both build their status outcomes here.
 *
 * @example
 * ```ts
 * import { Http, Retry } from "@keyway/core"
 * const response: Http.HttpResponse = { status: 503, headers: { "retry-after": "2" }, body: new Uint8Array() }
 * Retry.statusOutcome(response, Date.now()) // { _tag: "Status", status: 503, retryAfterMs: 2000 }
 * ```
 *
 * @since 0.2.0
 */
export const statusOutcome = (response: HttpResponse, now: number): Outcome => ({
  _tag: "Status",
  status: response.status,
  retryAfterMs: parseRetryAfter(header(response, "retry-after"), now),
})

/**
 * The outcome of an attempt that ended without an answer: a network error (and whether the
 * request reached the server) or a timeout; any other failure is final (`undefined`).
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * Retry.errorOutcome({ _tag: "NetworkError", reachedServer: false }) // { _tag: "Network", reachedServer: false }
 * Retry.errorOutcome({ _tag: "ConfigError" }) // undefined
 * ```
 *
 * @since 0.2.0
 */
export const errorOutcome = (error: {
  readonly _tag: string
  readonly reachedServer?: boolean | undefined
}): Outcome | undefined =>
  error._tag === "NetworkError"
    ? { _tag: "Network", reachedServer: error.reachedServer ?? false }
    : error._tag === "TimeoutError"
      ? { _tag: "Timeout" }
      : undefined

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

/**
 * What is being retried: the method (for the method rules), whether repeating it is safe even
 * after it reached the server (an idempotency key, a repeatable grant), and the deadline (epoch
 * ms, on the `Clock`) past which no attempt starts.
 *
 * @example
 * ```ts
 * import type { Retry } from "@keyway/core"
 * const target: Retry.Target = { method: "POST", repeatable: true, deadline: Date.now() + 60_000 }
 * ```
 *
 * @since 0.2.0
 */
export interface Target {
  readonly method: string
  readonly repeatable: boolean
  readonly deadline: number
}

/**
 * Why the engine stopped without giving the last result back: a `Retry-After` longer than the
 * policy (or the time left) allows, or no time left before the deadline for another attempt.
 *
 * @example
 * ```ts
 * import type { Retry } from "@keyway/core"
 * const waitMs = (r: Retry.Refusal) => (r._tag === "RateLimited" ? r.retryAfterMs : 0)
 * ```
 *
 * @since 0.2.0
 */
export type Refusal =
  | { readonly _tag: "RateLimited"; readonly retryAfterMs: number; readonly maxWaitMs: number }
  | { readonly _tag: "Deadline" }

/**
 * The decision after one failed attempt.
 *
 * @example
 * ```ts
 * import type { Retry } from "@keyway/core"
 * const again = (d: Retry.Decision) => d._tag === "Retry"
 * ```
 *
 * @since 0.2.0
 */
export type Decision =
  | { readonly _tag: "Retry"; readonly delayMs: number }
  | { readonly _tag: "GiveUp" }
  | Refusal

const giveUp: Decision = { _tag: "GiveUp" }
const pastDeadline: Refusal = { _tag: "Deadline" }

/**
 * Decides what follows attempt `attempt` (1 for the first) that ended with `outcome` at `now`:
 *
 * 1. a status outside `retryOn`: give up (the response is the answer);
 * 2. a `Retry-After` longer than `maxRetryAfterMs`: refused as `RateLimited`, whatever the attempt;
 * 3. the attempt limit reached, or the method rules forbid another attempt: give up;
 * 4. the delay is the full-jitter backoff, at least the `Retry-After`; when the next attempt would
 *    not start before the deadline: `RateLimited` when the server asked for the wait, else give up
 *    on a status (the response is the answer) or `Deadline` after an error;
 * 5. else retry after the delay.
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * const target = { method: "GET", repeatable: false, deadline: 10_000 }
 * Retry.decide(Retry.defaults, target, 1, { _tag: "Status", status: 503, retryAfterMs: 2_000 }, 0, () => 0.5)
 * // { _tag: "Retry", delayMs: 2000 }
 * Retry.decide(Retry.defaults, target, 1, { _tag: "Status", status: 429, retryAfterMs: 90_000 }, 0, () => 0.5)._tag
 * // "RateLimited"
 * ```
 *
 * @since 0.2.0
 */
export const decide = (
  policy: Policy,
  target: Target,
  attempt: number,
  outcome: Outcome,
  now: number,
  random: () => number,
): Decision => {
  const retryAfterMs = outcome._tag === "Status" ? outcome.retryAfterMs : undefined
  if (outcome._tag === "Status" && !policy.retryOn.includes(outcome.status)) return giveUp
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
    return { _tag: "RateLimited", retryAfterMs, maxWaitMs: policy.maxRetryAfterMs }
  }
  if (attempt >= policy.maxAttempts || !isRetryable(policy, target.method, outcome, target.repeatable)) {
    return giveUp
  }
  const delayMs = Math.max(backoff(policy, attempt, random()), retryAfterMs ?? 0)
  if (now + delayMs >= target.deadline) {
    if (retryAfterMs !== undefined) {
      return { _tag: "RateLimited", retryAfterMs, maxWaitMs: Math.max(0, target.deadline - now) }
    }
    return outcome._tag === "Status" ? giveUp : pastDeadline
  }
  return { _tag: "Retry", delayMs }
}

/**
 * The policy as an effect `Schedule`: its input is the outcome of each failed attempt, its
 * output and delay the wait before the next one (milliseconds; jitter drawn from `Random`). It
 * halts (`Cause.done`) when giving up and fails with a {@link Refusal}.
 *
 * @example
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { Retry } from "@keyway/core"
 * const program = Effect.gen(function* () {
 *   const step = yield* Schedule.toStep(Retry.schedule(Retry.defaults, { method: "GET", repeatable: false, deadline: 60_000 }))
 *   const [delayMs] = yield* step(0, { _tag: "Timeout" })
 *   return delayMs // between 0 and 200
 * })
 * ```
 *
 * @since 0.2.0
 */
export const schedule = (policy: Policy, target: Target): Schedule.Schedule<number, Outcome, Refusal> =>
  Schedule.fromStepWithMetadata(
    Effect.succeed((meta: Schedule.InputMetadata<Outcome>) =>
      Effect.flatMap(Random.next, (random): Pull.Pull<[number, Duration.Duration], Refusal, number> => {
        const decision = decide(policy, target, meta.attempt, meta.input, meta.now, () => random)
        switch (decision._tag) {
          case "Retry":
            return Effect.succeed<[number, Duration.Duration]>([
              decision.delayMs,
              Duration.millis(decision.delayMs),
            ])
          case "GiveUp":
            return Cause.done(meta.attempt)
          default:
            return Effect.fail(decision)
        }
      }),
    ),
  )

/**
 * The label of an outcome in logs and telemetry (`status_503`, `network`, `timeout`).
 *
 * @example
 * ```ts
 * import { Retry } from "@keyway/core"
 * Retry.reasonOf({ _tag: "Status", status: 503, retryAfterMs: undefined }) // "status_503"
 * ```
 *
 * @since 0.2.0
 */
export const reasonOf = (outcome: Outcome): string =>
  outcome._tag === "Status" ? `status_${outcome.status}` : outcome._tag === "Network" ? "network" : "timeout"

/**
 * How {@link run} drives one retried operation.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Retry } from "@keyway/core"
 * const driver: Retry.Driver<number, never, never> = {
 *   policy: Retry.defaults,
 *   target: { method: "GET", repeatable: false, deadline: 60_000 },
 *   attempt: () => Effect.succeed(200),
 *   outcomeOf: () => undefined,
 *   refuse: (refusal) => {
 *     throw new Error(refusal._tag)
 *   },
 * }
 * ```
 *
 * @since 0.2.0
 */
export interface Driver<A, E, R> {
  readonly policy: Policy
  readonly target: Target
  /** One attempt, counted from 1; `reason` is why it is a retry (see {@link reasonOf}). */
  readonly attempt: (attempt: number, reason: string | undefined) => Effect.Effect<A, E, R>
  /**
   * What an attempt's result means to the engine: an outcome to consult the schedule with, or
   * `undefined` when it is final (success, or an error no retry can help). Called on every
   * attempt: keep it cheap (the schedule is only built once an outcome asks for it).
   */
  readonly outcomeOf: (result: Result.Result<A, E>) => Outcome | undefined
  /** The error a refusal fails with, given the last attempt's result. */
  readonly refuse: (refusal: Refusal, last: Result.Result<A, E>) => E
  /** Runs before the engine sleeps `delayMs` ahead of attempt `attempt + 1` (logs, metrics). */
  readonly onRetry?: ((attempt: number, delayMs: number, outcome: Outcome) => Effect.Effect<void>) | undefined
}

type Step = (now: number, input: Outcome) => Pull.Pull<[number, Duration.Duration], Refusal, number>

/**
 * Runs an operation under the policy: attempt, ask the {@link schedule} after each retryable
 * outcome, sleep on the `Clock`, attempt again; the last result when the schedule gives up, the
 * `refuse`d error when it refuses. A first attempt that is final costs no schedule at all.
 *
 * @example
 * ```ts
 * import { Effect, Result } from "effect"
 * import { Retry } from "@keyway/core"
 * const answer = Retry.run({
 *   policy: Retry.defaults,
 *   target: { method: "GET", repeatable: false, deadline: 60_000 },
 *   attempt: (n) => Effect.succeed(n < 3 ? 503 : 200),
 *   outcomeOf: (result) =>
 *     Result.isSuccess(result) && result.success === 503 ? { _tag: "Status", status: 503, retryAfterMs: undefined } : undefined,
 *   refuse: () => 429,
 * })
 * ```
 *
 * @since 0.2.0
 */
export const run = <A, E, R>(driver: Driver<A, E, R>): Effect.Effect<A, E, R> => {
  const finish = (result: Result.Result<A, E>): Effect.Effect<A, E> =>
    Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure)
  // The schedule's step is made at the first retryable outcome and carried along the attempts
  // of this run (it counts them), so a run has no shared state.
  const decided = (attempt: number, result: Result.Result<A, E>, outcome: Outcome, step: Step) =>
    Effect.clockWith((clock) =>
      Pull.matchEffect(step(clock.currentTimeMillisUnsafe(), outcome), {
        onSuccess: ([delayMs]): Effect.Effect<A, E, R> => {
          const wait = Effect.andThen(
            Effect.sleep(delayMs),
            Effect.suspend(() => loop(attempt + 1, reasonOf(outcome), step)),
          )
          return driver.onRetry === undefined
            ? wait
            : Effect.andThen(driver.onRetry(attempt, delayMs, outcome), wait)
        },
        onFailure: (cause) => {
          const refusal = Cause.findErrorOption(cause)
          return refusal._tag === "Some"
            ? Effect.fail(driver.refuse(refusal.value, result))
            : Effect.failCause(cause as Cause.Cause<never>)
        },
        onDone: () => finish(result),
      }),
    )
  const next = (
    attempt: number,
    result: Result.Result<A, E>,
    step: Step | undefined,
  ): Effect.Effect<A, E, R> => {
    const outcome = driver.outcomeOf(result)
    if (outcome === undefined) return finish(result)
    if (step !== undefined) return decided(attempt, result, outcome, step)
    return Effect.flatMap(Schedule.toStep(schedule(driver.policy, driver.target)), (made) =>
      decided(attempt, result, outcome, made),
    )
  }
  const loop = (
    attempt: number,
    reason: string | undefined,
    step: Step | undefined,
  ): Effect.Effect<A, E, R> =>
    Effect.matchEffect(driver.attempt(attempt, reason), {
      onSuccess: (value) => next(attempt, Result.succeed(value), step),
      onFailure: (error) => next(attempt, Result.fail(error), step),
    })
  return loop(1, undefined, undefined)
}
