/**
 * The control surface of a sandbox, as its users see it: the `sandbox.control` methods and the JSON of `POST /__sandbox/control` (the clock offset, token lifetimes, grant revocation, fault injection, token-endpoint latency, budget and counters).
 *
 * @since 0.1.0
 */
import type { BudgetSpec } from "./Budget.ts"
import type { FaultInfo, FaultSpec } from "./Faults.ts"

/**
 * Token lifetimes in seconds, for tokens issued from now on. `refresh: null` means refresh
 * tokens never expire. Each provider uses the ones it has (CCA: `session`; CCW and Culture Amp:
 * `access`; CCH and Workable: `access` and `refresh`).
 *
 * @example
 * ```ts
 * import type { Lifetimes } from "@keyway/sandbox"
 * const l: Lifetimes = { access: 3600, refresh: 1_209_600, session: 60 }
 * ```
 */
export interface Lifetimes {
  access: number
  refresh: number | null
  session: number
}

/**
 * Which grants to revoke: by a token issued under it (`refreshToken`, `accessToken` or `token`),
 * or by every grant of a `connection` (`clientId|user`), a `user` and/or a `clientId` (given
 * together, all must match). Revoking a grant kills its access, refresh and session tokens
 * (and, for CCA, CCH and Workable, static tokens of that user when selected by user).
 *
 * @example
 * ```ts
 * import { startSandbox, type RevokeRequest } from "@keyway/sandbox"
 * await using sandbox = await startSandbox("cch")
 * declare const refreshToken: string // from a token response
 * const byToken: RevokeRequest = { refreshToken }
 * sandbox.control.revoke(byToken)
 * sandbox.control.revoke({ user: "alice" }) // how many grants it revoked
 * ```
 */
export interface RevokeRequest {
  readonly refreshToken?: string
  readonly accessToken?: string
  readonly token?: string
  readonly connection?: string
  readonly user?: string
  readonly clientId?: string
}

/**
 * A batch of control operations, applied in this order: `reset`, `clearFaults`, `clockOffset`,
 * `advanceClock`, `lifetimes`, `tokenLatencyMs`, `fault`/`faults`, `revoke`, `resetCounters`.
 * This is the JSON body of `POST /__sandbox/control`.
 *
 * @example
 * ```ts
 * import type { ControlRequest } from "@keyway/sandbox"
 * const request: ControlRequest = { clockOffset: 7200, faults: [{ type: "5xx", status: 502, count: 2 }] }
 * ```
 */
export interface ControlRequest {
  /** Back to the start state: clock, lifetimes, faults, token latency, counters (tokens survive). */
  readonly reset?: boolean
  readonly clearFaults?: boolean
  /** Sets the clock offset (seconds added to now). */
  readonly clockOffset?: number
  /** Adds to the clock offset. */
  readonly advanceClock?: number
  readonly lifetimes?: Partial<Lifetimes>
  /** Latency added to every token-endpoint (and session login) response, in milliseconds. */
  readonly tokenLatencyMs?: number
  readonly fault?: FaultSpec
  readonly faults?: readonly FaultSpec[]
  readonly revoke?: RevokeRequest
  readonly resetCounters?: boolean
  /** Sets the rate-limit budget of the API routes (`true`: the provider's own); `null` turns it off. */
  readonly budget?: BudgetSpec | boolean | null
}

/**
 * The observable control state.
 *
 * @example
 * ```ts
 * import { startSandbox, type ControlState } from "@keyway/sandbox"
 * await using sandbox = await startSandbox("cch")
 * const state: ControlState = sandbox.control.state()
 * state.clockOffset // 0
 * ```
 */
export interface ControlState {
  readonly provider: string
  /** The sandbox's now, seconds since the epoch. */
  readonly now: number
  readonly clockOffset: number
  readonly lifetimes: Lifetimes
  readonly tokenLatencyMs: number
  readonly faults: FaultInfo[]
  /** The API routes' rate-limit budget, when there is one. */
  readonly budget: BudgetSpec | undefined
}

/**
 * What applying a control request did.
 *
 * @example
 * ```ts
 * import { startSandbox, type ControlResult } from "@keyway/sandbox"
 * await using sandbox = await startSandbox("cch")
 * const { faultIds, revoked }: ControlResult = sandbox.control.apply({ faults: [{ type: "reset" }], revoke: { user: "alice" } })
 * ```
 */
export interface ControlResult {
  readonly ok: true
  readonly state: ControlState
  readonly faultIds: string[]
  readonly revoked: number
}

/**
 * The control methods of a sandbox.
 *
 * @example
 * ```ts
 * import { startSandbox, type SandboxControl } from "@keyway/sandbox"
 * await using sandbox = await startSandbox("cch")
 * const control: SandboxControl = sandbox.control
 * control.setLifetimes({ access: 2 })
 * control.resetCounters()
 * ```
 */
export interface SandboxControl {
  /** The sandbox's now, seconds since the epoch (fractional). */
  now(): number
  setClockOffset(seconds: number): void
  advanceClock(seconds: number): void
  setLifetimes(lifetimes: Partial<Lifetimes>): void
  getLifetimes(): Lifetimes
  /** Revokes grants; returns how many. */
  revoke(request: RevokeRequest): number
  /** Adds a fault rule; returns its id. */
  injectFault(spec: FaultSpec): string
  /** Removes one fault rule by id, or all of them. */
  clearFaults(id?: string): void
  listFaults(): FaultInfo[]
  setTokenLatency(ms: number): void
  resetCounters(): void
  /** Sets (`true`: the provider's own; `undefined`/`null`/`false`: none) the API routes' rate-limit budget. */
  setBudget(spec: BudgetSpec | boolean | null | undefined): void
  /** Clock, lifetimes, faults, token latency, budget and counters back to the start state. */
  reset(): void
  state(): ControlState
  /** Applies a batch, as `POST /__sandbox/control` does. Throws a `TypeError` on a bad request. */
  apply(request: ControlRequest): ControlResult
}
