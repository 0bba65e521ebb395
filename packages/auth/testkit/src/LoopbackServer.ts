/**
 * A small `node:http` server on 127.0.0.1 for tests: it records every request (method, path,
 * headers, body and its decoded parameters) and answers with a handler you give. The provider
 * quirk servers of the auth plugin tests and the conformance kit's fake are all built on it, so
 * no test carries its own copy of server plumbing.
 *
 * A handler that throws (or rejects) is answered with a 500 whose body is the error's stack, the
 * stack is printed to stderr, and the error is kept in `failures()`: the conformance kit fails a
 * check whose server threw, with that stack, instead of a bare `TokenEndpointError … status 500`.
 *
 * With `tls` it serves HTTPS and asks for a client certificate (mutual TLS); the handler sees the
 * certificate's subject and whether it chains to the given CA, and decides.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LoopbackServer } from "@keyway/auth-testkit"
 *
 * const program = Effect.gen(function*() {
 *   const server = yield* LoopbackServer.make((request) =>
 *     request.path === "/token" ? { status: 200, body: { access_token: "t", expires_in: 60 } } : { status: 404 },
 *   )
 *   // ... point a plugin at `${server.url}/token`, then:
 *   console.log(server.count("/token"))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http"
import { createServer as createHttpsServer } from "node:https"
import type { AddressInfo } from "node:net"
import type { TLSSocket } from "node:tls"
import { Effect, type Scope } from "effect"

/**
 * One request the server received.
 *
 * @example
 * ```ts
 * import { LoopbackServer } from "@keyway/auth-testkit"
 * const server = await LoopbackServer.start((request: LoopbackServer.RecordedRequest) => ({
 *   body: { method: request.method, grant: request.params["grant_type"], client: request.basic?.id },
 * }))
 * ```
 *
 * @since 0.1.0
 */
export interface RecordedRequest {
  readonly method: string
  /** The path without the query string. */
  readonly path: string
  readonly query: URLSearchParams
  /** Lower-case header names. */
  readonly headers: IncomingHttpHeaders
  /** The raw body as text. */
  readonly body: string
  /** The raw body as bytes. */
  readonly rawBody: Uint8Array
  /** Body parameters decoded from a form, JSON object or multipart body (string values only). */
  readonly params: Readonly<Record<string, string>>
  /** The body parsed as JSON, when it is JSON. */
  readonly json: unknown
  /** Client credentials from an `Authorization: Basic` header, URL-decoded per RFC 6749 §2.3.1. */
  readonly basic: { readonly id: string; readonly secret: string } | undefined
  /** The TLS client certificate presented (HTTPS servers only). */
  readonly clientCertificate?:
    | {
        /** Subject DN, e.g. `CN=kit-client`. */
        readonly subject: string
        /** Whether it chains to the server's CA. */
        readonly authorized: boolean
      }
    | undefined
}

/**
 * A handler failure, with the request that caused it.
 *
 * @example
 * ```ts
 * import { LoopbackServer } from "@keyway/auth-testkit"
 * declare const server: LoopbackServer.LoopbackServer
 * const failures: ReadonlyArray<LoopbackServer.HandlerFailure> = server.failures()
 * for (const f of failures) console.error(`${f.request.method} ${f.request.path}: ${f.stack}`)
 * ```
 *
 * @since 0.2.0
 */
export interface HandlerFailure {
  readonly request: RecordedRequest
  readonly error: unknown
  /** The error's stack (or its text). */
  readonly stack: string
}

/**
 * Options of a server.
 *
 * @example
 * ```ts
 * import { Certificates, LoopbackServer } from "@keyway/auth-testkit"
 * const pki = Certificates.make({ clientId: "svc" })
 * const options: LoopbackServer.StartOptions = { tls: { key: pki.server.key, cert: pki.server.cert, ca: pki.ca } }
 * const server = await LoopbackServer.start(() => ({ status: 204 }), options) // https://127.0.0.1:<port>
 * ```
 *
 * @since 0.2.0
 */
export interface StartOptions {
  /** Serve HTTPS with this key and certificate, asking clients for a certificate signed by `ca`. */
  readonly tls?: { readonly key: string; readonly cert: string; readonly ca: string } | undefined
}

/**
 * What a handler answers. An object `body` is sent as JSON.
 *
 * @example
 * ```ts
 * import type { LoopbackServer } from "@keyway/auth-testkit"
 * const rateLimited: LoopbackServer.Reply = { status: 429, headers: { "retry-after": "2" }, body: { error: "slow_down" } }
 * ```
 *
 * @since 0.1.0
 */
export interface Reply {
  readonly status?: number | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: unknown
}

/**
 * Answers one request.
 *
 * @example
 * ```ts
 * import type { LoopbackServer } from "@keyway/auth-testkit"
 * const handler: LoopbackServer.Handler = (request) =>
 *   request.path === "/token" ? { body: { access_token: "t", expires_in: 3600 } } : { status: 404 }
 * ```
 *
 * @since 0.1.0
 */
export type Handler = (request: RecordedRequest) => Reply | Promise<Reply>

/**
 * A running server.
 *
 * @example
 * ```ts
 * import { LoopbackServer } from "@keyway/auth-testkit"
 * const server: LoopbackServer.LoopbackServer = await LoopbackServer.start(() => ({ body: { ok: true } }))
 * await fetch(`${server.url}/ping`)
 * server.count("/ping") // 1
 * await server.close()
 * ```
 *
 * @since 0.1.0
 */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Every request received, in order. */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** How many requests were received, all or for one path. */
  readonly count: (path?: string) => number
  /** Replaces the handler (to change the server's behaviour mid-test). */
  readonly setHandler: (handler: Handler) => void
  /** Every exception a handler threw, with its stack. */
  readonly failures: () => ReadonlyArray<HandlerFailure>
  readonly close: () => Promise<void>
}

const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, " "))

/**
 * Decodes a request body into parameters: form, JSON object or multipart.
 *
 * @example
 * ```ts
 * import { LoopbackServer } from "@keyway/auth-testkit"
 * LoopbackServer.decodeParams("a=1&b=x+y", "application/x-www-form-urlencoded") // { a: "1", b: "x y" }
 * ```
 *
 * @since 0.1.0
 */
export const decodeParams = (body: string, contentType: string | undefined): Record<string, string> => {
  const type = contentType ?? ""
  const out: Record<string, string> = {}
  if (type.includes("application/json")) {
    try {
      const parsed = JSON.parse(body) as unknown
      if (typeof parsed === "object" && parsed !== null) {
        for (const [name, value] of Object.entries(parsed)) if (typeof value === "string") out[name] = value
      }
    } catch {}
    return out
  }
  if (type.includes("multipart/form-data")) {
    const boundary = /boundary=([^;]+)/.exec(type)?.[1]?.replace(/^"|"$/g, "")
    if (boundary === undefined) return out
    for (const part of body.split(`--${boundary}`)) {
      const match = /^\r\nContent-Disposition: form-data; name="([^"]*)"\r\n\r\n([\s\S]*)\r\n$/i.exec(part)
      if (match) out[match[1]!] = match[2]!
    }
    return out
  }
  if (body.length > 0) for (const [name, value] of new URLSearchParams(body)) out[name] = value
  return out
}

const basicOf = (header: string | undefined): RecordedRequest["basic"] => {
  if (header === undefined || !/^basic /i.test(header)) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon < 0) return undefined
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
}

const peerOf = (req: IncomingMessage): RecordedRequest["clientCertificate"] => {
  const socket = req.socket as Partial<TLSSocket>
  if (typeof socket.getPeerCertificate !== "function") return undefined
  const peer = socket.getPeerCertificate()
  if (peer === null || peer === undefined || Object.keys(peer).length === 0) return undefined
  const subject = Object.entries(peer.subject ?? {})
    .map(([name, value]) => `${name}=${Array.isArray(value) ? value.join("+") : value}`)
    .join(",")
  return { subject, authorized: socket.authorized === true }
}

/**
 * Starts a server (Promise API).
 *
 * @example
 * ```ts
 * import { LoopbackServer } from "@keyway/auth-testkit"
 * const server = await LoopbackServer.start(() => ({ status: 204 }))
 * await server.close()
 * ```
 *
 * @since 0.1.0
 */
export const start = async (handler: Handler, options: StartOptions = {}): Promise<LoopbackServer> => {
  let current = handler
  const requests: Array<RecordedRequest> = []
  const failures: Array<HandlerFailure> = []
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const raw = Buffer.concat(chunks)
      const body = raw.toString("utf8")
      let json: unknown
      try {
        json = body.length > 0 ? JSON.parse(body) : undefined
      } catch {
        json = undefined
      }
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        rawBody: new Uint8Array(raw),
        params: decodeParams(body, req.headers["content-type"]),
        json,
        basic: basicOf(req.headers.authorization),
        clientCertificate: peerOf(req),
      }
      requests.push(recorded)
      Promise.resolve()
        .then(() => current(recorded))
        .then(
          (reply) => {
            const headers: Record<string, string> = { ...reply.headers }
            let payload: string | undefined
            if (reply.body === undefined) payload = undefined
            else if (typeof reply.body === "string") payload = reply.body
            else {
              payload = JSON.stringify(reply.body)
              headers["content-type"] ??= "application/json"
            }
            res.writeHead(reply.status ?? 200, headers)
            res.end(payload)
          },
          (error: unknown) => {
            const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error)
            failures.push({ request: recorded, error, stack })
            console.error(
              `LoopbackServer: the handler of ${recorded.method} ${recorded.path} threw\n${stack}`,
            )
            res.writeHead(500, { "content-type": "text/plain", "x-loopback-handler-error": "1" })
            res.end(stack)
          },
        )
    })
  }
  const server =
    options.tls === undefined
      ? createServer(listener)
      : createHttpsServer({ ...options.tls, requestCert: true, rejectUnauthorized: false }, listener)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
    failures: () => [...failures],
    requests,
    count: (path) => (path === undefined ? requests.length : requests.filter((r) => r.path === path).length),
    setHandler: (next) => {
      current = next
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * Starts a server that closes with the enclosing scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LoopbackServer } from "@keyway/auth-testkit"
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const server = yield* LoopbackServer.make(() => ({ status: 200, body: { ok: true } }))
 *   return server.url
 * }))
 * ```
 *
 * @since 0.1.0
 */
export const make = (
  handler: Handler,
  options: StartOptions = {},
): Effect.Effect<LoopbackServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(handler, options)),
    (server) => Effect.promise(() => server.close()),
  )

/**
 * A URL on 127.0.0.1 where nothing listens: connecting to it is refused (a dead endpoint).
 *
 * @example
 * ```ts
 * import { LoopbackServer } from "@keyway/auth-testkit"
 * const dead = await LoopbackServer.deadUrl() // e.g. "http://127.0.0.1:41234"
 * ```
 *
 * @since 0.1.0
 */
export const deadUrl = async (): Promise<string> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
