/**
 * The path of one logical call through the runtime:
 *
 * ```
 * correlation id ─► auth.authenticate ─► transport.send (per-attempt timeout) ─► classify
 *        ▲                                                                         │
 *        │        401 ─► auth.onUnauthorized ─► "retry" (once) ───────────────────┤
 *        └──────────── retryable ─► backoff / Retry-After (Clock) ◄───────────────┘
 *                         (Retry.run: the one retry engine, an effect Schedule)
 *
 * 3xx with Location ─► Redirect.decide ─► same origin: the pipeline again (decorated)
 *                                      ─► other origin: refused, or again without credentials
 * ```
 *
 * Every attempt starts from the same base request (body bytes shared, never consumed), so a
 * refreshed token or a new attempt re-sends an identical, freshly decorated copy. The correlation
 * id is resolved once and is the same for every attempt and for the token refresh. Each call is a
 * span (`keyway.call`) with method, route, provider, status, attempts and correlation id, and its
 * log lines carry the same annotations.
 *
 * Attempts, waits and give-ups are the retry engine's ({@link Retry.run}, the same one token
 * requests use); a redirect is a new hop through the whole pipeline under the same deadline
 * ({@link Redirect}), its attempts added to the call's.
 *
 * A non-2xx answer that is not retried (or that ran out of attempts) is returned as a response:
 * the Promise API hands it to openapi-fetch as `{ error, response }`, the Effect API turns it
 * into an `HttpError`. Failures without a response are typed errors.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth, Call, Correlation, Http, Retry, Transport } from "@keyway/core"
 *
 * const runtime: Call.Runtime = {
 *   provider: "example",
 *   auth: Auth.make({ name: "none", authenticate: Effect.succeed }),
 *   transport: Transport.makeUndici(),
 *   retry: Retry.defaults,
 *   correlation: { header: "X-Correlation-Id", maxLength: 36 },
 * }
 * const result = Call.execute(runtime, Http.makeRequest("GET", "http://127.0.0.1:8080/items"), {})
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Clock, Effect, Exit, Fiber, Result, Tracer } from "effect"
import * as Auth from "./Auth.ts"
import * as Correlation from "./Correlation.ts"
import {
  type AuthError,
  ConfigError,
  type NetworkError,
  type OriginRefused,
  RateLimited,
  type ResponseTooLarge,
  redactUrl,
  TimeoutError,
  type TooManyRedirects,
} from "./Errors.ts"
import type * as Http from "./Http.ts"
import * as Instrument from "./internal/instrument.ts"
import type * as Options from "./Options.ts"
import * as Origin from "./Origin.ts"
import * as Redirect from "./Redirect.ts"
import * as Retry from "./Retry.ts"
import * as Telemetry from "./Telemetry.ts"
import * as Throttle from "./Throttle.ts"
import type { TransportShape } from "./Transport.ts"

/**
 * What a client captured at construction: the plugin, transport and policies of its provider.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth, type Call, Retry, Transport } from "@keyway/core"
 * const runtime: Call.Runtime = {
 *   provider: "example",
 *   auth: Auth.make({ name: "none", authenticate: (r) => Effect.succeed(r) }),
 *   transport: Transport.fromFetch(fetch),
 *   retry: Retry.defaults,
 *   correlation: { header: "X-Correlation-Id", maxLength: 36 },
 *   origins: new Set(["https://api.example.com"]),
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface Runtime {
  readonly provider: string
  readonly auth: Auth.AuthPlugin
  readonly transport: TransportShape
  readonly retry: Retry.Policy
  readonly correlation: Correlation.Settings
  /**
   * The origins credentials may be written to (the client's API origin and the ones its
   * descriptor lists): a request for any other origin fails with `OriginRefused` before
   * `auth.authenticate` runs. Clients always set it; absent, no origin is checked.
   */
  readonly origins?: ReadonlySet<string> | undefined
  /** How redirects are followed (see {@link Redirect}); default `Redirect.defaults`. */
  readonly redirects?: Partial<Redirect.Policy> | undefined
  /** The largest response body accepted; default `Limits.defaults.maxResponseBytes`. */
  readonly maxResponseBytes?: number | undefined
  /** The provider's call budget, when it has one (see {@link Throttle}). */
  readonly throttle?: Throttle.Throttle | undefined
}

/**
 * Per-call options (the `keyway` field of an openapi-fetch init).
 *
 * @example
 * ```ts
 * import type { Call } from "@keyway/core"
 * const options: Call.CallOptions = { idempotencyKey: "order-42", retry: { maxAttempts: 2 }, timeoutMs: 5_000 }
 * ```
 *
 * @since 0.1.0
 */
export interface CallOptions extends Options.CallOptions {
  /**
   * The transport for this call instead of the runtime's (e.g. `Transport.fromFetch` of a
   * per-call `fetch` option): auth, correlation, retries and redirects still apply above it.
   */
  readonly transport?: TransportShape | undefined
}

/**
 * The outcome of a call that got a response.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Call } from "@keyway/core"
 * declare const call: Effect.Effect<Call.CallResult, Call.CallError>
 * const status = call.pipe(Effect.map((r) => `${r.response.status} after ${r.attempts} attempt(s), id ${r.correlationId}`))
 * ```
 *
 * @since 0.1.0
 */
export interface CallResult {
  readonly response: Http.HttpResponse
  readonly attempts: number
  readonly correlationId: string
  /** Whether a 401 made the plugin refresh its credential during this call. */
  readonly refreshed: boolean
  /** Redirects followed (absent when none). */
  readonly redirects?: number | undefined
  /** The URL of the last hop, when redirects were followed (without credentials in it). */
  readonly finalUrl?: string | undefined
}

/**
 * Errors a call fails with when it has no response to give.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Call } from "@keyway/core"
 * declare const call: Effect.Effect<Call.CallResult, Call.CallError>
 * const orNull = call.pipe(Effect.catchTag("NetworkError", () => Effect.succeed(null)))
 * ```
 *
 * @since 0.1.0
 */
export type CallError =
  | AuthError
  | NetworkError
  | TimeoutError
  | RateLimited
  | OriginRefused
  | ResponseTooLarge
  | TooManyRedirects

// A header value fit for an idempotency key: visible ASCII, inner spaces allowed, no CR/LF.
const IDEMPOTENCY_KEY = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/

type Attempt = { readonly request: Http.HttpRequest; readonly response: Http.HttpResponse }

/**
 * Runs one logical call.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Call, Http } from "@keyway/core"
 * declare const runtime: Call.Runtime
 * const program = Call.execute(runtime, Http.makeRequest("GET", "https://api.example.com/jobs"), { route: "/jobs" }).pipe(
 *   Effect.map(({ response }) => Http.json(response)),
 * )
 * ```
 *
 * @since 0.1.0
 */
export const execute = (
  runtime: Runtime,
  request: Http.HttpRequest,
  options: CallOptions,
): Effect.Effect<CallResult, CallError> => {
  const headerName = runtime.correlation.header.toLowerCase()
  const route = options.route ?? new URL(request.url).pathname
  const correlationId = Correlation.validate(
    options.correlationId ?? request.headers[headerName],
    runtime.correlation,
  )
  if (typeof correlationId !== "string") return Effect.fail(correlationId)
  // One step reads the fiber's tracer, metrics sink and clock (rather than three).
  return Effect.withFiber((fiber) => {
    const tracer = fiber.getRef(Tracer.Tracer)
    const sink = fiber.getRef(Telemetry.Telemetry)
    const clock = fiber.getRef(Clock.Clock)
    // Without a tracing backend nobody can observe a span: skip the cost (about a third of the
    // pipeline's own CPU time on a fast loopback). Without a metrics sink, skip the clock reads.
    const traced = tracer !== Tracer.nativeTracer
    const plain = run(clock, runtime, request, options, correlationId, route, traced, sink).pipe(
      Effect.tapError((error) => Effect.logDebug(`call failed: ${error._tag}: ${error.message}`)),
      Effect.annotateLogs({ correlationId, provider: runtime.provider, method: request.method, route }),
    )
    const call = sink === undefined ? plain : measured(runtime, request.method, route, sink, plain)
    return !traced
      ? call
      : Effect.useSpan(
          "keyway.call",
          {
            kind: "internal",
            attributes: {
              "http.method": request.method,
              "http.route": route,
              "keyway.provider": runtime.provider,
              "keyway.correlation_id": correlationId,
            },
          },
          (span) =>
            call.pipe(
              Effect.withParentSpan(span),
              Effect.provideService(Telemetry.CurrentCall, span),
              Effect.tap((result) =>
                Effect.sync(() => {
                  span.attribute("http.status_code", result.response.status)
                  span.attribute("keyway.attempts", result.attempts)
                }),
              ),
            ),
        )
  })
}

const measured = (
  runtime: Runtime,
  method: string,
  route: string,
  sink: Telemetry.Sink,
  call: Effect.Effect<CallResult, CallError>,
): Effect.Effect<CallResult, CallError> =>
  Effect.clockWith((clock) => {
    const started = clock.currentTimeMillisUnsafe()
    return Effect.onExit(call, (exit) =>
      Effect.sync(() => {
        const result = exit._tag === "Success" ? exit.value : undefined
        const error = exit._tag === "Failure" ? Cause.findErrorOption(exit.cause) : undefined
        const failure = error !== undefined && error._tag === "Some" ? error.value : undefined
        const status = result?.response.status
        sink.call({
          provider: runtime.provider,
          method,
          route,
          status,
          outcome:
            exit._tag === "Failure" && failure === undefined
              ? "interrupted"
              : Telemetry.outcomeOf(status, failure),
          attempts: result?.attempts ?? 0,
          durationMs: clock.currentTimeMillisUnsafe() - started,
        })
      }),
    )
  })

const run = (
  clock: Clock.Clock,
  runtime: Runtime,
  request: Http.HttpRequest,
  options: CallOptions,
  correlationId: string,
  route: string,
  traced: boolean,
  sink: Telemetry.Sink | undefined,
  hop?: Hop,
): Effect.Effect<CallResult, CallError> => {
  // Written with combinators rather than a generator: this runs on every call, and the happy
  // path (one attempt, no refresh) should cost a handful of Effect steps. Called inside the
  // call's fiber (never ahead of it), so its state (attempts, refreshed) is that run's own.
  const policy = Retry.merge(
    runtime.retry,
    options.timeoutMs === undefined
      ? options.retry
      : { ...options.retry, attemptTimeoutMs: options.timeoutMs },
  )
  if (policy.maxAttempts < 1) {
    return Effect.fail(new ConfigError({ path: "retry.maxAttempts", message: "must be at least 1" }))
  }
  if (options.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(options.idempotencyKey)) {
    return Effect.fail(
      new ConfigError({
        path: "idempotencyKey",
        message:
          "the idempotency key must be 1 to 255 visible ASCII characters (no CR, LF or control characters)",
      }),
    )
  }
  const headers: Record<string, string> = { ...request.headers }
  headers[runtime.correlation.header.toLowerCase()] = correlationId
  if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey
  const base: Http.HttpRequest = { ...request, headers }
  const hasIdempotencyKey = headers["idempotency-key"] !== undefined
  const secretQueryParams = runtime.auth.secretQueryParams
  const url = () => redactUrl(request.url, secretQueryParams)
  const deadline = hop?.deadline ?? clock.currentTimeMillisUnsafe() + policy.deadlineMs
  let refreshed = false
  const deadlineError = () =>
    new TimeoutError({
      method: request.method,
      url: url(),
      correlationId,
      scope: "deadline",
      timeoutMs: policy.deadlineMs,
    })
  // What a call waits for besides its attempts (a token, a refresh after a 401) counts against
  // the same deadline: a token endpoint that never answers cannot hold the call past it.
  // Cheap on the hot path: the effect runs at once in a child fiber; when it is already done
  // (a cached token), its result is used as it is. Only an effect that really waits is raced
  // against the time left.
  const withinDeadline = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | TimeoutError> => {
    const left = deadline - clock.currentTimeMillisUnsafe()
    if (left <= 0) return Effect.fail(deadlineError())
    // Already done (a plugin that answers at once returns an `Exit`): nothing to wait for.
    if (Exit.isExit(effect)) return effect
    return Effect.flatMap(Effect.forkChild(effect, { startImmediately: true }), (fiber) => {
      const done = fiber.pollUnsafe()
      if (done !== undefined) return done
      return Effect.timeoutOrElse(Fiber.join(fiber), {
        duration: left,
        orElse: () => Effect.andThen(Fiber.interrupt(fiber), Effect.fail(deadlineError())),
      })
    })
  }
  const refused = options.anonymous
    ? undefined
    : runtime.origins && Origin.guard(runtime.origins, base, correlationId, secretQueryParams)
  if (refused !== undefined) return Effect.fail(refused)
  const decorate = (attempt: number): Effect.Effect<Http.HttpRequest, CallError> =>
    options.anonymous
      ? Effect.succeed(base)
      : withinDeadline(runtime.auth.authenticate(base, callInfo(attempt)))

  const callInfo = (attempt: number): Auth.CallInfo => ({
    correlationId,
    attempt,
    route: options.route,
    scopes: options.scopes,
  })

  const transmit = (authed: Http.HttpRequest): Effect.Effect<Attempt, CallError> =>
    Effect.map(
      (options.transport ?? runtime.transport).send(authed, {
        correlationId,
        timeoutMs: Math.max(1, Math.min(policy.attemptTimeoutMs, deadline - clock.currentTimeMillisUnsafe())),
        secretQueryParams,
        maxResponseBytes: runtime.maxResponseBytes,
      }),
      (response): Attempt => ({ request: authed, response }),
    )
  const throttle = runtime.throttle
  const throttled =
    throttle === undefined ? undefined : { method: request.method, url, correlationId, deadline }

  const sendOnce = (attempt: number, retryReason?: string): Effect.Effect<Attempt, CallError> => {
    const sent = Effect.flatMap(decorate(attempt), (authed) =>
      throttled === undefined
        ? transmit(authed)
        : Throttle.guard(
            throttle!,
            throttled,
            Effect.suspend(() => transmit(authed)),
          ),
    )
    return traced || sink !== undefined
      ? Instrument.attempt(
          sent,
          { correlationId, provider: runtime.provider, method: request.method, route },
          attempt,
          retryReason,
          traced,
          sink,
        )
      : sent
  }

  // One recovery from a 401 per call: the plugin refreshes (or fails typed), we re-send.
  const onResponse = (attempt: number, sent: Attempt): Effect.Effect<Attempt, CallError> => {
    if (options.anonymous || refreshed || !Auth.isUnauthorized(runtime.auth, sent.response))
      return Effect.succeed(sent)
    refreshed = true
    return Effect.flatMap(withinDeadline(runtime.auth.onUnauthorized(sent, callInfo(attempt))), (decision) =>
      decision === "retry"
        ? Effect.logDebug("credential refreshed after 401; sending again").pipe(
            Effect.tap(() =>
              Effect.sync(() => sink?.retry({ provider: runtime.provider, route, reason: "unauthorized" })),
            ),
            Effect.andThen(sendOnce(attempt, "unauthorized")),
            Effect.flatMap((again) =>
              runtime.auth.onAccepted === undefined || Auth.isUnauthorized(runtime.auth, again.response)
                ? Effect.succeed(again)
                : Effect.as(runtime.auth.onAccepted(again, callInfo(attempt)), again),
            ),
          )
        : Effect.succeed(sent),
    )
  }

  let attempts = 1
  const outcomeOf = (result: Result.Result<Attempt, CallError>): Retry.Outcome | undefined =>
    Result.isSuccess(result)
      ? policy.retryOn.includes(result.success.response.status)
        ? Retry.statusOutcome(result.success.response, clock.currentTimeMillisUnsafe())
        : undefined
      : Retry.errorOutcome(result.failure)
  const refuse = (refusal: Retry.Refusal, last: Result.Result<Attempt, CallError>): CallError =>
    refusal._tag === "Deadline" || Result.isFailure(last)
      ? deadlineError()
      : new RateLimited({
          method: request.method,
          url: url(),
          correlationId,
          status: last.success.response.status,
          retryAfterMs: refusal.retryAfterMs,
          maxWaitMs: refusal.maxWaitMs,
        })

  return Effect.flatMap(
    Retry.run<Attempt, CallError, never>({
      policy,
      target: { method: request.method, repeatable: hasIdempotencyKey, deadline },
      attempt: (attempt, reason) => {
        attempts = attempt
        return Effect.flatMap(sendOnce(attempt, reason), (sent) => onResponse(attempt, sent))
      },
      outcomeOf,
      refuse,
      onRetry: (attempt, delay, outcome) => {
        const reason = Retry.reasonOf(outcome)
        sink?.retry({ provider: runtime.provider, route, reason })
        const why =
          outcome._tag === "Status"
            ? `status ${outcome.status}`
            : outcome._tag === "Network"
              ? "NetworkError"
              : "TimeoutError"
        return Effect.logDebug(`${why}; attempt ${attempt + 1} in ${delay} ms`)
      },
    }),
    (sent): Effect.Effect<CallResult, CallError> => {
      const answer = (): Effect.Effect<CallResult> =>
        Effect.succeed(
          hop === undefined
            ? { response: sent.response, attempts, correlationId, refreshed }
            : {
                response: sent.response,
                attempts: attempts + hop.attempts,
                correlationId,
                refreshed: refreshed || hop.refreshed,
                redirects: hop.hops,
                finalUrl: request.url,
              },
        )
      if (!Redirect.statuses.has(sent.response.status)) return answer()
      const hops = hop?.hops ?? 0
      const decision = Redirect.decide(
        Redirect.merge(Redirect.merge(Redirect.defaults, runtime.redirects), options.redirects),
        request,
        sent.response,
        { hops, anonymous: options.anonymous ?? false, correlationId, secretQueryParams },
      )
      if (decision._tag === "Answer") return answer()
      if (decision._tag === "Refuse") return Effect.fail(decision.error)
      return Effect.andThen(
        Effect.logDebug(
          `status ${sent.response.status}: redirect ${hops + 1}${decision.anonymous ? " without credentials" : ""}`,
        ),
        run(
          clock,
          runtime,
          decision.request,
          { ...options, anonymous: decision.anonymous },
          correlationId,
          route,
          traced,
          sink,
          {
            hops: hops + 1,
            deadline,
            attempts: attempts + (hop?.attempts ?? 0),
            refreshed: refreshed || (hop?.refreshed ?? false),
          },
        ),
      )
    },
  )
}

/** Where a call is in its redirects: hops so far, the call's deadline, attempts so far. */
interface Hop {
  readonly hops: number
  readonly deadline: number
  readonly attempts: number
  readonly refreshed: boolean
}
