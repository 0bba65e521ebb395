/**
 * What the authorization-code sandboxes (CCH, Workable) share: the registered applications and
 * their options, client authentication at the token and revocation endpoints, the `/authorize`
 * handler (auto-consent for one user), the redemption checks of codes and refresh tokens, and
 * how requests are attributed to a connection. Each provider keeps its own error messages,
 * scopes, token body and revocation rules.
 *
 * @example
 * ```ts
 * const { clientId, clientSecret, clients } = registeredClients(options, { clientId: "app", clientSecret: "s" })
 * router.add("GET", "/authorize", "authorize", authorizeHandler(rt, { clients, user, error, redirectUriError: "invalid_request", requireRedirectUri: true, scopes }))
 * ```
 *
 * @since 0.1.0
 */

import { bearerConnection, findClient } from "./Api.ts"
import { basicCredentials, sendEmpty, str } from "./Http.ts"
import type { RouteKind } from "./Router.ts"
import type { Handler, Identity, RequestContext, Runtime } from "./SandboxServer.ts"
import type { TokenRecord } from "./TokenStore.ts"

/**
 * A registered OAuth application.
 *
 * @example
 * ```ts
 * const app: OAuthApp = { clientId: "app", clientSecret: "s", redirectUris: ["http://127.0.0.1/cb"] }
 * ```
 */
export interface OAuthApp {
  readonly clientId: string
  readonly clientSecret: string
  /** Allowed redirect URIs (exact match); default: any. */
  readonly redirectUris?: readonly string[]
}

/**
 * The application options of an authorization-code sandbox.
 *
 * @example
 * ```ts
 * const options: OAuthAppOptions = { clientId: "app", redirectUris: ["http://127.0.0.1/cb"] }
 * ```
 */
export interface OAuthAppOptions {
  readonly clientId?: string
  readonly clientSecret?: string
  readonly redirectUris?: readonly string[]
  readonly clients?: readonly OAuthApp[]
}

/**
 * The default application (with the options' id, secret and redirect URIs) followed by the
 * options' other applications.
 *
 * @example
 * ```ts
 * const { clients } = registeredClients({ clients: [other] }, { clientId: "app", clientSecret: "s" })
 * clients.length // 2
 * ```
 */
export const registeredClients = (
  options: OAuthAppOptions | undefined,
  defaults: { readonly clientId: string; readonly clientSecret: string },
): { readonly clientId: string; readonly clientSecret: string; readonly clients: OAuthApp[] } => {
  const clientId = options?.clientId ?? defaults.clientId
  const clientSecret = options?.clientSecret ?? defaults.clientSecret
  const clients: OAuthApp[] = [
    options?.redirectUris
      ? { clientId, clientSecret, redirectUris: options.redirectUris }
      : { clientId, clientSecret },
    ...(options?.clients ?? []),
  ]
  return { clientId, clientSecret, clients }
}

/**
 * The registered application with this id.
 *
 * @example
 * ```ts
 * knownClient(clients, "app")?.redirectUris
 * ```
 */
export const knownClient = (clients: readonly OAuthApp[], id: string | undefined): OAuthApp | undefined =>
  clients.find((c) => c.clientId === id)

/**
 * The application that authenticated with `client_id`/`client_secret` in the body or HTTP Basic,
 * or `undefined`.
 *
 * @example
 * ```ts
 * const client = authenticateClient(clients, ctx, ctx.fields())
 * ```
 */
export const authenticateClient = (
  clients: readonly OAuthApp[],
  ctx: RequestContext,
  body: Record<string, unknown> | undefined,
): OAuthApp | undefined => {
  const basic = basicCredentials(ctx.req)
  return findClient(clients, str(body, "client_id") ?? basic?.id, str(body, "client_secret") ?? basic?.secret)
}

/**
 * Sends a provider's OAuth error (`{ error, error_description }` in its media type).
 *
 * @example
 * ```ts
 * const error: OAuthError = (ctx, status, error, description) => sendJson(ctx.res, status, { error, error_description: description })
 * ```
 */
export type OAuthError = (ctx: RequestContext, status: number, error: string, description: string) => void

/**
 * How one provider's `/authorize` differs.
 *
 * @example
 * ```ts
 * const settings: AuthorizeSettings = { clients, user: "2001", error, redirectUriError: "invalid_request", requireRedirectUri: true, scopes: () => ({ scopes: ["read"] }) }
 * ```
 */
export interface AuthorizeSettings {
  readonly clients: readonly OAuthApp[]
  /** The user who consents. */
  readonly user: string
  readonly error: OAuthError
  /** The error code of a missing, relative or unregistered `redirect_uri`. */
  readonly redirectUriError: string
  /** Whether a missing `redirect_uri` is said so (otherwise it is not an absolute URL). */
  readonly requireRedirectUri: boolean
  /** The granted scopes, or the error to redirect with (after `response_type` is checked). */
  readonly scopes: (
    query: URLSearchParams,
  ) => { readonly scopes: readonly string[] } | { readonly error: string; readonly error_description: string }
}

/**
 * The `/authorize` handler: auto-consent by the one user, a ten-minute code bound to the
 * `redirect_uri`, errors before the redirect URI is known as a JSON 400 and after it as a redirect
 * (with `state`).
 *
 * @example
 * ```ts
 * router.add("GET", "/authorize", "authorize", authorizeHandler(rt, settings))
 * ```
 */
export const authorizeHandler =
  (rt: Runtime, settings: AuthorizeSettings): Handler =>
  (ctx) => {
    const { error, redirectUriError } = settings
    const q = ctx.query
    const client = knownClient(settings.clients, q.get("client_id") ?? undefined)
    if (!client) return error(ctx, 400, "invalid_client", "Unknown client_id")
    const redirectUri = q.get("redirect_uri")
    if (settings.requireRedirectUri && !redirectUri)
      return error(ctx, 400, redirectUriError, "redirect_uri is required")
    let target: URL
    try {
      target = new URL(redirectUri ?? "")
    } catch {
      return error(ctx, 400, redirectUriError, "redirect_uri must be an absolute URL")
    }
    if (client.redirectUris && !client.redirectUris.includes(redirectUri as string))
      return error(ctx, 400, redirectUriError, "redirect_uri is not registered for this client")
    const state = q.get("state")
    const redirect = (params: Record<string, string>) => {
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v)
      if (state !== null) target.searchParams.set("state", state)
      sendEmpty(ctx.res, 302, { location: target.toString() })
    }
    if (q.get("response_type") !== "code")
      return redirect({
        error: "unsupported_response_type",
        error_description: "response_type must be code",
      })
    const granted = settings.scopes(q)
    if ("error" in granted) return redirect(granted)
    const grant = rt.store.newGrant(`${client.clientId}|${settings.user}`, {
      clientId: client.clientId,
      user: settings.user,
      scopes: granted.scopes,
    })
    const code = rt.store.issue("code", grant, 600, rt.clock.now(), { redirectUri: redirectUri as string })
    redirect({ code: code.token })
  }

/**
 * Why a code or refresh token was refused: invalid (unknown, used, revoked), expired, issued to
 * another client, or (a code) redeemed with another `redirect_uri`.
 *
 * @example
 * ```ts
 * const reason: Refusal = "other-client"
 * ```
 */
export type Refusal = "invalid" | "expired" | "other-client" | "redirect-mismatch"

/**
 * Redeems an authorization code for `client` (a checked code is used up, refused or not).
 *
 * @example
 * ```ts
 * const redeemed = redeemCode(rt, body, client, rt.clock.now())
 * if (redeemed.ok) issue(redeemed.record)
 * ```
 */
export const redeemCode = (
  rt: Runtime,
  body: Record<string, unknown>,
  client: OAuthApp,
  now: number,
): Checked => {
  const check = rt.store.check(str(body, "code"), now, "code")
  if (!check.ok) return { ok: false, reason: "invalid" }
  const code = check.record
  code.revoked = true
  if (code.grant.clientId !== client.clientId) return { ok: false, reason: "other-client" }
  if (str(body, "redirect_uri") !== code.redirectUri) return { ok: false, reason: "redirect-mismatch" }
  return { ok: true, record: code }
}

/**
 * Checks a presented refresh token for `client` (the caller decides whether it rotates).
 *
 * @example
 * ```ts
 * const checked = checkRefresh(rt, body, client, rt.clock.now())
 * ```
 */
export const checkRefresh = (
  rt: Runtime,
  body: Record<string, unknown>,
  client: OAuthApp,
  now: number,
): Checked => {
  const check = rt.store.check(str(body, "refresh_token"), now, "refresh")
  if (!check.ok) return { ok: false, reason: check.reason === "expired" ? "expired" : "invalid" }
  if (check.record.grant.clientId !== client.clientId) return { ok: false, reason: "other-client" }
  return { ok: true, record: check.record }
}

/**
 * The outcome of redeeming a code or checking a refresh token.
 *
 * @example
 * ```ts
 * const checked: Checked = checkRefresh(rt, body, client, now)
 * if (!checked.ok) checked.reason // "expired"
 * ```
 */
export type Checked =
  | { readonly ok: true; readonly record: TokenRecord }
  | { readonly ok: false; readonly reason: Refusal }

/**
 * How one provider's token endpoint answers each grant.
 *
 * @example
 * ```ts
 * const settings: TokenEndpointSettings = { clients, error, noBody: "The body must be JSON or a form", invalidClient, code: (ctx, redeemed, now) => {}, refresh: (ctx, checked, now) => {} }
 * ```
 */
export interface TokenEndpointSettings {
  readonly clients: readonly OAuthApp[]
  readonly error: OAuthError
  /** The description of the `invalid_request` a request without fields gets. */
  readonly noBody: string
  /** Answers a request whose client does not authenticate. */
  readonly invalidClient: (ctx: RequestContext) => void
  /** Answers `grant_type=authorization_code` once the code was redeemed (or refused). */
  readonly code: (ctx: RequestContext, redeemed: Checked, now: number) => void
  /** Answers `grant_type=refresh_token` once the refresh token was checked (or refused). */
  readonly refresh: (ctx: RequestContext, checked: Checked, now: number) => void
}

/**
 * The token endpoint of an authorization-code provider: the fields (`invalid_request` without
 * them), the client's authentication, then the code or refresh grant (any other grant type is
 * `unsupported_grant_type`).
 *
 * @example
 * ```ts
 * router.add("POST", "/token", "token", tokenHandler(rt, settings))
 * ```
 */
export const tokenHandler =
  (rt: Runtime, settings: TokenEndpointSettings): Handler =>
  (ctx) => {
    const body = ctx.fields()
    if (!body) return settings.error(ctx, 400, "invalid_request", settings.noBody)
    const client = authenticateClient(settings.clients, ctx, body)
    if (!client) return settings.invalidClient(ctx)
    const now = rt.clock.now()
    const grantType = str(body, "grant_type")
    if (grantType === "authorization_code") return settings.code(ctx, redeemCode(rt, body, client, now), now)
    if (grantType === "refresh_token") return settings.refresh(ctx, checkRefresh(rt, body, client, now), now)
    return settings.error(
      ctx,
      400,
      "unsupported_grant_type",
      "grant_type must be authorization_code or refresh_token",
    )
  }

/**
 * Issues the user's non-expiring static tokens (API keys) into the sandbox store.
 *
 * @example
 * ```ts
 * issueStatic(rt, "api-key", "2001", ["read"], ["cch-api-key-keyway-0001"])
 * ```
 */
export const issueStatic = (
  rt: Runtime,
  clientId: string,
  user: string,
  scopes: readonly string[],
  tokens: readonly string[],
): void => {
  for (const token of tokens)
    rt.store.issue(
      "static",
      rt.store.grant(`${clientId}|${user}`, { clientId, user, scopes }),
      null,
      rt.clock.now(),
      { token },
    )
}

/**
 * The connection a request belongs to: the client and user at `/authorize`, the bearer token's
 * grant on the API, the presented code or token's grant (else the client and user) at the token
 * and revocation endpoints, which also tell a refresh apart.
 *
 * @example
 * ```ts
 * identify: identifyConnection(rt, "2001"),
 * ```
 */
export const identifyConnection =
  (rt: Runtime, user: string) =>
  (ctx: RequestContext, kind: RouteKind): Identity => {
    if (kind === "authorize") {
      const id = ctx.query.get("client_id")
      return { connection: id === null ? undefined : `${id}|${user}` }
    }
    if (kind === "api") return { connection: bearerConnection(rt, ctx) }
    const body = ctx.fields()
    const id = str(body, "client_id") ?? basicCredentials(ctx.req)?.id
    const presented = str(body, "refresh_token") ?? str(body, "token") ?? str(body, "code")
    const record = presented === undefined ? undefined : rt.store.get(presented)
    return {
      connection: record?.grant.connection ?? (id === undefined ? undefined : `${id}|${user}`),
      refresh: str(body, "grant_type") === "refresh_token",
    }
  }
