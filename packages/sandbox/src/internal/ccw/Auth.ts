/**
 * CCW's authorization: a Keycloak-style client-credentials token endpoint per realm that wants a
 * JSON body (and the documented `client_credential` grant type), HS256 JWT access tokens, and the
 * check of the API routes: the token, CCW's required headers (JSON content type, a correlation id
 * of at most 36 characters) and the operation's scope.
 *
 * @example
 * ```ts
 * import { startCcwSandbox } from "@keyway/sandbox"
 * await using sb = await startCcwSandbox()
 * const { clientId, clientSecret } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, scope: "ccw.candidate", grant_type: "client_credential" }),
 * }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { signHs256 } from "../../Jwt.ts"
import { checkBearer, findClient, refuseBearer, sendOAuthError } from "../Api.ts"
import { basicCredentials, bearerToken, sendJson } from "../Http.ts"
import type { Router } from "../Router.ts"
import type { Handler, RequestContext, Runtime } from "../SandboxServer.ts"
import { SCOPES } from "./Data.ts"
import { ccwError } from "./Errors.ts"

/**
 * A registered CCW API client.
 *
 * @example
 * ```ts
 * import type { CcwClient } from "@keyway/sandbox"
 * const client: CcwClient = { clientId: "ci", clientSecret: "cs", scopes: ["ccw.candidate"] }
 * ```
 */
export interface CcwClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Scopes the client may ask for (default: both). */
  readonly scopes?: readonly string[]
}

/**
 * The JSON fields of a token request (a form is refused: `undefined`).
 *
 * @example
 * ```ts
 * tokenFields(ctx)?.client_id // "keyway-ccw-client"
 * ```
 */
export const tokenFields = (ctx: RequestContext) => {
  const type = ctx.mediaType
  if (type === "application/x-www-form-urlencoded" || type === "multipart/form-data") return undefined
  return ctx.fields()
}

/**
 * Registers the token endpoint of every realm.
 *
 * @example
 * ```ts
 * import { startCcwSandbox } from "@keyway/sandbox"
 * await using sb = await startCcwSandbox()
 * const { clientId, clientSecret } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, scope: "ccw.candidate", grant_type: "client_credential" }),
 * }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const tokenRoute = (
  rt: Runtime,
  router: Router<Handler>,
  settings: {
    readonly clients: readonly CcwClient[]
    readonly realms: ReadonlySet<string>
    readonly grantTypes: readonly string[]
    readonly jwtSecret: string
  },
): void => {
  const { clients, realms, grantTypes, jwtSecret } = settings
  router.add("POST", "/auth/realms/{realm}/protocol/openid-connect/token", "token", (ctx) => {
    const res = ctx.res
    if (!realms.has(ctx.params.realm as string)) return sendJson(res, 404, { error: "Realm does not exist" })
    const body = tokenFields(ctx)
    if (!body)
      return sendOAuthError(
        ctx,
        400,
        "invalid_request",
        "The request body must be a JSON object (Content-Type: application/json)",
      )
    const grantType = body.grant_type
    if (typeof grantType !== "string" || !grantTypes.includes(grantType))
      return sendOAuthError(
        ctx,
        400,
        "unsupported_grant_type",
        `grant_type must be ${grantTypes.join(" or ")}`,
      )
    const basic = basicCredentials(ctx.req)
    const id = typeof body.client_id === "string" ? body.client_id : basic?.id
    const secret = typeof body.client_secret === "string" ? body.client_secret : basic?.secret
    const client = findClient(clients, id, secret)
    if (!client) return sendOAuthError(ctx, 401, "invalid_client", "Invalid client credentials")
    const requested = typeof body.scope === "string" ? body.scope.split(/\s+/).filter(Boolean) : []
    const allowed = client.scopes ?? SCOPES
    if (requested.length === 0) return sendOAuthError(ctx, 400, "invalid_scope", "scope is required")
    const bad = requested.filter((s) => !allowed.includes(s))
    if (bad.length > 0) return sendOAuthError(ctx, 400, "invalid_scope", `Invalid scopes: ${bad.join(" ")}`)
    const now = rt.clock.now()
    const lifetime = rt.lifetimes.access
    const tokenRealm = ctx.params.realm as string
    const grant = rt.store.grant(`${client.clientId}|${tokenRealm}`, {
      clientId: client.clientId,
      user: tokenRealm,
      scopes: allowed,
      data: { realm: tokenRealm },
    })
    const scope = requested.join(" ")
    const iat = Math.floor(now)
    const token = signHs256(
      {
        exp: iat + Math.round(lifetime),
        iat,
        jti: randomUUID(),
        iss: `${rt.origin}/auth/realms/${tokenRealm}`,
        sub: client.clientId,
        typ: "Bearer",
        azp: client.clientId,
        scope,
      },
      jwtSecret,
    )
    rt.store.issue("access", grant, lifetime, now, { token, scopes: requested })
    sendJson(res, 200, {
      access_token: token,
      expires_in: Math.round(lifetime),
      refresh_expires_in: 0,
      token_type: "Bearer",
      "not-before-policy": 0,
      scope,
    })
  })
}

/**
 * The API check: auth, required headers and scope; answers and returns false when the request is refused.
 *
 * @example
 * ```ts
 * if (guard(ctx, "ccw.candidate")) search(ctx)
 * ```
 */
export const guard = (ctx: RequestContext, scope: string): boolean => {
  const res = ctx.res
  const token = bearerToken(ctx.req)
  const check = checkBearer(ctx, "access")
  if (!check.ok) {
    const [sub, desc] =
      token === undefined
        ? ["E4010001", "Bearer token is missing"]
        : check.reason === "expired"
          ? ["E4010003", "Bearer token has expired"]
          : ["E4010002", "Bearer token is invalid"]
    refuseBearer(ctx, ccwError("E4010000", "Unauthorized", [[sub, desc]]), desc)
    return false
  }
  const causes: Array<[string, string]> = []
  if (ctx.mediaType !== "application/json")
    causes.push(["E4000001", "Content-Type header must be application/json"])
  const correlation = ctx.req.headers["x-correlation-id"]
  if (typeof correlation !== "string" || correlation === "")
    causes.push(["E4000001", "X-Correlation-id header is required"])
  else if (correlation.length > 36)
    causes.push(["E4000001", "X-Correlation-id must be at most 36 characters"])
  if (causes.length > 0) {
    sendJson(res, 400, ccwError("E4000000", "Missing required headers", causes))
    return false
  }
  if (!check.record.scopes.includes(scope)) {
    sendJson(
      res,
      403,
      ccwError("E4030000", "Forbidden", [["E4030001", `The access token does not carry the scope ${scope}`]]),
    )
    return false
  }
  return true
}
