/**
 * `@keyway/demo`: the end-to-end demo of the five generated provider clients against loopback
 * sandboxes, and the pieces its tests reuse (scenarios, the scripted user agent, the recorder).
 *
 * @example
 * ```ts
 * import { Demo, Table } from "@keyway/demo"
 * const report = await Demo.run()
 * console.log(Table.render(report.rows))
 * ```
 *
 * @since 0.1.0
 */
export * as AuthorizationCodeScenario from "./AuthorizationCodeScenario.ts"
export * as CcaScenario from "./CcaScenario.ts"
export * as CchScenario from "./CchScenario.ts"
export * as CcwScenario from "./CcwScenario.ts"
export * as Consent from "./Consent.ts"
export * as CultureAmpScenario from "./CultureAmpScenario.ts"
export * as Demo from "./Demo.ts"
export * as Recorder from "./Recorder.ts"
export * as SandboxControl from "./SandboxControl.ts"
export * as Scenario from "./Scenario.ts"
export * as Table from "./Table.ts"
export * as ThrottleScenario from "./ThrottleScenario.ts"
export * as UserAgent from "./UserAgent.ts"
export * as WorkableScenario from "./WorkableScenario.ts"
