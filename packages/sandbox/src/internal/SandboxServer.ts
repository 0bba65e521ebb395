/**
 * The runtime every provider sandbox runs on: a node:http server on 127.0.0.1, the request
 * pipeline (correlation echo, routing, counters, fault injection, latency), the `/__sandbox/*`
 * control routes, and `stop()`. A provider supplies routes, its error envelope and how to tell
 * which connection a request belongs to.
 *
 * @example
 * ```ts
 * const sandbox = await startServer("ccw", options, { access: 3600, refresh: null, session: 60 }, (rt) => ({
 *   basePath: "",
 *   credentials,
 *   router,
 *   urls: (origin) => ({ tokenUrl: `${origin}/token` }),
 *   errorBody: (status, message) => ({ message }),
 *   identify: (ctx) => ({ connection: undefined }),
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Budget, type BudgetSpec, validateBudget } from "../Budget.ts"
import type { ProviderSandbox, SandboxOptions, SandboxUrls } from "../SandboxServer.ts"
import { Clock } from "./Clock.ts"
import { type ControlRequest, createControl, type Lifetimes, type RevokeRequest } from "./Control.ts"
import { Counters } from "./Counters.ts"
import { FaultInjector, sendFault } from "./Faults.ts"
import { mediaType, parseForm, parseJsonObject, parseMultipart, readBody, sendJson } from "./Http.ts"
import type { RouteKind, Router } from "./Router.ts"
import { SeededRandom } from "./SeededRandom.ts"
import { TokenStore } from "./TokenStore.ts"

/**
 * What a provider's routes can reach while serving: the clock, the token store, the current
 * lifetimes and the origin.
 *
 * @example
 * ```ts
 * const expiresAt = rt.clock.now() + rt.lifetimes.access
 * ```
 */
export interface Runtime {
  readonly provider: string
  readonly clock: Clock
  readonly store: TokenStore
  readonly counters: Counters
  readonly lifetimes: Lifetimes
  /** `http://127.0.0.1:<port>`, set once listening. */
  readonly origin: string
}

/**
 * One request as a route handler sees it.
 *
 * @example
 * ```ts
 * const handler: Handler = (ctx) => sendJson(ctx.res, 200, { id: ctx.params.id, q: ctx.query.get("q") })
 * ```
 */
export interface RequestContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly method: string
  /** The path, query string excluded. */
  readonly path: string
  readonly query: URLSearchParams
  readonly params: Record<string, string>
  readonly body: Buffer
  readonly rt: Runtime
  /** The media type of the body (`application/json`, …) or `""`. */
  readonly mediaType: string
  /** The body's fields, parsed once by media type (JSON object, urlencoded or multipart form). */
  fields(): Record<string, unknown> | undefined
}

/**
 * A route handler.
 *
 * @example
 * ```ts
 * const handler: Handler = async (ctx) => sendJson(ctx.res, 204, null)
 * ```
 */
export type Handler = (ctx: RequestContext) => void | Promise<void>

/**
 * Who a request is for, told by the provider before it is served: the connection key
 * (`clientId|user`) and whether it is a refresh.
 *
 * @example
 * ```ts
 * const id: Identity = { connection: "client|alice", refresh: true }
 * ```
 */
export interface Identity {
  readonly connection?: string | undefined
  readonly refresh?: boolean
}

/**
 * What a provider supplies to {@link startServer}.
 *
 * @example
 * ```ts
 * const definition: ProviderDefinition<{ apiKeys: string[] }> = { basePath: "", credentials: { apiKeys: [] }, router, urls, errorBody, identify }
 * ```
 */
export interface ProviderDefinition<C> {
  /** The API path prefix (`""`, `/CcaAPI`, `/v1`, `/spi/v3`). */
  readonly basePath: string
  /** The correlation header to echo by default. */
  readonly correlationHeader?: string
  readonly credentials: C
  readonly router: Router<Handler>
  urls(origin: string): Omit<SandboxUrls, "origin" | "baseUrl" | "controlUrl">
  /** The provider's error body for a status and a message (used by 404s and faults). */
  errorBody(status: number, message: string): unknown
  identify(ctx: RequestContext, kind: RouteKind): Identity
  /** Extra headers on an injected 429 (Workable's `x-rate-limit-*`); `wallNow` is real time in seconds. */
  rateLimitHeaders?(retryAfter: number, wallNow: number): OutgoingHttpHeaders
  /** The provider's rate-limit budget on API routes, enforced when the options say `budget: true`. */
  readonly budget?: BudgetSpec
  /** Revocation beyond the generic one (static tokens, …). Returns how many were revoked. */
  revokeExtra?(request: RevokeRequest): number
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref()
  })

/**
 * Starts a provider's server and returns the sandbox handle.
 *
 * @example
 * ```ts
 * const sb = await startServer("cca", {}, defaults, (rt) => definition)
 * await sb.stop()
 * ```
 */
export async function startServer<P extends string, C>(
  provider: P,
  options: SandboxOptions | undefined,
  defaults: Lifetimes,
  build: (rt: Runtime) => ProviderDefinition<C>,
): Promise<ProviderSandbox<P, C>> {
  const clock = new Clock()
  clock.offset = options?.clockOffset ?? 0
  const initialLifetimes: Lifetimes = { ...defaults, ...options?.lifetimes }
  const rt = {
    provider,
    clock,
    store: new TokenStore(),
    counters: new Counters(),
    lifetimes: { ...initialLifetimes },
    origin: "",
  }
  const faults = new FaultInjector(new SeededRandom(options?.seed ?? 1))
  for (const spec of options?.faults ?? []) faults.add(spec)
  const def = build(rt)
  const basePath = def.basePath
  const correlation =
    options?.correlationHeader === null ? undefined : (options?.correlationHeader ?? def.correlationHeader)
  const correlationKey = correlation?.toLowerCase()
  let tokenLatencyMs = options?.tokenLatencyMs ?? 0
  const initialBudget =
    options?.budget === true
      ? def.budget
      : options?.budget === false || options?.budget === null
        ? undefined
        : validateOptional(options?.budget)
  let budget = initialBudget === undefined ? undefined : new Budget(initialBudget)

  const revoke = (request: RevokeRequest): number => {
    let n = 0
    for (const token of [request.refreshToken, request.accessToken, request.token]) {
      if (token === undefined) continue
      const record = rt.store.get(token)
      if (record && !record.grant.revoked) {
        record.grant.revoked = true
        record.revoked = true
        n++
      }
    }
    const { connection, user, clientId } = request
    if (connection !== undefined || user !== undefined || clientId !== undefined) {
      n += rt.store.revokeGrants(
        (g) =>
          (connection === undefined || g.connection === connection) &&
          (user === undefined || g.user === user) &&
          (clientId === undefined || g.clientId === clientId),
      )
    }
    return n + (def.revokeExtra?.(request) ?? 0)
  }

  const target = {
    provider,
    clock,
    counters: rt.counters,
    faults,
    get lifetimes() {
      return rt.lifetimes
    },
    set lifetimes(value: Lifetimes) {
      rt.lifetimes = value
    },
    get tokenLatencyMs() {
      return tokenLatencyMs
    },
    set tokenLatencyMs(value: number) {
      tokenLatencyMs = value
    },
    initial: { clockOffset: clock.offset, lifetimes: initialLifetimes, tokenLatencyMs },
    initialFaults: options?.faults ?? [],
    get budget() {
      return budget?.spec
    },
    set budget(spec: BudgetSpec | undefined) {
      budget = spec === undefined ? undefined : new Budget(spec)
    },
    initialBudget,
    providerBudget: def.budget,
    revoke,
  }
  const control = createControl(target)
  let urls: SandboxUrls | undefined

  const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? "GET"
    const body = await readBody(req)
    const route = `${method} ${path}`
    try {
      switch (route) {
        case "GET /__sandbox/info":
          return sendJson(res, 200, { provider, baseUrl: urls?.baseUrl, urls, credentials: def.credentials })
        case "GET /__sandbox/counters":
          return sendJson(res, 200, rt.counters.snapshot())
        case "POST /__sandbox/counters/reset":
          rt.counters.reset()
          return sendJson(res, 200, { ok: true })
        case "GET /__sandbox/state":
          return sendJson(res, 200, control.state())
        case "POST /__sandbox/reset":
          control.reset()
          return sendJson(res, 200, { ok: true, state: control.state() })
        case "POST /__sandbox/control": {
          const request = body.length === 0 ? {} : (JSON.parse(body.toString("utf8")) as ControlRequest)
          return sendJson(res, 200, control.apply(request))
        }
        default:
          return sendJson(res, 404, { ok: false, error: `unknown sandbox route: ${route}` })
      }
    } catch (error) {
      return sendJson(res, 400, { ok: false, error: error instanceof Error ? error.message : String(error) })
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? "/"
    const q = url.indexOf("?")
    const path = q === -1 ? url : url.slice(0, q)
    if (correlationKey !== undefined) {
      const value = req.headers[correlationKey]
      if (typeof value === "string") res.setHeader(correlation as string, value)
    }
    if (path.startsWith("/__sandbox/")) return handleControl(req, res, path)
    const method = req.method ?? "GET"
    const match = def.router.match(method, path)
    if (!match) {
      req.resume()
      return sendJson(res, 404, def.errorBody(404, "Not found"))
    }
    const body = await readBody(req)
    const type = mediaType(req)
    let parsed: Record<string, unknown> | undefined
    let didParse = false
    const ctx: RequestContext = {
      req,
      res,
      method,
      path,
      query: new URLSearchParams(q === -1 ? "" : url.slice(q + 1)),
      params: match.params,
      body,
      rt,
      mediaType: type,
      fields: () => {
        if (!didParse) {
          didParse = true
          if (type === "application/x-www-form-urlencoded") parsed = parseForm(body)
          else if (type === "multipart/form-data") parsed = parseMultipart(body, req.headers["content-type"])
          else parsed = parseJsonObject(body)
        }
        return parsed
      },
    }
    const kind = match.route.kind
    const identity = def.identify(ctx, kind)
    const connection = identity.connection
    const counters = rt.counters
    counters.count(connection, kind, identity.refresh)
    if (kind === "api" && budget !== undefined) {
      const verdict = budget.take(performance.now())
      for (const [name, value] of Object.entries(verdict.headers)) res.setHeader(name, value as string)
      if (!verdict.allowed) {
        counters.bump(connection, "rateLimited")
        req.resume()
        const status = budget.spec.status ?? 429
        return sendJson(res, status, def.errorBody(status, "Too many requests"), {
          ...(budget.spec.retryAfter === false ? {} : { "retry-after": String(verdict.retryAfter) }),
        })
      }
    }
    const decision = faults.decide(method, path, kind, basePath)
    for (let i = 0; i < decision.fired; i++) counters.bump(connection, "faults")
    const delay = decision.delayMs + (kind === "token" || kind === "login" ? tokenLatencyMs : 0)
    if (delay > 0) {
      await sleep(delay)
      if (res.destroyed) return
    }
    if (decision.fault && sendFault(req, res, decision.fault, def)) return
    await match.route.handler(ctx)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      const message = error instanceof Error ? error.message : String(error)
      if (message === "Request body too large") sendJson(res, 413, def.errorBody(413, message))
      else sendJson(res, 500, def.errorBody(500, `Sandbox error: ${message}`))
    })
  })
  server.keepAliveTimeout = 10_000

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options?.port ?? 0, options?.host ?? "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address
  const origin = `http://${host}:${address.port}`
  rt.origin = origin
  urls = {
    origin,
    baseUrl: origin + basePath,
    controlUrl: `${origin}/__sandbox/control`,
    ...def.urls(origin),
  }
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
    return stopping
  }
  return {
    provider,
    origin,
    port: address.port,
    baseUrl: urls.baseUrl,
    urls,
    credentials: def.credentials,
    control,
    counters: () => rt.counters.snapshot(),
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

const validateOptional = (spec: BudgetSpec | undefined): BudgetSpec | undefined =>
  spec === undefined ? undefined : validateBudget(spec)

export type { ProviderSandbox, SandboxOptions, SandboxUrls } from "../SandboxServer.ts"
