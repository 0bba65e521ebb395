/**
 * Culture Amp's authorization: the client-credentials token endpoint (a form body, the client
 * in the body or with HTTP Basic, a `target-entity:<entity>:<permissions>` scope, HS256 JWT
 * access tokens) and the check of the API routes (the token, or a JWT this sandbox's secret
 * signed, and one of the operation's permissions).
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox } from "@keyway/sandbox"
 * await using sb = await startCultureAmpSandbox()
 * const { clientId, clientSecret, scope } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
 *   body: new URLSearchParams({ grant_type: "client_credentials", scope }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${access_token}` }
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { signHs256, verifyHs256 } from "../../Jwt.ts"
import { findClient, refuseBearer, sendOAuthError } from "../Api.ts"
import { basicCredentials, bearerToken, sendJson, str } from "../Http.ts"
import type { Router } from "../Router.ts"
import type { Handler, RequestContext, Runtime } from "../SandboxServer.ts"

/** Permissions the scope may name. The spec's endpoints use the first four. */
export const PERMISSIONS = [
  "employees-read",
  "employee-demographics-read",
  "performance-evaluations-read",
  "surveys-read",
  "manager-reviews-read",
  "performance-cycles-read",
  "goals-read",
]
/** The permissions of each group of operations (one of them is enough). */
export const EMPLOYEES = ["employees-read"]
export const DEMOGRAPHICS = ["employee-demographics-read"]
export const REVIEWS = ["performance-evaluations-read", "manager-reviews-read"]
export const CYCLES = ["performance-evaluations-read", "performance-cycles-read"]
export const SURVEYS = ["surveys-read"]
const SCOPE_PATTERN = /^target-entity:([^:\s]+):([a-z0-9-]+(?:,[a-z0-9-]+)*)$/

/**
 * A Culture Amp API credential.
 *
 * @example
 * ```ts
 * const c: CultureAmpClient = { clientId: "id", clientSecret: "secret", permissions: ["employees-read"] }
 * ```
 */
export interface CultureAmpClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Permissions this credential was scoped with (default: all). */
  readonly permissions?: readonly string[]
}

/**
 * Sends Culture Amp's error body, `{ code, message }`.
 *
 * @example
 * ```ts
 * const error: CultureAmpError = (ctx, code, message, headers) => sendJson(ctx.res, code, { code, message }, headers)
 * ```
 */
export type CultureAmpError = (
  ctx: RequestContext,
  code: number,
  message: string,
  headers?: Record<string, string>,
) => void

/**
 * The client a token request names: its form body, its HTTP Basic credentials and the client id.
 *
 * @example
 * ```ts
 * clientOf(ctx).id // "keyway-cultureamp-client"
 * ```
 */
export const clientOf = (ctx: RequestContext) => {
  const body = ctx.mediaType === "application/x-www-form-urlencoded" ? ctx.fields() : undefined
  const basic = basicCredentials(ctx.req)
  return { body, basic, id: str(body, "client_id") ?? basic?.id }
}

/**
 * Registers `POST /v1/oauth2/token`.
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox } from "@keyway/sandbox"
 * await using sb = await startCultureAmpSandbox()
 * const { clientId, clientSecret, scope } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
 *   body: new URLSearchParams({ grant_type: "client_credentials", scope }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${access_token}` }
 * ```
 */
export const tokenRoute = (
  rt: Runtime,
  router: Router<Handler>,
  settings: {
    readonly clients: readonly CultureAmpClient[]
    readonly entityId: string
    readonly jwtSecret: string
  },
): void => {
  const { clients, entityId, jwtSecret } = settings
  router.add("POST", "/v1/oauth2/token", "token", (ctx) => {
    const oauth = (status: number, err: string, description: string) =>
      sendOAuthError(ctx, status, err, description)
    const { body, basic } = clientOf(ctx)
    if (!body)
      return oauth(
        400,
        "invalid_request",
        "Content-Type must be application/x-www-form-urlencoded with a form body",
      )
    const bodyId = str(body, "client_id")
    const bodySecret = str(body, "client_secret")
    if (
      basic &&
      bodyId !== undefined &&
      (basic.id !== bodyId || (bodySecret !== undefined && basic.secret !== bodySecret))
    )
      return oauth(
        401,
        "invalid_client",
        "Client credentials in the body and the Authorization header differ",
      )
    const id = basic?.id ?? bodyId
    const secret = basic?.secret ?? bodySecret
    const client = findClient(clients, id, secret)
    if (!client) return oauth(401, "invalid_client", "Client authentication failed")
    if (str(body, "grant_type") !== "client_credentials")
      return oauth(400, "unsupported_grant_type", "grant_type must be client_credentials")
    const scope = str(body, "scope")
    const match = scope ? SCOPE_PATTERN.exec(scope) : null
    if (!scope || !match)
      return oauth(
        400,
        "invalid_scope",
        "scope must be target-entity:<entity id>:<comma separated permissions>",
      )
    if (match[1] !== entityId) return oauth(400, "invalid_scope", `Unknown target entity ${match[1]}`)
    const permissions = (match[2] as string).split(",")
    const allowed = client.permissions ?? PERMISSIONS
    const bad = permissions.filter((p) => !PERMISSIONS.includes(p) || !allowed.includes(p))
    if (bad.length > 0) return oauth(400, "invalid_scope", `Permissions not granted: ${bad.join(",")}`)
    const now = rt.clock.now()
    const lifetime = rt.lifetimes.access
    const iat = Math.floor(now)
    const token = signHs256(
      {
        iss: rt.origin,
        sub: client.clientId,
        aud: "public-api",
        scope,
        entity_id: entityId,
        permissions,
        iat,
        exp: iat + Math.round(lifetime),
        jti: randomUUID(),
      },
      jwtSecret,
    )
    const grant = rt.store.grant(`${client.clientId}|${entityId}`, {
      clientId: client.clientId,
      user: entityId,
      scopes: allowed,
    })
    rt.store.issue("access", grant, null, now, {
      token,
      scopes: permissions,
      expiresAt: iat + Math.round(lifetime),
    })
    sendJson(ctx.res, 200, {
      access_token: token,
      expires_in: Math.round(lifetime),
      scope,
      token_type: "Bearer",
    })
  })
}

/**
 * The API check: a live token of the store, or one this secret signed that has not expired, and
 * one of the operation's permissions (`403` otherwise). Answers and returns `false` when refused.
 *
 * @example
 * ```ts
 * const guard = permissionGuard(rt, jwtSecret, error)
 * if (guard(ctx, ["employees-read"])) serve(ctx)
 * ```
 */
export const permissionGuard =
  (rt: Runtime, jwtSecret: string, error: CultureAmpError) =>
  (ctx: RequestContext, permissions: readonly string[]): boolean => {
    const token = bearerToken(ctx.req)
    const now = rt.clock.now()
    const check = rt.store.check(token, now, "access")
    let granted: readonly string[] | undefined
    let reason = check.ok ? undefined : check.reason
    if (check.ok) granted = check.record.scopes
    else if (reason === "invalid" && token !== undefined) {
      // a JWT this sandbox signed but does not remember (another instance, same secret)
      const verified = verifyHs256(token, jwtSecret)
      if (verified.ok) {
        const exp = verified.payload.exp
        if (typeof exp === "number" && exp > now) {
          granted = Array.isArray(verified.payload.permissions)
            ? (verified.payload.permissions as string[])
            : []
          reason = undefined
        } else reason = "expired"
      }
    }
    if (granted === undefined) {
      const message = reason === "expired" ? "Token expired" : "Unauthorized"
      refuseBearer(ctx, { code: 401, message }, message)
      return false
    }
    if (!permissions.some((p) => granted.includes(p))) {
      error(ctx, 403, `Forbidden: this operation needs the ${permissions[0]} permission`)
      return false
    }
    return true
  }
