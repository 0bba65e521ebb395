/**
 * The control surface of a sandbox: the clock offset, token lifetimes, grant revocation, fault
 * injection, token-endpoint latency and counters. The same operations are methods on
 * `sandbox.control` and JSON over HTTP (`POST /__sandbox/control`), so another OS process can
 * drive a sandbox it did not start.
 *
 * @example
 * ```ts
 * sandbox.control.advanceClock(3600) // every 1-hour token has now expired
 * sandbox.control.injectFault({ type: "429", retryAfter: 2, times: 1 })
 * await fetch(`${sandbox.origin}/__sandbox/control`, {
 *   method: "POST",
 *   body: JSON.stringify({ clockOffset: 0, lifetimes: { access: 5 }, faults: [{ type: "reset", rate: 0.1 }] }),
 * })
 * ```
 *
 * @since 0.1.0
 */
import { type BudgetSpec, validateBudget } from "../Budget.ts"
import type { Lifetimes, RevokeRequest, SandboxControl } from "../Control.ts"
import type { Clock } from "./Clock.ts"
import type { Counters } from "./Counters.ts"
import { type FaultInjector, type FaultSpec, validateFault } from "./Faults.ts"

/**
 * What the control needs from a running sandbox.
 *
 * @example
 * ```ts
 * createControl({ provider: "ccw", clock, counters, faults, lifetimes, initial, revoke, tokenLatency })
 * ```
 */
export interface ControlTarget {
  readonly provider: string
  readonly clock: Clock
  readonly counters: Counters
  readonly faults: FaultInjector
  lifetimes: Lifetimes
  tokenLatencyMs: number
  readonly initial: {
    readonly clockOffset: number
    readonly lifetimes: Lifetimes
    readonly tokenLatencyMs: number
  }
  readonly initialFaults: readonly FaultSpec[]
  revoke(request: RevokeRequest): number
  /** The API routes' rate-limit budget (undefined: none). */
  budget: BudgetSpec | undefined
  readonly initialBudget: BudgetSpec | undefined
  /** The provider's own budget (what `budget: true` enforces). */
  readonly providerBudget: BudgetSpec | undefined
}

function seconds(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new TypeError(`${name} must be a finite number`)
  return value
}

function checkLifetimes(value: unknown): Partial<Lifetimes> {
  if (value === null || typeof value !== "object") throw new TypeError("lifetimes must be an object")
  const l = value as Record<string, unknown>
  const out: Partial<Lifetimes> = {}
  if (l.access !== undefined) out.access = seconds(l.access, "lifetimes.access")
  if (l.session !== undefined) out.session = seconds(l.session, "lifetimes.session")
  if (l.refresh !== undefined)
    out.refresh = l.refresh === null ? null : seconds(l.refresh, "lifetimes.refresh")
  return out
}

/**
 * Builds the control object of a sandbox.
 *
 * @example
 * ```ts
 * const control = createControl(target)
 * control.apply({ advanceClock: 60 })
 * ```
 */
export function createControl(target: ControlTarget): SandboxControl {
  const control: SandboxControl = {
    now: () => target.clock.now(),
    setClockOffset: (s) => {
      target.clock.offset = seconds(s, "clockOffset")
    },
    advanceClock: (s) => {
      target.clock.offset += seconds(s, "advanceClock")
    },
    setLifetimes: (l) => {
      target.lifetimes = { ...target.lifetimes, ...checkLifetimes(l) }
    },
    getLifetimes: () => ({ ...target.lifetimes }),
    revoke: (request) => {
      if (request === null || typeof request !== "object") throw new TypeError("revoke must be an object")
      return target.revoke(request)
    },
    injectFault: (spec) => target.faults.add(spec),
    clearFaults: (id) => target.faults.clear(id),
    listFaults: () => target.faults.list(),
    setTokenLatency: (ms) => {
      target.tokenLatencyMs = Math.max(0, seconds(ms, "tokenLatencyMs"))
    },
    resetCounters: () => target.counters.reset(),
    setBudget: (spec) => {
      target.budget =
        spec === true
          ? target.providerBudget
          : spec === undefined || spec === null || spec === false
            ? undefined
            : validateBudget(spec)
    },
    reset: () => {
      target.budget = target.initialBudget
      target.clock.offset = target.initial.clockOffset
      target.lifetimes = { ...target.initial.lifetimes }
      target.tokenLatencyMs = target.initial.tokenLatencyMs
      target.faults.clear()
      for (const spec of target.initialFaults) target.faults.add(spec)
      target.counters.reset()
    },
    state: () => ({
      provider: target.provider,
      now: target.clock.now(),
      clockOffset: target.clock.offset,
      lifetimes: { ...target.lifetimes },
      tokenLatencyMs: target.tokenLatencyMs,
      faults: target.faults.list(),
      budget: target.budget,
    }),
    apply: (request) => {
      if (request === null || typeof request !== "object" || Array.isArray(request))
        throw new TypeError("a control request must be a JSON object")
      // validate what can fail before changing anything
      if (request.fault !== undefined) validateFault(request.fault)
      if (request.faults !== undefined) {
        if (!Array.isArray(request.faults)) throw new TypeError("faults must be an array")
        for (const spec of request.faults) validateFault(spec)
      }
      if (request.lifetimes !== undefined) checkLifetimes(request.lifetimes)
      if (typeof request.budget === "object" && request.budget !== null) validateBudget(request.budget)
      for (const key of ["clockOffset", "advanceClock", "tokenLatencyMs"] as const)
        if (request[key] !== undefined) seconds(request[key], key)
      const faultIds: string[] = []
      let revoked = 0
      if (request.reset) control.reset()
      if (request.clearFaults) control.clearFaults()
      if (request.clockOffset !== undefined) control.setClockOffset(request.clockOffset)
      if (request.advanceClock !== undefined) control.advanceClock(request.advanceClock)
      if (request.lifetimes !== undefined) control.setLifetimes(request.lifetimes)
      if (request.tokenLatencyMs !== undefined) control.setTokenLatency(request.tokenLatencyMs)
      if (request.fault !== undefined) faultIds.push(control.injectFault(request.fault))
      if (request.faults !== undefined)
        for (const spec of request.faults) faultIds.push(control.injectFault(spec))
      if (request.revoke !== undefined) revoked = control.revoke(request.revoke)
      if (request.resetCounters) control.resetCounters()
      if (request.budget !== undefined) control.setBudget(request.budget)
      return { ok: true, state: control.state(), faultIds, revoked }
    },
  }
  return control
}

export type {
  ControlRequest,
  ControlResult,
  ControlState,
  Lifetimes,
  RevokeRequest,
  SandboxControl,
} from "../Control.ts"
