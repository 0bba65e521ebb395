/**
 * Consent over the web, framework-agnostic: two handlers of web-standard `Request → Response`
 * (`node:http` through a two-line adapter, Hono, Next.js route handlers, Express through its
 * `Request` adapter), built on the plugin's own {@link AuthorizationCode.consent} helpers.
 *
 * - `start(request, { connection, returnTo })` builds the authorize URL (random `state`, PKCE
 *   verifier when the strategy asks for it), keeps `state`, verifier, connection and `returnTo`
 *   **server-side in the TokenStore** (SQLite or Redis: `start` on one process and `callback` on
 *   another work) under a hash of the state with a short TTL (default 10 minutes), and answers
 *   `302` to the provider.
 * - `callback(request)` finds that record by the callback's `state`, deletes it with
 *   compare-and-set (**single use**: of two callbacks with one state, one wins), checks the state
 *   in constant time, exchanges the code and stores the grant where the generated client reads it
 *   (same provider, connection and scope set), then answers `303` to `returnTo` (or a short
 *   plain-text page). A missing, expired or used state, a provider error or a failed exchange
 *   answers 400/502 in plain text, never with a token.
 * - Reconnecting an existing connection is the same `start` with the same connection id: the new
 *   grant replaces the old record (and clears its `needs_reauthorization` or failure marks).
 *
 * The connection id should come from the app's own session (`start(request, { connection })`),
 * not from the query string, or one user could reconnect another user's connection; the query's
 * `connection` parameter is read only when none is given (a local tool such as `keyway serve`).
 *
 * @example
 * ```ts
 * import { createServer } from "node:http"
 * import { StrategyConfig, WebConsent } from "@keyway/auth-authorization-code"
 * import { TokenStore } from "@keyway/core"
 * import { descriptor } from "@keyway/provider-workable/descriptor"
 *
 * const consent = WebConsent.make({
 *   config: StrategyConfig.make(descriptor.auth[0], { provider: "workable", clientId: "id", clientSecret: "secret" }),
 *   redirectUri: "https://app.example/oauth/workable/callback",
 *   tokenStore: TokenStore.makeMemory(),
 * })
 * // in a route handler: return consent.start(request, { connection: session.accountId, returnTo: "/settings" })
 * // in the callback route: return consent.callback(request)
 * ```
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { type Errors, TokenStore } from "@keyway/core"
import { Clock, Duration, Effect, Layer, ManagedRuntime, Redacted, References } from "effect"
import * as AuthorizationCode from "./AuthorizationCode.ts"
import * as StrategyConfig from "./StrategyConfig.ts"

/**
 * The provider name under which pending consents are kept in the TokenStore (never a real
 * provider's: those are lower-case letters, digits and dashes).
 *
 * @example
 * ```ts
 * import { WebConsent } from "@keyway/auth-authorization-code"
 * WebConsent.pendingProvider // "keyway.consent"
 * ```
 *
 * @since 0.1.0
 */
export const pendingProvider = "keyway.consent"

/**
 * What happened at a callback that stored a grant (for events; holds no secret).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { WebConsent } from "@keyway/auth-authorization-code"
 * const onConnected = (c: WebConsent.Connected) =>
 *   Effect.log(`${c.provider}/${c.connection} ${c.reconnected ? "reconnected" : "connected"} with ${c.grantedScope ?? c.scopes.join(" ")}`)
 * ```
 *
 * @since 0.1.0
 */
export interface Connected {
  readonly provider: string
  readonly connection: string
  readonly scopes: ReadonlyArray<string>
  /** Whether a grant was stored for this connection before (a reconnect). */
  readonly reconnected: boolean
  readonly expiresAt: number | undefined
  readonly grantedScope: string | undefined
}

/**
 * Options of {@link make}.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import { type AuthorizationCode, WebConsent } from "@keyway/auth-authorization-code"
 * declare const config: AuthorizationCode.Config // StrategyConfig.make(...)
 * const options: WebConsent.Options = {
 *   config,
 *   redirectUri: "https://app.example/oauth/callback",
 *   tokenStore: TokenStore.layerMemory,
 *   stateTtl: "15 minutes",
 *   defaultReturnTo: "/settings/integrations",
 * }
 * const consent = WebConsent.make(options)
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  /** The plugin config (build it with {@link StrategyConfig.make}); its `connection` is replaced per consent. */
  readonly config: AuthorizationCode.Config
  /** The callback's absolute URL, as registered with the provider. */
  readonly redirectUri: string
  /** Where pending consents and grants go: a store, or a layer (built once, on first use). */
  readonly tokenStore: TokenStore.TokenStoreShape | Layer.Layer<TokenStore.TokenStore, unknown>
  /** How long a started consent may be completed; default the config's `stateTtl`, else 10 minutes. */
  readonly stateTtl?: Duration.Input | undefined
  /** Where to go after a callback when `start` was given no `returnTo`; default a plain-text page. */
  readonly defaultReturnTo?: string | undefined
  /**
   * Whether a `returnTo` may be redirected to; default: relative paths only (`/...`, not `//`),
   * so the handlers are no open redirect.
   */
  readonly allowReturnTo?: ((returnTo: string) => boolean) | undefined
  /** Called once a grant is stored (events, audit). */
  readonly onConnected?: ((connected: Connected) => Effect.Effect<void>) | undefined
}

/**
 * What a generated provider package's `consent(...)` takes (besides where the provider's servers
 * are): the app's OAuth client, its callback URL, the token store `createClient` reads, and the
 * handlers' options. `Scope` is the provider's scope union.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import type { WebConsent } from "@keyway/auth-authorization-code"
 * const options: WebConsent.ProviderConsentOptions<"r_jobs"> = { clientId: "id", clientSecret: "secret", redirectUri: "https://app.example/oauth/callback", tokenStore: TokenStore.makeMemory(), scopes: ["r_jobs"] }
 * ```
 *
 * @since 0.1.0
 */
export interface ProviderConsentOptions<Scope extends string = string>
  extends Omit<Options, "config" | "tokenStore" | "redirectUri"> {
  readonly clientId: string
  readonly clientSecret?: string | Redacted.Redacted<string> | undefined
  /** The callback's absolute URL, as registered with the provider. */
  readonly redirectUri: string
  /** The store the grants go to: the same one the clients are given. */
  readonly tokenStore: TokenStore.TokenStoreShape | Layer.Layer<TokenStore.TokenStore, unknown>
  /** The grant's scopes (default: the descriptor's defaultScopes). */
  readonly scopes?: ReadonlyArray<Scope> | undefined
  readonly variables?: Readonly<Record<string, string>> | undefined
  /** Overrides of the strategy's URLs, where the provider's options allow them. */
  readonly tokenUrl?: string | undefined
  readonly authorizeUrl?: string | undefined
  readonly revokeUrl?: string | undefined
}

/**
 * The handlers for a generated package's `consent(...)`: {@link make} with the config the package
 * built from its descriptor and the handlers' options of `options`.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import { type AuthorizationCode, WebConsent } from "@keyway/auth-authorization-code"
 * declare const config: AuthorizationCode.Config
 * const handlers = WebConsent.bind(config, { clientId: "id", redirectUri: "https://app.example/cb", tokenStore: TokenStore.makeMemory() })
 * ```
 *
 * @since 0.1.0
 */
export const bind = (config: AuthorizationCode.Config, options: ProviderConsentOptions): Handlers =>
  make({
    config,
    redirectUri: options.redirectUri,
    tokenStore: options.tokenStore,
    stateTtl: options.stateTtl,
    defaultReturnTo: options.defaultReturnTo,
    allowReturnTo: options.allowReturnTo,
    onConnected: options.onConnected,
  })

/**
 * What `start` takes besides the request.
 *
 * @example
 * ```ts
 * import type { WebConsent } from "@keyway/auth-authorization-code"
 * declare const consent: WebConsent.Handlers
 * declare const session: { readonly accountId: string }
 * const start = (request: Request) => {
 *   const input: WebConsent.StartInput = { connection: session.accountId, returnTo: "/settings", scopes: ["r_jobs"] }
 *   return consent.start(request, input)
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface StartInput {
  /** The connection id (from the app's session); default the query's `connection`, else `default`. */
  readonly connection?: string | undefined
  /** Where to send the user after the callback; default the query's `returnTo`. */
  readonly returnTo?: string | undefined
  /** The scopes to ask for; default the config's. Stored under the config's grant scopes. */
  readonly scopes?: ReadonlyArray<string> | undefined
}

/**
 * The two handlers, in Promise form (on `options.tokenStore`) and Effect form (on the TokenStore
 * in context).
 *
 * @example
 * ```ts
 * import type { WebConsent } from "@keyway/auth-authorization-code"
 * declare const consent: WebConsent.Handlers
 * // Next.js route handlers (app/oauth/[step]/route.ts): web-standard Request → Response
 * export const GET = (request: Request) =>
 *   new URL(request.url).pathname.endsWith("/callback") ? consent.callback(request) : consent.start(request)
 * ```
 *
 * @since 0.1.0
 */
export interface Handlers {
  readonly provider: string
  readonly redirectUri: string
  readonly start: (request: Request, input?: StartInput) => Promise<Response>
  readonly callback: (request: Request) => Promise<Response>
  readonly startEffect: (
    request: Request,
    input?: StartInput,
  ) => Effect.Effect<Response, never, TokenStore.TokenStore>
  readonly callbackEffect: (request: Request) => Effect.Effect<Response, never, TokenStore.TokenStore>
  /** Releases a store built from a layer. */
  readonly dispose: () => Promise<void>
}

/** A pending consent, as kept (inside a `Redacted`) in the store. */
interface Pending {
  readonly provider: string
  readonly connection: string
  readonly codeVerifier: string | undefined
  readonly returnTo: string | undefined
  readonly redirectUri: string
}

const connectionPattern = /^[\w.@:+-]{1,128}$/

/**
 * Whether a connection id is acceptable: 1 to 128 letters, digits and `_ . @ : + -`.
 *
 * @example
 * ```ts
 * import { WebConsent } from "@keyway/auth-authorization-code"
 * WebConsent.isConnectionId("acme-42") // true
 * WebConsent.isConnectionId("../x") // false
 * ```
 *
 * @since 0.1.0
 */
export const isConnectionId = (id: string): boolean => connectionPattern.test(id)

/**
 * The store key of a pending consent: a hash of its `state`, so that a look into the store does
 * not give a usable state.
 *
 * @example
 * ```ts
 * import { WebConsent } from "@keyway/auth-authorization-code"
 * WebConsent.pendingKey("workable", "s1").provider // "keyway.consent"
 * ```
 *
 * @since 0.1.0
 */
export const pendingKey = (provider: string, state: string): TokenStore.TokenKey =>
  TokenStore.key({
    provider: pendingProvider,
    connection: createHash("sha256").update(`${provider}\0${state}`).digest("base64url"),
    scopes: [],
  })

const relativeOnly = (returnTo: string) =>
  returnTo.startsWith("/") && !returnTo.startsWith("//") && !returnTo.includes("\\")

const text = (status: number, body: string) =>
  new Response(`${body}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  })

const redirect = (status: 302 | 303, location: string) =>
  new Response(null, { status, headers: { location, "cache-control": "no-store" } })

/**
 * Builds the handlers of one provider.
 *
 * @example
 * ```ts
 * import { StrategyConfig, WebConsent } from "@keyway/auth-authorization-code"
 * import { TokenStore } from "@keyway/core"
 * const handlers = WebConsent.make({
 *   config: StrategyConfig.make(
 *     { type: "oauth2-authorization-code", authorizeUrl: "https://auth.example/authorize", tokenUrl: "https://auth.example/token" },
 *     { provider: "example", clientId: "id", clientSecret: "secret" },
 *   ),
 *   redirectUri: "https://app.example/callback",
 *   tokenStore: TokenStore.makeMemory(),
 * })
 * const response = await handlers.start(new Request("https://app.example/start?connection=acme"))
 * response.status // 302
 * ```
 *
 * @since 0.1.0
 */
export const make = (options: Options): Handlers => {
  const base = options.config
  const provider = base.provider
  const ttlMs =
    options.stateTtl !== undefined
      ? Duration.toMillis(Duration.fromInputUnsafe(options.stateTtl))
      : (base.stateTtl ?? 600) * 1000
  const allow = options.allowReturnTo ?? relativeOnly
  const grantScopes = AuthorizationCode.grantScopesOf(base)

  const startEffect = (request: Request, input: StartInput = {}) =>
    Effect.gen(function* () {
      const url = new URL(request.url)
      const connection = input.connection ?? url.searchParams.get("connection") ?? "default"
      if (!isConnectionId(connection)) return text(400, "invalid connection id")
      const returnTo = input.returnTo ?? url.searchParams.get("returnTo") ?? undefined
      if (returnTo !== undefined && !allow(returnTo)) return text(400, "returnTo is not allowed")
      const config = StrategyConfig.forConnection(base, connection)
      const started = yield* Effect.try({
        try: () =>
          AuthorizationCode.consent(config).authorizeUrl({
            redirectUri: options.redirectUri,
            scopes: input.scopes,
          }),
        catch: (error) => (error instanceof Error ? error.message : "the authorize URL cannot be built"),
      }).pipe(Effect.result)
      if (started._tag === "Failure") return text(500, started.failure)
      const pending: Pending = {
        provider,
        connection,
        codeVerifier: started.success.codeVerifier,
        returnTo,
        redirectUri: options.redirectUri,
      }
      const now = yield* Clock.currentTimeMillis
      const store = yield* TokenStore.TokenStore
      const written = yield* store.compareAndSet(pendingKey(provider, started.success.state), undefined, {
        accessToken: Redacted.make(JSON.stringify(pending)),
        obtainedAt: now,
        expiresAt: now + ttlMs,
        revision: TokenStore.newRevision(),
      })
      if (!written) return text(500, "could not keep the consent state")
      return redirect(302, started.success.url)
    }).pipe(
      Effect.catch((error) => Effect.succeed(text(503, `the token store is unavailable (${error.reason})`))),
      Effect.withSpan("WebConsent.start", { attributes: { provider } }),
    )

  const callbackEffect = (request: Request) =>
    Effect.gen(function* () {
      const url = new URL(request.url)
      const state = url.searchParams.get("state") ?? ""
      if (state.length === 0 || state.length > 512) return text(400, "the callback has no state")
      const store = yield* TokenStore.TokenStore
      const key = pendingKey(provider, state)
      const record = yield* store.get(key)
      const now = yield* Clock.currentTimeMillis
      if (record === undefined || record.accessToken === undefined)
        return text(400, "this consent is unknown, expired or already used: start again")
      // Single use: whoever deletes the record first completes the consent.
      if (!(yield* store.compareAndSet(key, record, undefined)))
        return text(400, "this consent is unknown, expired or already used: start again")
      if (record.expiresAt !== undefined && now >= record.expiresAt)
        return text(400, "this consent expired: start again")
      const pending = JSON.parse(Redacted.value(record.accessToken)) as Pending
      if (pending.provider !== provider) return text(400, "this consent belongs to another provider")
      const config = StrategyConfig.forConnection(base, pending.connection)
      const grantKey = TokenStore.key({ provider, connection: pending.connection, scopes: grantScopes })
      const before = yield* store.get(grantKey)
      // The state was checked above (found by its hash, deleted with compare-and-set, within its
      // TTL): what is left is the plugin's exchange.
      const result = yield* AuthorizationCode.exchange(config, {
        query: url.searchParams,
        codeVerifier: pending.codeVerifier,
        redirectUri: pending.redirectUri,
      }).pipe(Effect.result)
      if (result._tag === "Failure") {
        const error = result.failure
        return error._tag === "CallbackRejected"
          ? text(400, error.message)
          : text(502, `the code exchange failed: ${error.message}`)
      }
      const stored = result.success
      if (options.onConnected !== undefined) {
        yield* options.onConnected({
          provider,
          connection: pending.connection,
          scopes: grantScopes,
          reconnected: before !== undefined,
          expiresAt: stored.expiresAt,
          grantedScope: stored.scope,
        })
      }
      const returnTo = pending.returnTo ?? options.defaultReturnTo
      if (returnTo !== undefined) return redirect(303, returnTo)
      return text(200, `Connected ${provider} (${pending.connection}). You can close this window.`)
    }).pipe(
      Effect.catch((error: Errors.TokenStoreUnavailable) =>
        Effect.succeed(text(503, `the token store is unavailable (${error.reason})`)),
      ),
      Effect.withSpan("WebConsent.callback", { attributes: { provider } }),
    )

  let runtime: ManagedRuntime.ManagedRuntime<TokenStore.TokenStore, unknown> | undefined
  const run = (effect: Effect.Effect<Response, never, TokenStore.TokenStore>): Promise<Response> => {
    const quiet = Effect.provideService(effect, References.MinimumLogLevel, "Warn")
    const given = options.tokenStore
    if (!Layer.isLayer(given)) {
      return Effect.runPromise(
        Effect.provideService(quiet, TokenStore.TokenStore, given as TokenStore.TokenStoreShape),
      )
    }
    runtime ??= ManagedRuntime.make(given as Layer.Layer<TokenStore.TokenStore, unknown>)
    return runtime.runPromise(quiet).catch(() => text(503, "the token store cannot be opened"))
  }

  return {
    provider,
    redirectUri: options.redirectUri,
    start: (request, input) => run(startEffect(request, input)),
    callback: (request) => run(callbackEffect(request)),
    startEffect,
    callbackEffect,
    dispose: async () => {
      await runtime?.dispose()
      runtime = undefined
    },
  }
}

/**
 * Removes pending consents past their TTL (Redis drops them by itself; SQLite and memory keep
 * them until this runs). Needs a store with `list`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { WebConsent } from "@keyway/auth-authorization-code"
 * const removed = WebConsent.purgeExpired.pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const purgeExpired: Effect.Effect<number, Errors.TokenStoreUnavailable, TokenStore.TokenStore> =
  Effect.gen(function* () {
    const store = yield* TokenStore.TokenStore
    if (store.list === undefined) return 0
    const now = yield* Clock.currentTimeMillis
    let removed = 0
    for (const { key, token } of yield* store.list(pendingProvider)) {
      if (
        token.expiresAt !== undefined &&
        now >= token.expiresAt &&
        (yield* store.compareAndSet(key, token, undefined))
      )
        removed++
    }
    return removed
  })
