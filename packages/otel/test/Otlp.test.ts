// The same call exported over OTLP/HTTP (the SDK's exporter, JSON encoding) to a collector written
// here on loopback: the span tree and attributes as a collector receives them, and no secret.
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Otel } from "@keyway/otel"
import { type CcwSandbox, startCcwSandbox } from "@keyway/sandbox"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callOnce, secretsIn } from "./Helpers.ts"

interface OtlpValue {
  readonly stringValue?: string
  readonly intValue?: number | string
  readonly boolValue?: boolean
}
interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: OtlpValue }>
  readonly links?: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
}

let sandbox: CcwSandbox
let collector: Server
let collectorUrl: string
const bodies: Array<string> = []
const contentTypes: Array<string> = []

beforeAll(async () => {
  sandbox = await startCcwSandbox()
  collector = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces") {
        bodies.push(Buffer.concat(chunks).toString("utf8"))
        contentTypes.push(String(req.headers["content-type"]))
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve))
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`
})
afterAll(async () => {
  await sandbox.stop()
  await new Promise((resolve) => collector.close(resolve))
})

const value = (v: OtlpValue | undefined): unknown =>
  v === undefined
    ? undefined
    : (v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue))
const attrs = (span: OtlpSpan): Record<string, unknown> =>
  Object.fromEntries(span.attributes.map((a) => [a.key, value(a.value)]))

describe("Otel.layerSdk over OTLP/HTTP", () => {
  it("a loopback collector receives keyway.call, its attempts and the linked token request", async () => {
    // The SDK lives in a scope: closing it flushes the batch processor to the collector.
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const context = yield* Layer.build(
            Otel.layerSdk({
              serviceName: "keyway-otlp-test",
              spanProcessors: [
                new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collectorUrl}/v1/traces` })),
              ],
            }),
          )
          const layer = Layer.succeedContext(context) as Layer.Layer<never>
          const status = yield* Effect.promise(() => callOnce(sandbox, layer))
          expect(status).toBe(200)
        }),
      ),
    )
    expect(bodies.length).toBeGreaterThanOrEqual(1)
    expect(contentTypes[0]).toContain("application/json")
    const payloads = bodies.map((b) => JSON.parse(b))
    const resource = payloads[0].resourceSpans[0].resource.attributes as OtlpSpan["attributes"]
    expect(resource.find((a) => a.key === "service.name")?.value.stringValue).toBe("keyway-otlp-test")
    const spans: Array<OtlpSpan> = payloads.flatMap((p) =>
      p.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)),
    )
    const call = spans.find((s) => s.name === "keyway.call")!
    expect(attrs(call)).toMatchObject({
      "http.method": "POST",
      "http.route": "/API/candidates/search",
      "keyway.provider": "ccw",
      "keyway.correlation_id": "otel-corr-1",
      "http.status_code": 200,
      "keyway.attempts": 2,
    })
    const attempts = spans.filter((s) => s.name === "keyway.attempt")
    expect(attempts).toHaveLength(2)
    expect(attempts.every((a) => a.parentSpanId === call.spanId && a.traceId === call.traceId)).toBe(true)
    expect(
      attempts
        .map((a) => [
          attrs(a)["keyway.attempt"],
          attrs(a)["http.status_code"],
          attrs(a)["keyway.retry_reason"],
        ])
        .sort(),
    ).toEqual([
      [1, 503, undefined],
      [2, 200, "status_503"],
    ])
    const token = spans.find((s) => s.name === "keyway.token_request")!
    expect(token.parentSpanId ?? "").toBe("")
    expect(token.traceId).not.toBe(call.traceId)
    expect(token.links?.map((l) => [l.traceId, l.spanId])).toEqual([[call.traceId, call.spanId]])
    expect(attrs(token)).toMatchObject({
      "keyway.grant": "client_credentials",
      "keyway.correlation_id": "otel-corr-1",
    })
    // never a secret in what left the process
    expect(bodies.join("\n")).toContain("otel-corr-1")
    expect(secretsIn(bodies.join("\n"), sandbox)).toEqual([])
  })
})
