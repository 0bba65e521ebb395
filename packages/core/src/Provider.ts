/**
 * A provider as a generated package declares it (its name, its descriptor's defaults, its
 * operation table, how options become settings and an auth plugin), and the Promise API client
 * built from it ({@link makeClient}: the body of a generated `createClient`). Effect-free types,
 * like `Client`; the Effect API's `layer` is `EffectProvider`.
 *
 * @example
 * ```ts
 * import { Auth, Operation, Provider } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * interface PetsOptions extends Provider.Options {
 *   readonly auth: Provider.AuthLayer
 * }
 * const definition: Provider.Definition<PetsOptions, Provider.Settings> = {
 *   provider: "petstore",
 *   resolveSettings: (options) => ({ baseUrl: options.baseUrl ?? "https://pets.example/v1" }),
 *   authLayer: (options) => options.auth,
 * }
 * const client = Provider.makeClient<paths>()(definition, { auth: Auth.layerNone }, (client) => ({
 *   op: Operation.bind(client, [["listAgents", "GET", "/agents"]]),
 * }))
 * ```
 *
 * @since 0.1.0
 */
import * as Client from "./Client.ts"
import * as Compat from "./internal/compat.ts"
import * as Runtime from "./internal/runtime.ts"
import type * as Options_ from "./Options.ts"

/**
 * An auth plugin's layer, as a provider's options take it (see `Options.AuthLayer`).
 *
 * @example
 * ```ts
 * import { Auth, type Provider } from "@keyway/core"
 * const auth: Provider.AuthLayer = Auth.layerNone
 * ```
 *
 * @since 0.1.0
 */
export type AuthLayer = Options_.AuthLayer

/**
 * The options every generated client takes, besides its credentials (`auth`) and where the
 * servers are: a generated `<Provider>CommonOptions` extends it.
 *
 * @example
 * ```ts
 * import type { Provider } from "@keyway/core"
 * const options: Provider.Options = { connection: "tenant-7", retry: { maxAttempts: 5 } }
 * ```
 *
 * @since 0.1.0
 */
export interface Options extends Client.FetchOptions {
  /** Overrides the base URL (e.g. a loopback sandbox in tests). */
  readonly baseUrl?: string | undefined
  /** More values for URL and scope template placeholders. */
  readonly variables?: Readonly<Record<string, string>> | undefined
  /** The connection id in the token store; default `default`. */
  readonly connection?: string | undefined
  /** Where tokens live; default in memory. */
  readonly tokenStore?: Options_.TokenStoreLayer | undefined
  /** Headers sent on every call. */
  readonly headers?: Options_.HeaderValues | undefined
  /** Retry policy overrides (on top of the descriptor's). */
  readonly retry?: Partial<Options_.RetryPolicy> | undefined
  /** Call budget overrides (on top of the descriptor's `throttle`); `false` turns throttling off. */
  readonly throttle?: Options_.Budget | false | undefined
  /** The correlation id header (default from the descriptor). */
  readonly correlation?: Options_.CorrelationOptions | undefined
  /** More layers for the runtime (a Logger, a Tracer, a Transport). */
  readonly layer?: Options_.ServiceLayer | undefined
  /** More origins credentials may be written to, besides the base URL's and the descriptor's. */
  readonly origins?: ReadonlyArray<string> | undefined
  /** Allow plain `http:` to non-loopback hosts (default `false`: a `ConfigError` naming the URL). */
  readonly allowInsecureHttp?: boolean | undefined
  /** Response size and token request limits (over the descriptor's; see `Limits`). */
  readonly limits?: Partial<Options_.Limits> | undefined
  /** Redirect policy (over the descriptor's `redirects`; see `Redirect`). */
  readonly redirects?: Partial<Options_.RedirectPolicy> | undefined
}

/**
 * What a provider's options resolve to before a client is built: at least the base URL.
 *
 * @example
 * ```ts
 * import type { Provider } from "@keyway/core"
 * const settings: Provider.Settings = { baseUrl: "https://api.example/v1" }
 * ```
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly baseUrl: string
}

/**
 * A provider as {@link makeClient} and `EffectProvider.layer` need it: its name, its
 * descriptor's defaults (retry, correlation header, headers), its operation table, and how
 * options become settings and an auth plugin layer.
 *
 * @example
 * ```ts
 * import type { Provider } from "@keyway/core"
 *
 * interface PetsOptions extends Provider.Options {
 *   readonly auth: Provider.AuthLayer
 * }
 * const definition: Provider.Definition<PetsOptions, Provider.Settings> = {
 *   provider: "petstore",
 *   headers: { Accept: "application/json" },
 *   resolveSettings: (options) => ({ baseUrl: options.baseUrl ?? "https://pets.example/v1" }),
 *   authLayer: (options) => options.auth,
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface Definition<O extends Options, S extends Settings> {
  /** The provider's name, for logs, spans and token keys. */
  readonly provider: string
  /** The spec's operations, `"METHOD /path"` → operationId and scopes. */
  readonly operations?: Readonly<Record<string, Options_.OperationInfo>> | undefined
  /** The descriptor's retry policy (the options' `retry` overrides it). */
  readonly retry?: Partial<Options_.RetryPolicy> | undefined
  /** The descriptor's call budget (the options' `throttle` overrides it). */
  readonly throttle?: Options_.Budget | undefined
  /** The descriptor's correlation id header (the options' `correlation` replaces it). */
  readonly correlation?: Options_.CorrelationOptions | undefined
  /** Headers the descriptor requires on every call (the options' `headers` add to them). */
  readonly headers?: Options_.HeaderValues | undefined
  /** The descriptor's extra origins for credentials (the options' `origins` add to them). */
  readonly origins?: ReadonlyArray<string> | undefined
  /** The descriptor's limits (the options' `limits` override them). */
  readonly limits?: Partial<Options_.Limits> | undefined
  /** The descriptor's redirect policy (the options' `redirects` override it). */
  readonly redirects?: Partial<Options_.RedirectPolicy> | undefined
  /**
   * Headers every operation of the spec requires and the options' `headers` must give (a tenant
   * id): set once on the client instead of on each call. Names compare case-insensitively.
   */
  readonly requiredHeaders?: ReadonlyArray<string> | undefined
  /** Resolves the options: environment, variables, base URL. */
  readonly resolveSettings: (options: O) => S
  /** The auth plugin layer for the options' credentials. */
  readonly authLayer: (options: O, settings: S) => AuthLayer
}

/**
 * Fails (synchronously, with a one-line message) when the options' `headers` miss a header the
 * definition requires on every call.
 *
 * @example
 * ```ts
 * import { Provider } from "@keyway/core"
 * Provider.checkRequiredHeaders({ provider: "acme", requiredHeaders: ["X-Tenant-Id"] }, { headers: { "x-tenant-id": "t1" } }) // ok
 * ```
 *
 * @since 0.1.0
 */
export const checkRequiredHeaders = (
  definition: { readonly provider: string; readonly requiredHeaders?: ReadonlyArray<string> | undefined },
  options: { readonly headers?: Options_.HeaderValues | undefined },
): void => {
  const given = new Set(
    Object.entries(options.headers ?? {})
      .filter(([, v]) => typeof v === "string" && v !== "")
      .map(([k]) => k.toLowerCase()),
  )
  const missing = (definition.requiredHeaders ?? []).filter((h) => !given.has(h.toLowerCase()))
  if (missing.length > 0)
    throw new TypeError(
      `${definition.provider}: options.headers must set ${missing.join(", ")}: every operation requires ${missing.length > 1 ? "them" : "it"}`,
    )
}

/**
 * Builds a provider's Promise API client ({@link Client.make}) from its definition and the
 * options, plus what `extend` returns (`op`, `paginate`). Curried so that `Paths` is given and
 * the options, settings and extension are inferred. The options' `retry` is laid over the
 * descriptor's, its `headers` added to the descriptor's, its `correlation` used instead of the
 * descriptor's.
 *
 * @example
 * ```ts
 * import { Auth, Provider } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * const definition: Provider.Definition<Provider.Options, Provider.Settings> = {
 *   provider: "petstore",
 *   resolveSettings: (options) => ({ baseUrl: options.baseUrl ?? "https://pets.example/v1" }),
 *   authLayer: () => Auth.layerNone,
 * }
 * const client = Provider.makeClient<paths>()(definition, {})
 * const { data } = await client.GET("/agents")
 * ```
 *
 * @since 0.1.0
 */
export const makeClient =
  <Paths extends {}>() =>
  <O extends Options, S extends Settings, X extends object = {}>(
    definition: Definition<O, S>,
    options: O,
    extend?: (client: Client.Client<Paths>) => X,
  ): Client.Client<Paths> & X => {
    checkRequiredHeaders(definition, options)
    const settings = definition.resolveSettings(options)
    const client = Client.make<Paths>({
      provider: definition.provider,
      baseUrl: settings.baseUrl,
      auth: definition.authLayer(options, settings),
      tokenStore: options.tokenStore,
      correlation: options.correlation ?? definition.correlation,
      retry: { ...definition.retry, ...options.retry },
      throttle: Runtime.budgetOf(definition.throttle, options.throttle),
      connection: options.connection,
      operations: definition.operations,
      headers: { ...definition.headers, ...options.headers },
      layer: options.layer,
      ...Runtime.securityOf(definition, options),
      ...Compat.fetchOptionsOf(options),
    })
    return Object.assign(client, extend?.(client))
  }
