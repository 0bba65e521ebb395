/**
 * `@keyway/core`: the Effect runtime every Keyway client runs its calls through.
 *
 * Entry points: this one (every module as a namespace); `@keyway/core/Client`, the Promise API,
 * whose types import nothing from `effect`; `@keyway/core/EffectClient`, the Effect API. Modules
 * under `internal/` are not part of the API (`exports` closes them).
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.ts"
export * as Call from "./Call.ts"
export * as ClientAuth from "./ClientAuth.ts"
export * as Correlation from "./Correlation.ts"
export * as Descriptor from "./Descriptor.ts"
export * as EffectClient from "./EffectClient.ts"
export * as EffectOperationTable from "./EffectOperationTable.ts"
export * as EffectPagination from "./EffectPagination.ts"
export * as EffectProvider from "./EffectProvider.ts"
export * as Errors from "./Errors.ts"
export * as Grant from "./Grant.ts"
export * as Http from "./Http.ts"
/**
 * The Promise API (`make`, `Client`, `callInfo`), plus, for code written before the split, the
 * names that moved to `EffectClient`, `EffectProvider`, `Operation`, `Options` and `Provider`
 * (`Client.makeEffect`, `Client.defineProvider`, `Client.EffectClient`, `Client.PromiseOperation`, …).
 *
 * @since 0.1.0
 */
export * as Client from "./internal/clientNamespace.ts"
/**
 * Pagination: the async iterators of `Pagination`, plus (for code written before the split) the
 * Effect streams that moved to `EffectPagination` (`Pagination.stream`, `Pagination.bindStreams`).
 *
 * @since 0.1.0
 */
export * as Pagination from "./internal/paginationNamespace.ts"
/**
 * A per-key mutex. Public (not internal) because the SQLite and Redis token stores build their
 * refresh locks on it.
 *
 * @since 0.1.0
 */
export * as KeyedMutex from "./KeyedMutex.ts"
export * as Keyring from "./Keyring.ts"
export * as Limits from "./Limits.ts"
export * as Operation from "./Operation.ts"
export * as OperationTable from "./OperationTable.ts"
export * as Options from "./Options.ts"
export * as Origin from "./Origin.ts"
export * as Provider from "./Provider.ts"
export * as Redirect from "./Redirect.ts"
export * as RefreshLock from "./RefreshLock.ts"
export * as Retry from "./Retry.ts"
export * as Scopes from "./Scopes.ts"
export * as Secret from "./Secret.ts"
export * as Telemetry from "./Telemetry.ts"
export * as Throttle from "./Throttle.ts"
export * as TokenLifecycle from "./TokenLifecycle.ts"
export * as TokenRequest from "./TokenRequest.ts"
export * as TokenStore from "./TokenStore.ts"
export * as Transport from "./Transport.ts"
