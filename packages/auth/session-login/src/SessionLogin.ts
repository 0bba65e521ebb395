/**
 * Session login as a Keyway auth plugin: a login request returns a session token that lives a
 * short while (CCA: `POST /session` with `{ username, password, module }`, one minute by default).
 *
 * - The login request is configurable: method, path (relative to the base URL), a JSON body
 *   template whose `{username}`, `{password}`, `{module}` (any credential name) are filled in,
 *   extra headers. The password is `Redacted` and only revealed into the request body.
 * - The session token is read from a dotted JSON path (`token`, `data.token`) or a response header.
 * - The session lifetime is the response's `expiresIn` (or `expires_in`) when present, else
 *   `sessionLifetime` from the settings (CCA default 60 s). `TokenLifecycle` logs in again shortly
 *   before it runs out (single flight: concurrent calls share one login), and once on a 401.
 * - With a `logout` request configured, the session is ended when the layer's scope closes and on
 *   `release`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { SessionLogin } from "@keyway/auth-session-login"
 *
 * const cca = SessionLogin.layer({
 *   provider: "cca",
 *   baseUrl: "https://cca.example/CcaAPI",
 *   login: { path: "/session", body: { username: "{username}", password: "{password}", module: "{module}" } },
 *   token: { json: "token" },
 *   sessionLifetime: 60,
 *   logout: { method: "DELETE", path: "/session" },
 *   credentials: { username: "agent", password: Redacted.make("pw"), module: "supervisor" },
 * })
 * ```
 *
 * @since 0.1.0
 */
import {
  Auth,
  type Descriptor,
  Errors,
  Http,
  Limits,
  Origin,
  TokenLifecycle,
  TokenRequest,
  TokenStore,
  Transport,
} from "@keyway/core"
import { Duration, Effect, Layer, Redacted } from "effect"

/**
 * Login credentials: `username` and a `Redacted` `password`, plus any other field the body
 * template names (`module`).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { SessionLogin } from "@keyway/auth-session-login"
 * const credentials: SessionLogin.Credentials = { username: "agent", password: Redacted.make(process.env.CCA_PASSWORD!), module: "supervisor" }
 * ```
 *
 * @since 0.1.0
 */
export type Credentials = Readonly<Record<string, string | Redacted.Redacted<string> | undefined>> & {
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

/**
 * The plugin's settings: the descriptor's `session-login` section plus the base URL and the
 * credentials.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { SessionLogin } from "@keyway/auth-session-login"
 * const cca: SessionLogin.Config = {
 *   provider: "cca", baseUrl: "https://cca.example/CcaAPI", login: { path: "/session" }, token: { json: "token" },
 *   credentials: { username: "agent", password: Redacted.make("pw"), module: "supervisor" },
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface Config extends Omit<Descriptor.SessionLoginStrategy, "type"> {
  readonly type?: "session-login" | undefined
  readonly provider: string
  /** The API's base URL; `login.path` and `logout.path` are relative to it. */
  readonly baseUrl: string
  readonly credentials: Credentials
  /** The connection id in the store; default `default`. */
  readonly connection?: string | undefined
  /** Time allowed for a login or logout request, ms; default `Limits.tokenTimeoutMs` (10 s). */
  readonly timeoutMs?: number | undefined
}

const PLACEHOLDER = /\{([^{}]+)\}/g
const NO_SCOPES: ReadonlyArray<string> = []

/**
 * `path` appended to `baseUrl` (not resolved as a URL reference: `https://x/CcaAPI` + `/session`
 * is `https://x/CcaAPI/session`).
 *
 * @example
 * ```ts
 * import { SessionLogin } from "@keyway/auth-session-login"
 * SessionLogin.join("https://cca.example/CcaAPI/", "/session") // "https://cca.example/CcaAPI/session"
 * ```
 *
 * @since 0.1.0
 */
export const join = (baseUrl: string, path: string): string =>
  `${baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`

/**
 * A value at a dotted path of a JSON value (`data.token`).
 *
 * @example
 * ```ts
 * import { SessionLogin } from "@keyway/auth-session-login"
 * SessionLogin.at({ data: { token: "t" } }, "data.token") // "t"
 * ```
 *
 * @since 0.1.0
 */
export const at = (value: unknown, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>(
      (node, part) =>
        typeof node === "object" && node !== null ? (node as Record<string, unknown>)[part] : undefined,
      value,
    )

const reveal = (value: string | Redacted.Redacted<string> | undefined) =>
  value === undefined ? undefined : Redacted.isRedacted(value) ? Redacted.value(value) : value

const defaultBody = (credentials: Credentials): Record<string, string> => {
  const body: Record<string, string> = { username: "{username}", password: "{password}" }
  if (credentials.module !== undefined) body.module = "{module}"
  return body
}

const seconds = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) && value > 0
    ? value
    : typeof value === "string" && /^\d+$/.test(value)
      ? Number(value)
      : undefined

/**
 * Builds the plugin on the `TokenStore` in context; with a `logout` configured, the session is
 * ended when the scope closes.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { SessionLogin } from "@keyway/auth-session-login"
 * const plugin = SessionLogin.make({
 *   provider: "cca", baseUrl: "https://cca.example/CcaAPI", login: { path: "/session" }, token: { json: "token" },
 *   credentials: { username: "u", password: Redacted.make("p"), module: "m" },
 * }).pipe(Effect.provide(TokenStore.layerMemory), Effect.scoped)
 * ```
 *
 * @since 0.1.0
 */
export const make = Effect.fn("SessionLogin.make")(function* (config: Config) {
  const template = config.login.body ?? defaultBody(config.credentials)
  const missing = Object.values(template)
    .flatMap((value) => [...value.matchAll(PLACEHOLDER)].map((m) => m[1]!))
    .filter((name) => config.credentials[name] === undefined)
  if (missing.length > 0) {
    return yield* new Errors.ConfigError({
      path: "credentials",
      message: `the login body template needs credentials that were not given: ${missing.join(", ")}`,
    })
  }
  // The password travels to the login URL: https, or loopback http (allowInsecureHttp aside).
  yield* Origin.requireSecure({ baseUrl: config.baseUrl })
  const limits = yield* Limits.Limits
  const placement = config.placement ?? Http.bearer
  const loginUrl = join(config.baseUrl, config.login.path)
  const store = yield* TokenStore.TokenStore
  const connection = config.connection ?? "default"

  const loginRequest = (): Http.HttpRequest => {
    const method = config.login.method ?? "POST"
    const fields: Record<string, string> = {}
    for (const [name, value] of Object.entries(template)) {
      fields[name] = value.replace(PLACEHOLDER, (_, key: string) => reveal(config.credentials[key]) ?? "")
    }
    const headers = { accept: "application/json", ...config.login.headers }
    if (method === "GET") {
      const url = new URL(loginUrl)
      for (const [name, value] of Object.entries(fields)) url.searchParams.set(name, value)
      return Http.makeRequest(method, url.toString(), headers)
    }
    return Http.makeRequest(
      method,
      loginUrl,
      { "content-type": "application/json", ...headers },
      new TextEncoder().encode(JSON.stringify(fields)),
    )
  }

  const login = () =>
    TokenRequest.observe({ provider: config.provider, grant: "session_login" }, openSession())
  const openSession = Effect.fn("SessionLogin.login")(function* () {
    const correlationId = (yield* TokenRequest.CorrelationId) ?? crypto.randomUUID()
    const url = Errors.redactUrl(loginUrl)
    const failure = (reason: string, status?: number) =>
      new Errors.TokenEndpointError({ provider: config.provider, url, reason, status, correlationId })
    const transport = yield* Transport.Transport
    const response = yield* transport
      .send(loginRequest(), {
        correlationId,
        timeoutMs: config.timeoutMs ?? limits.tokenTimeoutMs,
        maxResponseBytes: limits.tokenMaxResponseBytes,
        secretQueryParams: ["password"],
      })
      .pipe(
        Effect.mapError((error) =>
          failure(
            error._tag === "NetworkError"
              ? `network error: ${error.reason}`
              : error._tag === "ResponseTooLarge"
                ? `the response is larger than ${error.limitBytes} bytes`
                : `no answer within ${error.timeoutMs} ms`,
          ),
        ),
      )
    const status = response.status
    if (status === 400 || status === 401 || status === 403) {
      return yield* new Errors.InvalidClient({ provider: config.provider, status, correlationId })
    }
    if (status < 200 || status >= 300) return yield* failure(`login answered status ${status}`, status)
    const body = Http.json(response)
    const token =
      "header" in config.token
        ? Http.header(response, config.token.header.toLowerCase())
        : at(body, config.token.json)
    if (typeof token !== "string" || token.length === 0) {
      return yield* failure("the login response has no session token", status)
    }
    const parent =
      "json" in config.token ? at(body, config.token.json.split(".").slice(0, -1).join(".")) : undefined
    const expiresIn =
      seconds(at(body, "expiresIn")) ??
      seconds(at(body, "expires_in")) ??
      (parent === undefined || parent === body
        ? undefined
        : (seconds(at(parent, "expiresIn")) ?? seconds(at(parent, "expires_in"))))
    yield* Effect.logDebug("session opened").pipe(
      Effect.annotateLogs({
        provider: config.provider,
        connection,
        expiresIn: expiresIn ?? config.sessionLifetime ?? 60,
      }),
    )
    return { accessToken: Redacted.make(token), expiresIn } satisfies TokenLifecycle.Obtained
  })

  const lifecycle = yield* TokenLifecycle.make({
    provider: config.provider,
    connection,
    fetch: () => login(),
    defaultLifetime: Duration.seconds(config.sessionLifetime ?? 60),
    refreshBuffer: Duration.seconds(config.refreshBuffer ?? 5),
  })

  const credentialOf = (request: Http.HttpRequest): Redacted.Redacted<string> | undefined => {
    const raw = Http.credentialOf(request, placement)
    return raw === undefined ? undefined : Redacted.make(raw)
  }
  const place = (request: Http.HttpRequest, token: string) => Http.withCredential(request, placement, token)

  /** Ends the current session (if any) and forgets it. Logout failures are logged, not raised. */
  const logout = Effect.gen(function* () {
    const current = yield* store.get(lifecycle.keyOf(NO_SCOPES))
    if (config.logout !== undefined && current?.accessToken !== undefined) {
      const transport = yield* Transport.Transport
      const request = place(
        Http.makeRequest(config.logout.method ?? "POST", join(config.baseUrl, config.logout.path), {
          accept: "application/json",
        }),
        Redacted.value(current.accessToken),
      )
      const correlationId = crypto.randomUUID()
      yield* transport
        .send(request, {
          correlationId,
          timeoutMs: config.timeoutMs ?? limits.tokenTimeoutMs,
          maxResponseBytes: limits.tokenMaxResponseBytes,
          secretQueryParams: [placement.name],
        })
        .pipe(
          Effect.tap((response) =>
            Effect.logDebug("session closed").pipe(
              Effect.annotateLogs({ provider: config.provider, status: response.status }),
            ),
          ),
          Effect.catch((error) =>
            Effect.logWarning("logout failed").pipe(
              Effect.annotateLogs({ provider: config.provider, reason: error._tag }),
            ),
          ),
        )
    }
    yield* lifecycle.clear(NO_SCOPES)
  }).pipe(Effect.withSpan("SessionLogin.logout"))

  yield* Effect.addFinalizer(() => Effect.ignore(logout))

  return Auth.make({
    name: "session-login",
    secretQueryParams: placement.in === "query" ? [placement.name] : undefined,
    // Hot path: untraced; the call's own `keyway.call` span covers it (a traced
    // function costs a span and a stack trace on every call).
    authenticate: Effect.fnUntraced(function* (request: Http.HttpRequest, call: Auth.CallInfo) {
      const session = yield* lifecycle.get(NO_SCOPES).pipe(TokenRequest.forCall(call.correlationId))
      return place(request, Redacted.value(session.accessToken!))
    }),
    onUnauthorized: Effect.fn("SessionLogin.onUnauthorized")(function* (
      failed: { readonly request: Http.HttpRequest },
      call: Auth.CallInfo,
    ) {
      const rejected = credentialOf(failed.request)
      if (rejected !== undefined) yield* lifecycle.invalidate(NO_SCOPES, rejected)
      yield* Effect.logDebug("session refused: logging in again").pipe(
        Effect.annotateLogs({ provider: config.provider, correlationId: call.correlationId }),
      )
      return "retry" as const
    }),
    // The new session worked: a run of refused sessions is over.
    onAccepted: () => lifecycle.accepted(NO_SCOPES),
    release: logout,
  })
})

/**
 * The plugin as a layer providing `Auth.Auth`; needs a `TokenStore`. With `logout` configured,
 * closing the layer's scope ends the session.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { SessionLogin } from "@keyway/auth-session-login"
 * const auth = SessionLogin.layer({
 *   provider: "cca", baseUrl: "https://cca.example/CcaAPI", login: { path: "/session" }, token: { json: "token" },
 *   credentials: { username: "u", password: Redacted.make("p"), module: "m" },
 * }).pipe(Layer.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const layer = (config: Config): Layer.Layer<Auth.Auth, Errors.ConfigError, TokenStore.TokenStore> =>
  Layer.effect(Auth.Auth, make(config))
