/**
 * The `Client` namespace of `@keyway/core`'s root entry as it was before the client was split:
 * every name generated packages and plugins use (`Client.defineProvider`, `Client.makeEffect`,
 * `Client.EffectClient`, `Client.PromiseOperation`, …), re-exported from its new home. New code
 * imports the homes: `Client` (Promise API), `EffectClient`, `Operation`, `Options`, `Provider`,
 * `EffectProvider`. Internal: reachable only as `Client` of the root entry.
 *
 * @since 0.1.0
 */
import type { HttpMethod, MediaType } from "openapi-typescript-helpers"
import type * as EffectClientApi from "../EffectClient.ts"
import type * as EffectProviderApi from "../EffectProvider.ts"
import type * as OperationApi from "../Operation.ts"
import type * as OptionsApi from "../Options.ts"
import type * as ProviderApi from "../Provider.ts"

export {
  type CallOptions,
  type Client,
  callInfo,
  type FetchOptions,
  type Lifecycle,
  type Method,
  make,
  makePathBased,
  type Options,
  type PathBasedClient,
  type ResponseInfo,
  wrapAsPathBased,
} from "../Client.ts"
export { make as makeEffect } from "../EffectClient.ts"
export { define as defineProvider } from "../EffectProvider.ts"
export { bind as bindOperations } from "../Operation.ts"
export { checkRequiredHeaders } from "../Provider.ts"

/** `Options.OperationInfo`. @since 0.1.0 */
export type Operation = OptionsApi.OperationInfo
/** `Options.Common`. @since 0.1.0 */
export type BaseOptions = OptionsApi.Common
/** `Options.CorrelationOptions`. @since 0.1.0 */
export type CorrelationOptions = OptionsApi.CorrelationOptions
/** `EffectClient.Method`. @since 0.1.0 */
export type EffectMethod<
  Paths extends {},
  M extends HttpMethod,
  E,
  Media extends MediaType = MediaType,
> = EffectClientApi.Method<Paths, M, E, Media>
/** `EffectClient.EffectClient`. @since 0.1.0 */
export type EffectClient<
  Paths extends {},
  E = unknown,
  Media extends MediaType = MediaType,
> = EffectClientApi.EffectClient<Paths, E, Media>
/** `Operation.Args`. @since 0.1.0 */
export type OperationArgs<Init> = OperationApi.Args<Init>
/** `Operation.Of`. @since 0.1.0 */
export type OperationOf<Paths extends {}, P extends keyof Paths, M extends HttpMethod> = OperationApi.Of<
  Paths,
  P,
  M
>
/** `Operation.Init`. @since 0.1.0 */
export type OperationInit<Paths extends {}, P extends keyof Paths, M extends HttpMethod> = OperationApi.Init<
  Paths,
  P,
  M
>
/** `Operation.Bound`. @since 0.1.0 */
export type PromiseOperation<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  Media extends MediaType = MediaType,
> = OperationApi.Bound<Paths, P, M, Media>
/** `Operation.Data`. @since 0.1.0 */
export type OperationData<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  Init = {},
  Media extends MediaType = MediaType,
> = OperationApi.Data<Paths, P, M, Init, Media>
/** `EffectClient.Operation`. @since 0.1.0 */
export type EffectOperation<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  E = unknown,
  Media extends MediaType = MediaType,
> = EffectClientApi.Operation<Paths, P, M, E, Media>
/** `Operation.List`. @since 0.1.0 */
export type OperationList = OperationApi.List
/** `Provider.Options`. @since 0.1.0 */
export type ProviderOptions = ProviderApi.Options
/** `Provider.Settings`. @since 0.1.0 */
export type ProviderSettings = ProviderApi.Settings
/** `Provider.Definition`. @since 0.1.0 */
export type ProviderDefinition<
  O extends ProviderApi.Options,
  S extends ProviderApi.Settings,
> = ProviderApi.Definition<O, S>
/** `EffectProvider.Provider`. @since 0.1.0 */
export type Provider<Paths extends {}, E, O extends ProviderApi.Options> = EffectProviderApi.Provider<
  Paths,
  E,
  O
>
