/**
 * A running provider sandbox and the options every sandbox starts with.
 *
 * @since 0.1.0
 */
import type { BudgetSpec } from "./Budget.ts"
import type { Lifetimes, SandboxControl } from "./Control.ts"
import type { CountersSnapshot } from "./Counters.ts"
import type { FaultSpec } from "./Faults.ts"

/**
 * Options every sandbox takes.
 *
 * @example
 * ```ts
 * import type { SandboxOptions } from "@keyway/sandbox"
 * const options: SandboxOptions = { port: 0, clockOffset: 0, lifetimes: { access: 60 }, tokenLatencyMs: 200 }
 * ```
 */
export interface SandboxOptions {
  /** Port to listen on (default 0: any free port). */
  readonly port?: number
  /** Host to listen on (default `127.0.0.1`). */
  readonly host?: string
  /** Initial clock offset in seconds. */
  readonly clockOffset?: number
  /** Initial token lifetimes (each provider has its own defaults). */
  readonly lifetimes?: Partial<Lifetimes>
  /** Fault rules active from the start (and restored by `control.reset()`). */
  readonly faults?: readonly FaultSpec[]
  /** Latency added to token-endpoint and session-login responses, in milliseconds. */
  readonly tokenLatencyMs?: number
  /** Seed of the fault-injection dice (default 1). */
  readonly seed?: number
  /** Correlation header to echo, or `null` for none (each provider has its default). */
  readonly correlationHeader?: string | null
  /**
   * The API routes' rate-limit budget: `true` for the provider's own (see {@link ProviderDefinition.budget}),
   * a spec of your own, or none (the default, so that tests firing raw requests are not throttled).
   */
  readonly budget?: BudgetSpec | boolean | null
}

/**
 * The URLs of a sandbox. `tokenUrl`, `authorizeUrl`, `revokeUrl` and `sessionUrl` are there when
 * the provider has them.
 *
 * @example
 * ```ts
 * import { startSandbox, type SandboxUrls } from "@keyway/sandbox"
 * await using sandbox = await startSandbox("cch")
 * const { baseUrl, tokenUrl, controlUrl }: SandboxUrls = sandbox.urls
 * ```
 */
export interface SandboxUrls {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** The API base URL: origin plus the path prefix of the provider's OpenAPI `servers` entry. */
  readonly baseUrl: string
  /** `POST` a JSON {@link ControlRequest} here. */
  readonly controlUrl: string
  readonly tokenUrl?: string
  readonly authorizeUrl?: string
  readonly revokeUrl?: string
  readonly sessionUrl?: string
}

/**
 * A running sandbox of one provider, with that provider's credentials type.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * await using sb = await startSandbox("workable")
 * const res = await fetch(`${sb.baseUrl}/accounts`, { headers: { authorization: `Bearer ${sb.credentials.apiTokens[0]}` } })
 * ```
 */
export interface ProviderSandbox<P extends string, C> extends AsyncDisposable {
  readonly provider: P
  readonly origin: string
  readonly port: number
  readonly baseUrl: string
  readonly urls: SandboxUrls
  readonly credentials: C
  readonly control: SandboxControl
  /** A copy of the counters. */
  counters(): CountersSnapshot
  /** Closes the server and every socket; idempotent. */
  stop(): Promise<void>
}
