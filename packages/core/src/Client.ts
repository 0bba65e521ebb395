/**
 * Typed clients: an openapi-fetch client whose `fetch` runs every call through {@link Call.execute}
 * (correlation id → auth → send → classify → retry), in two flavours.
 *
 * - **Promise API** (`make`): `await client.GET(path, init)` returns openapi-fetch's
 *   `{ data, error, response }`; failures that are not HTTP responses reject with Keyway's tagged
 *   errors. No Effect knowledge needed.
 * - **Effect API** (`makeEffect`): `client.GET(path, init)` is an `Effect` of the typed data that
 *   fails with `HttpError<E>` (E = the provider's error envelope) or another tagged error. It runs
 *   in the caller's fiber context: its clock (TestClock in tests), logger, tracer and interruption.
 *
 * Retries happen beneath openapi-fetch (its middleware cannot re-send a request), so a refreshed
 * token or a new attempt re-sends an identical copy of the request.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Client } from "@keyway/core"
 * import * as PermanentToken from "@keyway/auth-permanent-token"
 * import type { paths } from "./types.ts"
 *
 * const client = Client.make<paths>({
 *   provider: "cca",
 *   baseUrl: "https://cca.example/CcaAPI",
 *   auth: PermanentToken.layer({ provider: "cca", token: Redacted.make(process.env.CCA_TOKEN!) }),
 * })
 * const { data, error } = await client.GET("/agents/{agentId}", { params: { path: { agentId: "7" } } })
 * await client.close()
 * ```
 *
 * @since 0.1.0
 */
import { type Context, Effect, Layer, ManagedRuntime, Option, type Scope } from "effect"
import createFetchClient, { type FetchResponse, type MaybeOptionalInit } from "openapi-fetch"
import type { HttpMethod, MediaType, PathsWithMethod, RequiredKeysOf } from "openapi-typescript-helpers"
import * as Auth from "./Auth.ts"
import * as Call from "./Call.ts"
import * as Correlation from "./Correlation.ts"
import { ConfigError, HttpError, isKeywayError, redactUrl, UnexpectedResponse } from "./Errors.ts"
import type * as Http from "./Http.ts"
import * as Limits from "./Limits.ts"
import * as Origin from "./Origin.ts"
import type * as Redirect from "./Redirect.ts"
import * as Retry from "./Retry.ts"
import * as Throttle from "./Throttle.ts"
import * as TokenStore from "./TokenStore.ts"
import { Transport } from "./Transport.ts"

/**
 * Per-call options, given as `keyway` in an openapi-fetch init.
 *
 * @since 0.1.0
 */
export type CallOptions = Omit<Call.CallOptions, "route">

/**
 * An operation of the spec, keyed `"METHOD /path"` in {@link Options.operations}.
 *
 * @since 0.1.0
 */
export interface Operation {
  readonly operationId: string
  /** The scopes the operation's `security` asks for. */
  readonly scopes?: ReadonlyArray<string> | undefined
}

/**
 * Options shared by both APIs.
 *
 * @since 0.1.0
 */
export interface BaseOptions {
  /** The provider's name, for logs, spans and token keys. */
  readonly provider: string
  readonly baseUrl: string
  /** Headers sent on every call. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The spec's operations, for scopes and span names. */
  readonly operations?: Readonly<Record<string, Operation>> | undefined
  /**
   * Origins besides the base URL's that credentials may be written to (the descriptor's
   * `origins`). A request for any other origin fails with `OriginRefused` before it is decorated.
   */
  readonly origins?: ReadonlyArray<string> | undefined
  /**
   * Allow plain `http:` to non-loopback hosts for the base URL and the plugin's URLs (default
   * `false`: such a URL is a `ConfigError` naming it). Loopback `http:` is always allowed.
   */
  readonly allowInsecureHttp?: boolean | undefined
  /** Response size and token request limits (see `Limits`). */
  readonly limits?: Partial<Limits.Limits> | undefined
  /** How calls follow redirects (see `Redirect`; the descriptor's `redirects`). */
  readonly redirects?: Partial<Redirect.Policy> | undefined
}

/**
 * Options of the Promise API.
 *
 * @since 0.1.0
 */
export interface Options extends BaseOptions {
  /** An auth plugin's layer. */
  readonly auth: Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore>
  /** Where tokens live; default in memory. */
  readonly tokenStore?: Layer.Layer<TokenStore.TokenStore, unknown> | undefined
  readonly correlation?: { readonly header: string; readonly maxLength?: number | undefined } | undefined
  readonly retry?: Partial<Retry.Policy> | undefined
  /** The call budget (see `Throttle`); none by default. */
  readonly throttle?: Throttle.Budget | undefined
  /** The connection, for a per-connection budget; default `default`. */
  readonly connection?: string | undefined
  /** More layers (a Logger, a Tracer, a Transport). */
  readonly layer?: Layer.Layer<never, unknown> | undefined
}

type Operation_<PathItem, M extends string> = PathItem extends { readonly [K in M]: infer O }
  ? O extends Record<string | number, any>
    ? O
    : never
  : never

type KeywayInit = { readonly keyway?: CallOptions | undefined }

type InitParam<Init> =
  RequiredKeysOf<Init> extends never
    ? [(Init & KeywayInit & { [key: string]: unknown })?]
    : [Init & KeywayInit & { [key: string]: unknown }]

/**
 * A Promise API method: openapi-fetch's, with `keyway` call options.
 *
 * @since 0.1.0
 */
export type Method<Paths extends {}, M extends HttpMethod, Media extends MediaType = MediaType> = <
  Path extends PathsWithMethod<Paths, M>,
  Init extends MaybeOptionalInit<Paths[Path] & Record<M, unknown>, M>,
>(
  url: Path,
  ...init: InitParam<Init>
) => Promise<FetchResponse<Operation_<Paths[Path], M>, Init, Media>>

/**
 * The Promise API client.
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
 * An Effect API method: the typed success data, or a typed failure.
 *
 * @since 0.1.0
 */
export type EffectMethod<Paths extends {}, M extends HttpMethod, E, Media extends MediaType = MediaType> = <
  Path extends PathsWithMethod<Paths, M>,
  Init extends MaybeOptionalInit<Paths[Path] & Record<M, unknown>, M>,
>(
  url: Path,
  ...init: InitParam<Init>
) => Effect.Effect<
  NonNullable<Extract<FetchResponse<Operation_<Paths[Path], M>, Init, Media>, { error?: never }>["data"]>,
  HttpError<E> | Call.CallError | UnexpectedResponse
>

/**
 * The Effect API client.
 *
 * @since 0.1.0
 */
export interface EffectClient<Paths extends {}, E = unknown, Media extends MediaType = MediaType> {
  readonly GET: EffectMethod<Paths, "get", E, Media>
  readonly PUT: EffectMethod<Paths, "put", E, Media>
  readonly POST: EffectMethod<Paths, "post", E, Media>
  readonly DELETE: EffectMethod<Paths, "delete", E, Media>
  readonly PATCH: EffectMethod<Paths, "patch", E, Media>
  readonly HEAD: EffectMethod<Paths, "head", E, Media>
  readonly OPTIONS: EffectMethod<Paths, "options", E, Media>
  /** The same client as a Promise API, sharing this one's runtime context. */
  readonly promise: Client<Paths, Media>
  readonly release: Effect.Effect<void, Call.CallError>
}

/**
 * The `init` argument list of an operation: openapi-fetch's `init` plus Keyway's per-call
 * options (`keyway`), optional when nothing in it is required.
 *
 * @example
 * ```ts
 * import type { MaybeOptionalInit } from "openapi-fetch"
 * import type { Client } from "@keyway/core"
 * import type { paths } from "./types.ts"
 *
 * type Init = MaybeOptionalInit<paths["/pets/{petId}"], "get">
 * type Args = Client.OperationArgs<Init> // [Init & { keyway?: Client.CallOptions }]
 * ```
 *
 * @since 0.1.0
 */
export type OperationArgs<Init> = InitParam<Init>

/**
 * The operation object (`parameters`, `requestBody`, `responses`) of a path and method of `Paths`.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "./types.ts"
 *
 * type GetPet = Client.OperationOf<paths, "/pets/{petId}", "get">
 * type Params = GetPet["parameters"]
 * ```
 *
 * @since 0.1.0
 */
export type OperationOf<Paths extends {}, P extends keyof Paths, M extends HttpMethod> = Operation_<
  Paths[P],
  M
>

/**
 * The openapi-fetch `init` of a path and method of `Paths` (without Keyway's call options).
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "./types.ts"
 *
 * type Init = Client.OperationInit<paths, "/pets", "post"> // { body: …; params?: … }
 * ```
 *
 * @since 0.1.0
 */
export type OperationInit<Paths extends {}, P extends keyof Paths, M extends HttpMethod> = MaybeOptionalInit<
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
 * import type { Client } from "@keyway/core"
 * import type { paths } from "./types.ts"
 *
 * declare const getPet: Client.PromiseOperation<paths, "/pets/{petId}", "get">
 * const { data } = await getPet({ params: { path: { petId: "1" } } })
 * ```
 *
 * @since 0.1.0
 */
export type PromiseOperation<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  Media extends MediaType = MediaType,
> = <Init extends OperationInit<Paths, P, M>>(
  ...init: InitParam<Init>
) => Promise<FetchResponse<Operation_<Paths[P], M>, Init, Media>>

/**
 * The typed success data of an operation (what the Effect API succeeds with).
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "./types.ts"
 *
 * type Pet = Client.OperationData<paths, "/pets/{petId}", "get"> // { id: string; name: string }
 * ```
 *
 * @since 0.1.0
 */
export type OperationData<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  Init = {},
  Media extends MediaType = MediaType,
> = NonNullable<Extract<FetchResponse<Operation_<Paths[P], M>, Init, Media>, { error?: never }>["data"]>

/**
 * An operation of the Effect API bound to its path and method: an `Effect` of the typed data,
 * failing with `HttpError<E>` (E: the provider's error envelope) or another tagged error.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Client } from "@keyway/core"
 * import type { paths } from "./types.ts"
 *
 * declare const getPet: Client.EffectOperation<paths, "/pets/{petId}", "get", { message: string }>
 * const name = Effect.map(getPet({ params: { path: { petId: "1" } } }), (pet) => pet.name)
 * ```
 *
 * @since 0.1.0
 */
export type EffectOperation<
  Paths extends {},
  P extends keyof Paths,
  M extends HttpMethod,
  E = unknown,
  Media extends MediaType = MediaType,
> = <Init extends OperationInit<Paths, P, M>>(
  ...init: InitParam<Init>
) => Effect.Effect<
  OperationData<Paths, P, M, Init, Media>,
  HttpError<E> | Call.CallError | UnexpectedResponse
>

/**
 * The operations to bind with {@link bindOperations}: `[name, METHOD, path]` each.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const list: Client.OperationList = [["getPet", "GET", "/pets/{petId}"]]
 * ```
 *
 * @since 0.1.0
 */
export type OperationList = ReadonlyArray<readonly [name: string, method: string, path: string]>

/**
 * Binds one function per operation to a client of either API: `out[name](init)` is
 * `client[METHOD](path, init)`. The result is untyped; a generated client gives it its
 * operations interface (one {@link PromiseOperation} or {@link EffectOperation} per name).
 *
 * @example
 * ```ts
 * import { Client } from "@keyway/core"
 * // const client = Client.make<paths>(options)
 * // const op = Client.bindOperations(client, [["getPet", "GET", "/pets/{petId}"]])
 * // await op.getPet!({ params: { path: { petId: "1" } } })
 * ```
 *
 * @since 0.1.0
 */
export const bindOperations = (
  client: object,
  list: OperationList,
): Record<string, (...init: Array<unknown>) => unknown> => {
  const methods = client as Readonly<Record<string, (path: string, ...init: Array<unknown>) => unknown>>
  const out: Record<string, (...init: Array<unknown>) => unknown> = {}
  for (const [name, method, path] of list) out[name] = (...init) => methods[method]!(path, ...init)
  return out
}

/**
 * What Keyway knows about the call that produced a response: its correlation id, attempts, and
 * whether the credential was refreshed. Works on `response` from either API.
 *
 * @example
 * ```ts
 * import { Client } from "@keyway/core"
 * // const { response } = await client.GET("/items")
 * // Client.callInfo(response)?.correlationId
 * ```
 *
 * @since 0.1.0
 */
export const callInfo = (response: Response): ResponseInfo | undefined => infos.get(response)

/**
 * See {@link callInfo}.
 *
 * @since 0.1.0
 */
export interface ResponseInfo extends Omit<Call.CallResult, "response"> {
  readonly method: string
  /** The request URL with secrets removed. */
  readonly url: string
}
const infos = new WeakMap<Response, ResponseInfo>()

const NULL_BODY = new Set([101, 204, 205, 304])
const methods = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"] as const

const toHttpRequest = async (request: Request): Promise<Http.HttpRequest> => {
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => {
    headers[name] = value
  })
  const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer())
  return { method: request.method, url: request.url, headers, body }
}

/**
 * A `Response` whose body is already in memory. It skips the WHATWG stream machinery that
 * `new Response(bytes)` sets up, and serves `text()`, `json()`, `arrayBuffer()` and `bytes()`
 * straight from the bytes; `body` (a stream) is only built if somebody asks for it.
 */
// Typed loosely so TypeScript lets the body accessors be overridden; at run time it is a real
// `Response` subclass (`instanceof Response` holds).
const ResponseBase = Response as unknown as new (
  body: null,
  init: ResponseInit,
) => { readonly headers: Headers; readonly status: number; readonly statusText: string }
class BufferedResponse extends ResponseBase {
  readonly #bytes: Uint8Array
  #used = false
  #stream: ReadableStream<Uint8Array> | null | undefined
  readonly #url: string
  constructor(bytes: Uint8Array, init: ResponseInit, url: string) {
    super(null, init)
    this.#bytes = bytes
    this.#url = url
  }
  /** The URL that was called, as with `fetch`. */
  get url(): string {
    return this.#url
  }
  #take(): Uint8Array {
    if (this.#used) throw new TypeError("Body is unusable: Body has already been read")
    this.#used = true
    return this.#bytes
  }
  get bodyUsed(): boolean {
    return this.#used
  }
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream === undefined) {
      const bytes = this.#bytes
      this.#stream =
        bytes.byteLength === 0
          ? null
          : new ReadableStream({
              start: (controller) => {
                this.#used = true
                controller.enqueue(bytes)
                controller.close()
              },
            })
    }
    return this.#stream
  }
  text(): Promise<string> {
    return Promise.resolve(decoder.decode(this.#take()))
  }
  json(): Promise<any> {
    try {
      return Promise.resolve(JSON.parse(decoder.decode(this.#take())))
    } catch (error) {
      return Promise.reject(error)
    }
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take()
    return Promise.resolve(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    )
  }
  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return Promise.resolve(new Uint8Array(this.#take()))
  }
  blob(): Promise<Blob> {
    return Promise.resolve(
      new Blob([this.#take() as Uint8Array<ArrayBuffer>], { type: this.headers.get("content-type") ?? "" }),
    )
  }
  clone(): Response {
    if (this.#used) throw new TypeError("Response.clone: Body has already been consumed.")
    const copy = new BufferedResponse(
      this.#bytes,
      {
        status: this.status,
        statusText: this.statusText,
        headers: this.headers,
      },
      this.#url,
    ) as unknown as Response
    const info = infos.get(this as unknown as Response)
    if (info !== undefined) infos.set(copy, info)
    return copy
  }
}
const decoder = new TextDecoder()

const toResponse = (result: Call.CallResult, request: Http.HttpRequest, runtime: Call.Runtime): Response => {
  const { response: raw, attempts, correlationId, refreshed } = result
  const headers = new Headers()
  for (const name in raw.headers) {
    const value = raw.headers[name]
    if (typeof value === "string") headers.append(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  const init = { status: raw.status, headers }
  const response = NULL_BODY.has(raw.status)
    ? new Response(null, init)
    : (new BufferedResponse(raw.body, init, request.url) as unknown as Response)
  const secretQueryParams = runtime.auth.secretQueryParams
  infos.set(response, {
    attempts,
    correlationId,
    refreshed,
    method: request.method,
    // Redacting costs a URL parse: only pay for it when someone reads it.
    get url() {
      return redactUrl(request.url, secretQueryParams)
    },
  })
  return response
}

type Runner = <A, E>(
  effect: Effect.Effect<A, E>,
  signal: AbortSignal | undefined,
  options: InternalOptions,
) => Promise<A>
type InternalOptions = Call.CallOptions & {
  readonly abortable?: boolean
  /** Where the fetch leaves its response, so a body openapi-fetch cannot parse is named. */
  readonly sink?: { response?: Response }
  /** The Effect API's caller context: its clock, logger, tracer and parent span. */
  readonly context?: Context.Context<never>
}

/** openapi-fetch's `fetch`: converts, runs the pipeline, converts back. */
const makeFetch =
  (runtime: () => Promise<Call.Runtime>, run: Runner) =>
  async (request: Request): Promise<Response> => {
    const rt = await runtime()
    const options: InternalOptions = (request as Request & { keyway?: InternalOptions }).keyway ?? {}
    const httpRequest = await toHttpRequest(request)
    // Only a caller's own signal can abort; openapi-fetch's default one never does.
    const result = await run(
      Call.execute(rt, httpRequest, options),
      options.abortable ? request.signal : undefined,
      options,
    )
    const response = toResponse(result, httpRequest, rt)
    if (options.sink !== undefined) options.sink.response = response
    return response
  }

/**
 * openapi-fetch parses a 2xx body itself and throws the parser's `SyntaxError` when it is not
 * JSON: turn that into a typed `UnexpectedResponse` naming the call (method, URL, correlation id).
 */
const oddBody = (error: unknown, response: Response | undefined): unknown => {
  if (isKeywayError(error) || response === undefined) return error
  const info = infos.get(response)
  return new UnexpectedResponse({
    method: info?.method ?? "",
    url: info?.url ?? "",
    correlationId: info?.correlationId ?? "",
    reason: `status ${response.status} with a body that could not be read: ${error instanceof Error ? error.message : String(error)}`,
  })
}

const wrapMethods = <Paths extends {}>(
  fetchImpl: (request: Request) => Promise<Response>,
  options: BaseOptions,
): Pick<Client<Paths>, (typeof methods)[number]> => {
  const inner = createFetchClient<Paths>({
    baseUrl: options.baseUrl,
    fetch: fetchImpl,
    headers: options.headers,
  })
  const scopesOf = (method: string, route: string) => options.operations?.[`${method} ${route}`]?.scopes
  const out: Record<string, unknown> = {}
  for (const method of methods) {
    const call = inner[method] as (url: string, init?: Record<string, unknown>) => Promise<unknown>
    out[method] = (url: string, init?: Record<string, unknown> & { readonly keyway?: InternalOptions }) => {
      // Pagination follows next-page URLs with an empty path and the route template given here.
      const route = init?.keyway?.route ?? url
      const badParam = init === undefined ? undefined : (checkPathParams(init) ?? checkCallHeaders(init))
      if (badParam !== undefined) return Promise.reject(badParam)
      const sink: { response?: Response } = {}
      return call(url, {
        ...init,
        keyway: {
          scopes: scopesOf(method, route),
          ...init?.keyway,
          route,
          abortable: init?.signal != null,
          sink,
        },
      }).catch((error: unknown) => {
        throw oddBody(error, sink.response)
      })
    }
  }
  return out as unknown as Pick<Client<Paths>, (typeof methods)[number]>
}

const captureRuntime = (options: BaseOptions) =>
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

// A header value as `fetch` accepts it: no CR, LF or NUL (a CRLF would be a raw TypeError at call time).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const HEADER_VALUE = /^[^\r\n\0]*$/

/**
 * The configuration problem of a client's options, if any: a base URL that is not https (nor
 * loopback http, unless `allowInsecureHttp`), an extra origin that is no http(s) URL, or a header
 * that `fetch` would refuse at call time. Checked when the client is built, before any call.
 */
const checkOptions = (options: BaseOptions): ConfigError | undefined => {
  const insecure = options.allowInsecureHttp ?? false
  const base = Origin.checkUrl("baseUrl", options.baseUrl, insecure)
  if (base !== undefined) return base
  for (const [i, origin] of (options.origins ?? []).entries()) {
    const error = Origin.checkUrl(`origins[${i}]`, origin, insecure)
    if (error !== undefined) return error
  }
  for (const name in options.headers) {
    const value = options.headers[name]!
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) {
      return new ConfigError({
        path: `headers.${name.replace(/[^\x21-\x7e]/g, "?")}`,
        message: "not a valid HTTP header (a name is a token; a value has no CR, LF or NUL)",
      })
    }
  }
  return undefined
}

/** A header of one call that `fetch` would refuse with a raw `TypeError` (a CR or LF in it). */
const checkCallHeaders = (init: Record<string, unknown> | undefined): ConfigError | undefined => {
  const headers = init?.headers
  if (headers === undefined || headers === null || typeof headers !== "object" || headers instanceof Headers)
    return undefined
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined || value === null) continue
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(String(value))) {
      return new ConfigError({
        path: `headers.${name.replace(/[^\x21-\x7e]/g, "?")}`,
        message: "not a valid HTTP header (a name is a token; a value has no CR, LF or NUL)",
      })
    }
  }
  return undefined
}

/** `.` and `..` (and an empty value) as a path parameter would make the URL point elsewhere. */
const checkPathParams = (init: Record<string, unknown> | undefined): ConfigError | undefined => {
  const path = (init?.params as { path?: Record<string, unknown> } | undefined)?.path
  if (path === undefined || path === null) return undefined
  for (const name in path) {
    const value = path[name]
    for (const item of Array.isArray(value) ? value : [value]) {
      const text = typeof item === "string" ? item : typeof item === "number" ? String(item) : undefined
      if (text !== undefined && (text === "." || text === ".." || text === "")) {
        return new ConfigError({
          path: `params.path.${name}`,
          message: `the path parameter ${name} is ${JSON.stringify(text)}: it would point the request at another endpoint`,
        })
      }
    }
  }
  return undefined
}

const settingsLayer = (options: Pick<BaseOptions, "allowInsecureHttp" | "limits">): Layer.Layer<never> =>
  Layer.mergeAll(
    options.allowInsecureHttp ? Layer.succeed(Origin.AllowInsecureHttp, true) : Layer.empty,
    options.limits ? Limits.layer(options.limits) : Layer.empty,
  ) as Layer.Layer<never>

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
 * import type { paths } from "./types.ts"
 * const client = Client.make<paths>({ provider: "petstore", baseUrl: "https://pets.example/v1", auth: Auth.layerNone })
 * ```
 *
 * @since 0.1.0
 */
export const make = <Paths extends {}, Media extends MediaType = MediaType>(
  options: Options,
): Client<Paths, Media> => {
  const invalid =
    checkOptions(options) ??
    (options.correlation !== undefined && !HEADER_NAME.test(options.correlation.header)
      ? new ConfigError({ path: "correlation.header", message: "not a valid HTTP header name" })
      : undefined)
  if (invalid !== undefined) throw invalid
  const settings = Layer.mergeAll(
    options.correlation ? Correlation.layer(options.correlation) : Layer.empty,
    options.retry ? Retry.layer(options.retry) : Layer.empty,
    options.throttle ? Throttle.layer(options.throttle, options.connection) : Layer.empty,
    settingsLayer(options),
    options.layer ?? Layer.empty,
  )
  const layer = options.auth.pipe(
    Layer.provideMerge(options.tokenStore ?? TokenStore.layerMemory),
    Layer.provideMerge(settings),
  ) as Layer.Layer<Auth.Auth, unknown>
  const managed = ManagedRuntime.make(layer)
  let runtime: Promise<Call.Runtime> | undefined
  const getRuntime = () => (runtime ??= managed.runPromise(captureRuntime(options)))
  // Calls run on the runtime's built context directly: the same services, without
  // ManagedRuntime's per-run bookkeeping.
  let context: Context.Context<never> | undefined
  const run: Runner = (effect, signal) =>
    context === undefined
      ? managed.context().then((ctx) => {
          context = ctx as Context.Context<never>
          return Effect.runPromiseWith(context)(effect, signal && { signal })
        })
      : Effect.runPromiseWith(context)(effect, signal && { signal })
  const fetchImpl = makeFetch(getRuntime, run)
  const close = () => managed.dispose()
  return {
    ...wrapMethods<Paths>(fetchImpl, options),
    release: () => getRuntime().then((rt) => managed.runPromise(rt.auth.release)),
    close,
    [Symbol.asyncDispose]: close,
  } as Client<Paths, Media>
}

/**
 * Builds an Effect API client from the {@link Auth.Auth} plugin (and the optional `Retry`,
 * `Correlation` and `Transport` settings) in context.
 *
 * @example
 * ```ts
 * import { Context, Effect, Layer } from "effect"
 * import { Client } from "@keyway/core"
 * import type { paths } from "./types.ts"
 *
 * class Api extends Context.Service<Api, Client.EffectClient<paths>>()("Api") {}
 * const ApiLive = Layer.effect(Api, Client.makeEffect<paths>({ provider: "x", baseUrl: "https://x" }))
 * ```
 *
 * @since 0.1.0
 */
export const makeEffect = <Paths extends {}, E = unknown, Media extends MediaType = MediaType>(
  options: BaseOptions,
): Effect.Effect<EffectClient<Paths, E, Media>, ConfigError, Auth.Auth | Scope.Scope> =>
  Effect.gen(function* () {
    const invalid = checkOptions(options)
    if (invalid !== undefined) return yield* invalid
    const runtime = yield* captureRuntime(options)
    const context = yield* Effect.context<never>()
    // Each call runs in the context of the fiber that makes it (TestClock, logger, tracer, parent
    // span), falling back to the context the client was built in.
    const run: Runner = (effect, signal, call) =>
      Effect.runPromiseWith(call.context ?? context)(effect, signal && { signal })
    const promise = wrapMethods<Paths>(
      makeFetch(() => Promise.resolve(runtime), run),
      options,
    )
    const out: Record<string, unknown> = {}
    for (const method of methods) {
      const call = promise[method] as unknown as (
        url: string,
        init?: Record<string, unknown>,
      ) => Promise<FetchResult>
      out[method] = (url: string, init?: Record<string, unknown> & { readonly keyway?: InternalOptions }) =>
        Effect.contextWith((caller: Context.Context<never>) =>
          Effect.tryPromise({
            try: (signal) => call(url, { ...init, signal, keyway: { ...init?.keyway, context: caller } }),
            catch: (error) => unexpected(error, method, options, url),
          }),
        ).pipe(Effect.flatMap(toData))
    }
    const release = runtime.auth.release
    const close = () => Promise.resolve()
    return {
      ...out,
      promise: {
        ...promise,
        release: () => Effect.runPromiseWith(context)(release),
        close,
        [Symbol.asyncDispose]: close,
      },
      release,
    } as unknown as EffectClient<Paths, E, Media>
  })

type FetchResult = { readonly data?: unknown; readonly error?: unknown; readonly response: Response }

const unexpected = (error: unknown, method: string, options: BaseOptions, url: string) =>
  isKeywayError(error)
    ? (error as Call.CallError)
    : new UnexpectedResponse({
        method,
        url: redactUrl(`${options.baseUrl}${url}`),
        correlationId: "",
        reason: error instanceof Error ? error.message : String(error),
      })

const toData = (result: FetchResult) => {
  if (result.response.ok) return Effect.succeed(result.data)
  const info = infos.get(result.response)
  return Effect.fail(
    new HttpError({
      status: result.response.status,
      method: info?.method ?? "",
      url: info?.url ?? "",
      correlationId: info?.correlationId ?? "",
      body: result.error,
      attempts: info?.attempts ?? 1,
    }),
  )
}

/**
 * The correlation id header settings a client is built with (see `Correlation.layer`).
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const correlation: Client.CorrelationOptions = { header: "X-Correlation-id", maxLength: 36 }
 * ```
 *
 * @since 0.1.0
 */
export interface CorrelationOptions {
  readonly header: string
  readonly maxLength?: number | undefined
}

/**
 * The options every generated client takes, besides its credentials (`auth`) and where the
 * servers are: a generated `<Provider>CommonOptions` extends it.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const options: Client.ProviderOptions = { connection: "tenant-7", retry: { maxAttempts: 5 } }
 * ```
 *
 * @since 0.1.0
 */
export interface ProviderOptions {
  /** Overrides the base URL (e.g. a loopback sandbox in tests). */
  readonly baseUrl?: string | undefined
  /** More values for URL and scope template placeholders. */
  readonly variables?: Readonly<Record<string, string>> | undefined
  /** The connection id in the token store; default `default`. */
  readonly connection?: string | undefined
  /** Where tokens live; default in memory. */
  readonly tokenStore?: Layer.Layer<TokenStore.TokenStore, unknown> | undefined
  /** Headers sent on every call. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Retry policy overrides (on top of the descriptor's). */
  readonly retry?: Partial<Retry.Policy> | undefined
  /** Call budget overrides (on top of the descriptor's `throttle`); `false` turns throttling off. */
  readonly throttle?: Throttle.Budget | false | undefined
  /** The correlation id header (default from the descriptor). */
  readonly correlation?: CorrelationOptions | undefined
  /** More layers for the runtime (a Logger, a Tracer, a Transport). */
  readonly layer?: Layer.Layer<never, unknown> | undefined
  /** More origins credentials may be written to, besides the base URL's and the descriptor's. */
  readonly origins?: ReadonlyArray<string> | undefined
  /** Allow plain `http:` to non-loopback hosts (default `false`: a `ConfigError` naming the URL). */
  readonly allowInsecureHttp?: boolean | undefined
  /** Response size and token request limits (over the descriptor's; see `Limits`). */
  readonly limits?: Partial<Limits.Limits> | undefined
  /** Redirect policy (over the descriptor's `redirects`; see `Redirect`). */
  readonly redirects?: Partial<Redirect.Policy> | undefined
}

/**
 * What a provider's options resolve to before a client is built: at least the base URL.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * const settings: Client.ProviderSettings = { baseUrl: "https://api.example/v1" }
 * ```
 *
 * @since 0.1.0
 */
export interface ProviderSettings {
  readonly baseUrl: string
}

/**
 * A provider as {@link defineProvider} needs it: its name, its descriptor's defaults (retry,
 * correlation header, headers), its operation table, and how options become settings and an
 * auth plugin layer.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import type { Auth, Client, TokenStore } from "@keyway/core"
 *
 * interface Options extends Client.ProviderOptions {
 *   readonly auth: Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore>
 * }
 * const definition: Client.ProviderDefinition<Options, Client.ProviderSettings> = {
 *   provider: "petstore",
 *   headers: { Accept: "application/json" },
 *   resolveSettings: (options) => ({ baseUrl: options.baseUrl ?? "https://pets.example/v1" }),
 *   authLayer: (options) => options.auth,
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface ProviderDefinition<Options extends ProviderOptions, Settings extends ProviderSettings> {
  /** The provider's name, for logs, spans and token keys. */
  readonly provider: string
  /** The spec's operations, `"METHOD /path"` → operationId and scopes. */
  readonly operations?: Readonly<Record<string, Operation>> | undefined
  /** The descriptor's retry policy (the options' `retry` overrides it). */
  readonly retry?: Partial<Retry.Policy> | undefined
  /** The descriptor's call budget (the options' `throttle` overrides it). */
  readonly throttle?: Throttle.Budget | undefined
  /** The descriptor's correlation id header (the options' `correlation` replaces it). */
  readonly correlation?: CorrelationOptions | undefined
  /** Headers the descriptor requires on every call (the options' `headers` add to them). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The descriptor's extra origins for credentials (the options' `origins` add to them). */
  readonly origins?: ReadonlyArray<string> | undefined
  /** The descriptor's limits (the options' `limits` override them). */
  readonly limits?: Partial<Limits.Limits> | undefined
  /** The descriptor's redirect policy (the options' `redirects` override it). */
  readonly redirects?: Partial<Redirect.Policy> | undefined
  /**
   * Headers every operation of the spec requires and the options' `headers` must give (a tenant
   * id): set once on the client instead of on each call. Names compare case-insensitively.
   */
  readonly requiredHeaders?: ReadonlyArray<string> | undefined
  /** Resolves the options: environment, variables, base URL. */
  readonly resolveSettings: (options: Options) => Settings
  /** The auth plugin layer for the options' credentials. */
  readonly authLayer: (
    options: Options,
    settings: Settings,
  ) => Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore>
}

/**
 * Both APIs of a provider, from {@link defineProvider}. `extend` adds properties to the client
 * (`op`, `paginate`, a plugin's own), given the client it extends.
 *
 * @example
 * ```ts
 * import type { Client } from "@keyway/core"
 * import type { paths } from "./types.ts"
 *
 * declare const petstore: Client.Provider<paths, { message: string }, Client.ProviderOptions & { auth: never }>
 * type PromiseClient = ReturnType<typeof petstore.make>
 * ```
 *
 * @since 0.1.0
 */
export interface Provider<Paths extends {}, E, Options extends ProviderOptions> {
  /** A Promise API client ({@link make}) built from the options, plus what `extend` returns. */
  readonly make: <X extends object = {}>(
    options: Options,
    extend?: (client: Client<Paths>) => X,
  ) => Client<Paths> & X
  /**
   * The layer of an Effect API client ({@link makeEffect}) as the service `service`, plus what
   * `extend` returns, with the auth plugin, the token store, retry and correlation settings.
   */
  readonly layer: <I, S extends EffectClient<Paths, E>>(
    service: Context.Key<I, S>,
    options: Options,
    extend: (client: EffectClient<Paths, E>) => NoInfer<Omit<S, keyof EffectClient<Paths, E>>>,
  ) => Layer.Layer<I, unknown>
}

/**
 * Fails (synchronously, with a one-line message) when the options' `headers` miss a header the
 * definition requires on every call.
 *
 * @example
 * ```ts
 * import { Client } from "@keyway/core"
 * Client.checkRequiredHeaders({ provider: "acme", requiredHeaders: ["X-Tenant-Id"] }, { headers: { "x-tenant-id": "t1" } }) // ok
 * ```
 *
 * @since 0.1.0
 */
export const checkRequiredHeaders = (
  definition: { readonly provider: string; readonly requiredHeaders?: ReadonlyArray<string> | undefined },
  options: { readonly headers?: Readonly<Record<string, string>> | undefined },
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
 * Builds both APIs of a provider from its definition: what a generated `createClient` and
 * `layer` run. The options' `retry` is laid over the descriptor's, its `headers` added to the
 * descriptor's, its `correlation` used instead of the descriptor's.
 *
 * @example
 * ```ts
 * import { Context } from "effect"
 * import { Client } from "@keyway/core"
 * import type { paths } from "./types.ts"
 *
 * const petstore = Client.defineProvider<paths, { message: string }>()(definition)
 * const client = petstore.make(options, (client) => ({ op: Client.bindOperations(client, operationList) }))
 *
 * class Pets extends Context.Service<Pets, Client.EffectClient<paths, { message: string }>>()("Pets") {}
 * const PetsLive = petstore.layer(Pets, options, () => ({}))
 * ```
 *
 * @since 0.1.0
 */
export const defineProvider =
  <Paths extends {}, E = unknown>() =>
  <Options extends ProviderOptions, Settings extends ProviderSettings>(
    definition: ProviderDefinition<Options, Settings>,
  ): Provider<Paths, E, Options> => ({
    make: <X extends object = {}>(options: Options, extend?: (client: Client<Paths>) => X) => {
      checkRequiredHeaders(definition, options)
      const settings = definition.resolveSettings(options)
      const client = make<Paths>({
        provider: definition.provider,
        baseUrl: settings.baseUrl,
        auth: definition.authLayer(options, settings),
        tokenStore: options.tokenStore,
        correlation: options.correlation ?? definition.correlation,
        retry: { ...definition.retry, ...options.retry },
        throttle: budgetOf(definition.throttle, options.throttle),
        connection: options.connection,
        operations: definition.operations,
        headers: { ...definition.headers, ...options.headers },
        layer: options.layer,
        ...securityOf(definition, options),
      })
      return Object.assign(client, extend?.(client))
    },
    layer: <I, S extends EffectClient<Paths, E>>(
      service: Context.Key<I, S>,
      options: Options,
      extend: (client: EffectClient<Paths, E>) => Omit<S, keyof EffectClient<Paths, E>>,
    ): Layer.Layer<I, unknown> => {
      // A missing required header is a programming error, thrown at once as `make` does.
      checkRequiredHeaders(definition, options)
      let settings: Settings
      try {
        settings = definition.resolveSettings(options)
      } catch (error) {
        // A bad variable is the layer's typed failure, not an exception while building it.
        return Layer.effectDiscard(Effect.fail(error)) as unknown as Layer.Layer<I, unknown>
      }
      const security = securityOf(definition, options)
      const build = Effect.map(
        makeEffect<Paths, E>({
          provider: definition.provider,
          baseUrl: settings.baseUrl,
          operations: definition.operations,
          headers: { ...definition.headers, ...options.headers },
          ...security,
        }),
        (client) => Object.assign(client, extend(client)) as unknown as S,
      )
      const correlation = options.correlation ?? definition.correlation
      const budget = budgetOf(definition.throttle, options.throttle)
      return Layer.effect(service, build).pipe(
        Layer.provide(
          definition
            .authLayer(options, settings)
            .pipe(Layer.provideMerge(options.tokenStore ?? TokenStore.layerMemory)),
        ),
        Layer.provide(
          Layer.mergeAll(
            correlation ? Correlation.layer(correlation) : Layer.empty,
            Retry.layer({ ...definition.retry, ...options.retry }),
            budget ? Throttle.layer(budget, options.connection) : Layer.empty,
            settingsLayer(security),
            options.layer ?? Layer.empty,
          ),
        ),
      )
    },
  })

const budgetOf = (
  declared: Throttle.Budget | undefined,
  override: Throttle.Budget | false | undefined,
): Throttle.Budget | undefined =>
  override === false
    ? undefined
    : declared === undefined && override === undefined
      ? undefined
      : { ...declared, ...override }

const securityOf = (
  definition: {
    readonly origins?: ReadonlyArray<string> | undefined
    readonly limits?: Partial<Limits.Limits> | undefined
    readonly redirects?: Partial<Redirect.Policy> | undefined
  },
  options: ProviderOptions,
): Pick<BaseOptions, "origins" | "allowInsecureHttp" | "limits" | "redirects"> => ({
  origins: [...(definition.origins ?? []), ...(options.origins ?? [])],
  allowInsecureHttp: options.allowInsecureHttp,
  limits: definition.limits || options.limits ? { ...definition.limits, ...options.limits } : undefined,
  redirects:
    definition.redirects || options.redirects ? { ...definition.redirects, ...options.redirects } : undefined,
})
