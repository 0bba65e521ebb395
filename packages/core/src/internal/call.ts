/**
 * One call of a typed client, close to the socket: the request built once
 * (`internal/request.ts`), handed to `Call.execute`, the answer read as openapi-fetch reads it
 * (`internal/response.ts`). The Promise API runs the pipeline with `Effect.runPromiseWith` on the
 * client's context; the Effect API returns it as an Effect of the caller's fiber (its clock,
 * tracer, logger and interruption), with no Promise in between.
 *
 * @since 0.1.0
 */
import { type Context, Effect } from "effect"
import type { MergedOptions, Middleware } from "openapi-fetch"
import * as Call from "../Call.ts"
import type { FetchOptions } from "../Client.ts"
import {
  HttpError,
  isKeywayError,
  orUnexpected,
  type UnexpectedResponse,
  unexpectedResponse,
} from "../Errors.ts"
import type * as Http from "../Http.ts"
import type * as Options from "../Options.ts"
import * as Abort from "./abort.ts"
import * as Compat from "./compat.ts"
import * as Request from "./request.ts"
import * as Response_ from "./response.ts"
import * as WhatWg from "./whatwg.ts"

/** The methods of a typed client, as openapi-fetch names them. */
export const methods = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"] as const

/** What every call of a client shares: how requests are built, and the operation table. */
export interface Engine {
  readonly config: Request.Config
  readonly options: Options.Common
  /** Middleware, the `Request` class and the `fetch` transport (openapi-fetch's options). */
  readonly compat: Compat.Compat
  /** The `options` middleware sees on a call that overrides none of them (built once). */
  readonly merged: { current?: MergedOptions | undefined }
}

/** The engine of a client's options. */
export const makeEngine = (
  options: Options.Common & {
    readonly querySerializer?: Request.QuerySerializer | undefined
    readonly bodySerializer?: Request.BodySerializer | undefined
    readonly pathSerializer?: Request.PathSerializer | undefined
  } & FetchOptions,
): Engine => ({ config: Request.makeConfig(options), options, compat: Compat.make(options), merged: {} })

/**
 * Keyway's `init.keyway` as a client reads it: the call options, and (from an Effect paginator
 * running a page on an Effect client's `promise`) the caller's fiber context to run the call in.
 */
export interface KeywayInit extends Options.CallOptions {
  readonly context?: Context.Context<never> | undefined
}

/** What a call reads from its `init` besides the request itself. */
export interface Init extends Request.Init, Compat.Init {
  /** fetch's redirect mode: `"manual"` and `"error"` become Keyway's redirect policy. */
  readonly redirect?: string | undefined
  readonly keyway?: KeywayInit | undefined
  readonly parseAs?: Response_.ParseAs | undefined
  readonly signal?: AbortSignal | null | undefined
}

/** The pipeline's options of one call: the operation's scopes, the caller's `keyway`, the route. */
export const callOptions = (
  engine: Engine,
  method: string,
  url: string,
  init: Init | undefined,
): Call.CallOptions => {
  const keyway = init?.keyway
  // Pagination follows next-page URLs with an empty path and the route template given here.
  const route = keyway?.route ?? url
  const scopes = engine.options.operations?.[`${method} ${route}`]?.scopes
  return keyway === undefined ? { scopes, route } : { scopes, ...keyway, route }
}

/** What a client's calls run on: the pipeline's runtime and the context to run it in. */
export interface Ready {
  readonly runtime: Call.Runtime
  readonly context: Context.Context<never>
}

/** Where a Promise API client gets its {@link Ready}: at once once started, else by starting. */
export interface Source {
  readonly current: () => Ready | undefined
  readonly start: () => Promise<Ready>
}

/** openapi-fetch's result: `{ data, response }` or `{ error, response }`, `response` built on read. */
export type FetchResult =
  | { readonly data: unknown; readonly response: Response }
  | { readonly error: unknown; readonly response: Response }

/** The Promise API's result of a call. Throws `UnexpectedResponse` for a 2xx body that is no JSON. */
export const toFetchResult = (
  result: Call.CallResult,
  request: Http.HttpRequest,
  parseAs: Response_.ParseAs,
  runtime: Call.Runtime,
): FetchResult => {
  const raw = result.response
  // What `callInfo` tells is only put together when somebody reads `response`.
  const info = () => Response_.infoOf(result, request, runtime.auth.secretQueryParams)
  let response: Response | undefined
  if (Response_.ok(raw)) {
    let read: Response_.Read
    try {
      read = Response_.readData(raw, request.method, parseAs)
    } catch (error) {
      throw Response_.unreadable(result, request, runtime.auth.secretQueryParams, error)
    }
    if (parseAs === "stream" && read.value === undefined && raw.body.byteLength > 0) {
      response = Response_.toResponse(raw, result.finalUrl ?? request.url, info(), false)
      return { data: response.body, response }
    }
    const consumed = read.consumed
    return {
      data: read.value,
      get response() {
        return (response ??= Response_.toResponse(raw, result.finalUrl ?? request.url, info(), consumed))
      },
    }
  }
  const read = Response_.readError(raw, request.method)
  return {
    error: read.value,
    get response() {
      return (response ??= Response_.toResponse(raw, result.finalUrl ?? request.url, info(), read.consumed))
    },
  }
}

/** What the pipeline gave a call, before it is read. */
interface Sent {
  readonly result: Call.CallResult
  readonly request: Http.HttpRequest
  readonly runtime: Call.Runtime
}

/** openapi-fetch's reading of a `Response` a middleware made or changed (Keyway's own named). */
const parseResponse = (response: globalThis.Response, method: string, parseAs: Response_.ParseAs) =>
  WhatWg.parse(response, method, parseAs).catch((error: unknown) => {
    const info = Response_.infos.get(response)
    throw info === undefined || isKeywayError(error)
      ? error
      : unexpectedResponse(error, {
          method: info.method,
          url: info.url,
          correlationId: info.correlationId,
          context: `status ${response.status} with a body that could not be read`,
        })
  }) as Promise<FetchResult>

/** Runs the pipeline for one call on a client's runtime and context. */
const execute = (
  ready: Ready,
  request: Http.HttpRequest,
  options: Call.CallOptions,
  signal: AbortSignal | undefined,
): Promise<Call.CallResult> =>
  Effect.runPromiseWith(ready.context)(Call.execute(ready.runtime, request, options), signal && { signal })

/** One call through its middleware (`Compat.callThrough`), read as openapi-fetch reads it. */
const throughMiddleware = (
  engine: Engine,
  ready: Ready,
  middleware: ReadonlyArray<Middleware>,
  built: Http.HttpRequest,
  url: string,
  init: Init | undefined,
  options: Call.CallOptions,
  signal: AbortSignal | undefined,
): Promise<FetchResult> => {
  const parseAs = init?.parseAs ?? "json"
  return Compat.callThrough<Sent, FetchResult>({
    compat: engine.compat,
    middleware,
    built,
    init,
    schemaPath: url,
    options: mergedOptions(engine, init, parseAs),
    signal,
    send: (request, signal, then) =>
      execute(ready, request, options, signal).then((result) =>
        then({ result, request, runtime: ready.runtime }),
      ),
    toResponse: ({ result, request, runtime }) =>
      Response_.toResponse(
        result.response,
        result.finalUrl ?? request.url,
        Response_.infoOf(result, request, runtime.auth.secretQueryParams),
        false,
      ),
    read: ({ result, request, runtime }) => toFetchResult(result, request, parseAs, runtime),
    parse: (response, method) => parseResponse(response, method, parseAs),
  })
}

/** The Promise API's methods over a runtime source. */
export const promiseMethods = (
  engine: Engine,
  source: Source,
): Record<(typeof methods)[number], (url: string, init?: Init) => Promise<FetchResult>> => {
  const out = {} as Record<(typeof methods)[number], (url: string, init?: Init) => Promise<FetchResult>>
  for (const method of methods) {
    out[method] = (url, init) => {
      let built: Http.HttpRequest | Promise<Http.HttpRequest>
      try {
        built = Request.build(engine.config, method, url, init)
      } catch (error) {
        return Promise.reject(error)
      }
      const parseAs = init?.parseAs ?? "json"
      // Only a caller's own signal can abort.
      const signal = init?.signal ?? undefined
      // A page of an Effect paginator runs in its caller's fiber context (clock, tracer, logger).
      const caller = init?.keyway?.context
      // A `fetch` (the call's or the client's) is the transport beneath the pipeline.
      const options = Compat.callOptionsOf(engine.compat, init, callOptions(engine, method, url, init))
      const at = (ready: Ready): Ready =>
        caller === undefined ? ready : { runtime: ready.runtime, context: caller }
      const middleware = Compat.middlewareOf(engine.compat, init)
      if (middleware.length > 0) {
        const through = (ready: Ready, request: Http.HttpRequest) =>
          throughMiddleware(engine, at(ready), middleware, request, url, init, options, signal)
        const ready = source.current()
        if (ready !== undefined && !(built instanceof Promise)) return through(ready, built)
        return Promise.all([source.start(), built]).then(([r, request]) => through(r, request))
      }
      const send = (ready: Ready, request: Http.HttpRequest) =>
        Abort.abortable(signal, (signal) =>
          execute(at(ready), request, options, signal).then((result) =>
            toFetchResult(result, request, parseAs, ready.runtime),
          ),
        )
      const ready = source.current()
      if (ready !== undefined && !(built instanceof Promise)) return send(ready, built)
      return Promise.all([source.start(), built]).then(([r, request]) => send(r, request))
    }
  }
  return out
}

/**
 * The Promise API's surface over a runtime source: openapi-fetch's methods, `request(method,
 * path, init)`, and the client's middleware (`use`, `eject`).
 */
export const promiseSurface = (engine: Engine, source: Source) => {
  const out = promiseMethods(engine, source)
  return {
    ...out,
    request: (method: string, url: string, init?: Init) =>
      out[method.toUpperCase() as (typeof methods)[number]](url, init),
    use: engine.compat.registry.use,
    eject: engine.compat.registry.eject,
  }
}

/** The `options` middleware sees: openapi-fetch's merged options of the call (frozen). */
const mergedOptions = (engine: Engine, init: Init | undefined, parseAs: Response_.ParseAs): MergedOptions => {
  const plain =
    init === undefined ||
    (init.baseUrl === undefined &&
      init.querySerializer === undefined &&
      init.bodySerializer === undefined &&
      init.pathSerializer === undefined &&
      init.fetch === undefined &&
      parseAs === "json")
  if (plain && engine.merged.current !== undefined) return engine.merged.current
  const merged = Object.freeze({
    ...Request.serializersOf(engine.config, init),
    parseAs,
    fetch: (init?.fetch ?? engine.compat.fetch ?? globalThis.fetch) as typeof globalThis.fetch,
  }) as MergedOptions
  // The client's own options, the same for every call that overrides none of them.
  if (plain) engine.merged.current = merged
  return merged
}

/** The Effect API's failure for a call that could not be made (a serializer threw, say). */
const unexpected = (error: unknown, method: string, engine: Engine, url: string) =>
  orUnexpected(error, { method, url: `${engine.config.baseUrl}${url}` }) as
    | Call.CallError
    | UnexpectedResponse

/** The Effect API's outcome of a call: the data, or `HttpError` for a non-2xx answer. */
const toData = (
  result: Call.CallResult,
  request: Http.HttpRequest,
  parseAs: Response_.ParseAs,
  runtime: Call.Runtime,
): Effect.Effect<unknown, HttpError<unknown> | UnexpectedResponse> => {
  const raw = result.response
  // What `callInfo` tells is only put together when a Response or an error needs it.
  const info = () => Response_.infoOf(result, request, runtime.auth.secretQueryParams)
  if (Response_.ok(raw)) {
    try {
      const read = Response_.readData(raw, request.method, parseAs)
      if (parseAs === "stream" && read.value === undefined && raw.body.byteLength > 0)
        return Effect.succeed(Response_.toResponse(raw, result.finalUrl ?? request.url, info(), false).body)
      return Effect.succeed(read.value)
    } catch (error) {
      return Effect.fail(Response_.unreadable(result, request, runtime.auth.secretQueryParams, error))
    }
  }
  return Effect.fail(
    new HttpError({
      status: raw.status,
      method: request.method,
      url: info().url,
      correlationId: result.correlationId,
      body: Response_.readError(raw, request.method).value,
      attempts: result.attempts,
    }),
  )
}

/** The Effect API's outcome of a call read the Promise API's way (after middleware). */
const dataOf = (result: FetchResult): Effect.Effect<unknown, HttpError<unknown>> => {
  const response = result.response
  if (response.ok) return Effect.succeed((result as { readonly data: unknown }).data)
  const info = Response_.infos.get(response)
  return Effect.fail(
    new HttpError({
      status: response.status,
      method: info?.method ?? "",
      url: info?.url ?? "",
      correlationId: info?.correlationId ?? "",
      body: (result as { readonly error: unknown }).error,
      attempts: info?.attempts ?? 1,
    }),
  )
}

/** The Effect API's methods on a captured runtime: each call an Effect of the caller's fiber. */
export const effectMethods = (
  engine: Engine,
  runtime: Call.Runtime,
): Record<
  (typeof methods)[number],
  (
    url: string,
    init?: Init,
  ) => Effect.Effect<unknown, HttpError<unknown> | Call.CallError | UnexpectedResponse>
> => {
  const out = {} as Record<
    (typeof methods)[number],
    (
      url: string,
      init?: Init,
    ) => Effect.Effect<unknown, HttpError<unknown> | Call.CallError | UnexpectedResponse>
  >
  for (const method of methods) {
    out[method] = (url, init) =>
      Effect.suspend(() => {
        let built: Http.HttpRequest | Promise<Http.HttpRequest>
        try {
          built = Request.build(engine.config, method, url, init)
        } catch (error) {
          return Effect.fail(unexpected(error, method, engine, url))
        }
        // A `fetch` (the call's or the client's) is the transport beneath the pipeline.
        const options = Compat.callOptionsOf(engine.compat, init, callOptions(engine, method, url, init))
        const parseAs = init?.parseAs ?? "json"
        // A call's own `middleware` (the Effect API has no `use`) runs as in the Promise API,
        // in the caller's context; the fiber's interruption aborts it.
        const middleware = init?.middleware
        const send = (request: Http.HttpRequest) =>
          middleware === undefined || middleware.length === 0
            ? Effect.flatMap(Call.execute(runtime, request, options), (result) =>
                toData(result, request, parseAs, runtime),
              )
            : Effect.flatMap(Effect.context<never>(), (context) =>
                Effect.flatMap(
                  Effect.tryPromise({
                    try: (signal) =>
                      throughMiddleware(
                        engine,
                        { runtime, context },
                        middleware,
                        request,
                        url,
                        init,
                        options,
                        init?.signal ?? signal,
                      ),
                    catch: (error) => unexpected(error, method, engine, url),
                  }),
                  dataOf,
                ),
              )
        const call =
          built instanceof Promise
            ? Effect.flatMap(
                Effect.tryPromise({
                  try: () => built,
                  catch: (error) => unexpected(error, method, engine, url),
                }),
                send,
              )
            : send(built)
        // A call's own signal interrupts it, as the fiber's interruption does.
        const signal = init?.signal
        return signal == null ? call : Abort.interruptOn(call, signal)
      })
  }
  return out
}
