/**
 * The demo's throttle run: for each provider whose descriptor declares a call budget, the sandbox
 * enforces the provider's own rate limit (`budget: true`; Workable a short interval so the run
 * stays short) and a fresh client fires a burst of concurrent calls at it. The line says how the
 * client's throttle spread them: the budget, the calls, how many waited and for how long, the rate
 * achieved, and the 429s the sandbox had to answer (the point: none, or a few recovered ones when
 * only headers pace the calls).
 *
 * @example
 * ```ts
 * import * as ThrottleScenario from "@keyway/demo/ThrottleScenario"
 * // const line = await ThrottleScenario.run("ccw", sandboxes.ccw, settings)
 * // console.log(ThrottleScenario.render([line]))
 * ```
 *
 * @since 0.1.0
 */
import { Telemetry, type Throttle } from "@keyway/core"
import * as Cca from "@keyway/provider-cca"
import * as Cch from "@keyway/provider-cch"
import * as Ccw from "@keyway/provider-ccw"
import * as CultureAmp from "@keyway/provider-cultureamp"
import * as Workable from "@keyway/provider-workable"
import type { BudgetSpec, ProviderName, Sandbox } from "@keyway/sandbox"
import { Layer, Redacted } from "effect"
import * as CcwScenario from "./CcwScenario.ts"
import * as CultureAmpScenario from "./CultureAmpScenario.ts"
import * as SandboxControl from "./SandboxControl.ts"
import type * as Scenario from "./Scenario.ts"

/**
 * One provider's throttle figures.
 *
 * @example
 * ```ts
 * import type * as ThrottleScenario from "@keyway/demo/ThrottleScenario"
 * const line: ThrottleScenario.Line = { provider: "cca", budget: "none declared", calls: 0, elapsedMs: 0, waited: 0, longestWaitMs: 0, served: 0, rateLimited: 0, result: "ok" }
 * ```
 *
 * @since 0.1.0
 */
export interface Line {
  readonly provider: string
  /** The client's budget, as the descriptor declares it. */
  readonly budget: string
  readonly calls: number
  readonly elapsedMs: number
  /** Attempts the throttle held back before sending. */
  readonly waited: number
  readonly longestWaitMs: number
  /** API requests the sandbox answered within its budget. */
  readonly served: number
  /** API requests the sandbox refused (429/503) above its budget. */
  readonly rateLimited: number
  readonly result: string
}

const CALLS = 30

const describeBudget = (budget: Throttle.Budget | undefined): string => {
  if (budget === undefined) return "none declared"
  const parts = [
    budget.rate === undefined ? "paced by rate-limit headers" : `${budget.rate}/s`,
    budget.burst === undefined ? undefined : `burst ${budget.burst}`,
    budget.concurrency === undefined ? undefined : `${budget.concurrency} in flight`,
    budget.per === "connection" ? "per connection" : undefined,
  ]
  return parts.filter((p) => p !== undefined).join(", ")
}

const budgets: Record<ProviderName, Throttle.Budget | undefined> = {
  ccw: Ccw.descriptor.throttle,
  cca: (Cca.descriptor as { readonly throttle?: Throttle.Budget }).throttle,
  cch: (Cch.descriptor as { readonly throttle?: Throttle.Budget }).throttle,
  cultureamp: CultureAmp.descriptor.throttle,
  workable: Workable.descriptor.throttle,
}

// Workable's real interval is 10 s: the demo uses 2 s so that the run stays short.
const sandboxBudget: Partial<Record<ProviderName, BudgetSpec | true>> = {
  ccw: true,
  cultureamp: true,
  workable: {
    limit: 10,
    window: 2,
    kind: "interval",
    status: 429,
    retryAfter: true,
    headers: "x-rate-limit",
  },
}

type Burst = (
  layer: Layer.Layer<never>,
) => Promise<{ readonly close: () => Promise<void>; readonly calls: Array<Promise<unknown>> }>

const bursts = (
  sandbox: Sandbox<ProviderName>,
  settings: Scenario.Settings,
): Partial<Record<ProviderName, Burst>> => ({
  ccw: async (layer) => {
    const client = CcwScenario.client(sandbox as Sandbox<"ccw">, settings, { layer })
    const body = { meta: { limit: 1, offset: 0 }, data: { status: "submitted" } }
    return {
      close: client.close,
      calls: Array.from({ length: CALLS }, () => client.op.searchCandidates({ body })),
    }
  },
  cultureamp: async (layer) => {
    const client = CultureAmpScenario.client(sandbox as Sandbox<"cultureamp">, settings, undefined, { layer })
    return { close: client.close, calls: Array.from({ length: CALLS }, () => client.op.listEmployees()) }
  },
  workable: async (layer) => {
    const sb = sandbox as Sandbox<"workable">
    const client = Workable.createClient({
      subdomain: sb.credentials.subdomain,
      baseUrl: sb.baseUrl,
      auth: { type: "api-token", token: Redacted.make(sb.credentials.apiToken) },
      retry: settings.retry,
      layer,
    })
    return {
      close: client.close,
      calls: Array.from({ length: 20 }, () => client.op.listJobs({ params: { query: { limit: 1 } } })),
    }
  },
})

/**
 * Runs one provider's burst against its sandbox's budget; a line for every provider.
 *
 * @example
 * ```ts
 * import * as ThrottleScenario from "@keyway/demo/ThrottleScenario"
 * // const line = await ThrottleScenario.run("workable", sandbox, Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  provider: ProviderName,
  sandbox: Sandbox<ProviderName>,
  settings: Scenario.Settings,
): Promise<Line> => {
  const budget = budgets[provider]
  const burst = bursts(sandbox, settings)[provider]
  const empty = { calls: 0, elapsedMs: 0, waited: 0, longestWaitMs: 0, served: 0, rateLimited: 0 }
  if (budget === undefined || burst === undefined) {
    return { provider, budget: describeBudget(budget), ...empty, result: "ok" }
  }
  let waited = 0
  let longestWaitMs = 0
  const sink: Telemetry.Sink = {
    ...Telemetry.noop,
    throttle: (event) => {
      if (event.outcome !== "waited") return
      waited++
      longestWaitMs = Math.max(longestWaitMs, event.waitMs)
    },
  }
  await SandboxControl.apply(sandbox.urls, { budget: sandboxBudget[provider] ?? null })
  const before = sandbox.counters().totals
  const started = performance.now()
  try {
    const { close, calls } = await burst(
      Layer.mergeAll(settings.layer, Layer.succeed(Telemetry.Telemetry, sink)),
    )
    const results = await Promise.allSettled(calls)
    await close()
    const elapsedMs = performance.now() - started
    const after = sandbox.counters().totals
    const failed = results.filter(
      (r) => r.status === "rejected" || !(r.value as { response: Response }).response.ok,
    ).length
    return {
      provider,
      budget: describeBudget(budget),
      calls: calls.length,
      elapsedMs,
      waited,
      longestWaitMs,
      served: after.calls - before.calls - (after.rateLimited - before.rateLimited),
      rateLimited: after.rateLimited - before.rateLimited,
      result: failed === 0 ? "ok" : `FAIL ${failed} calls`,
    }
  } finally {
    await SandboxControl.apply(sandbox.urls, { budget: null })
  }
}

/**
 * The throttle lines as text, one per provider, after a title line.
 *
 * @example
 * ```ts
 * import * as ThrottleScenario from "@keyway/demo/ThrottleScenario"
 * ThrottleScenario.render([]).startsWith("throttle") // true
 * ```
 *
 * @since 0.1.0
 */
export const render = (lines: ReadonlyArray<Line>): string =>
  [
    "throttle: a burst of concurrent calls per provider against the sandbox's rate limit",
    ...lines.map((l) =>
      l.calls === 0
        ? `  ${l.provider.padEnd(10)} budget: ${l.budget}; not throttled`
        : `  ${l.provider.padEnd(10)} budget: ${l.budget}; ${l.calls} calls in ${(l.elapsedMs / 1000).toFixed(1)} s (${((l.served * 1000) / l.elapsedMs).toFixed(1)}/s served), ${l.waited} waited (longest ${Math.round(l.longestWaitMs)} ms), ${l.rateLimited} answered 429 by the sandbox: ${l.result}`,
    ),
  ].join("\n")
