/**
 * `@keyway/sandbox`: loopback HTTP servers that behave like the providers Keyway supports, for
 * tests, demos and benchmarks with no provider account and no network beyond 127.0.0.1.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 *
 * await using sb = await startSandbox("workable")
 * sb.control.injectFault({ type: "429", retryAfter: 1, times: 1 })
 * ```
 *
 * @since 0.1.0
 */

export { Budget, type BudgetSpec, type HeaderStyle, type Verdict, validateBudget } from "./Budget.ts"
export {
  type CcaCredentials,
  type CcaOptions,
  type CcaPermanentToken,
  type CcaSandbox,
  type CcaUser,
  startCcaSandbox,
} from "./CcaServer.ts"
export {
  type CchClient,
  type CchCredentials,
  type CchOptions,
  type CchSandbox,
  startCchSandbox,
} from "./CchServer.ts"
export {
  type CcwClient,
  type CcwCredentials,
  type CcwOptions,
  type CcwSandbox,
  ccwError,
  startCcwSandbox,
} from "./CcwServer.ts"
export { runCli } from "./Cli.ts"
export type {
  ControlRequest,
  ControlResult,
  ControlState,
  Lifetimes,
  RevokeRequest,
  SandboxControl,
} from "./Control.ts"
export type { CountersSnapshot, CounterValues } from "./Counters.ts"
export {
  type CultureAmpClient,
  type CultureAmpCredentials,
  type CultureAmpOptions,
  type CultureAmpSandbox,
  startCultureAmpSandbox,
} from "./CultureAmpServer.ts"
export type { FaultInfo, FaultSpec, FaultType } from "./Faults.ts"
export { decodeJwtPayload, type JwtPayload, signHs256, verifyHs256 } from "./Jwt.ts"
export {
  PROVIDERS,
  type ProviderName,
  type ProviderTypes,
  type Sandbox,
  type SandboxSet,
  startAll,
  startSandbox,
} from "./Sandbox.ts"
export type {
  ProviderSandbox,
  SandboxOptions,
  SandboxUrls,
} from "./SandboxServer.ts"
export {
  startWorkableSandbox,
  type WorkableClient,
  type WorkableCredentials,
  type WorkableOptions,
  type WorkableSandbox,
} from "./WorkableServer.ts"
