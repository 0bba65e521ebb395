/**
 * What a Promise API client adds for openapi-fetch's `createClient` options and init keys that
 * need a WHATWG `Request` or `Response`: client-level middleware (`use`, `eject`), the `Request`
 * class, and a `fetch` function (the client's or the call's) as the transport beneath the
 * pipeline. A call that uses none of them never comes here beyond {@link transportOf} and
 * {@link middlewareOf}, which answer without allocating.
 *
 * @internal
 */
import type { MergedOptions, Middleware as OpenapiFetchMiddleware } from "openapi-fetch"
import type * as Call from "../Call.ts"
import type { FetchOptions } from "../Client.ts"
import type * as Http from "../Http.ts"
import * as Transport from "../Transport.ts"
import * as Abort from "./abort.ts"
import * as Middleware from "./middleware.ts"
import * as WhatWg from "./whatwg.ts"

/**
 * openapi-fetch's `createClient` options out of a larger options object (a provider's), to hand
 * on to the client it builds.
 *
 * @internal
 */
export const fetchOptionsOf = (options: FetchOptions): FetchOptions => ({
  querySerializer: options.querySerializer,
  bodySerializer: options.bodySerializer,
  pathSerializer: options.pathSerializer,
  Request: options.Request,
  fetch: options.fetch,
})

/**
 * A client's part of it: its middleware, its `Request` class, its `fetch` transport.
 *
 * @internal
 */
export interface Compat {
  readonly registry: Middleware.Registry
  readonly RequestClass: typeof Request
  readonly fetch: Transport.FetchFunction | undefined
  /** The transport of the client's `fetch` (built once), if it has one. */
  readonly transport: Transport.TransportShape | undefined
}

/**
 * A client's {@link Compat}.
 *
 * @internal
 */
export const make = (settings: FetchOptions): Compat => {
  const RequestClass = settings.Request ?? globalThis.Request
  return {
    registry: Middleware.makeRegistry(),
    RequestClass,
    fetch: settings.fetch,
    transport:
      settings.fetch === undefined ? undefined : fetchTransport(settings.fetch, RequestClass, undefined),
  }
}

/**
 * What a call's `init` may carry for this module.
 *
 * @internal
 */
export interface Init {
  readonly fetch?: Transport.FetchFunction | undefined
  readonly Request?: typeof Request | undefined
  readonly middleware?: ReadonlyArray<OpenapiFetchMiddleware> | undefined
}

/**
 * The middleware of a call (the client's, then the call's): empty, the same array every time,
 * when there is none.
 *
 * @internal
 */
export const middlewareOf = (compat: Compat, init: Init | undefined): ReadonlyArray<OpenapiFetchMiddleware> =>
  Middleware.forCall(compat.registry, init?.middleware)

/**
 * The transport of a call: the call's `fetch` over the client's (with the call's `Request` class
 * and the custom `init` properties the `Request` given to `fetch` must carry), `undefined` for the
 * runtime's own (undici) when neither has one.
 *
 * @internal
 */
export const transportOf = (compat: Compat, init: Init | undefined): Transport.TransportShape | undefined => {
  const fetch = init?.fetch ?? compat.fetch
  // No `fetch` anywhere: the runtime's own transport (a `Request` class alone is for middleware).
  if (fetch === undefined) return undefined
  const RequestClass = init?.Request ?? compat.RequestClass
  const extras =
    init === undefined ? undefined : extrasOf(RequestClass, init as Readonly<Record<string, unknown>>)
  return fetch === compat.fetch && RequestClass === compat.RequestClass && extras === undefined
    ? compat.transport
    : fetchTransport(fetch, RequestClass, extras)
}

/**
 * A call's pipeline options with what its `init` says as openapi-fetch options: the transport
 * of its `fetch` ({@link transportOf}), and fetch's `redirect` as Keyway's redirect policy
 * (`"manual"`: the 3xx is the answer; `"error"`: any redirect fails with `TooManyRedirects`;
 * `keyway.redirects` wins over it). The options as they are when the init says neither.
 *
 * @internal
 */
export const callOptionsOf = (
  compat: Compat,
  init: (Init & { readonly redirect?: unknown }) | undefined,
  options: Call.CallOptions,
): Call.CallOptions => {
  const transport = transportOf(compat, init)
  const redirect = init?.redirect
  const redirects =
    redirect === "manual" ? { follow: false } : redirect === "error" ? { maxHops: 0 } : undefined
  if (transport === undefined && redirects === undefined) return options
  return {
    ...options,
    ...(transport === undefined ? {} : { transport }),
    ...(redirects === undefined ? {} : { redirects: { ...redirects, ...options.redirects } }),
  }
}

/** Keys of a call's `init` that a `Request` does not have (openapi-fetch copies them onto it). */
const extrasOf = (
  RequestClass: typeof Request,
  init: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined => {
  let extras: Record<string, unknown> | undefined
  for (const key in init) {
    if (WhatWg.OWN_KEYS.has(key) || key === "keyway" || key in RequestClass.prototype) continue
    extras ??= {}
    extras[key] = init[key]
  }
  return extras
}

/**
 * `Transport.fromFetch` over a `fetch` that receives its `Request` as openapi-fetch gives it: of
 * the caller's class, with the call's custom properties.
 */
const fetchTransport = (
  fetch: Transport.FetchFunction,
  RequestClass: typeof Request,
  extras: Readonly<Record<string, unknown>> | undefined,
): Transport.TransportShape =>
  Transport.fromFetch(
    RequestClass === globalThis.Request && extras === undefined
      ? fetch
      : (request) => {
          const own = new RequestClass(request)
          if (extras !== undefined) {
            for (const key in extras) {
              if (!(key in own)) (own as unknown as Record<string, unknown>)[key] = extras[key]
            }
          }
          return fetch(own)
        },
  )

/**
 * One call through its middleware: the request built as a WHATWG `Request` of the call's class,
 * the hooks run around `send` (Keyway's pipeline, once: retries and refreshes happen inside), and
 * the outcome read. `send` is given the pipeline request (the built one when no hook replaced
 * it, with the headers the hooks left), the signal that can abort it, and what to make of its
 * outcome (in the same promise step).
 *
 * @internal
 */
export const callThrough = <T, R>(args: {
  readonly compat: Compat
  readonly middleware: ReadonlyArray<OpenapiFetchMiddleware>
  readonly built: Http.HttpRequest
  readonly init: Init | undefined
  readonly schemaPath: string
  readonly options: MergedOptions
  readonly signal: AbortSignal | undefined
  readonly send: <X>(
    request: Http.HttpRequest,
    signal: AbortSignal | undefined,
    then: (sent: T) => X,
  ) => Promise<X>
  /** `send`'s outcome as a `Response`, for an `onResponse` hook. */
  readonly toResponse: (sent: T) => Response
  /** `send`'s outcome read the fast way (no hook replaced or saw the response). */
  readonly read: (sent: T) => R
  /** A `Response` read as openapi-fetch reads it. */
  readonly parse: (response: Response, method: string) => Promise<R>
}): Promise<R> => {
  const RequestClass = args.init?.Request ?? args.compat.RequestClass
  let request: Request
  try {
    request = WhatWg.toRequest(
      RequestClass,
      args.built,
      undefined,
      WhatWg.restOf(args.init as Readonly<Record<string, unknown>> | undefined),
    )
  } catch (error) {
    return Promise.reject(error)
  }
  return Middleware.run(
    args.middleware,
    {
      request,
      schemaPath: args.schemaPath,
      params: ((args.init as { readonly params?: unknown } | undefined)?.params ??
        {}) as Middleware.Context["params"],
      options: args.options,
    },
    {
      send: <X>(current: Request, then: (sent: T) => X): Promise<X> => {
        // A replaced request carries its own signal (`new Request(url, request)` keeps the old one).
        const signal = current === request ? args.signal : current.signal
        return Abort.abortable(signal, (): Promise<X> => {
          const http = WhatWg.fromRequest(current, { from: args.built, request })
          return http instanceof Promise
            ? (http.then((h) => args.send(h, signal, then)) as Promise<X>)
            : args.send(http, signal, then)
        })
      },
      read: args.read,
      toResponse: args.toResponse,
      parse: (response, sentRequest) => args.parse(response, sentRequest.method),
    },
  )
}
