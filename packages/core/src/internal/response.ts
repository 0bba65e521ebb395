/**
 * A call's answer as openapi-fetch gives it, read straight from the pipeline's
 * `Http.HttpResponse`: the body parsed as openapi-fetch parses it (`parseAs` json, text, blob,
 * arrayBuffer or stream; no body for 204, HEAD or `Content-Length: 0`; an error body as JSON,
 * else text), and a WHATWG `Response` built only when somebody reads `response` (a lazy, cached
 * getter). The `Response` is a {@link BufferedResponse}: its body is served from the bytes in
 * memory. `callInfo(response)` finds the call's correlation id and attempts through {@link infos}.
 *
 * @since 0.1.0
 */
import type * as Call from "../Call.ts"
import { redactUrl, type UnexpectedResponse, unexpectedResponse } from "../Errors.ts"
import * as Http from "../Http.ts"

/** What `callInfo` gives back about the call behind a response. */
export interface Info {
  readonly attempts: number
  readonly correlationId: string
  readonly refreshed: boolean
  readonly method: string
  /** The request URL with secrets removed. */
  readonly url: string
}

/** Responses a client built, with what is known about their call. */
export const infos = new WeakMap<Response, Info>()

/** openapi-fetch's `parseAs`. */
export type ParseAs = "json" | "text" | "blob" | "arrayBuffer" | "stream"

const NULL_BODY = new Set([101, 204, 205, 304])
const decoder = new TextDecoder()

/** The info of a call, its URL redacted only when read (redacting costs a URL parse). */
export const infoOf = (
  result: Call.CallResult,
  request: Http.HttpRequest,
  secretQueryParams: ReadonlyArray<string> | undefined,
): Info => ({
  attempts: result.attempts,
  correlationId: result.correlationId,
  refreshed: result.refreshed,
  method: request.method,
  get url() {
    return redactUrl(request.url, secretQueryParams)
  },
})

// Typed loosely so TypeScript lets the body accessors be overridden; at run time it is a real
// `Response` subclass (`instanceof Response` holds).
const ResponseBase = Response as unknown as new (
  body: null,
  init: ResponseInit,
) => { readonly headers: Headers; readonly status: number; readonly statusText: string }

/**
 * A `Response` whose body is already in memory. It skips the WHATWG stream machinery that
 * `new Response(bytes)` sets up, and serves `text()`, `json()`, `arrayBuffer()` and `bytes()`
 * straight from the bytes; `body` (a stream) is only built if somebody asks for it.
 */
export class BufferedResponse extends ResponseBase {
  readonly #bytes: Uint8Array
  #used: boolean
  #stream: ReadableStream<Uint8Array> | null | undefined
  readonly #url: string
  constructor(bytes: Uint8Array, init: ResponseInit, url: string, used = false) {
    super(null, init)
    this.#bytes = bytes
    this.#url = url
    this.#used = used
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
    return Promise.resolve(blobOf(this.#take(), this.headers.get("content-type")))
  }
  clone(): Response {
    if (this.#used) throw new TypeError("Response.clone: Body has already been consumed.")
    const copy = new BufferedResponse(
      this.#bytes,
      { status: this.status, statusText: this.statusText, headers: this.headers },
      this.#url,
    ) as unknown as Response
    const info = infos.get(this as unknown as Response)
    if (info !== undefined) infos.set(copy, info)
    return copy
  }
}

const blobOf = (bytes: Uint8Array, type: string | null | undefined) =>
  new Blob([bytes as Uint8Array<ArrayBuffer>], { type: type ?? "" })

/**
 * The WHATWG `Response` of a call, registered for `callInfo`. `used`: the body was already read
 * (by the parser, as openapi-fetch's own `Response` would be).
 */
export const toResponse = (response: Http.HttpResponse, url: string, info: Info, used: boolean): Response => {
  const headers = new Headers()
  for (const name in response.headers) {
    const value = response.headers[name]
    if (typeof value === "string") headers.append(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  const init = {
    status: response.status,
    statusText: Http.statusText(response),
    headers,
  }
  const out = NULL_BODY.has(response.status)
    ? new Response(null, init)
    : (new BufferedResponse(response.body, init, url, used) as unknown as Response)
  infos.set(out, info)
  return out
}

const first = (response: Http.HttpResponse, name: string): string | undefined => {
  const value = response.headers[name]
  return Array.isArray(value) ? value[0] : (value as string | undefined)
}

/** What a body read gives: the value, and whether the body was consumed reading it. */
export interface Read {
  readonly value: unknown
  readonly consumed: boolean
}

const NOTHING: Read = { value: undefined, consumed: false }

/** Whether openapi-fetch reads no body at all: 204, HEAD, or `Content-Length: 0` (not chunked). */
const empty = (response: Http.HttpResponse, method: string): boolean =>
  response.status === 204 ||
  method === "HEAD" ||
  (first(response, "content-length") === "0" && !first(response, "transfer-encoding")?.includes("chunked"))

/** Whether the status is 2xx, as `Response.ok`. */
export const ok = (response: Http.HttpResponse): boolean => response.status >= 200 && response.status < 300

/**
 * The `data` of a 2xx answer as openapi-fetch parses it. Throws the parser's `SyntaxError` for a
 * body that is not JSON. `stream` is served by the caller (it needs the `Response`).
 */
export const readData = (response: Http.HttpResponse, method: string, parseAs: ParseAs): Read => {
  if (empty(response, method)) return NOTHING
  const bytes = response.body
  switch (parseAs) {
    case "json": {
      const text = decoder.decode(bytes)
      // Without a content length openapi-fetch reads the text first: an empty body is no data.
      if (text === "" && first(response, "content-length") === undefined)
        return { value: undefined, consumed: true }
      return { value: JSON.parse(text), consumed: true }
    }
    case "text":
      return { value: decoder.decode(bytes), consumed: true }
    case "arrayBuffer":
      return {
        value: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        consumed: true,
      }
    case "blob":
      return { value: blobOf(bytes, first(response, "content-type")), consumed: true }
    default:
      return NOTHING
  }
}

/** The `error` of a non-2xx answer as openapi-fetch parses it: JSON, else the text. */
export const readError = (response: Http.HttpResponse, method: string): Read => {
  if (empty(response, method)) return NOTHING
  const text = decoder.decode(response.body)
  try {
    return { value: JSON.parse(text), consumed: true }
  } catch {
    return { value: text, consumed: true }
  }
}

/** A 2xx body the parser could not read, as a typed error naming the call. */
export const unreadable = (
  result: Call.CallResult,
  request: Http.HttpRequest,
  secretQueryParams: ReadonlyArray<string> | undefined,
  error: unknown,
): UnexpectedResponse =>
  unexpectedResponse(error, {
    method: request.method,
    url: request.url,
    correlationId: result.correlationId,
    secretQueryParams,
    context: `status ${result.response.status} with a body that could not be read`,
  })
