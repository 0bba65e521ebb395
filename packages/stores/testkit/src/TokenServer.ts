/**
 * A loopback OAuth token endpoint for store tests: it issues rotating refresh tokens, answers
 * after a configurable delay, rejects a refresh token that was already used with
 * `400 invalid_grant`, and counts everything.
 *
 * A token set counts as issued only when its response is written: a request whose client went
 * away while it waited (a worker killed with `kill -9`) is dropped and its refresh token stays
 * valid. `hold()` keeps every pending answer back until `release()`, so a test can kill a
 * process at a moment when no issued token is on its way to a client that would never store it
 * (no client-side design can save a token the server handed to a process that then died before
 * writing it anywhere).
 *
 * @example
 * ```ts
 * import { TokenServer } from "@keyway/store-testkit"
 * const server = await TokenServer.start({ delayMs: 200, expiresIn: 3600 })
 * // POST server.url with grant_type=client_credentials, then grant_type=refresh_token
 * server.state().refreshRequests
 * await server.close()
 * ```
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * How the server answers.
 *
 * @since 0.1.0
 */
export interface Config {
  /** Milliseconds before each answer; default 0. */
  readonly delayMs?: number
  /** `expires_in` of issued access tokens, seconds; default 3600. */
  readonly expiresIn?: number
}

/**
 * A pending request.
 *
 * @since 0.1.0
 */
export interface Pending {
  readonly grant: "client_credentials" | "refresh_token"
  /** The `x-worker` header: which test process sent it. */
  readonly worker: string | undefined
  readonly receivedAt: number
}

/**
 * What the server counted.
 *
 * @since 0.1.0
 */
export interface State {
  /** Initial grants requested (`client_credentials`). */
  readonly tokenRequests: number
  /** Refresh requests received. */
  readonly refreshRequests: number
  /** Token sets issued (answered 200). */
  readonly issued: number
  /** Refresh requests refused because the refresh token was unknown or already used. */
  readonly invalidGrant: number
  /** Requests whose client went away before the answer: nothing was issued. */
  readonly abandoned: number
  readonly pending: ReadonlyArray<Pending>
  /** The refresh token issued last. */
  readonly lastIssued: string | undefined
  /** Issued refresh tokens not used yet: exactly one (the last issued) when no grant was lost. */
  readonly live: ReadonlyArray<string>
}

/**
 * A running token server.
 *
 * @since 0.1.0
 */
export interface TokenServer {
  /** The token endpoint (`http://127.0.0.1:port/token`). */
  readonly url: string
  readonly state: () => State
  readonly configure: (config: Config) => void
  /** Holds every answer not yet written back until {@link release} (an answer is written in one go). */
  readonly hold: () => void
  readonly release: () => void
  /** Resolves when `predicate(state)` holds (checked every 5 ms), rejects after `timeoutMs`. */
  readonly waitFor: (predicate: (state: State) => boolean, timeoutMs?: number) => Promise<State>
  readonly close: () => Promise<void>
}

const token = (kind: string, n: number) => `${kind}-${n}-${randomBytes(9).toString("base64url")}`

/**
 * Starts a token server on 127.0.0.1 (a free port).
 *
 * @example
 * ```ts
 * import { TokenServer } from "@keyway/store-testkit"
 * const server = await TokenServer.start()
 * ```
 *
 * @since 0.1.0
 */
export const start = async (initial: Config = {}): Promise<TokenServer> => {
  let config = { delayMs: 0, expiresIn: 3600, ...initial }
  let tokenRequests = 0
  let refreshRequests = 0
  let issued = 0
  let invalidGrant = 0
  let abandoned = 0
  let lastIssued: string | undefined
  const live = new Set<string>()
  const pending = new Set<Pending>()
  let held = false
  const heldBack: Array<() => void> = []

  const state = (): State => ({
    tokenRequests,
    refreshRequests,
    issued,
    invalidGrant,
    abandoned,
    pending: [...pending],
    lastIssued,
    live: [...live],
  })

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
    })
    res.end(text)
  }

  const answer = (req: IncomingMessage, res: ServerResponse, form: URLSearchParams) => {
    const grant = form.get("grant_type")
    if (grant !== "client_credentials" && grant !== "refresh_token") {
      return send(res, 400, { error: "unsupported_grant_type" })
    }
    if (grant === "client_credentials") tokenRequests++
    else refreshRequests++
    const entry: Pending = {
      grant,
      worker: req.headers["x-worker"] as string | undefined,
      receivedAt: Date.now(),
    }
    pending.add(entry)
    let gone = false
    res.on("close", () => {
      if (!res.writableFinished) gone = true
    })
    const commit = () => {
      if (held) return void heldBack.push(commit)
      // Let a close that is already on its way arrive before deciding.
      setImmediate(() => {
        if (held) return void heldBack.push(commit)
        pending.delete(entry)
        if (gone || res.destroyed || req.socket.destroyed) {
          abandoned++
          return
        }
        if (grant === "refresh_token") {
          const presented = form.get("refresh_token") ?? ""
          if (!live.has(presented)) {
            invalidGrant++
            return send(res, 400, {
              error: "invalid_grant",
              error_description: "refresh token unknown or already used",
            })
          }
          live.delete(presented)
        }
        issued++
        const refresh = token("rt", issued)
        live.add(refresh)
        lastIssued = refresh
        send(res, 200, {
          access_token: token("at", issued),
          token_type: "Bearer",
          expires_in: config.expiresIn,
          refresh_token: refresh,
        })
      })
    }
    setTimeout(commit, config.delayMs)
  }

  const server = createServer((req, res) => {
    if (req.method !== "POST" || req.url !== "/token") return send(res, 404, { error: "not_found" })
    const chunks: Buffer[] = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => answer(req, res, new URLSearchParams(Buffer.concat(chunks).toString("utf8"))))
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/token`,
    state,
    configure: (next) => {
      config = { ...config, ...next }
    },
    hold: () => {
      held = true
    },
    release: () => {
      held = false
      for (const resume of heldBack.splice(0)) resume()
    },
    waitFor: async (predicate, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs
      while (true) {
        const s = state()
        if (predicate(s)) return s
        if (Date.now() > deadline) throw new Error(`token server: condition not met in ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 5))
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
