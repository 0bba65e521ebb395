/**
 * Sends one attempt over the network. The default sends with `undici.request` on a keep-alive
 * pool (about three times the throughput of the global `fetch` on loopback here) and reads the
 * whole body before returning, so the attempt's timeout covers the body too and a reset
 * mid-response is a `NetworkError` of that attempt.
 *
 * It is a `Context.Reference`: nothing needs to provide it, and tests or exotic runtimes can swap
 * it (`Transport.layer(shape)`), e.g. for `fetch` in an edge runtime.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Http, Transport } from "@keyway/core"
 *
 * const program = Effect.gen(function*() {
 *   const transport = yield* Transport.Transport
 *   const response = yield* transport.send(Http.makeRequest("GET", "http://127.0.0.1:8080/health"), { correlationId: "c-1", timeoutMs: 5_000 })
 *   return response.status
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Redacted } from "effect"
import { Agent, request as undiciRequest } from "undici"
import { NetworkError, ResponseTooLarge, redactUrl, TimeoutError } from "./Errors.ts"
import type { HttpRequest, HttpResponse } from "./Http.ts"
import { defaults as limitDefaults } from "./Limits.ts"

/**
 * A TLS client certificate to present on the connection (mutual TLS, RFC 8705 `tls_client_auth`).
 * Sends that carry one go over a connection pool of their own.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Transport } from "@keyway/core"
 * const identity: Transport.ClientCertificate = {
 *   certificate: process.env.CLIENT_CERT_PEM ?? "",
 *   privateKey: Redacted.make(process.env.CLIENT_KEY_PEM ?? ""),
 * }
 * ```
 *
 * @since 0.2.0
 */
export interface ClientCertificate {
  /** The certificate chain, PEM. */
  readonly certificate: string
  /** Its private key, PEM. */
  readonly privateKey: Redacted.Redacted<string>
  /** Certificate authorities to trust for the server (PEM); default the system's. */
  readonly ca?: string | ReadonlyArray<string> | undefined
  readonly passphrase?: Redacted.Redacted<string> | undefined
}

/**
 * Options of one send.
 *
 * @example
 * ```ts
 * import { Http, Transport } from "@keyway/core"
 * const options: Transport.SendOptions = { correlationId: "c0ffee", timeoutMs: 10_000, secretQueryParams: ["api_key"] }
 * const response = Transport.fromFetch(fetch).send(Http.makeRequest("GET", "https://api.example.com/jobs"), options)
 * ```
 *
 * @since 0.1.0
 */
export interface SendOptions {
  readonly correlationId: string
  /** A client certificate for this send's TLS connection. */
  readonly clientCertificate?: ClientCertificate | undefined
  /** Time allowed for the attempt, body included. */
  readonly timeoutMs?: number | undefined
  /** Query parameter names to remove from URLs in errors. */
  readonly secretQueryParams?: ReadonlyArray<string> | undefined
  /** The largest body accepted, counted as it streams; default `Limits.defaults.maxResponseBytes`. */
  readonly maxResponseBytes?: number | undefined
}

/**
 * The transport shape.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Transport } from "@keyway/core"
 * // A transport that answers every request itself (tests).
 * const canned: Transport.TransportShape = {
 *   send: () => Effect.succeed({ status: 204, headers: {}, body: new Uint8Array() }),
 * }
 * const layer = Transport.layer(canned)
 * ```
 *
 * @since 0.1.0
 */
export interface TransportShape {
  readonly send: (request: HttpRequest, options: SendOptions) => Effect.Effect<HttpResponse, SendError>
}

/**
 * What one send can fail with: the network, the attempt's timeout, or a body past
 * `maxResponseBytes`.
 *
 * @example
 * ```ts
 * import type { Transport } from "@keyway/core"
 * const retryable = (e: Transport.SendError) => e._tag !== "ResponseTooLarge"
 * ```
 *
 * @since 0.1.0
 */
export type SendError = NetworkError | TimeoutError | ResponseTooLarge

/** Thrown inside the read loop when the body passes the limit. */
class TooLarge extends Error {}

/**
 * Reads a body to its end, counting bytes as they arrive: past `limit`, the stream is destroyed
 * (the connection dropped) and `TooLarge` is thrown, so an endless body never fills memory.
 */
const readLimited = async (
  body: AsyncIterable<Uint8Array>,
  limit: number,
  declared: string | ReadonlyArray<string> | null | undefined,
  drop: () => void,
): Promise<Uint8Array> => {
  const length = Number(Array.isArray(declared) ? declared[0] : declared)
  if (Number.isFinite(length) && length > limit) {
    drop()
    throw new TooLarge()
  }
  const chunks: Array<Uint8Array> = []
  let total = 0
  for await (const chunk of body) {
    total += chunk.byteLength
    if (total > limit) {
      drop()
      throw new TooLarge()
    }
    chunks.push(chunk)
  }
  if (chunks.length === 1)
    return new Uint8Array(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength)
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

// Errors raised before any byte of the request could reach a server.
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CONNECT",
  // fetch's own checks before it sends (a "bad port", a header it refuses): a TypeError, no code
  "TypeError",
  "CLIENT_CERTIFICATE_UNSUPPORTED",
])

/**
 * One attempt inside an `Effect.callback`, for every transport: `start` sends; a single timer
 * aborts it after the attempt's `timeoutMs` (a `TimeoutError`), and so does interruption (the
 * returned canceller); any other failure is typed by `sendFailure`.
 */
const runAttempt = (
  resume: (effect: Effect.Effect<HttpResponse, SendError>) => void,
  request: HttpRequest,
  sendOptions: SendOptions,
  abort: () => void,
  start: () => Promise<HttpResponse>,
): Effect.Effect<void> => {
  let timedOut = false
  const timer =
    sendOptions.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true
          abort()
        }, sendOptions.timeoutMs)
  start().then(
    (response) => {
      clearTimeout(timer)
      resume(Effect.succeed(response))
    },
    (error: unknown) => {
      clearTimeout(timer)
      resume(Effect.fail(sendFailure(error, timedOut, request, sendOptions)))
    },
  )
  return Effect.sync(() => {
    clearTimeout(timer)
    abort()
  })
}

/** The typed error of a failed send: the body limit, the attempt's timer, or the network. */
const sendFailure = (
  error: unknown,
  timedOut: boolean,
  request: HttpRequest,
  options: SendOptions,
): SendError => {
  const fields = {
    method: request.method,
    url: redactUrl(request.url, options.secretQueryParams),
    correlationId: options.correlationId,
  }
  if (error instanceof TooLarge) {
    return new ResponseTooLarge({
      ...fields,
      limitBytes: options.maxResponseBytes ?? limitDefaults.maxResponseBytes,
    })
  }
  if (timedOut) return new TimeoutError({ ...fields, scope: "attempt", timeoutMs: options.timeoutMs! })
  const code = errorCode(error)
  return new NetworkError({ ...fields, reason: code, reachedServer: !NOT_SENT.has(code) })
}

const errorCode = (error: unknown): string => {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return error instanceof Error ? error.name : "unknown"
}

/**
 * A transport on `undici.request` with its own keep-alive pool.
 *
 * @example
 * ```ts
 * import { Transport } from "@keyway/core"
 * const transport = Transport.makeUndici({ connections: 64 })
 * ```
 *
 * @since 0.1.0
 */
export const makeUndici = (
  options: { readonly connections?: number; readonly keepAliveTimeoutMs?: number } = {},
): TransportShape => {
  const dispatcher = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
  })
  // One pool per client certificate: a TLS session is bound to the identity it presented.
  const identities = new WeakMap<ClientCertificate, Agent>()
  const dispatcherFor = (identity: ClientCertificate | undefined): Agent => {
    if (identity === undefined) return dispatcher
    let agent = identities.get(identity)
    if (agent === undefined) {
      agent = new Agent({
        connections: 8,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
        connect: {
          cert: identity.certificate,
          key: Redacted.value(identity.privateKey),
          ...(identity.ca === undefined ? {} : { ca: identity.ca as string | Array<string> }),
          ...(identity.passphrase === undefined ? {} : { passphrase: Redacted.value(identity.passphrase) }),
        },
      })
      identities.set(identity, agent)
    }
    return agent
  }
  return {
    // One callback per attempt: a single timer and one abort hook cover both the per-attempt
    // timeout and interruption (before the headers they abort the request, after them they
    // destroy the body: the connection is closed), without forking a fiber to race a sleep.
    send: (request, sendOptions) =>
      Effect.callback<HttpResponse, SendError>((resume) => {
        const signal = new Abort()
        return runAttempt(
          resume,
          request,
          sendOptions,
          () => signal.abort(),
          () =>
            undiciRequest(request.url, {
              method: request.method as "GET",
              headers: request.headers as Record<string, string>,
              body: request.body,
              dispatcher: dispatcherFor(sendOptions.clientCertificate),
              signal: signal as unknown as AbortSignal,
            }).then((response) =>
              readStream(
                response.body,
                sendOptions.maxResponseBytes ?? limitDefaults.maxResponseBytes,
                response.headers["content-length"],
              ).then(
                (body): HttpResponse => ({
                  status: response.statusCode,
                  statusText: response.statusText,
                  headers: response.headers as HttpResponse["headers"],
                  body,
                }),
              ),
            ),
        )
      }),
  }
}

/**
 * The smallest abort signal `undici.request` accepts (an object with `addEventListener`, no
 * `aborted` property): one listener, no `AbortController`, `EventTarget` or `AbortSignal` per
 * attempt. undici's listener aborts the request before its headers and destroys the body after.
 */
class Abort {
  reason: unknown = undefined
  private listener: (() => void) | undefined = undefined
  addEventListener(_type: string, listener: () => void): void {
    this.listener = listener
  }
  removeEventListener(): void {
    this.listener = undefined
  }
  abort(): void {
    const listener = this.listener
    this.listener = undefined
    if (listener !== undefined) listener()
  }
}

/**
 * {@link readLimited} for undici's Node stream, on its events (no async iterator, one promise):
 * the chunks collected, their sizes counted as they arrive, joined once at the end.
 */
const readStream = (
  body: NodeJS.ReadableStream & { destroy: () => void },
  limit: number,
  declared: string | ReadonlyArray<string> | undefined,
): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const length = Number(Array.isArray(declared) ? declared[0] : declared)
    if (Number.isFinite(length) && length > limit) {
      body.destroy()
      reject(new TooLarge())
      return
    }
    const chunks: Array<Buffer> = []
    let total = 0
    body.on("data", (chunk: Buffer) => {
      total += chunk.byteLength
      if (total > limit) {
        body.destroy()
        reject(new TooLarge())
        return
      }
      chunks.push(chunk)
    })
    let ended = false
    body.on("end", () => {
      ended = true
      const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
      resolve(new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength))
    })
    body.on("error", reject)
    // Destroyed without an error (and without its end): the body did not arrive whole.
    body.on("close", () => {
      if (!ended) reject(new Error("the response body was closed before its end"))
    })
  })

/**
 * A WHATWG `fetch` function: the global `fetch`, or any function of a `Request` to a `Response`
 * (openapi-fetch's `fetch` option, a test double, an edge runtime's).
 *
 * @example
 * ```ts
 * import type { Transport } from "@keyway/core"
 * const logged: Transport.FetchFunction = (request) => {
 *   console.log(request.method, new URL(request.url).pathname)
 *   return fetch(request)
 * }
 * ```
 *
 * @since 0.2.0
 */
export type FetchFunction = (input: Request) => Promise<Response>

/**
 * A transport on a `fetch` function, beneath Keyway's pipeline: auth, correlation ids, retries
 * and redirects still apply above it. It sends with `redirect: "manual"` (the pipeline decides
 * about redirects and credentials), one timer per attempt (`timeoutMs`) and interruption abort
 * the request, and the body is counted as it streams (past `maxResponseBytes` the stream is
 * cancelled: `ResponseTooLarge`). A failure is a `NetworkError` named by the cause's code
 * (`ECONNREFUSED`, ...). `fetch` cannot present a client certificate: a send that asks for one
 * fails with a `NetworkError` (`CLIENT_CERTIFICATE_UNSUPPORTED`) before anything is sent.
 *
 * @example
 * ```ts
 * import { Transport } from "@keyway/core"
 * const transport = Transport.fromFetch(globalThis.fetch)
 * const layer = Transport.layer(transport)
 * ```
 *
 * @since 0.2.0
 */
export const fromFetch = (fetch: FetchFunction): TransportShape => ({
  send: (request, sendOptions) =>
    Effect.callback<HttpResponse, SendError>((resume) => {
      if (sendOptions.clientCertificate !== undefined) {
        resume(
          Effect.fail(sendFailure({ code: "CLIENT_CERTIFICATE_UNSUPPORTED" }, false, request, sendOptions)),
        )
        return
      }
      const controller = new AbortController()
      const send = async (): Promise<HttpResponse> => {
        const response = await fetch(
          new Request(request.url, {
            method: request.method,
            headers: request.headers,
            body: request.body as RequestInit["body"],
            redirect: "manual",
            signal: controller.signal,
          }),
        )
        const body =
          response.body === null
            ? new Uint8Array(0)
            : await readLimited(
                response.body as unknown as AsyncIterable<Uint8Array>,
                sendOptions.maxResponseBytes ?? limitDefaults.maxResponseBytes,
                response.headers.get("content-length"),
                () => controller.abort(),
              )
        return {
          status: response.status,
          statusText: response.statusText,
          headers: headersOf(response.headers),
          body,
        }
      }
      return runAttempt(resume, request, sendOptions, () => controller.abort(), send)
    }),
})

/** Lower-case response headers; `set-cookie` kept as its separate values. */
const headersOf = (headers: Headers): HttpResponse["headers"] => {
  const out: Record<string, string | ReadonlyArray<string>> = {}
  headers.forEach((value, name) => {
    out[name] = value
  })
  const cookies = headers.getSetCookie?.() ?? []
  if (cookies.length > 0) out["set-cookie"] = cookies
  return out
}

/**
 * The transport service; defaults to {@link makeUndici}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Http, Transport } from "@keyway/core"
 * const send = Effect.gen(function*() {
 *   const transport = yield* Transport.Transport // undici unless a layer swaps it
 *   return yield* transport.send(Http.makeRequest("GET", "https://api.example.com/health"), { correlationId: "c1" })
 * })
 * ```
 *
 * @since 0.1.0
 */
export const Transport = Context.Reference<TransportShape>("@keyway/core/Transport", {
  defaultValue: () => (shared ??= makeUndici()),
})
let shared: TransportShape | undefined

/**
 * A layer that swaps the transport.
 *
 * @example
 * ```ts
 * import { Transport } from "@keyway/core"
 * const layer = Transport.layer(Transport.makeUndici({ connections: 8 }))
 * ```
 *
 * @since 0.1.0
 */
export const layer = (shape: TransportShape): Layer.Layer<never> =>
  Layer.succeed(Transport, shape) as Layer.Layer<never>
