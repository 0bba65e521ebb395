// Spans and metrics of a real call (generated CCW client, CCW sandbox) in the OpenTelemetry SDK's
// in-memory exporters: the span tree, the attributes, the metrics, and no secret anywhere.
import { Otel } from "@keyway/otel"
import { type CcwSandbox, startCcwSandbox } from "@keyway/sandbox"
import * as Api from "@opentelemetry/api"
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callOnce, secretsIn } from "./Helpers.ts"

let sandbox: CcwSandbox
beforeAll(async () => {
  sandbox = await startCcwSandbox()
})
afterAll(() => sandbox.stop())

describe("Otel.layer with the SDK's in-memory exporters", () => {
  it("exports keyway.call with its attempts, a linked token request, and the metrics", async () => {
    const spans = new InMemorySpanExporter()
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
    const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })
    const meterProvider = new MeterProvider({ readers: [reader] })

    const status = await callOnce(sandbox, Otel.layer({ tracerProvider, meterProvider }))
    expect(status).toBe(200)
    await tracerProvider.forceFlush()
    await meterProvider.forceFlush()

    // --- the span tree
    const finished = spans.getFinishedSpans()
    const call = finished.find((s) => s.name === "keyway.call")!
    expect(call).toBeDefined()
    expect(call.attributes).toMatchObject({
      "http.method": "POST",
      "http.route": "/API/candidates/search",
      "keyway.provider": "ccw",
      "keyway.correlation_id": "otel-corr-1",
      "http.status_code": 200,
      "keyway.attempts": 2,
    })
    const attempts = finished
      .filter((s) => s.name === "keyway.attempt")
      .sort((a, b) => Number(a.attributes["keyway.attempt"]) - Number(b.attributes["keyway.attempt"]))
    expect(attempts).toHaveLength(2)
    for (const attempt of attempts) {
      expect(attempt.parentSpanContext?.spanId).toBe(call.spanContext().spanId)
      expect(attempt.spanContext().traceId).toBe(call.spanContext().traceId)
      expect(attempt.attributes["keyway.correlation_id"]).toBe("otel-corr-1")
    }
    expect(attempts[0]!.attributes).toMatchObject({ "keyway.attempt": 1, "http.status_code": 503 })
    expect(attempts[0]!.attributes["keyway.retry_reason"]).toBeUndefined()
    // CCW's budget (10/s, bursts of 5) let both attempts go at once: no throttle wait on them
    expect(attempts.map((a) => a.attributes["keyway.throttle.wait_ms"])).toEqual([undefined, undefined])
    expect(attempts[1]!.attributes).toMatchObject({
      "keyway.attempt": 2,
      "http.status_code": 200,
      "keyway.retry_reason": "status_503",
    })
    const token = finished.find((s) => s.name === "keyway.token_request")!
    expect(token).toBeDefined()
    expect(token.parentSpanContext).toBeUndefined() // a root span of its own...
    expect(token.links).toHaveLength(1) // ...linked to the call that needed the token
    expect(token.links[0]!.context.spanId).toBe(call.spanContext().spanId)
    expect(token.attributes).toMatchObject({
      "keyway.provider": "ccw",
      "keyway.grant": "client_credentials",
      "keyway.correlation_id": "otel-corr-1",
      "keyway.outcome": "success",
    })

    // --- the metrics
    const collected = metrics.getMetrics()
    const last = collected.at(-1)
    if (last === undefined) throw new Error("no metrics were exported")
    const scope = last.scopeMetrics.find((s) => s.scope.name === "@keyway/otel")!
    const metric = (name: string) => scope.metrics.find((m) => m.descriptor.name === name)!
    const points = (name: string) =>
      metric(name).dataPoints as Array<{ attributes: Record<string, unknown>; value: any }>
    expect(points("keyway.client.calls")).toEqual([
      {
        attributes: {
          "keyway.provider": "ccw",
          "http.route": "/API/candidates/search",
          "http.request.method": "POST",
          "keyway.outcome": "ok",
          "http.response.status_code": 200,
        },
        value: 1,
        startTime: expect.anything(),
        endTime: expect.anything(),
      },
    ])
    expect(
      points("keyway.client.attempts").map((p) => [p.attributes["http.response.status_code"], p.value]),
    ).toEqual([
      [503, 1],
      [200, 1],
    ])
    expect(
      points("keyway.client.retries").map((p) => [p.attributes["keyway.retry_reason"], p.value]),
    ).toEqual([["status_503", 1]])
    expect(
      points("keyway.token.requests").map((p) => [
        p.attributes["keyway.grant"],
        p.attributes["keyway.outcome"],
        p.value,
      ]),
    ).toEqual([["client_credentials", "success", 1]])
    const latency = points("keyway.client.call.duration")
    expect(latency).toHaveLength(1)
    expect(latency[0]!.attributes).toMatchObject({
      "keyway.provider": "ccw",
      "http.route": "/API/candidates/search",
    })
    expect(latency[0]!.value.count).toBe(1)
    expect(metric("keyway.client.call.duration").descriptor.unit).toBe("ms")
    // CCW's descriptor declares a budget: each attempt went through the throttle
    expect(points("keyway.throttle.decisions").reduce((n, p) => n + p.value, 0)).toBe(2)

    // --- never a secret
    const exported = JSON.stringify({
      spans: finished.map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        links: s.links,
      })),
      metrics: scope.metrics.map((m) => m.dataPoints.map((p) => p.attributes)),
    })
    expect(exported).toContain("otel-corr-1") // the check below looks at real content
    expect(secretsIn(exported, sandbox)).toEqual([])
    await tracerProvider.shutdown()
    await meterProvider.shutdown()
  })

  it("exports nothing and costs no span when neither traces nor metrics are wanted", async () => {
    const spans = new InMemorySpanExporter()
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
    const status = await callOnce(sandbox, Otel.layer({ tracerProvider, traces: false, metrics: false }))
    expect(status).toBe(200)
    expect(spans.getFinishedSpans()).toEqual([])
  })
})

describe("Otel.layer() (the one-liner)", () => {
  it("uses the global providers that the app's SDK registered", async () => {
    const spans = new InMemorySpanExporter()
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
    const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })
    const meterProvider = new MeterProvider({ readers: [reader] })
    Api.trace.setGlobalTracerProvider(tracerProvider)
    Api.metrics.setGlobalMeterProvider(meterProvider)
    try {
      expect(await callOnce(sandbox, Otel.layer())).toBe(200)
      await tracerProvider.forceFlush()
      await meterProvider.forceFlush()
      expect(spans.getFinishedSpans().map((s) => s.name)).toContain("keyway.call")
      const names = metrics
        .getMetrics()
        .flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics.map((metric) => metric.descriptor.name)))
      expect(names).toContain("keyway.client.calls")
    } finally {
      Api.trace.disable()
      Api.metrics.disable()
      await tracerProvider.shutdown()
      await meterProvider.shutdown()
    }
  })

  it("turns a keeper sweep into the keeper metrics", async () => {
    const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })
    const meterProvider = new MeterProvider({ readers: [reader] })
    const sink = Otel.makeSink(meterProvider.getMeter("test"))
    sink.keeperSweep?.({
      provider: "workable",
      connections: 5,
      due: 3,
      refreshed: 2,
      alreadyFresh: 0,
      failed: 1,
      reauthorizationRequired: 0,
      skipped: 2,
      durationMs: 40,
    })
    await reader.forceFlush()
    const last = metrics.getMetrics().at(-1)
    if (last === undefined) throw new Error("no metrics were exported")
    const scope = last.scopeMetrics[0]!
    const metric = (name: string) => scope.metrics.find((m) => m.descriptor.name === name)!
    expect(metric("keyway.keeper.sweeps").dataPoints[0]!.value).toBe(1)
    expect(metric("keyway.keeper.sweep.duration").descriptor.unit).toBe("ms")
    const byOutcome = Object.fromEntries(
      metric("keyway.keeper.connections").dataPoints.map((p) => [p.attributes["keyway.outcome"], p.value]),
    )
    expect(byOutcome).toEqual({ refreshed: 2, failed: 1, skipped: 2 })
    await meterProvider.shutdown()
  })
})
