/**
 * The loopback redirect listener of a native app's OAuth flow (RFC 8252 §7.3): an HTTP server on
 * `127.0.0.1` (never `0.0.0.0`) that waits for the one redirect carrying the authorization
 * response, hands it to a handler, answers the browser with a short page, and stops.
 *
 * Requests for other paths get 404 and do not end the wait (browsers ask for `/favicon.ico`).
 * The first request on the callback path ends it, whatever the handler decides: a forged or
 * stale callback is not given a second chance.
 *
 * @example
 * ```ts
 * import { Loopback } from "@keyway/connect"
 * const listener = await Loopback.listen({ port: 0 })
 * console.log(listener.redirectUri) // http://127.0.0.1:53187/callback
 * // const result = await listener.wait(async (query) => ({ status: 200, title: "Connected", value: query.get("code") }))
 * await listener.close()
 * ```
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { ConnectError } from "./ConnectError.ts"

/**
 * Options of {@link listen}.
 *
 * @example
 * ```ts
 * import { Loopback } from "@keyway/connect"
 * // const listener = await Loopback.listen({ port: 8765, path: "/oauth/callback" })
 * ```
 *
 * @since 0.1.0
 */
export interface ListenOptions {
  /** The port; 0 (the default) picks a free one. */
  readonly port?: number | undefined
  /** The callback path; default `/callback`. */
  readonly path?: string | undefined
}

/**
 * What the handler of the callback answers: the page shown in the browser, and the value (or the
 * error) {@link Listener.wait} settles with.
 *
 * @example
 * ```ts
 * import type { Loopback } from "@keyway/connect"
 * const ok: Loopback.Outcome<string> = { status: 200, title: "Connected", value: "grant" }
 * ```
 *
 * @since 0.1.0
 */
export type Outcome<A> =
  | { readonly status: number; readonly title: string; readonly text?: string; readonly value: A }
  | { readonly status: number; readonly title: string; readonly text?: string; readonly error: unknown }

/**
 * A running listener.
 *
 * @example
 * ```ts
 * import { Loopback } from "@keyway/connect"
 * // const listener = await Loopback.listen()
 * // const code = await listener.wait(async (q) => ({ status: 200, title: "Done", value: q.get("code") }))
 * ```
 *
 * @since 0.1.0
 */
export interface Listener {
  /** `http://127.0.0.1:<port><path>`: the redirect URI to register and send. */
  readonly redirectUri: string
  readonly port: number
  /**
   * Waits for the callback, runs `handle` on its query, answers the browser and settles with the
   * handler's value or error. Rejects with a `ConnectError` on timeout or abort.
   */
  readonly wait: <A>(
    handle: (query: URLSearchParams) => Promise<Outcome<A>>,
    options?: { readonly timeoutMs?: number | undefined; readonly signal?: AbortSignal | undefined },
  ) => Promise<A>
  /** Stops listening and drops open connections; idempotent. */
  readonly close: () => Promise<void>
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const page = (title: string, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
  `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>\n`

/**
 * Starts listening on `127.0.0.1`.
 *
 * @example
 * ```ts
 * import { Loopback } from "@keyway/connect"
 * // const listener = await Loopback.listen({ port: 8765 })
 * ```
 *
 * @since 0.1.0
 */
export const listen = async (options: ListenOptions = {}): Promise<Listener> => {
  const path = options.path ?? "/callback"
  let onCallback: ((request: Http.IncomingMessage, response: Http.ServerResponse) => void) | undefined
  const server = Http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1")
    if (url.pathname !== path || request.method !== "GET") {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found\n")
      return
    }
    if (onCallback === undefined) {
      response
        .writeHead(409, { "content-type": "text/plain; charset=utf-8" })
        .end("This authorization request is already finished.\n")
      return
    }
    onCallback(request, response)
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(
        new ConnectError({
          reason: "listen",
          detail: `cannot listen on 127.0.0.1:${options.port ?? 0}: ${error.message}`,
        }),
      ),
    )
    server.listen({ host: "127.0.0.1", port: options.port ?? 0 }, resolve)
  })
  const port = (server.address() as AddressInfo).port
  let closed: Promise<void> | undefined
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }))

  const wait = <A>(
    handle: (query: URLSearchParams) => Promise<Outcome<A>>,
    waitOptions: { readonly timeoutMs?: number | undefined; readonly signal?: AbortSignal | undefined } = {},
  ) =>
    new Promise<A>((resolve, reject) => {
      const timeoutMs = waitOptions.timeoutMs ?? 300_000
      const finish = (settle: () => void) => {
        clearTimeout(timer)
        waitOptions.signal?.removeEventListener("abort", onAbort)
        onCallback = undefined
        settle()
      }
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new ConnectError({
                reason: "timeout",
                detail: `no redirect came back to ${path} within ${Math.round(timeoutMs / 1000)} s`,
              }),
            ),
          ),
        timeoutMs,
      )
      const onAbort = () =>
        finish(() =>
          reject(new ConnectError({ reason: "aborted", detail: "the wait for the redirect was aborted" })),
        )
      if (waitOptions.signal?.aborted) return onAbort()
      waitOptions.signal?.addEventListener("abort", onAbort, { once: true })
      onCallback = (request, response) => {
        // One callback only: later ones get 409 while this one is handled.
        onCallback = undefined
        const query = new URL(request.url ?? "/", "http://127.0.0.1").searchParams
        handle(query)
          .catch((error: unknown): Outcome<A> => ({ status: 500, title: "Connection failed", error }))
          .then((outcome) => {
            response
              .writeHead(outcome.status, {
                "content-type": "text/html; charset=utf-8",
                "cache-control": "no-store",
                "referrer-policy": "no-referrer",
              })
              .end(page(outcome.title, outcome.text ?? ""))
            finish(() => ("error" in outcome ? reject(outcome.error) : resolve(outcome.value)))
          })
      }
    })

  return { redirectUri: `http://127.0.0.1:${port}${path}`, port, wait, close }
}
