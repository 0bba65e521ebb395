/**
 * The Effect API: `client.GET(path, init)` is an `Effect` of the typed data that fails with
 * `HttpError<E>` (E = the provider's error envelope) or another tagged error. The pipeline runs
 * as one Effect from end to end (request built, `Call.execute`, body read), in the caller's
 * fiber: its clock (TestClock in tests), logger, tracer and interruption, with no Promise in
 * between. The Promise API is `@keyway/core/Client`.
 *
 * @example
 * ```ts
 * import { Context, Effect, Layer } from "effect"
 * import { Auth, EffectClient } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * class Pets extends Context.Service<Pets, EffectClient.EffectClient<paths, { message: string }>>()("Pets") {}
 * const PetsLive = Layer.effect(Pets, EffectClient.make<paths, { message: string }>({ provider: "petstore", baseUrl: "https://pets.example/v1" })).pipe(
 *   Layer.provide(Auth.layerNone),
 * )
 * const names = Effect.gen(function* () {
 *   const pets = yield* Pets
 *   const list = yield* pets.GET("/agents")
 *   return list.map((agent) => agent.id)
 * }).pipe(Effect.provide(PetsLive))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import type { FetchResponse, MaybeOptionalInit } from "openapi-fetch"
import type { HttpMethod, MediaType, PathsWithMethod } from "openapi-typescript-helpers"
import type * as Auth from "./Auth.ts"
import type * as Call from "./Call.ts"
import type * as Client from "./Client.ts"
import type { ConfigError, HttpError, UnexpectedResponse } from "./Errors.ts"
import * as Engine from "./internal/call.ts"
import { checkOptions } from "./internal/checks.ts"
import * as Runtime from "./internal/runtime.ts"
import type * as Operations from "./Operation.ts"
import type * as Options_ from "./Options.ts"

/**
 * Options of the Effect API (the plugin, the token store and the settings come from context).
 *
 * @example
 * ```ts
 * import type { EffectClient } from "@keyway/core"
 * const options: EffectClient.Options = { provider: "petstore", baseUrl: "https://pets.example/v1" }
 * ```
 *
 * @since 0.1.0
 */
export type Options = Options_.Common & Client.FetchOptions

/**
 * What an Effect API call fails with: the provider's answer (`HttpError<E>`), no answer
 * (`Call.CallError`), or an answer that could not be read (`UnexpectedResponse`).
 *
 * @example
 * ```ts
 * import type { EffectClient } from "@keyway/core"
 * type Failure = EffectClient.Failure<{ message: string }>
 * ```
 *
 * @since 0.1.0
 */
export type Failure<E> = HttpError<E> | Call.CallError | UnexpectedResponse

/**
 * An Effect API method: the typed success data, or a typed failure.
 *
 * @example
 * ```ts
 * import type { EffectClient } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const get: EffectClient.Method<paths, "get", { message: string }>
 * const pet = get("/agents/{agentId}", { params: { path: { agentId: "7" } } })
 * ```
 *
 * @since 0.1.0
 */
export type Method<Paths extends {}, M extends HttpMethod, E, Media extends MediaType = MediaType> = <
  Path extends PathsWithMethod<Paths, M>,
  Init extends MaybeOptionalInit<Paths[Path] & Record<M, unknown>, M>,
>(
  url: Path,
  ...init: Operations.Args<Init>
) => Effect.Effect<
  NonNullable<
    Extract<FetchResponse<Operations.OfPathItem<Paths[Path], M>, Init, Media>, { error?: never }>["data"]
  >,
  Failure<E>
>

/**
 * The Effect API client.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { EffectClient } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * declare const client: EffectClient.EffectClient<paths, { message: string }>
 * const count = Effect.map(client.GET("/agents"), (agents) => agents.length)
 * ```
 *
 * @since 0.1.0
 */
export interface EffectClient<Paths extends {}, E = unknown, Media extends MediaType = MediaType> {
  readonly GET: Method<Paths, "get", E, Media>
  readonly PUT: Method<Paths, "put", E, Media>
  readonly POST: Method<Paths, "post", E, Media>
  readonly DELETE: Method<Paths, "delete", E, Media>
  readonly PATCH: Method<Paths, "patch", E, Media>
  readonly HEAD: Method<Paths, "head", E, Media>
  readonly OPTIONS: Method<Paths, "options", E, Media>
  readonly TRACE: Method<Paths, "trace", E, Media>
  /** The same client as a Promise API, sharing this one's runtime context. */
  readonly promise: Client.Client<Paths, Media>
  readonly release: Effect.Effect<void, Call.CallError>
}

/**
 * An operation of the Effect API bound to its path and method: an `Effect` of the typed data,
 * failing with `HttpError<E>` (E: the provider's error envelope) or another tagged error.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { EffectClient } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * declare const getAgent: EffectClient.Operation<paths, "/agents/{agentId}", "get", { message: string }>
 * const name = Effect.map(getAgent({ params: { path: { agentId: "7" } } }), (agent) => agent.id)
 * ```
 *
 * @since 0.1.0
 */
export type Operation<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  E = unknown,
  Media extends MediaType = MediaType,
> = <I extends Operations.Init<Paths, P, M>>(
  ...init: Operations.Args<I>
) => Effect.Effect<Operations.Data<Paths, P, M, I, Media>, Failure<E>>

/**
 * Builds an Effect API client from the {@link Auth.Auth} plugin (and the optional `Retry`,
 * `Correlation`, `Throttle` and `Transport` settings) in context. Fails with a `ConfigError`
 * naming the setting for a base URL, origin or header that cannot be used.
 *
 * @example
 * ```ts
 * import { Context, Layer } from "effect"
 * import { EffectClient } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * class Api extends Context.Service<Api, EffectClient.EffectClient<paths>>()("Api") {}
 * const ApiLive = Layer.effect(Api, EffectClient.make<paths>({ provider: "x", baseUrl: "https://x.example" }))
 * ```
 *
 * @since 0.1.0
 */
export const make = <Paths extends {}, E = unknown, Media extends MediaType = MediaType>(
  options: Options,
): Effect.Effect<EffectClient<Paths, E, Media>, ConfigError, Auth.Auth | Scope.Scope> =>
  build(options) as Effect.Effect<EffectClient<Paths, E, Media>, ConfigError, Auth.Auth>

const build = Effect.fn("EffectClient.make")(function* (options: Options) {
  const invalid = checkOptions(options)
  if (invalid !== undefined) return yield* invalid
  const runtime = yield* Runtime.capture(options)
  const context = yield* Effect.context<never>()
  const engine = Engine.makeEngine(options)
  const ready: Engine.Ready = { runtime, context }
  const promise = Engine.promiseSurface(engine, { current: () => ready, start: () => Promise.resolve(ready) })
  const close = () => Promise.resolve()
  const client: EffectClient<{}, unknown> = {
    ...Engine.effectMethods(engine, runtime),
    promise: {
      ...promise,
      release: () => Effect.runPromiseWith(context)(runtime.auth.release),
      close,
      [Symbol.asyncDispose]: close,
    },
    release: runtime.auth.release,
  } as unknown as EffectClient<{}, unknown>
  return client
})
