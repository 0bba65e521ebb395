/**
 * `@keyway/core`: the Effect runtime every Keyway client runs its calls through.
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.ts"
export * as Call from "./Call.ts"
export * as Client from "./Client.ts"
export * as ClientAuth from "./ClientAuth.ts"
export * as Correlation from "./Correlation.ts"
export * as Descriptor from "./Descriptor.ts"
export * as Errors from "./Errors.ts"
export * as Grant from "./Grant.ts"
export * as Http from "./Http.ts"
export * as KeyedMutex from "./KeyedMutex.ts"
export * as Keyring from "./Keyring.ts"
export * as Limits from "./Limits.ts"
export * as OperationTable from "./OperationTable.ts"
export * as Origin from "./Origin.ts"
export * as Pagination from "./Pagination.ts"
export * as Retry from "./Retry.ts"
export * as Telemetry from "./Telemetry.ts"
export * as Throttle from "./Throttle.ts"
export * as TokenLifecycle from "./TokenLifecycle.ts"
export * as TokenRequest from "./TokenRequest.ts"
export * as TokenStore from "./TokenStore.ts"
export * as Transport from "./Transport.ts"
