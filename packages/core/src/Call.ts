/**
 * The path of one logical call through the runtime:
 *
 * ```
 * correlation id ─► auth.authenticate ─► transport.send (per-attempt timeout) ─► classify
 *        ▲                                                                         │
 *        │        401 ─► auth.onUnauthorized ─► "retry" (once) ───────────────────┤
 *        └──────────── retryable ─► backoff / Retry-After (Clock) ◄───────────────┘
 * ```
 *
 * Every attempt starts from the same base request (body bytes shared, never consumed), so a
 * refreshed token or a new attempt re-sends an identical, freshly decorated copy. The correlation
 * id is resolved once and is the same for every attempt and for the token refresh. Each call is a
 * span (`keyway.call`) with method, route, provider, status, attempts and correlation id, and its
 * log lines carry the same annotations.
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
import { Clock, Effect, Random, Result } from "effect"
import * as Auth from "./Auth.ts"
import * as Correlation from "./Correlation.ts"
import {
  type AuthError,
  ConfigError,
  type NetworkError,
  RateLimited,
  redactUrl,
  TimeoutError,
} from "./Errors.ts"
import * as Http from "./Http.ts"
import * as Retry from "./Retry.ts"
import type { TransportShape } from "./Transport.ts"

/**
 * What a client captured at construction: the plugin, transport and policies of its provider.
 *
 * @since 0.1.0
 */
export interface Runtime {
  readonly provider: string
  readonly auth: Auth.AuthPlugin
  readonly transport: TransportShape
  readonly retry: Retry.Policy
  readonly correlation: Correlation.Settings
}

/**
 * Per-call options (the `keyway` field of an openapi-fetch init).
 *
 * @since 0.1.0
 */
export interface CallOptions {
  /** Use this correlation id instead of a fresh UUID. */
  readonly correlationId?: string | undefined
  /** Sent as `Idempotency-Key`; makes POST/PATCH retryable. */
  readonly idempotencyKey?: string | undefined
  /** Retry overrides for this call. */
  readonly retry?: Partial<Retry.Policy> | undefined
  /** The scopes this call needs (overrides the operation's). */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** Per-attempt timeout for this call, in ms. */
  readonly timeoutMs?: number | undefined
  /** The OpenAPI path template; set by typed clients. */
  readonly route?: string | undefined
}

/**
 * The outcome of a call that got a response.
 *
 * @since 0.1.0
 */
export interface CallResult {
  readonly response: Http.HttpResponse
  readonly attempts: number
  readonly correlationId: string
  /** Whether a 401 made the plugin refresh its credential during this call. */
  readonly refreshed: boolean
}

/**
 * Errors a call fails with when it has no response to give.
 *
 * @since 0.1.0
 */
export type CallError = AuthError | NetworkError | TimeoutError | RateLimited

type Attempt = { readonly request: Http.HttpRequest; readonly response: Http.HttpResponse }

/**
 * Runs one logical call.
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
  return Correlation.resolve(options.correlationId ?? request.headers[headerName], runtime.correlation).pipe(
    Effect.flatMap((correlationId) =>
      run(runtime, request, options, correlationId).pipe(
        Effect.tapError((error) => Effect.logDebug(`call failed: ${error._tag}: ${error.message}`)),
        Effect.tap((result) =>
          Effect.annotateCurrentSpan({
            "http.status_code": result.response.status,
            "keyway.attempts": result.attempts,
          }),
        ),
        Effect.annotateLogs({ correlationId, provider: runtime.provider, method: request.method, route }),
        Effect.withSpan(
          "keyway.call",
          {
            attributes: {
              "http.method": request.method,
              "http.route": route,
              "keyway.provider": runtime.provider,
              "keyway.correlation_id": correlationId,
            },
          },
          // A stack trace per call costs more than the whole pipeline on a fast loopback.
          { captureStackTrace: false },
        ),
      ),
    ),
  )
}

const run = (runtime: Runtime, request: Http.HttpRequest, options: CallOptions, correlationId: string) =>
  Effect.gen(function* () {
    const policy = Retry.merge(
      runtime.retry,
      options.timeoutMs === undefined
        ? options.retry
        : { ...options.retry, attemptTimeoutMs: options.timeoutMs },
    )
    if (policy.maxAttempts < 1) {
      return yield* new ConfigError({ path: "retry.maxAttempts", message: "must be at least 1" })
    }
    let base = Http.setHeader(request, runtime.correlation.header, correlationId)
    if (options.idempotencyKey !== undefined)
      base = Http.setHeader(base, "idempotency-key", options.idempotencyKey)
    const hasIdempotencyKey =
      options.idempotencyKey !== undefined || base.headers["idempotency-key"] !== undefined
    const secretQueryParams = runtime.auth.secretQueryParams
    const url = () => redactUrl(request.url, secretQueryParams)
    const start = yield* Clock.currentTimeMillis
    const deadline = start + policy.deadlineMs
    let refreshed = false

    const sendOnce = (attempt: number, now: number): Effect.Effect<Attempt, CallError> => {
      const call: Auth.CallInfo = { correlationId, attempt, route: options.route, scopes: options.scopes }
      return runtime.auth.authenticate(base, call).pipe(
        Effect.flatMap((authed) =>
          runtime.transport
            .send(authed, {
              correlationId,
              timeoutMs: Math.max(1, Math.min(policy.attemptTimeoutMs, deadline - now)),
              secretQueryParams,
            })
            .pipe(Effect.map((response) => ({ request: authed, response }))),
        ),
      )
    }

    for (let attempt = 1; ; attempt++) {
      let now = yield* Clock.currentTimeMillis
      let outcome = yield* Effect.result(sendOnce(attempt, now))

      // One recovery from a 401 per call: the plugin refreshes (or fails typed), we re-send.
      if (
        Result.isSuccess(outcome) &&
        !refreshed &&
        Auth.isUnauthorized(runtime.auth, outcome.success.response)
      ) {
        refreshed = true
        const call: Auth.CallInfo = { correlationId, attempt, route: options.route, scopes: options.scopes }
        const decision = yield* runtime.auth.onUnauthorized(outcome.success, call)
        if (decision === "retry") {
          yield* Effect.logDebug("credential refreshed after 401; sending again")
          now = yield* Clock.currentTimeMillis
          outcome = yield* Effect.result(sendOnce(attempt, now))
        }
      }

      now = yield* Clock.currentTimeMillis
      if (Result.isSuccess(outcome)) {
        const { response } = outcome.success
        const done = { response, attempts: attempt, correlationId, refreshed }
        if (!policy.retryOn.includes(response.status)) return done
        const retryAfterMs = Retry.parseRetryAfter(Http.header(response, "retry-after"), now)
        if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
          return yield* new RateLimited({
            method: request.method,
            url: url(),
            correlationId,
            status: response.status,
            retryAfterMs,
            maxWaitMs: policy.maxRetryAfterMs,
          })
        }
        const outcomeInfo: Retry.Outcome = { _tag: "Status", status: response.status, retryAfterMs }
        if (
          attempt >= policy.maxAttempts ||
          !Retry.isRetryable(policy, request.method, outcomeInfo, hasIdempotencyKey)
        ) {
          return done
        }
        const delay = Math.max(Retry.backoff(policy, attempt, yield* Random.next), retryAfterMs ?? 0)
        if (now + delay > deadline) {
          if (retryAfterMs === undefined) return done
          return yield* new RateLimited({
            method: request.method,
            url: url(),
            correlationId,
            status: response.status,
            retryAfterMs,
            maxWaitMs: Math.max(0, deadline - now),
          })
        }
        yield* Effect.logDebug(`status ${response.status}; attempt ${attempt + 1} in ${delay} ms`)
        yield* Effect.sleep(delay)
        continue
      }

      const error = outcome.failure
      const outcomeInfo: Retry.Outcome | undefined =
        error._tag === "NetworkError"
          ? { _tag: "Network", reachedServer: error.reachedServer }
          : error._tag === "TimeoutError"
            ? { _tag: "Timeout" }
            : undefined
      if (
        outcomeInfo === undefined ||
        attempt >= policy.maxAttempts ||
        !Retry.isRetryable(policy, request.method, outcomeInfo, hasIdempotencyKey)
      ) {
        return yield* Effect.fail(error)
      }
      const delay = Retry.backoff(policy, attempt, yield* Random.next)
      if (now + delay >= deadline) {
        return yield* new TimeoutError({
          method: request.method,
          url: url(),
          correlationId,
          scope: "deadline",
          timeoutMs: policy.deadlineMs,
        })
      }
      yield* Effect.logDebug(`${error._tag}; attempt ${attempt + 1} in ${delay} ms`)
      yield* Effect.sleep(delay)
    }
  })
