/**
 * `keyway serve`: a small local web page (plain HTML, no script, no front-end build) that lists
 * providers and their connections with status, and runs the web consent flow with Connect /
 * Reconnect buttons, plus Refresh and Disconnect. It is served by the same handlers an app uses:
 * `WebConsent` for consent, `Connections` for listing and disconnect, the `Keeper` for refresh.
 *
 * Routes (all under the page's origin):
 *
 * - `GET /`: the page; `GET /api/connections`: the same as JSON (no secret in it);
 * - `POST /connect/{provider}/start` (`connection`): redirects to the provider's consent;
 * - `GET /connect/{provider}/callback`: the redirect URI; back to `/` once the grant is stored;
 * - `POST /connections/{provider}/{connection}/refresh` and `.../disconnect`.
 *
 * Every form carries a per-server token checked on POST (and a foreign `Origin` is refused), so
 * another site cannot press the buttons; every value on the page is HTML-escaped.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { Serve } from "@keyway/connections"
 * // const server = await Serve.listen({ providers: [{ config }], port: 4300 }, TokenStore.makeMemory())
 * // console.log(server.url)
 * ```
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { type AuthorizationCode, WebConsent } from "@keyway/auth-authorization-code"
import { TokenStore } from "@keyway/core"
import { Clock, Context, Effect, Exit, type Layer, ManagedRuntime, Option, Scope, Stream } from "effect"
import escapeHtml from "escape-html"
import * as Connections from "./Connections.ts"
import * as Events from "./Events.ts"
import * as Keeper from "./Keeper.ts"

/**
 * A provider on the page.
 *
 * @example
 * ```ts
 * import type { AuthorizationCode } from "@keyway/auth-authorization-code"
 * import type { Serve } from "@keyway/connections"
 * declare const config: AuthorizationCode.Config
 * const entry: Serve.ProviderEntry = { config, title: "Workable" }
 * ```
 *
 * @since 0.1.0
 */
export interface ProviderEntry {
  /** The plugin config (its connection is replaced per connection). */
  readonly config: AuthorizationCode.Config
  /** The display name; default the provider name. */
  readonly title?: string | undefined
}

/**
 * Options of the page.
 *
 * @example
 * ```ts
 * import type { Serve } from "@keyway/connections"
 * const options: Serve.Options = { providers: [], origin: "http://127.0.0.1:4300", recentEvents: 50 }
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  readonly providers: ReadonlyArray<ProviderEntry>
  /** The page's origin (`http://127.0.0.1:4300`): the redirect URIs are `{origin}/connect/{provider}/callback`. */
  readonly origin: string
  /** Events kept on the page; default 30. */
  readonly recentEvents?: number | undefined
}

/**
 * A running page: its request handler and what it showed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { Serve } from "@keyway/connections"
 * const status = Effect.gen(function* () {
 *   const page: Serve.Page = yield* Serve.make({ providers: [], origin: "http://127.0.0.1:4300" })
 *   const response = yield* Effect.promise(() => page.handle(new Request("http://127.0.0.1:4300/")))
 *   return response.status
 * }).pipe(Effect.provide(TokenStore.layerMemory), Effect.scoped)
 * ```
 *
 * @since 0.1.0
 */
export interface Page {
  readonly handle: (request: Request) => Promise<Response>
  /** The latest events, newest first. */
  readonly events: () => ReadonlyArray<Events.ConnectionEvent>
}

const html = (body: string, status = 200) =>
  new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:",
      "x-frame-options": "DENY",
    },
  })

const see = (location: string) => new Response(null, { status: 303, headers: { location } })

const plain = (status: number, text: string) =>
  new Response(`${text}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } })

const e = (value: unknown): string => escapeHtml(value === undefined || value === null ? "" : String(value))

const time = (ms: number | undefined) =>
  ms === undefined ? "" : new Date(ms).toISOString().replace(".000Z", "Z")

/**
 * Builds the page on the TokenStore, and the Keeper and ConnectionEvents when in context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { Serve } from "@keyway/connections"
 * const page = Serve.make({ providers: [], origin: "http://127.0.0.1:4300" }).pipe(
 *   Effect.provide(TokenStore.layerMemory),
 *   Effect.scoped,
 * )
 * ```
 *
 * @since 0.1.0
 */
export const make = Effect.fn("Serve.make")(function* (options: Options) {
  const context = yield* Effect.context<TokenStore.TokenStore>()
  const keeper = Context.getOption(context, Keeper.Keeper)
  const events = Context.getOption(context, Events.ConnectionEvents)
  const csrf = randomBytes(24).toString("base64url")
  const keep = Math.max(1, options.recentEvents ?? 30)
  const recent: Array<Events.ConnectionEvent> = []
  if (Option.isSome(events)) {
    const subscription = yield* events.value.subscribe
    yield* Stream.fromSubscription(subscription).pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => {
          recent.unshift(event)
          recent.length = Math.min(recent.length, keep)
        }),
      ),
      Effect.forkScoped,
    )
  }
  const providers = new Map(options.providers.map((entry) => [entry.config.provider, entry]))
  const consents = new Map(
    options.providers.map((entry) => [
      entry.config.provider,
      WebConsent.make({
        config: entry.config,
        redirectUri: `${options.origin}/connect/${encodeURIComponent(entry.config.provider)}/callback`,
        tokenStore: Context.get(context, TokenStore.TokenStore),
        onConnected: (connected) => Events.connected(connected).pipe(Effect.provide(context)),
      }),
    ]),
  )

  const listAll = Effect.forEach(options.providers, (entry) =>
    Connections.list(entry.config.provider).pipe(
      Effect.map((connections) => ({
        entry,
        connections: connections.filter(
          (c) =>
            c.scopes.join(" ") ===
            TokenStore.key({ ...c, scopes: grantScopes(entry.config) }).scopes.join(" "),
        ),
      })),
    ),
  )

  const page = (flash: string | undefined) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const sections = yield* listAll
      const form = (action: string, label: string, fields: Record<string, string> = {}) =>
        `<form method="post" action="${e(action)}">${Object.entries({ csrf, ...fields })
          .map(([name, value]) => `<input type="hidden" name="${e(name)}" value="${e(value)}">`)
          .join("")}<button type="submit">${e(label)}</button></form>`
      const body = sections
        .map(({ entry, connections }) => {
          const p = entry.config.provider
          const rows = connections
            .map((c) => {
              const base = `/connections/${encodeURIComponent(p)}/${encodeURIComponent(c.connection)}`
              return `<tr data-provider="${e(p)}" data-connection="${e(c.connection)}">
<td>${e(c.connection)}</td><td><span class="status ${e(c.status)}" data-status="${e(c.status)}">${e(c.status)}</span></td>
<td>${e(c.scopes.join(" "))}</td><td>${e(time(c.expiresAt))}</td><td>${e(time(c.lastRefreshAt))}</td>
<td>${e(c.reason)}${c.failingSince === undefined ? "" : ` (since ${e(time(c.failingSince))})`}</td>
<td class="actions">${form(`/connect/${encodeURIComponent(p)}/start`, "Reconnect", { connection: c.connection })}${form(`${base}/refresh`, "Refresh")}${form(`${base}/disconnect`, "Disconnect")}</td></tr>`
            })
            .join("\n")
          return `<section data-provider="${e(p)}"><h2>${e(entry.title ?? p)}</h2>
<form method="post" action="/connect/${e(encodeURIComponent(p))}/start"><input type="hidden" name="csrf" value="${e(csrf)}">
<label>Connection id <input name="connection" value="default" pattern="[\\w.@:+\\-]{1,128}" required></label>
<button type="submit" name="connect" value="${e(p)}">Connect</button></form>
<table><thead><tr><th>connection</th><th>status</th><th>scopes</th><th>expires</th><th>last refresh</th><th>last error / reason</th><th></th></tr></thead>
<tbody>${rows || `<tr><td colspan="7">no connections</td></tr>`}</tbody></table></section>`
        })
        .join("\n")
      const eventList = recent
        .map(
          (event) =>
            `<li data-type="${e(event.type)}">${e(event.occurredAt)} <b>${e(event.type)}</b> ${e(event.provider)}/${e(event.connection)}${event.data.reason === undefined ? "" : `: ${e(event.data.reason)}`}</li>`,
        )
        .join("\n")
      return html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keyway connections</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}form{display:inline}.status.active{color:#070}
.status.failing{color:#a60}.status.needs_reauthorization,.status.expired,.status.revoked{color:#b00}</style></head>
<body><h1>Keyway connections</h1><p>${e(time(now))}</p>${flash === undefined ? "" : `<p class="flash" role="status">${e(flash)}</p>`}
${body}
<h2>Events</h2><ul class="events">${eventList || "<li>none yet</li>"}</ul></body></html>`)
    })

  const checkPost = async (request: Request): Promise<FormData | Response> => {
    const origin = request.headers.get("origin")
    if (origin !== null && origin !== options.origin && origin !== "null") return plain(403, "foreign origin")
    const form = await request.formData().catch(() => undefined)
    if (form === undefined || form.get("csrf") !== csrf) return plain(403, "missing or wrong form token")
    return form
  }

  const run = <A>(effect: Effect.Effect<A, unknown, TokenStore.TokenStore>) =>
    Effect.runPromiseWith(context)(effect as Effect.Effect<A, never, TokenStore.TokenStore>)

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const parts = url.pathname
      .split("/")
      .filter((s) => s.length > 0)
      .map(decodeURIComponent)
    try {
      if (request.method === "GET" && parts.length === 0)
        return await run(page(url.searchParams.get("flash") ?? undefined))
      if (
        request.method === "GET" &&
        parts[0] === "api" &&
        parts[1] === "connections" &&
        parts.length === 2
      ) {
        const sections = await run(listAll)
        return Response.json(sections.flatMap((s) => s.connections))
      }
      if (parts[0] === "connect" && parts.length === 3) {
        const consent = consents.get(parts[1]!)
        if (consent === undefined) return plain(404, "unknown provider")
        if (parts[2] === "callback" && request.method === "GET") {
          return await run(consent.callbackEffect(request))
        }
        if (parts[2] === "start" && request.method === "POST") {
          const form = await checkPost(request)
          if (form instanceof Response) return form
          const connection = String(form.get("connection") ?? "default")
          return await run(consent.startEffect(request, { connection, returnTo: "/" }))
        }
      }
      if (parts[0] === "connections" && parts.length === 4 && request.method === "POST") {
        const entry = providers.get(parts[1]!)
        if (entry === undefined) return plain(404, "unknown provider")
        const connection = parts[2]!
        const form = await checkPost(request)
        if (form instanceof Response) return form
        if (parts[3] === "disconnect") {
          const result = await run(Connections.disconnect(entry.config, connection))
          return see(
            `/?flash=${encodeURIComponent(`${connection}: disconnected${result.revoked ? " (revoked)" : result.revokeError ? ` (revocation failed: ${result.revokeError})` : ""}`)}`,
          )
        }
        if (parts[3] === "refresh") {
          if (Option.isNone(keeper)) return plain(501, "no keeper on this page")
          const outcome = await run(keeper.value.refreshNow(entry.config.provider, connection))
          return see(`/?flash=${encodeURIComponent(`${connection}: ${outcome}`)}`)
        }
      }
      return plain(404, "not found")
    } catch (error) {
      return plain(500, error instanceof Error ? error.message : "failed")
    }
  }

  return { handle, events: () => [...recent] } satisfies Page
})

const grantScopes = (config: AuthorizationCode.Config) => config.requestScopes ?? config.defaultScopes ?? []

/**
 * Serves a `Request → Response` handler on `node:http` (loopback by default).
 *
 * @example
 * ```ts
 * import { Serve } from "@keyway/connections"
 * const server = await Serve.serveHandler(async () => new Response("ok"), { port: 0 })
 * await server.close()
 * ```
 *
 * @since 0.1.0
 */
export const serveHandler = async (
  handler: (request: Request) => Promise<Response>,
  options: { readonly port?: number | undefined; readonly host?: string | undefined } = {},
): Promise<{ readonly url: string; readonly port: number; readonly close: () => Promise<void> }> => {
  const host = options.host ?? "127.0.0.1"
  let origin = ""
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value)
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
      }
      const method = req.method ?? "GET"
      const request = new Request(new URL(req.url ?? "/", origin), {
        method,
        headers,
        body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks),
      })
      handler(request)
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers))
          res.end(Buffer.from(await response.arrayBuffer()))
        })
        .catch(() => {
          res.writeHead(500, { "content-type": "text/plain" })
          res.end("failed\n")
        })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  origin = `http://${host}:${port}`
  return {
    url: origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * Starts the page on `node:http`: binds the port first (so the redirect URIs are known), then
 * builds the page in a runtime of `layer` (the TokenStore, and optionally the Keeper and
 * ConnectionEvents), which `close` disposes of.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import { Serve } from "@keyway/connections"
 * const server = await Serve.listen({ providers: [], port: 0 }, TokenStore.layerMemory)
 * await server.close()
 * ```
 *
 * @since 0.1.0
 */
export const listen = async <R extends TokenStore.TokenStore, E>(
  options: Omit<Options, "origin"> & {
    readonly port?: number | undefined
    readonly host?: string | undefined
  },
  layer: Layer.Layer<R, E>,
): Promise<{ readonly url: string; readonly page: Page; readonly close: () => Promise<void> }> => {
  let current: Page | undefined
  const server = await serveHandler(
    (request) => (current === undefined ? Promise.resolve(plain(503, "starting")) : current.handle(request)),
    options,
  )
  const runtime = ManagedRuntime.make(layer)
  const scope = await Effect.runPromise(Scope.make())
  const dispose = async () => {
    await server.close()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await runtime.dispose()
  }
  try {
    current = await runtime.runPromise(
      make({ ...options, origin: server.url }).pipe(Scope.provide(scope)) as unknown as Effect.Effect<
        Page,
        never,
        R
      >,
    )
  } catch (error) {
    await dispose()
    throw error
  }
  return {
    url: server.url,
    page: current,
    close: dispose,
  }
}
