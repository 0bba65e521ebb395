/**
 * The fault rules a test injects (`sandbox.control.injectFault`, `POST /__sandbox/control {"faults": …}`): a 429 with Retry-After, a burst of 5xx, a connection reset, or added latency.
 *
 * @since 0.1.0
 */

/**
 * The kinds of fault.
 *
 * @example
 * ```ts
 * import type { FaultType } from "@keyway/sandbox"
 * const type: FaultType = "reset"
 * ```
 */
export type FaultType = "429" | "5xx" | "reset" | "latency"

/**
 * A fault rule, as given to `control.injectFault` or in `POST /__sandbox/control {"faults": […]}`.
 *
 * @example
 * ```ts
 * import type { FaultSpec } from "@keyway/sandbox"
 * const spec: FaultSpec = { type: "5xx", status: 503, count: 2, rate: 1, times: 2, retryAfter: 1 }
 * ```
 */
export interface FaultSpec {
  readonly type: FaultType
  /** Probability in 0..1 that a matching request is faulted (default 1). */
  readonly rate?: number
  /**
   * Path glob (query string excluded; `*` matches anything, `/` included), tried against the full
   * path and against the path below the base URL. Default: every route.
   */
  readonly route?: string
  /** HTTP method to match (default any). */
  readonly method?: string
  /** `api` (resource calls), `auth` (token, authorize, revoke, session routes) or `any` (default). */
  readonly target?: "api" | "auth" | "any"
  /** Retry-After seconds: 429 always sends it (default 1); 5xx only when set. */
  readonly retryAfter?: number
  /** Status of a 5xx fault (default 503). */
  readonly status?: number
  /** Length of a 5xx burst: once triggered, this many consecutive matching requests fail (default 1). */
  readonly count?: number
  /** Latency to add, in milliseconds (latency faults). */
  readonly ms?: number
  /** Reset timing: `mid-body` (default: headers and part of the body, then the socket is destroyed) or `immediate`. */
  readonly when?: "mid-body" | "immediate"
  /** Retire the rule after it fired this many times (default: never). */
  readonly times?: number
}

/**
 * A rule as listed by `control.listFaults()`: its spec, id and how often it fired.
 *
 * @example
 * ```ts
 * import { startSandbox, type FaultInfo } from "@keyway/sandbox"
 * await using sandbox = await startSandbox("cch")
 * sandbox.control.injectFault({ type: "429", retryAfter: 1 })
 * const rules: FaultInfo[] = sandbox.control.listFaults()
 * rules[0]?.fired // 0 until a request matches
 * ```
 */
export interface FaultInfo extends FaultSpec {
  readonly id: string
  readonly fired: number
}
