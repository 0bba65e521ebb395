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
import type { FetchResponse, MaybeOptionalInit } from "openapi-fetch"
import type { HttpMethod, MediaType, PathsWithMethod } from "openapi-typescript-helpers"
import * as Call from "./internal/call.ts"
import { checkCorrelation, checkOptions } from "./internal/checks.ts"
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
export interface Options extends Common {
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
export interface Client<Paths extends {}, Media extends MediaType = MediaType> {
  readonly GET: Method<Paths, "get", Media>
  readonly PUT: Method<Paths, "put", Media>
  readonly POST: Method<Paths, "post", Media>
  readonly DELETE: Method<Paths, "delete", Media>
  readonly PATCH: Method<Paths, "patch", Media>
  readonly HEAD: Method<Paths, "head", Media>
  readonly OPTIONS: Method<Paths, "options", Media>
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
    ...Call.promiseMethods(Call.makeEngine(options), source),
    release: () => source.start().then((r) => Effect.runPromiseWith(r.context)(r.runtime.auth.release)),
    close,
    [Symbol.asyncDispose]: close,
  } as unknown as Client<Paths, Media>
}
