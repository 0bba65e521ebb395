/**
 * What a client captures from its context once, before its first call: the auth plugin,
 * transport, retry policy, correlation settings, origins and throttle its calls run with
 * (`Call.Runtime`), and the layers a client's settings become.
 *
 * @since 0.1.0
 */
import { Effect, Layer, Option } from "effect"
import * as Auth from "../Auth.ts"
import type * as Call from "../Call.ts"
import * as Correlation from "../Correlation.ts"
import * as Limits from "../Limits.ts"
import type * as Options from "../Options.ts"
import * as Origin from "../Origin.ts"
import * as Retry from "../Retry.ts"
import * as Throttle from "../Throttle.ts"
import * as TokenStore from "../TokenStore.ts"
import { Transport } from "../Transport.ts"

/** The pipeline's runtime from the services in context. */
export const capture = (options: Options.Common) =>
  Effect.gen(function* () {
    const auth = yield* Auth.Auth
    const throttle = yield* Throttle.Settings
    // Budgets live where the tokens do (Redis, SQLite) when the store keeps them.
    const store = Option.getOrUndefined(yield* Effect.serviceOption(TokenStore.TokenStore))
    const runtime: Call.Runtime = {
      provider: options.provider,
      auth,
      transport: yield* Transport,
      retry: yield* Retry.Retry,
      correlation: yield* Correlation.Correlation,
      origins: Origin.trusted(options.baseUrl, options.origins),
      maxResponseBytes: options.limits?.maxResponseBytes ?? (yield* Limits.Limits).maxResponseBytes,
      redirects: options.redirects,
      throttle:
        throttle === undefined
          ? undefined
          : Throttle.make({ provider: options.provider, ...throttle, store: store?.budgets }),
    }
    return runtime
  })

/** The opaque layer types of `Options`, as the effect layers they are. */
export const authLayer = (layer: Options.AuthLayer) =>
  layer as unknown as Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore>
export const tokenStoreLayer = (layer: Options.TokenStoreLayer | undefined) =>
  (layer ?? TokenStore.layerMemory) as unknown as Layer.Layer<TokenStore.TokenStore, unknown>
export const serviceLayer = (layer: Options.ServiceLayer | undefined) =>
  (layer ?? Layer.empty) as unknown as Layer.Layer<never, unknown>

/** The origin and limits settings of a client as a layer (read by plugins too). */
export const securityLayer = (
  options: Pick<Options.Common, "allowInsecureHttp" | "limits">,
): Layer.Layer<never> =>
  Layer.mergeAll(
    options.allowInsecureHttp ? Layer.succeed(Origin.AllowInsecureHttp, true) : Layer.empty,
    options.limits ? Limits.layer(options.limits) : Layer.empty,
  ) as Layer.Layer<never>

/** The settings of a client (correlation, retry, throttle, security, more services) as a layer. */
export const settingsLayer = (settings: {
  readonly correlation?: Options.CorrelationOptions | undefined
  readonly retry?: Partial<Options.RetryPolicy> | undefined
  readonly throttle?: Options.Budget | undefined
  readonly connection?: string | undefined
  readonly allowInsecureHttp?: boolean | undefined
  readonly limits?: Partial<Options.Limits> | undefined
  readonly layer?: Options.ServiceLayer | undefined
}): Layer.Layer<never, unknown> =>
  Layer.mergeAll(
    settings.correlation ? Correlation.layer(settings.correlation) : Layer.empty,
    settings.retry ? Retry.layer(settings.retry) : Layer.empty,
    settings.throttle ? Throttle.layer(settings.throttle, settings.connection) : Layer.empty,
    securityLayer(settings),
    serviceLayer(settings.layer),
  )

/** A provider's budget: the descriptor's under the options' overrides; `false` turns it off. */
export const budgetOf = (
  declared: Options.Budget | undefined,
  override: Options.Budget | false | undefined,
): Options.Budget | undefined =>
  override === false
    ? undefined
    : declared === undefined && override === undefined
      ? undefined
      : { ...declared, ...override }

/** A provider's origins and limits: the descriptor's, with the options' added or laid over. */
export const securityOf = (
  definition: {
    readonly origins?: ReadonlyArray<string> | undefined
    readonly limits?: Partial<Options.Limits> | undefined
    readonly redirects?: Partial<Options.RedirectPolicy> | undefined
  },
  options: {
    readonly origins?: ReadonlyArray<string> | undefined
    readonly allowInsecureHttp?: boolean | undefined
    readonly limits?: Partial<Options.Limits> | undefined
    readonly redirects?: Partial<Options.RedirectPolicy> | undefined
  },
): Pick<Options.Common, "origins" | "allowInsecureHttp" | "limits" | "redirects"> => ({
  origins: [...(definition.origins ?? []), ...(options.origins ?? [])],
  allowInsecureHttp: options.allowInsecureHttp,
  limits: definition.limits || options.limits ? { ...definition.limits, ...options.limits } : undefined,
  redirects:
    definition.redirects || options.redirects ? { ...definition.redirects, ...options.redirects } : undefined,
})
