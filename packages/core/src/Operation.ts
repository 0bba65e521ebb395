/**
 * The operation types a generated client binds to its `paths` (openapi-typescript's output), and
 * {@link bind}, which turns a `[name, METHOD, path]` list into one function per operation.
 * Effect-free: the Effect API's bound operation is `EffectClient.Operation`.
 *
 * @example
 * ```ts
 * import type { Operation } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * declare const getAgent: Operation.Bound<paths, "/agents/{agentId}", "get">
 * const { data } = await getAgent({ params: { path: { agentId: "7" } } })
 * ```
 *
 * @since 0.1.0
 */
import type { FetchResponse, MaybeOptionalInit } from "openapi-fetch"
import type { HttpMethod, MediaType, RequiredKeysOf } from "openapi-typescript-helpers"
import type * as Options from "./Options.ts"

/**
 * An operation of the spec, keyed `"METHOD /path"` in a client's `operations`.
 *
 * @example
 * ```ts
 * import type { Operation } from "@keyway/core"
 * const info: Operation.Info = { operationId: "getPet" }
 * ```
 *
 * @since 0.1.0
 */
export type Info = Options.OperationInfo

/**
 * Keyway's per-call options in an openapi-fetch init (`keyway`): the pipeline's, without the
 * route, which a typed client sets itself.
 *
 * @example
 * ```ts
 * import type { Operation } from "@keyway/core"
 * const options: Operation.CallOptions = { idempotencyKey: "k-1" }
 * ```
 *
 * @since 0.1.0
 */
export type CallOptions = Omit<Options.CallOptions, "route">

/**
 * The operation object (`parameters`, `requestBody`, `responses`) of a path item and a method.
 *
 * @example
 * ```ts
 * import type { Operation } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 * type GetAgent = Operation.OfPathItem<paths["/agents/{agentId}"], "get">
 * ```
 *
 * @since 0.1.0
 */
export type OfPathItem<PathItem, M extends string> = PathItem extends { readonly [K in M]: infer O }
  ? O extends Record<string | number, any>
    ? O
    : never
  : never

/**
 * The `init` argument list of an operation: openapi-fetch's `init` plus Keyway's per-call
 * options (`keyway`), optional when nothing in it is required.
 *
 * @example
 * ```ts
 * import type { MaybeOptionalInit } from "openapi-fetch"
 * import type { Operation } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * type Init = MaybeOptionalInit<paths["/agents/{agentId}"], "get">
 * type Args = Operation.Args<Init> // [Init & { keyway?: Operation.CallOptions }]
 * ```
 *
 * @since 0.1.0
 */
export type Args<Init> =
  RequiredKeysOf<Init> extends never
    ? [(Init & { readonly keyway?: CallOptions | undefined } & { [key: string]: unknown })?]
    : [Init & { readonly keyway?: CallOptions | undefined } & { [key: string]: unknown }]

/**
 * The operation object of a path and method of `Paths`.
 *
 * @example
 * ```ts
 * import type { Operation } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * type GetAgent = Operation.Of<paths, "/agents/{agentId}", "get">
 * type Params = GetAgent["parameters"]
 * ```
 *
 * @since 0.1.0
 */
export type Of<Paths extends {}, P extends keyof Paths, M extends HttpMethod> = OfPathItem<Paths[P], M>

/**
 * The openapi-fetch `init` of a path and method of `Paths` (without Keyway's call options).
 *
 * @example
 * ```ts
 * import type { Operation } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * type Init = Operation.Init<paths, "/contacts", "post"> // { body: …; params?: … }
 * ```
 *
 * @since 0.1.0
 */
export type Init<Paths extends {}, P extends keyof Paths, M extends HttpMethod> = MaybeOptionalInit<
  Paths[P] & Record<M, unknown>,
  M
>

/**
 * An operation of the Promise API bound to its path and method: `op(init)` is
 * `client.METHOD(path, init)`, typed from the same `paths` (a wrong parameter or body does not
 * compile).
 *
 * @example
 * ```ts
 * import type { Operation } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * declare const getAgent: Operation.Bound<paths, "/agents/{agentId}", "get">
 * const { data } = await getAgent({ params: { path: { agentId: "7" } } })
 * ```
 *
 * @since 0.1.0
 */
export type Bound<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  Media extends MediaType = MediaType,
> = <I extends Init<Paths, P, M>>(...init: Args<I>) => Promise<FetchResponse<Of<Paths, P, M>, I, Media>>

/**
 * The typed success data of an operation (what the Effect API succeeds with).
 *
 * @example
 * ```ts
 * import type { Operation } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * type Agent = Operation.Data<paths, "/agents/{agentId}", "get"> // { id: string; login?: string; … }
 * ```
 *
 * @since 0.1.0
 */
export type Data<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  I = {},
  Media extends MediaType = MediaType,
> = NonNullable<Extract<FetchResponse<Of<Paths, P, M>, I, Media>, { error?: never }>["data"]>

/**
 * The operations to bind with {@link bind}: `[name, METHOD, path]` each.
 *
 * @example
 * ```ts
 * import type { Operation } from "@keyway/core"
 * const list: Operation.List = [["getAgent", "GET", "/agents/{agentId}"]]
 * ```
 *
 * @since 0.1.0
 */
export type List = ReadonlyArray<readonly [name: string, method: string, path: string]>

/**
 * Binds one function per operation to a client of either API: `out[name](init)` is
 * `client[METHOD](path, init)`. The result is untyped; a generated client gives it its
 * operations interface (one {@link Bound} or `EffectClient.Operation` per name).
 *
 * @example
 * ```ts
 * import { Operation } from "@keyway/core"
 * declare const client: { readonly GET: (path: string, ...init: Array<unknown>) => unknown }
 * const op = Operation.bind(client, [["getAgent", "GET", "/agents/{agentId}"]])
 * op.getAgent!({ params: { path: { agentId: "7" } } })
 * ```
 *
 * @since 0.1.0
 */
export const bind = (client: object, list: List): Record<string, (...init: Array<unknown>) => unknown> => {
  const methods = client as Readonly<Record<string, (path: string, ...init: Array<unknown>) => unknown>>
  const out: Record<string, (...init: Array<unknown>) => unknown> = {}
  for (const [name, method, path] of list) out[name] = (...init) => methods[method]!(path, ...init)
  return out
}
