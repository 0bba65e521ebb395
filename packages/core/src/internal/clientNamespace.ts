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

/**
 * `Options.OperationInfo`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const info: Client.Operation = { operationId: "getAgent" }
 * ```
 *
 * @since 0.1.0
 */
export type Operation = OptionsApi.OperationInfo
/**
 * `Options.Common`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const options: Client.BaseOptions = { provider: "cca", baseUrl: "https://cca.example/CcaAPI" }
 * ```
 *
 * @since 0.1.0
 */
export type BaseOptions = OptionsApi.Common
/**
 * `Options.CorrelationOptions`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const correlation: Client.CorrelationOptions = { header: "X-Correlation-id" }
 * ```
 *
 * @since 0.1.0
 */
export type CorrelationOptions = OptionsApi.CorrelationOptions
/**
 * `EffectClient.Method`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const get: Client.EffectMethod<paths, "get", { message: string }>
 * const agent = get("/agents/{agentId}", { params: { path: { agentId: "7" } } })
 * ```
 *
 * @since 0.1.0
 */
export type EffectMethod<
  Paths extends {},
  M extends HttpMethod,
  E,
  Media extends MediaType = MediaType,
> = EffectClientApi.Method<Paths, M, E, Media>
/**
 * `EffectClient.EffectClient`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const client: Client.EffectClient<paths, { message: string }>
 * const agents = client.GET("/agents")
 * ```
 *
 * @since 0.1.0
 */
export type EffectClient<
  Paths extends {},
  E = unknown,
  Media extends MediaType = MediaType,
> = EffectClientApi.EffectClient<Paths, E, Media>
/**
 * `Operation.Args`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * const args: Client.OperationArgs<Client.OperationInit<paths, "/agents/{agentId}", "get">> = [{ params: { path: { agentId: "7" } } }]
 * ```
 *
 * @since 0.1.0
 */
export type OperationArgs<Init> = OperationApi.Args<Init>
/**
 * `Operation.Of`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * type GetAgent = Client.OperationOf<paths, "/agents/{agentId}", "get">
 * ```
 *
 * @since 0.1.0
 */
export type OperationOf<Paths extends {}, P extends keyof Paths, M extends HttpMethod> = OperationApi.Of<
  Paths,
  P,
  M
>
/**
 * `Operation.Init`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * type Init = Client.OperationInit<paths, "/contacts", "post">
 * ```
 *
 * @since 0.1.0
 */
export type OperationInit<Paths extends {}, P extends keyof Paths, M extends HttpMethod> = OperationApi.Init<
  Paths,
  P,
  M
>
/**
 * `Operation.Bound`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const getAgent: Client.PromiseOperation<paths, "/agents/{agentId}", "get">
 * const { data } = await getAgent({ params: { path: { agentId: "7" } } })
 * ```
 *
 * @since 0.1.0
 */
export type PromiseOperation<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  Media extends MediaType = MediaType,
> = OperationApi.Bound<Paths, P, M, Media>
/**
 * `Operation.Data`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * type Agent = Client.OperationData<paths, "/agents/{agentId}", "get">
 * ```
 *
 * @since 0.1.0
 */
export type OperationData<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  Init = {},
  Media extends MediaType = MediaType,
> = OperationApi.Data<Paths, P, M, Init, Media>
/**
 * `EffectClient.Operation`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const getAgent: Client.EffectOperation<paths, "/agents/{agentId}", "get", { message: string }>
 * const agent = getAgent({ params: { path: { agentId: "7" } } })
 * ```
 *
 * @since 0.1.0
 */
export type EffectOperation<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  E = unknown,
  Media extends MediaType = MediaType,
> = EffectClientApi.Operation<Paths, P, M, E, Media>
/**
 * `Operation.List`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const list: Client.OperationList = [["getAgent", "GET", "/agents/{agentId}"]]
 * ```
 *
 * @since 0.1.0
 */
export type OperationList = OperationApi.List
/**
 * `Provider.Options`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const options: Client.ProviderOptions = { connection: "tenant-7" }
 * ```
 *
 * @since 0.1.0
 */
export type ProviderOptions = ProviderApi.Options
/**
 * `Provider.Settings`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const settings: Client.ProviderSettings = { baseUrl: "https://cca.example/CcaAPI" }
 * ```
 *
 * @since 0.1.0
 */
export type ProviderSettings = ProviderApi.Settings
/**
 * `Provider.Definition`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * declare const definition: Client.ProviderDefinition<Client.ProviderOptions, Client.ProviderSettings>
 * const name = definition.provider
 * ```
 *
 * @since 0.1.0
 */
export type ProviderDefinition<
  O extends ProviderApi.Options,
  S extends ProviderApi.Settings,
> = ProviderApi.Definition<O, S>
/**
 * `EffectProvider.Provider`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const cca: Client.Provider<paths, { message: string }, Client.ProviderOptions>
 * const client = cca.make({})
 * ```
 *
 * @since 0.1.0
 */
export type Provider<Paths extends {}, E, O extends ProviderApi.Options> = EffectProviderApi.Provider<
  Paths,
  E,
  O
>
