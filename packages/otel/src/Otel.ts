/**
 * OpenTelemetry for Keyway clients, on the real SDK.
 *
 * **Traces** (Effect spans exported through `@effect/opentelemetry`'s tracer):
 *
 * - `keyway.call` (internal): one per logical call, with `http.method`, `http.route` (the OpenAPI
 *   path template, never the URL), `keyway.provider`, `keyway.correlation_id`, `http.status_code`,
 *   `keyway.attempts`;
 * - `keyway.attempt` (client), its children: one per request sent, with `keyway.attempt`,
 *   `http.status_code` or `error.type`, and `keyway.retry_reason` on a retry (`status_429`,
 *   `status_503`, `network`, `timeout`, `unauthorized`);
 * - `keyway.token_request` (client): a root span per token request with `keyway.grant`,
 *   `keyway.outcome` and the correlation id of the call that caused it, linked to that call's
 *   attempt span (one token request may serve many calls).
 *
 * **Metrics** (instruments on an OpenTelemetry `Meter`, fed by core's `Telemetry` hook):
 * `keyway.client.calls`, `keyway.client.call.duration` (ms, by provider and route),
 * `keyway.client.attempts`, `keyway.client.retries` (by reason), `keyway.token.requests` and
 * `keyway.token.refreshes` (by outcome), `keyway.token.request.duration`,
 * `keyway.throttle.decisions` (immediate, waited, rejected) and `keyway.throttle.wait.duration`;
 * a connections keeper's `keyway.keeper.sweeps`, `keyway.keeper.sweep.duration` and
 * `keyway.keeper.connections` (refreshed, already_fresh, failed, reauthorization_required, skipped).
 *
 * No attribute ever holds a URL, a header, a token or a secret: only names, templates, statuses,
 * counts and the correlation id (on spans; metrics have no correlation id, it would be a label
 * per call).
 *
 * @example
 * ```ts
 * import { createClient } from "@keyway/provider-ccw"
 * import { Otel } from "@keyway/otel"
 *
 * // In a Node app whose OpenTelemetry SDK is started (e.g. `new NodeSDK({...}).start()`):
 * const ccw = createClient({
 *   environment: "sandbox-na",
 *   auth: { clientId: process.env.CCW_CLIENT_ID!, clientSecret: process.env.CCW_CLIENT_SECRET! },
 *   layer: Otel.layer(),
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as OtelTracer from "@effect/opentelemetry/OtelTracer"
import { Telemetry } from "@keyway/core"
import * as Api from "@opentelemetry/api"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { MeterProvider, type MetricReader } from "@opentelemetry/sdk-metrics"
import { BasicTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer } from "effect"

/**
 * Where spans and metrics go: the given providers, or the global ones the app's SDK registered.
 *
 * @example
 * ```ts
 * import type { Otel } from "@keyway/otel"
 * const options: Otel.Options = {} // the global providers
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  readonly tracerProvider?: Api.TracerProvider | undefined
  readonly meterProvider?: Api.MeterProvider | undefined
  /** `false` leaves traces out. */
  readonly traces?: boolean | undefined
  /** `false` leaves metrics out. */
  readonly metrics?: boolean | undefined
}

/** The labels of a call or an attempt: provider, route template, method, outcome, status. */
const requestAttributes = (e: Telemetry.CallEvent | Telemetry.AttemptEvent): Api.Attributes => ({
  "keyway.provider": e.provider,
  "http.route": e.route,
  "http.request.method": e.method,
  "keyway.outcome": e.outcome,
  ...(e.status === undefined ? {} : { "http.response.status_code": e.status }),
})

const DURATION_BOUNDARIES = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000]

/**
 * A Telemetry sink on an OpenTelemetry meter: what {@link layer} installs.
 *
 * @example
 * ```ts
 * import { metrics } from "@opentelemetry/api"
 * import { Otel } from "@keyway/otel"
 * const sink = Otel.makeSink(metrics.getMeter("@keyway/otel"))
 * ```
 *
 * @since 0.1.0
 */
export const makeSink = (meter: Api.Meter): Telemetry.Sink => {
  const ms = (name: string, description: string) =>
    meter.createHistogram(name, {
      description,
      unit: "ms",
      advice: { explicitBucketBoundaries: DURATION_BOUNDARIES },
    })
  const calls = meter.createCounter("keyway.client.calls", { description: "Logical calls, by outcome" })
  const callDuration = ms("keyway.client.call.duration", "Call latency, retries and waits included")
  const attempts = meter.createCounter("keyway.client.attempts", { description: "Requests sent" })
  const attemptDuration = ms("keyway.client.attempt.duration", "One request's latency")
  const retries = meter.createCounter("keyway.client.retries", { description: "Retries, by reason" })
  const tokens = meter.createCounter("keyway.token.requests", {
    description: "Token endpoint requests, by grant and outcome",
  })
  const refreshes = meter.createCounter("keyway.token.refreshes", {
    description: "Refresh-token grants, by outcome",
  })
  const tokenDuration = ms("keyway.token.request.duration", "Token request latency")
  const throttle = meter.createCounter("keyway.throttle.decisions", {
    description: "Throttle decisions before a call: immediate, waited, rejected",
  })
  const throttleWait = ms("keyway.throttle.wait.duration", "Time a call waited for its budget slot")
  const sweeps = meter.createCounter("keyway.keeper.sweeps", { description: "Keeper sweeps" })
  const sweepDuration = ms("keyway.keeper.sweep.duration", "One keeper sweep, every connection included")
  const swept = meter.createCounter("keyway.keeper.connections", {
    description: "Connections a keeper sweep saw, by what became of them",
  })
  return {
    call: (e) => {
      const attributes = requestAttributes(e)
      calls.add(1, attributes)
      callDuration.record(e.durationMs, attributes)
    },
    attempt: (e) => {
      const attributes = requestAttributes(e)
      attempts.add(1, attributes)
      attemptDuration.record(e.durationMs, attributes)
    },
    retry: (e) =>
      retries.add(1, {
        "keyway.provider": e.provider,
        "http.route": e.route,
        "keyway.retry_reason": e.reason,
      }),
    tokenRequest: (e) => {
      const attributes = {
        "keyway.provider": e.provider,
        "keyway.grant": e.grant,
        "keyway.outcome": e.outcome,
      }
      tokens.add(1, attributes)
      tokenDuration.record(e.durationMs, attributes)
      if (e.grant === "refresh_token")
        refreshes.add(1, { "keyway.provider": e.provider, "keyway.outcome": e.outcome })
    },
    throttle: (e) => {
      const attributes = { "keyway.provider": e.provider, "keyway.outcome": e.outcome }
      throttle.add(1, attributes)
      if (e.outcome === "waited") throttleWait.record(e.waitMs, attributes)
    },
    keeperSweep: (e) => {
      const attributes = { "keyway.provider": e.provider }
      sweeps.add(1, attributes)
      sweepDuration.record(e.durationMs, attributes)
      const outcomes = {
        refreshed: e.refreshed,
        already_fresh: e.alreadyFresh,
        failed: e.failed,
        reauthorization_required: e.reauthorizationRequired,
        skipped: e.skipped,
      }
      for (const [outcome, count] of Object.entries(outcomes))
        if (count > 0) swept.add(count, { ...attributes, "keyway.outcome": outcome })
    },
  }
}

/**
 * Turns OpenTelemetry on for a client: Keyway's spans through an Effect tracer on the tracer
 * provider, its metrics on the meter provider (both default to the global ones, which the app's
 * OpenTelemetry SDK registers). Give it as a client's `layer`.
 *
 * @example
 * ```ts
 * import { createClient } from "@keyway/provider-workable"
 * import { Otel } from "@keyway/otel"
 * const workable = createClient({
 *   auth: { type: "oauth", clientId: process.env.WORKABLE_CLIENT_ID! },
 *   layer: Otel.layer(),
 * })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<never> => {
  const traces =
    options.traces === false
      ? Layer.empty
      : OtelTracer.layer.pipe(
          Layer.provide(
            Layer.sync(
              OtelTracer.OtelTracerProvider,
              () => options.tracerProvider ?? Api.trace.getTracerProvider(),
            ),
          ),
        )
  const metrics =
    options.metrics === false
      ? Layer.empty
      : Layer.sync(Telemetry.Telemetry, () =>
          makeSink(
            (options.meterProvider ?? Api.metrics.getMeterProvider()).getMeter("@keyway/otel", "0.1.0"),
          ),
        )
  return Layer.mergeAll(traces, metrics) as Layer.Layer<never>
}

/**
 * What {@link layerSdk} sets up: the service's name and where spans and metrics are exported.
 *
 * @example
 * ```ts
 * import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
 * import type { Otel } from "@keyway/otel"
 * const options: Otel.SdkOptions = { serviceName: "billing", spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] }
 * ```
 *
 * @since 0.1.0
 */
export interface SdkOptions {
  readonly serviceName: string
  readonly serviceVersion?: string | undefined
  readonly spanProcessors?: ReadonlyArray<SpanProcessor> | undefined
  readonly metricReaders?: ReadonlyArray<MetricReader> | undefined
}

/**
 * Providers of the OpenTelemetry SDK of Keyway's own (a tracer provider with the given span
 * processors, a meter provider with the given readers, one resource), flushed and shut down when
 * the layer is released: for an app without an SDK of its own, and for tests.
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
 * import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
 * import { Otel } from "@keyway/otel"
 * const layer = Otel.layerSdk({ serviceName: "billing", spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] })
 * ```
 *
 * @since 0.1.0
 */
export const layerSdk = (options: SdkOptions): Layer.Layer<never> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const resource = resourceFromAttributes({
        "service.name": options.serviceName,
        ...(options.serviceVersion === undefined ? {} : { "service.version": options.serviceVersion }),
      })
      const tracerProvider = yield* Effect.acquireRelease(
        Effect.sync(
          () => new BasicTracerProvider({ resource, spanProcessors: [...(options.spanProcessors ?? [])] }),
        ),
        (provider) => shutdown(() => provider.forceFlush().finally(() => provider.shutdown())),
      )
      const meterProvider = yield* Effect.acquireRelease(
        Effect.sync(() => new MeterProvider({ resource, readers: [...(options.metricReaders ?? [])] })),
        (provider) => shutdown(() => provider.forceFlush().finally(() => provider.shutdown())),
      )
      return layer({ tracerProvider, meterProvider })
    }),
  )

const shutdown = (f: () => Promise<void>) =>
  Effect.promise(() => f().catch(() => undefined)).pipe(Effect.timeoutOption("3 seconds"), Effect.asVoid)
