/**
 * The Promise API: a typed client with openapi-fetch's methods and types
 * (`await client.GET(path, init)` gives `{ data, error, response }`), whose every call runs
 * through Keyway's pipeline (`Call.execute`: correlation id → auth → send → classify → retry).
 * Failures that are not HTTP responses reject with Keyway's tagged errors. No Effect knowledge
 * needed: this module's types import nothing from `effect` (the auth plugin, the token store
 * and extra services are taken as the opaque `Options.AuthLayer`, `Options.TokenStoreLayer`,
 * `Options.ServiceLayer`). The Effect API is `@keyway/core/EffectClient`.
 *
 * A call builds its URL, headers and body once (openapi-fetch's serializers), hands them
 * straight to the pipeline, and parses the body as openapi-fetch does; the WHATWG `Response` is
 * only built when `response` is read. Retries happen beneath, so a refreshed token or a new
 * attempt re-sends an identical copy of the request.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Client } from "@keyway/core"
 * import { PermanentToken } from "@keyway/auth-permanent-token"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * const client = Client.make<paths>({
 *   provider: "cca",
 *   baseUrl: "https://cca.example/CcaAPI",
 *   auth: PermanentToken.layer({ provider: "cca", token: Redacted.make(process.env.CCA_TOKEN ?? "") }),
 * })
 * const { data, error } = await client.GET("/agents/{agentId}", { params: { path: { agentId: "7" } } })
 * await client.close()
 * ```
 *
 * @since 0.1.0
 */
import { type Context, Effect, Layer, ManagedRuntime } from "effect"
import type {
  BodySerializer,
  FetchResponse,
  MaybeOptionalInit,
  Client as OpenapiFetchClient,
  PathBasedClient as OpenapiFetchPathBasedClient,
  PathSerializer,
  QuerySerializer,
  QuerySerializerOptions,
} from "openapi-fetch"
import type { HttpMethod, MediaType, PathsWithMethod } from "openapi-typescript-helpers"
import * as Call from "./internal/call.ts"
import { checkCorrelation, checkOptions } from "./internal/checks.ts"
import * as PathBased from "./internal/pathBased.ts"
import { infos } from "./internal/response.ts"
import * as Runtime from "./internal/runtime.ts"
import type * as Operation from "./Operation.ts"
import type {
  AuthLayer,
  Budget,
  Common,
  CorrelationOptions,
  CallOptions as PipelineCallOptions,
  RetryPolicy,
  ServiceLayer,
  TokenStoreLayer,
} from "./Options.ts"

/**
 * Per-call options, given as `keyway` in an openapi-fetch init.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const options: Client.CallOptions = { correlationId: "order-42", retry: { maxAttempts: 1 } }
 * ```
 *
 * @since 0.1.0
 */
export type CallOptions = Omit<PipelineCallOptions, "route">

/**
 * Options of the Promise API.
 *
 * @example
 * ```ts
 * import { Auth, type Client } from "@keyway/core"
 * const options: Client.Options = { provider: "petstore", baseUrl: "https://pets.example/v1", auth: Auth.layerNone }
 * ```
 *
 * @since 0.1.0
 */
export interface Options extends Common, FetchOptions {
  /** An auth plugin's layer (any plugin's `layer(…)`). */
  readonly auth: AuthLayer
  /** Where tokens live; default in memory. */
  readonly tokenStore?: TokenStoreLayer | undefined
  readonly correlation?: CorrelationOptions | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
  /** The call budget (see `Throttle`); none by default. */
  readonly throttle?: Budget | undefined
  /** The connection, for a per-connection budget; default `default`. */
  readonly connection?: string | undefined
  /** More layers (a Logger, a Tracer, a Transport). */
  readonly layer?: ServiceLayer | undefined
}

/**
 * openapi-fetch's `createClient` options that a Keyway client takes too, with openapi-fetch's
 * meaning: a call's own `querySerializer`, `bodySerializer`, `pathSerializer`, `Request` and
 * `fetch` override them. `fetch` is the transport beneath Keyway's pipeline (auth, correlation
 * id, retries and redirects still apply); `Request` is the class of every WHATWG `Request`
 * Keyway builds (for middleware and for `fetch`).
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const options: Client.FetchOptions = { querySerializer: { array: { style: "form", explode: false } } }
 * ```
 *
 * @since 0.2.0
 */
export interface FetchOptions {
  readonly querySerializer?: QuerySerializer<unknown> | QuerySerializerOptions | undefined
  readonly bodySerializer?: BodySerializer<unknown> | undefined
  readonly pathSerializer?: PathSerializer | undefined
  readonly Request?: typeof Request | undefined
  readonly fetch?: ((input: Request) => Promise<Response>) | undefined
}

declare global {
  interface RequestInit {
    /**
     * Keyway's per-call options, in the `init` of a Keyway client's call (openapi-fetch's init
     * is a `RequestInit`; declaring them here keeps them typed there). `fetch` ignores them.
     */
    keyway?: Operation.CallOptions | undefined
  }
}

/**
 * A Promise API method: openapi-fetch's, with `keyway` call options.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const get: Client.Method<paths, "get">
 * const { data } = await get("/agents/{agentId}", { params: { path: { agentId: "7" } } })
 * ```
 *
 * @since 0.1.0
 */
export type Method<Paths extends {}, M extends HttpMethod, Media extends MediaType = MediaType> = <
  Path extends PathsWithMethod<Paths, M>,
  Init extends MaybeOptionalInit<Paths[Path] & Record<M, unknown>, M>,
>(
  url: Path,
  ...init: Operation.Args<Init>
) => Promise<FetchResponse<Operation.OfPathItem<Paths[Path], M>, Init, Media>>

/**
 * The Promise API client.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const client: Client.Client<paths>
 * const { data, error, response } = await client.GET("/agents")
 * ```
 *
 * @since 0.1.0
 */
export interface Client<Paths extends {}, Media extends MediaType = MediaType>
  extends OpenapiFetchClient<Paths, Media>,
    Lifecycle {}

/**
 * What a client has besides openapi-fetch's surface: releasing its credential and closing it.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * declare const client: Client.Lifecycle
 * await client.close()
 * ```
 *
 * @since 0.2.0
 */
export interface Lifecycle {
  /** Revokes the grant or logs the session out (the plugin's `release`). */
  readonly release: () => Promise<void>
  /** Stops background refreshes, logs out where the plugin does, frees resources. */
  readonly close: () => Promise<void>
  readonly [Symbol.asyncDispose]: () => Promise<void>
}

/**
 * What Keyway knows about the call that produced a response: its correlation id, attempts, and
 * whether the credential was refreshed. See {@link callInfo}.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * declare const info: Client.ResponseInfo
 * console.log(info.correlationId, info.attempts)
 * ```
 *
 * @since 0.1.0
 */
export interface ResponseInfo {
  readonly attempts: number
  readonly correlationId: string
  /** Whether a 401 made the plugin refresh its credential during this call. */
  readonly refreshed: boolean
  readonly method: string
  /** The request URL with secrets removed. */
  readonly url: string
}

/**
 * What Keyway knows about the call that produced a response (see {@link ResponseInfo}). Works
 * on `response` from either API.
 *
 * @example
 * ```ts
 * import { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const client: Client.Client<paths>
 * const { response } = await client.GET("/agents")
 * Client.callInfo(response)?.correlationId
 * ```
 *
 * @since 0.1.0
 */
export const callInfo = (response: Response): ResponseInfo | undefined => infos.get(response)

/**
 * Builds a Promise API client. The plugin's layer is built on the first call (so constructing a
 * client never does I/O) and torn down by `close()`.
 *
 * Throws a `ConfigError` naming the setting, before anything is sent, for a base URL or extra
 * origin that is not `https:` (plain `http:` only to loopback, unless `allowInsecureHttp`), or a
 * header `fetch` would refuse.
 *
 * @example
 * ```ts
 * import { Auth, Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * const client = Client.make<paths>({ provider: "petstore", baseUrl: "https://pets.example/v1", auth: Auth.layerNone })
 * ```
 *
 * @since 0.1.0
 */
export const make = <Paths extends {}, Media extends MediaType = MediaType>(
  options: Options,
): Client<Paths, Media> => {
  const invalid = checkOptions(options) ?? checkCorrelation(options.correlation)
  if (invalid !== undefined) throw invalid
  const layer = Runtime.authLayer(options.auth).pipe(
    Layer.provideMerge(Runtime.tokenStoreLayer(options.tokenStore)),
    Layer.provideMerge(Runtime.settingsLayer(options)),
  )
  const managed = ManagedRuntime.make(layer)
  // Calls run on the runtime's built context directly: the same services, without
  // ManagedRuntime's per-run bookkeeping.
  let ready: Call.Ready | undefined
  let starting: Promise<Call.Ready> | undefined
  const source: Call.Source = {
    current: () => ready,
    start: () =>
      (starting ??= managed.context().then(async (services) => {
        const runtime = await Effect.runPromiseWith(services)(Runtime.capture(options))
        ready = { runtime, context: services as Context.Context<never> }
        return ready
      })),
  }
  const close = () => managed.dispose()
  return {
    ...Call.promiseSurface(Call.makeEngine(options), source),
    release: () => source.start().then((r) => Effect.runPromiseWith(r.context)(r.runtime.auth.release)),
    close,
    [Symbol.asyncDispose]: close,
  } as unknown as Client<Paths, Media>
}

/**
 * The path-based form of a client, as openapi-fetch's `createPathBasedClient` gives it
 * (`client["/pets/{petId}"].GET(init)`), plus `release`, `close` and `Symbol.asyncDispose`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const pets: Client.PathBasedClient<paths>
 * const { data } = await pets["/agents/{agentId}"].GET({ params: { path: { agentId: "7" } } })
 * ```
 *
 * @since 0.2.0
 */
export type PathBasedClient<
  Paths extends {},
  Media extends MediaType = MediaType,
> = OpenapiFetchPathBasedClient<Paths, Media> & Lifecycle

/**
 * A path-based client over a client (openapi-fetch's `wrapAsPathBasedClient`): every call goes
 * through the client, its middleware included; its lifecycle methods are the client's.
 *
 * @example
 * ```ts
 * import { Auth, Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * const client = Client.make<paths>({ provider: "petstore", baseUrl: "https://pets.example/v1", auth: Auth.layerNone })
 * const pets = Client.wrapAsPathBased(client)
 * const { data } = await pets["/agents"].GET()
 * ```
 *
 * @since 0.2.0
 */
export const wrapAsPathBased = <Paths extends {}, Media extends MediaType = MediaType>(
  client: Client<Paths, Media>,
): PathBasedClient<Paths, Media> => PathBased.wrap(client)

/**
 * Builds a path-based Promise API client (openapi-fetch's `createPathBasedClient`):
 * `wrapAsPathBased(make(options))`.
 *
 * @example
 * ```ts
 * import { Auth, Client } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * const pets = Client.makePathBased<paths>({ provider: "petstore", baseUrl: "https://pets.example/v1", auth: Auth.layerNone })
 * const { data } = await pets["/agents/{agentId}"].GET({ params: { path: { agentId: "7" } } })
 * await pets.close()
 * ```
 *
 * @since 0.2.0
 */
export const makePathBased = <Paths extends {}, Media extends MediaType = MediaType>(
  options: Options,
): PathBasedClient<Paths, Media> => wrapAsPathBased(make<Paths, Media>(options))
