/**
 * The sandbox control API over HTTP (`POST /__sandbox/control`, `GET /__sandbox/counters`), so
 * the demo drives a sandbox the way another process would: move its clock, inject faults, read
 * its counters.
 *
 * @example
 * ```ts
 * import * as SandboxControl from "@keyway/demo/SandboxControl"
 * // await SandboxControl.apply(sandbox.urls, { advanceClock: 3601 })
 * // const { totals } = await SandboxControl.counters(sandbox.urls)
 * ```
 *
 * @since 0.1.0
 */
import type { ControlRequest, CountersSnapshot, CounterValues, FaultSpec } from "@keyway/sandbox"

/**
 * Where a sandbox's control API is.
 *
 * @example
 * ```ts
 * import type * as SandboxControl from "@keyway/demo/SandboxControl"
 * const urls: SandboxControl.ControlUrls = { origin: "http://127.0.0.1:4000", controlUrl: "http://127.0.0.1:4000/__sandbox/control" }
 * ```
 *
 * @since 0.1.0
 */
export interface ControlUrls {
  readonly origin: string
  readonly controlUrl: string
}

/**
 * Applies a batch of control operations; rejects when the sandbox refuses the body.
 *
 * @example
 * ```ts
 * import * as SandboxControl from "@keyway/demo/SandboxControl"
 * // await SandboxControl.apply(sandbox.urls, { faults: [{ type: "429", retryAfter: 1, rate: 0.1 }] })
 * ```
 *
 * @since 0.1.0
 */
export const apply = async (urls: ControlUrls, request: ControlRequest): Promise<void> => {
  const response = await fetch(urls.controlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  })
  if (!response.ok) {
    throw new Error(`sandbox control refused (${response.status}): ${await response.text()}`)
  }
  await response.arrayBuffer()
}

/**
 * The sandbox's counters.
 *
 * @example
 * ```ts
 * import * as SandboxControl from "@keyway/demo/SandboxControl"
 * // (await SandboxControl.counters(sandbox.urls)).totals.calls
 * ```
 *
 * @since 0.1.0
 */
export const counters = async (urls: ControlUrls): Promise<CountersSnapshot> => {
  const response = await fetch(`${urls.origin}/__sandbox/counters`)
  if (!response.ok) throw new Error(`sandbox counters unavailable (${response.status})`)
  return (await response.json()) as CountersSnapshot
}

/**
 * `after - before`, field by field.
 *
 * @example
 * ```ts
 * import * as SandboxControl from "@keyway/demo/SandboxControl"
 * const zero = { tokenRequests: 0, refreshes: 0, logins: 0, calls: 0, faults: 0, revocations: 0, rateLimited: 0 }
 * SandboxControl.delta(zero, { ...zero, calls: 3 }).calls // 3
 * ```
 *
 * @since 0.1.0
 */
export const delta = (before: CounterValues, after: CounterValues): CounterValues => ({
  tokenRequests: after.tokenRequests - before.tokenRequests,
  refreshes: after.refreshes - before.refreshes,
  logins: after.logins - before.logins,
  calls: after.calls - before.calls,
  faults: after.faults - before.faults,
  revocations: after.revocations - before.revocations,
  rateLimited: after.rateLimited - before.rateLimited,
})

/**
 * The faults of the demo's second run, all on API routes (token endpoints stay clean), so that
 * about `rate` of the API requests fail: 429 with a `Retry-After` of 1 s and connection resets in
 * the middle of a body, each at a third of `rate`, and bursts of two 502s that start at a sixth
 * of `rate` (each burst fails two requests); plus 20 ms of latency at `rate`.
 *
 * @example
 * ```ts
 * import * as SandboxControl from "@keyway/demo/SandboxControl"
 * SandboxControl.faultProfile(0.3).map((f) => f.type) // ["429", "5xx", "reset", "latency"]
 * ```
 *
 * @since 0.1.0
 */
export const faultProfile = (rate: number): ReadonlyArray<FaultSpec> => {
  const share = Math.min(1, Math.max(0, rate))
  return [
    { type: "429", rate: share / 3, retryAfter: 1, target: "api" },
    { type: "5xx", rate: share / 6, status: 502, count: 2, target: "api" },
    { type: "reset", rate: share / 3, when: "mid-body", target: "api" },
    { type: "latency", rate: share, ms: 20, target: "api" },
  ]
}
