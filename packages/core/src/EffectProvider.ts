/**
 * A provider's Effect API: {@link layer} builds the layer of an `EffectClient` service from a
 * `Provider.Definition` (the body of a generated `layer`), and {@link define} gives both APIs of
 * a provider at once (`make` and `layer`, what `Client.defineProvider` has always returned).
 *
 * @example
 * ```ts
 * import { Context } from "effect"
 * import { Auth, EffectProvider, type EffectClient, type Provider } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * const definition: Provider.Definition<Provider.Options, Provider.Settings> = {
 *   provider: "petstore",
 *   resolveSettings: (options) => ({ baseUrl: options.baseUrl ?? "https://pets.example/v1" }),
 *   authLayer: () => Auth.layerNone,
 * }
 * class Pets extends Context.Service<Pets, EffectClient.EffectClient<paths, { message: string }>>()("Pets") {}
 * const PetsLive = EffectProvider.layer<paths, { message: string }>()(definition, Pets, {}, () => ({}))
 * ```
 *
 * @since 0.1.0
 */
import { type Context, Effect, Layer } from "effect"
import type * as Client from "./Client.ts"
import * as EffectClient from "./EffectClient.ts"
import * as Compat from "./internal/compat.ts"
import * as Runtime from "./internal/runtime.ts"
import * as ProviderApi from "./Provider.ts"

/**
 * Both APIs of a provider, from {@link define}. `extend` adds properties to the client (`op`,
 * `paginate`, a plugin's own), given the client it extends.
 *
 * @example
 * ```ts
 * import type { EffectProvider, Provider } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * declare const petstore: EffectProvider.Provider<paths, { message: string }, Provider.Options>
 * type PromiseClient = ReturnType<typeof petstore.make>
 * ```
 *
 * @since 0.1.0
 */
export interface Provider<Paths extends {}, E, O extends ProviderApi.Options> {
  /** A Promise API client (`Provider.makeClient`) built from the options, plus what `extend` returns. */
  readonly make: <X extends object = {}>(
    options: O,
    extend?: (client: Client.Client<Paths>) => X,
  ) => Client.Client<Paths> & X
  /**
   * The layer of an Effect API client (`EffectClient.make`) as the service `service`, plus what
   * `extend` returns, with the auth plugin, the token store, retry and correlation settings.
   */
  readonly layer: <I, S extends EffectClient.EffectClient<Paths, E>>(
    service: Context.Key<I, S>,
    options: O,
    extend: (
      client: EffectClient.EffectClient<Paths, E>,
    ) => NoInfer<Omit<S, keyof EffectClient.EffectClient<Paths, E>>>,
  ) => Layer.Layer<I, unknown>
}

/**
 * The layer of a provider's Effect API client as the service `service`: the definition's auth
 * plugin over the options' token store, the descriptor's settings under the options'.
 * A missing required header throws at once (as `Provider.makeClient` does); a bad variable is
 * the layer's typed failure.
 *
 * @example
 * ```ts
 * import { Context } from "effect"
 * import { Auth, EffectProvider, type EffectClient, type Provider } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * declare const definition: Provider.Definition<Provider.Options, Provider.Settings>
 * class Pets extends Context.Service<Pets, EffectClient.EffectClient<paths>>()("Pets") {}
 * const PetsLive = EffectProvider.layer<paths>()(definition, Pets, { baseUrl: "https://pets.example/v1" }, () => ({}))
 * ```
 *
 * @since 0.1.0
 */
export const layer =
  <Paths extends {}, E = unknown>() =>
  <
    O extends ProviderApi.Options,
    Settings extends ProviderApi.Settings,
    I,
    S extends EffectClient.EffectClient<Paths, E>,
  >(
    definition: ProviderApi.Definition<O, Settings>,
    service: Context.Key<I, S>,
    options: O,
    extend: (
      client: EffectClient.EffectClient<Paths, E>,
    ) => Omit<S, keyof EffectClient.EffectClient<Paths, E>>,
  ): Layer.Layer<I, unknown> => {
    ProviderApi.checkRequiredHeaders(definition, options)
    let settings: Settings
    try {
      settings = definition.resolveSettings(options)
    } catch (error) {
      return Layer.effectDiscard(Effect.fail(error)) as unknown as Layer.Layer<I, unknown>
    }
    const security = Runtime.securityOf(definition, options)
    const build = Effect.map(
      EffectClient.make<Paths, E>({
        provider: definition.provider,
        baseUrl: settings.baseUrl,
        operations: definition.operations,
        headers: { ...definition.headers, ...options.headers },
        ...security,
        ...Compat.fetchOptionsOf(options),
      }),
      (client) => Object.assign(client, extend(client)) as unknown as S,
    )
    return Layer.effect(service, build).pipe(
      Layer.provide(
        Runtime.authLayer(definition.authLayer(options, settings)).pipe(
          Layer.provideMerge(Runtime.tokenStoreLayer(options.tokenStore)),
        ),
      ),
      Layer.provide(
        Runtime.settingsLayer({
          correlation: options.correlation ?? definition.correlation,
          retry: { ...definition.retry, ...options.retry },
          throttle: Runtime.budgetOf(definition.throttle, options.throttle),
          connection: options.connection,
          ...security,
          layer: options.layer,
        }),
      ),
    )
  }

/**
 * Builds both APIs of a provider from its definition: what a generated `createClient` and
 * `layer` run.
 *
 * @example
 * ```ts
 * import { Context } from "effect"
 * import { Auth, EffectProvider, Operation, type EffectClient, type Provider } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * const petstore = EffectProvider.define<paths, { message: string }>()({
 *   provider: "petstore",
 *   resolveSettings: (options: Provider.Options) => ({ baseUrl: options.baseUrl ?? "https://pets.example/v1" }),
 *   authLayer: () => Auth.layerNone,
 * })
 * const client = petstore.make({}, (client) => ({ op: Operation.bind(client, [["listAgents", "GET", "/agents"]]) }))
 * class Pets extends Context.Service<Pets, EffectClient.EffectClient<paths, { message: string }>>()("Pets") {}
 * const PetsLive = petstore.layer(Pets, {}, () => ({}))
 * ```
 *
 * @since 0.1.0
 */
export const define =
  <Paths extends {}, E = unknown>() =>
  <O extends ProviderApi.Options, Settings extends ProviderApi.Settings>(
    definition: ProviderApi.Definition<O, Settings>,
  ): Provider<Paths, E, O> => ({
    make: (options, extend) => ProviderApi.makeClient<Paths>()(definition, options, extend),
    layer: (service, options, extend) => layer<Paths, E>()(definition, service, options, extend),
  })
