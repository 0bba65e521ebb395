/**
 * CCA's authorization: `POST /CcaAPI/session` logins that give short-lived session tokens,
 * `DELETE /CcaAPI/session` logouts, the same login as an OAuth 2.0 password grant
 * (`POST /CcaAPI/oauth/token`: form body, a public client, the module as `scope`), permanent
 * `A-…` tokens with optional expiration dates, and the check of the API routes (a live session or
 * permanent token).
 *
 * @example
 * ```ts
 * import { startCcaSandbox } from "@keyway/sandbox"
 * await using sb = await startCcaSandbox()
 * const { username, password, module } = sb.credentials
 * const { token } = (await fetch(sb.urls.sessionUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ username, password, module }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${token}` }
 * await fetch(sb.urls.sessionUrl!, { method: "DELETE", headers }) // 204: the session token is revoked
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import type { CcaPermanentToken, CcaUser } from "../../CcaServer.ts"
import { checkBearer, refuseBearer } from "../Api.ts"
import { sendEmpty, sendJson, str } from "../Http.ts"
import type { Router } from "../Router.ts"
import type { Handler, RequestContext, Runtime } from "../SandboxServer.ts"
import type { TokenRecord } from "../TokenStore.ts"

/**
 * A permanent token's expiry in seconds (`null`: never), from an ISO string or epoch seconds.
 *
 * @example
 * ```ts
 * parseExpiry("2024-01-01T00:00:00Z") // 1704067200
 * ```
 */
export const parseExpiry = (value: string | number | null | undefined): number | null => {
  if (value === null || value === undefined) return null
  if (typeof value === "number") return value
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new TypeError(`invalid permanent token expiresAt: ${value}`)
  return ms / 1000
}

/**
 * Answers CCA's error body, `{ message }`.
 *
 * @example
 * ```ts
 * message(ctx, 404, "Not found")
 * ```
 */
export const message = (ctx: RequestContext, status: number, text: string): void =>
  sendJson(ctx.res, status, { message: text })

/**
 * The API check: the bearer's record (a live session or permanent token), or `undefined` after answering 401.
 *
 * @example
 * ```ts
 * const record = sessionAuth(ctx)
 * if (record) sendJson(ctx.res, 200, { user: record.grant.user })
 * ```
 */
export const sessionAuth = (ctx: RequestContext): TokenRecord | undefined => {
  const check = checkBearer(ctx, "session", "static")
  if (check.ok) return check.record
  const text =
    check.reason === "expired" ? "Token expired" : "Authorization has been denied for this request."
  refuseBearer(ctx, { message: text }, text)
  return undefined
}

/**
 * Registers the session login and logout and the password grant, and issues the permanent tokens.
 *
 * @example
 * ```ts
 * import { startCcaSandbox } from "@keyway/sandbox"
 * await using sb = await startCcaSandbox()
 * const { username, password, module } = sb.credentials
 * const { token } = (await fetch(sb.urls.sessionUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ username, password, module }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${token}` }
 * ```
 */
export const authRoutes = (
  rt: Runtime,
  router: Router<Handler>,
  settings: {
    readonly users: readonly CcaUser[]
    /** The default module (of a user without `modules`, and of a password grant without `scope`). */
    readonly module: string
    readonly permanentTokens: readonly CcaPermanentToken[]
    readonly oauthClientId: string
  },
): void => {
  const { users, module, permanentTokens, oauthClientId } = settings
  const grantFor = (user: string, mod: string) =>
    rt.store.grant(`${mod}|${user}`, { clientId: mod, user, scopes: [mod], data: { module: mod } })
  for (const t of permanentTokens)
    rt.store.issue("static", grantFor(t.username, t.module), null, rt.clock.now(), {
      token: t.token,
      expiresAt: parseExpiry(t.expiresAt),
    })

  /** A session for a user's password and module: the record, or why not. */
  const login = (user: string, pass: string, mod: string): TokenRecord | "credentials" | "module" => {
    const known = users.find((u) => u.username === user)
    if (!known || known.password !== pass) return "credentials"
    if (!(known.modules ?? [module]).includes(mod)) return "module"
    return rt.store.issue("session", grantFor(user, mod), rt.lifetimes.session, rt.clock.now(), {
      token: `S-${randomUUID()}`,
    })
  }

  router.add("POST", "/CcaAPI/session", "login", (ctx) => {
    const body = ctx.fields()
    const user = str(body, "username")
    const pass = str(body, "password")
    const mod = str(body, "module")
    if (!user || pass === undefined || !mod)
      return message(ctx, 400, "username, password and module are required")
    const record = login(user, pass, mod)
    if (record === "credentials") return message(ctx, 401, "Invalid username or password")
    if (record === "module") return message(ctx, 401, `Module ${mod} is not allowed for this user`)
    sendJson(ctx.res, 200, { token: record.token, expiresIn: Math.round(rt.lifetimes.session) })
  })

  // The OAuth 2.0 password grant (RFC 6749 §4.3), as contact-center platforms offer it beside
  // their own login: a form body, a public client, and the CCA module as the `scope`.
  router.add("POST", "/CcaAPI/oauth/token", "login", (ctx) => {
    const body = ctx.fields() ?? {}
    const oauthError = (status: number, error: string) => sendJson(ctx.res, status, { error })
    if (str(body, "client_id") !== oauthClientId) return oauthError(401, "invalid_client")
    if (str(body, "grant_type") !== "password") return oauthError(400, "unsupported_grant_type")
    const user = str(body, "username")
    const pass = str(body, "password")
    const mod = str(body, "scope") ?? module
    if (!user || pass === undefined) return oauthError(400, "invalid_request")
    const record = login(user, pass, mod)
    if (record === "credentials") return oauthError(400, "invalid_grant")
    if (record === "module") return oauthError(400, "invalid_scope")
    sendJson(ctx.res, 200, {
      access_token: record.token,
      token_type: "Bearer",
      expires_in: Math.round(rt.lifetimes.session),
      scope: mod,
    })
  })

  router.add("DELETE", "/CcaAPI/session", "logout", (ctx) => {
    const record = sessionAuth(ctx)
    if (!record) return
    if (record.type !== "session") return message(ctx, 400, "Only session tokens can be logged out")
    record.revoked = true
    sendEmpty(ctx.res, 204)
  })
}
