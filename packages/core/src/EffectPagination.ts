/**
 * The Effect API's pagination: the items of every page of a paged operation as an Effect
 * `Stream` ({@link stream}, {@link bindStreams}), running `Pagination`'s page logic (one ordinary
 * call per page) and failing the stream with the typed Keyway error of a failing page.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { EffectPagination } from "@keyway/core"
 * declare const client: EffectPagination.PagedClient
 * const agents = Stream.runCollect(EffectPagination.stream(client, "GET", "/agents", {}, { style: "offset", items: "items" }))
 * ```
 *
 * @since 0.1.0
 */
import { type Context, Effect, Stream } from "effect"
import type { HttpMethod } from "openapi-typescript-helpers"
import type { CallError } from "./Call.ts"
import { type HttpError, orUnexpected, type UnexpectedResponse } from "./Errors.ts"
import type { Args as OperationArgs, Data as OperationData, Init as OperationInit } from "./Operation.ts"
import { iterate, type PagedClient, type PagedOperation, type PageItem, type Spec } from "./Pagination.ts"

/**
 * Anything with openapi-fetch methods (see `Pagination.PagedClient`): pass an Effect client's
 * `promise`.
 *
 * @example
 * ```ts
 * import type { EffectPagination } from "@keyway/core"
 * declare const client: EffectPagination.PagedClient
 * ```
 *
 * @since 0.1.0
 */
export type { PagedClient }

type Init = Parameters<typeof iterate>[3]

/**
 * The typed error of a paged stream: the failing page's {@link HttpError}, or another Keyway
 * error of the call (auth, network, timeout, rate limit, unexpected response).
 *
 * @example
 * ```ts
 * import type { EffectPagination } from "@keyway/core"
 * type Failure = EffectPagination.StreamError<{ message: string }> // HttpError<{ message: string }> | ...
 * ```
 *
 * @since 0.1.0
 */
export type StreamError<E = unknown> = HttpError<E> | CallError | UnexpectedResponse

const streamError =
  (method: string, path: string) =>
  (error: unknown): StreamError =>
    orUnexpected(error, { method, url: path }) as StreamError

/**
 * The items of every page as an Effect `Stream`: `Pagination.iterate` (the same `Pagination.pages` logic,
 * one ordinary call per page), failing with the typed Keyway error of a failing page
 * ({@link HttpError} with its correlation id, or a `Call.CallError` / `UnexpectedResponse`).
 *
 * Pages are fetched as the stream is pulled, each in the caller's fiber context (clock, logger,
 * tracer, parent span) when `client` is an Effect client's `promise`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { EffectPagination } from "@keyway/core"
 * // client: a Keyway client for Workable (or an Effect client's `promise`)
 * // const jobs = Stream.runCollect(
 * //   EffectPagination.stream(client, "GET", "/jobs", {}, { style: "next-url", items: "jobs", next: "paging.next" }),
 * // )
 * ```
 *
 * @since 0.1.0
 */
export const stream = <Item = unknown, E = unknown>(
  client: PagedClient,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  init: Init | undefined,
  spec: Spec,
): Stream.Stream<Item, StreamError<E>> =>
  Stream.unwrap(
    Effect.contextWith((caller: Context.Context<never>) =>
      Effect.succeed(
        Stream.fromAsyncIterable(
          {
            [Symbol.asyncIterator]: () =>
              iterate<Item>(
                client,
                method,
                path,
                { ...init, keyway: { ...init?.keyway, context: caller } },
                spec,
              ),
          },
          streamError(method, path) as (error: unknown) => StreamError<E>,
        ),
      ),
    ),
  )

/**
 * A stream over the items of a paged operation of `Paths`: it takes the operation's own `init`
 * (and Keyway's call options) and emits the elements of the array at `Items` of every page,
 * failing with `HttpError<E>` or another Keyway error. The Effect API's counterpart of
 * `Pagination.Paginator`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import type { EffectPagination } from "@keyway/core"
 * import type { paths } from "@keyway/provider-cca/types"
 *
 * declare const listAgents: EffectPagination.StreamPaginator<paths, "/agents", "get", "", { message: string }>
 * const ids = listAgents().pipe(
 *   Stream.map((agent) => agent.id),
 *   Stream.runCollect,
 * )
 * ```
 *
 * @since 0.1.0
 */
export type StreamPaginator<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  Items extends string,
  E = unknown,
> = (
  ...init: OperationArgs<OperationInit<Paths, P, M>>
) => Stream.Stream<PageItem<OperationData<Paths, P, M>, Items>, StreamError<E>>

/**
 * Binds one stream per paged operation to a client: `out[name](init)` is
 * `stream(client, method, path, init, spec)`. The result is untyped; a generated client gives it
 * its Effect paginators interface (one {@link StreamPaginator} per name). Pass an Effect client's
 * `promise` so each page runs through the Effect client's runtime.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { EffectPagination } from "@keyway/core"
 * // const paginate = EffectPagination.bindStreams(effectClient.promise, [["listJobs", "GET", "/jobs", { style: "next-url", items: "jobs" }]])
 * // const jobs = yield* Stream.runCollect(paginate.listJobs!())
 * ```
 *
 * @since 0.1.0
 */
export const bindStreams = (
  client: PagedClient,
  operations: ReadonlyArray<PagedOperation>,
): Record<string, (init?: Init) => Stream.Stream<unknown, StreamError>> => {
  const out: Record<string, (init?: Init) => Stream.Stream<unknown, StreamError>> = {}
  for (const [name, method, path, spec] of operations)
    out[name] = (init) => stream(client, method, path, init, spec)
  return out
}
