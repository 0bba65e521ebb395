/**
 * What every provider scenario of the demo shares: the settings it runs with, the row it
 * produces, and {@link measure}, which runs one scenario between two reads of the sandbox
 * counters and turns its outcome into a row (`ok`, or `FAIL` with the error's tag).
 *
 * @example
 * ```ts
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const row = await Scenario.measure({ provider: "ccw", strategy: "client-credentials", phase: "clean", urls: sb.urls },
 * //   async (recorder) => { const client = recorder.instrument(createClient(options)); await client.op.searchCandidates({ body }) })
 * ```
 *
 * @since 0.1.0
 */
import type { Retry } from "@keyway/core"
import { Layer, References } from "effect"
import * as Recorder from "./Recorder.ts"
import * as SandboxControl from "./SandboxControl.ts"

/**
 * The demo's two runs: without faults, then with faults injected into the API routes.
 *
 * @example
 * ```ts
 * import type * as Scenario from "@keyway/demo/Scenario"
 * const phase: Scenario.Phase = "faults"
 * ```
 *
 * @since 0.1.0
 */
export type Phase = "clean" | "faults" | "keeper"

/**
 * One line of the demo's table.
 *
 * @example
 * ```ts
 * import type * as Scenario from "@keyway/demo/Scenario"
 * const row: Scenario.Row = { provider: "ccw", strategy: "client-credentials", phase: "clean", calls: 7, tokenRequests: 3, refreshes: 0, retries: 0, correlationId: "c-1", result: "ok" }
 * ```
 *
 * @since 0.1.0
 */
export interface Row {
  readonly provider: string
  readonly strategy: string
  readonly phase: Phase
  /** API requests the sandbox received (retries and re-sends included). */
  readonly calls: number
  /** Token endpoint requests and session logins the sandbox received. */
  readonly tokenRequests: number
  /** Refresh-token grants the sandbox received. */
  readonly refreshes: number
  /** Σ (attempts − 1) over the client's calls, from `Client.callInfo`. */
  readonly retries: number
  /** The correlation id of the scenario's last call. */
  readonly correlationId: string
  /** `ok`, or `FAIL <tag>`. */
  readonly result: string
  /** Why it failed. */
  readonly error?: string | undefined
}

/**
 * How a scenario runs.
 *
 * @example
 * ```ts
 * import * as Scenario from "@keyway/demo/Scenario"
 * const settings = Scenario.settings({ phase: "clean" })
 * ```
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly phase: Phase
  /** The clients' retry policy. */
  readonly retry: Partial<Retry.Policy>
  /** Extra layers for the clients (the log level). */
  readonly layer: Layer.Layer<never>
  /** Log at Info instead of Error. */
  readonly verbose: boolean
}

/**
 * The demo's retry policy: 8 attempts, short backoffs (50 ms base, 1 s cap), a Retry-After of up
 * to 2 s honoured, 5 s per attempt, 20 s per call. With about 30 % of the requests failing, in
 * bursts at times, 8 attempts make a call that still fails rare (about 1 run of the demo in 60).
 *
 * @example
 * ```ts
 * import * as Scenario from "@keyway/demo/Scenario"
 * Scenario.retryPolicy.maxAttempts // 8
 * ```
 *
 * @since 0.1.0
 */
export const retryPolicy: Partial<Retry.Policy> = {
  maxAttempts: 8,
  baseDelayMs: 50,
  maxDelayMs: 1_000,
  maxRetryAfterMs: 2_000,
  attemptTimeoutMs: 5_000,
  deadlineMs: 20_000,
}

/**
 * Settings with the demo's defaults.
 *
 * @example
 * ```ts
 * import * as Scenario from "@keyway/demo/Scenario"
 * Scenario.settings({ phase: "faults", verbose: true }).retry.maxAttempts // 8
 * ```
 *
 * @since 0.1.0
 */
export const settings = (input: {
  readonly phase: Phase
  readonly verbose?: boolean | undefined
}): Settings => ({
  phase: input.phase,
  retry: retryPolicy,
  layer: Layer.succeed(References.MinimumLogLevel, input.verbose ? "Debug" : "Error"),
  verbose: input.verbose ?? false,
})

/**
 * A scenario's own check failed (wrong data, a missing quirk).
 *
 * @example
 * ```ts
 * import * as Scenario from "@keyway/demo/Scenario"
 * new Scenario.CheckFailed("expected 3 pages, got 2")._tag // "CheckFailed"
 * ```
 *
 * @since 0.1.0
 */
export class CheckFailed extends Error {
  readonly _tag = "CheckFailed"
  override readonly name = "CheckFailed"
}

/**
 * Throws {@link CheckFailed} unless `condition` holds.
 *
 * @example
 * ```ts
 * import * as Scenario from "@keyway/demo/Scenario"
 * Scenario.check(1 + 1 === 2, "arithmetic")
 * ```
 *
 * @since 0.1.0
 */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message)
}

/**
 * The data of an openapi-fetch result, or a thrown error naming the status when the call failed.
 *
 * @example
 * ```ts
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const jobs = Scenario.data(await client.op.listJobs())
 * ```
 *
 * @since 0.1.0
 */
export const data = <T>(result: {
  readonly data?: T
  readonly error?: unknown
  readonly response: Response
}): NonNullable<T> => {
  if (!result.response.ok || result.data === undefined || result.data === null) {
    const error = new Error(
      `${result.response.url} answered ${result.response.status}: ${JSON.stringify(result.error ?? null).slice(0, 200)}`,
    )
    throw Object.assign(error, { _tag: "HttpError", status: result.response.status })
  }
  return result.data as NonNullable<T>
}

/**
 * The tag of an error: Keyway's `_tag`, else the error's name.
 *
 * @example
 * ```ts
 * import * as Scenario from "@keyway/demo/Scenario"
 * Scenario.tagOf(new TypeError("x")) // "TypeError"
 * ```
 *
 * @since 0.1.0
 */
export const tagOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const tag = (error as { _tag?: unknown })._tag
    if (typeof tag === "string") return tag
    if (error instanceof Error) return error.name
  }
  return "Error"
}

/**
 * What a scenario is measured on.
 *
 * @example
 * ```ts
 * import type * as Scenario from "@keyway/demo/Scenario"
 * // const target: Scenario.Target = { provider: "ccw", strategy: "client-credentials", phase: "clean", urls: sandbox.urls }
 * ```
 *
 * @since 0.1.0
 */
export interface Target {
  readonly provider: string
  readonly strategy: string
  readonly phase: Phase
  readonly urls: SandboxControl.ControlUrls
}

/**
 * Runs a scenario between two reads of its sandbox's counters and makes its row. The scenario
 * instruments its clients with the recorder it is given.
 *
 * @example
 * ```ts
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const row = await Scenario.measure(target, async (recorder) => { ... })
 * ```
 *
 * @since 0.1.0
 */
export const measure = async (
  target: Target,
  scenario: (recorder: Recorder.Recorder) => Promise<void>,
): Promise<Row> => {
  const recorder = Recorder.make()
  const before = (await SandboxControl.counters(target.urls)).totals
  let result = "ok"
  let error: string | undefined
  try {
    await scenario(recorder)
  } catch (cause) {
    result = `FAIL ${tagOf(cause)}`
    error = cause instanceof Error ? cause.message : String(cause)
  }
  const counted = SandboxControl.delta(before, (await SandboxControl.counters(target.urls)).totals)
  return {
    provider: target.provider,
    strategy: target.strategy,
    phase: target.phase,
    calls: counted.calls,
    tokenRequests: counted.tokenRequests,
    refreshes: counted.refreshes,
    retries: recorder.retries(),
    correlationId: recorder.last()?.correlationId ?? "-",
    result,
    error,
  }
}
