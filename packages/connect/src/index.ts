/**
 * `@keyway/connect`: `keyway connect <provider>`, the terminal side of the OAuth authorization
 * code flow: authorize URL, loopback redirect, state check, code exchange, grant stored in a
 * durable TokenStore.
 *
 * @example
 * ```ts
 * import { connect, runConnectCli } from "@keyway/connect"
 * // process.exitCode = await runConnectCli(["workable", "--connection", "acme"])
 * ```
 *
 * @since 0.1.0
 */
export * as Browser from "./Browser.ts"
export * as Cli from "./Cli.ts"
export { runConnectCli } from "./Cli.ts"
export * as Connect from "./Connect.ts"
export { type ConnectOptions, type ConnectResult, connect } from "./Connect.ts"
export { ConnectError } from "./ConnectError.ts"
export * as Loopback from "./Loopback.ts"
export * as ProviderLookup from "./ProviderLookup.ts"
