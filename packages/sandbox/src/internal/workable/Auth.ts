/**
 * Workable's authorization (`www.workable.com`): OAuth 2.0 authorization code with `+`-joined
 * scopes and `resource=user`, a token endpoint that takes multipart or urlencoded forms and
 * rotates the refresh token on every refresh, revocation, static API tokens with every scope,
 * and the bearer and scope check of the SPI v3 routes.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const consent = new URL(sb.urls.authorizeUrl!)
 * consent.search = new URLSearchParams({ client_id: sb.credentials.clientId, response_type: "code", resource: "user", scope: "r_jobs+r_candidates", redirect_uri: "http://127.0.0.1/cb" }).toString()
 * const redirect = await fetch(consent, { redirect: "manual" }) // 302 to the redirect URI with a code
 * ```
 *
 * @since 0.1.0
 */

import { checkBearer, refuseBearer, sendOAuthError } from "../Api.ts"
import {
  authenticateClient,
  authorizeHandler,
  issueStatic,
  type OAuthApp,
  tokenHandler,
} from "../AuthorizationCode.ts"
import { sendJson, str } from "../Http.ts"
import type { Router } from "../Router.ts"
import type { Handler, RequestContext, Runtime } from "../SandboxServer.ts"
import type { TokenRecord } from "../TokenStore.ts"

/** Every scope the Workable sandbox knows. */
export const SCOPES = [
  "r_jobs",
  "w_jobs",
  "r_candidates",
  "w_candidates",
  "r_employees",
  "w_employees",
  "r_requisitions",
  "w_requisitions",
]

/**
 * Who may authenticate: the registered applications, the consenting member and the static tokens.
 *
 * @example
 * ```ts
 * const who: WorkableAuthSettings = { clients, userId: workableId("member", 0), apiTokens: ["wk-api-token"] }
 * ```
 */
export interface WorkableAuthSettings {
  readonly clients: readonly OAuthApp[]
  readonly userId: string
  readonly apiTokens: readonly string[]
}

/**
 * Registers `/oauth/authorize`, `/oauth/token` and `/oauth/revoke` and issues the static API tokens.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const consent = new URL(sb.urls.authorizeUrl!)
 * consent.search = new URLSearchParams({ client_id: sb.credentials.clientId, response_type: "code", resource: "user", scope: "r_jobs+r_candidates", redirect_uri: "http://127.0.0.1/cb" }).toString()
 * const redirect = await fetch(consent, { redirect: "manual" }) // 302 to the redirect URI with a code
 * ```
 */
export const authRoutes = (rt: Runtime, router: Router<Handler>, settings: WorkableAuthSettings): void => {
  const { clients, userId, apiTokens } = settings
  const oauth = sendOAuthError

  router.add(
    "GET",
    "/oauth/authorize",
    "authorize",
    authorizeHandler(rt, {
      clients,
      user: userId,
      error: oauth,
      redirectUriError: "invalid_redirect_uri",
      requireRedirectUri: false,
      scopes: (q) => {
        if (q.get("resource") !== "user")
          return { error: "invalid_request", error_description: "resource must be user" }
        // `scope=r_jobs+r_candidates`: the `+` arrives as a space; an encoded `%2B` as a plus
        const scopes = (q.get("scope") ?? "").split(/[\s+]+/).filter(Boolean)
        if (scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s)))
          return {
            error: "invalid_scope",
            error_description: `scopes must be among ${SCOPES.join(" ")}`,
          }
        return { scopes: [...new Set(scopes)] }
      },
    }),
  )

  const invalidClient = (ctx: RequestContext) =>
    oauth(
      ctx,
      401,
      "invalid_client",
      "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
    )

  const issue = (ctx: RequestContext, record: TokenRecord, at: number) => {
    const access = rt.store.issue("access", record.grant, rt.lifetimes.access, at)
    const refresh = rt.store.issue("refresh", record.grant, rt.lifetimes.refresh, at)
    sendJson(ctx.res, 200, {
      access_token: access.token,
      token_type: "bearer",
      expires_in: Math.round(rt.lifetimes.access),
      refresh_token: refresh.token,
      scope: record.grant.scopes.join(" "),
      created_at: Math.floor(at),
    })
  }

  router.add(
    "POST",
    "/oauth/token",
    "token",
    tokenHandler(rt, {
      clients,
      error: oauth,
      noBody: "Send the fields as multipart/form-data or a urlencoded form",
      invalidClient,
      code: (ctx, redeemed, at) => {
        if (!redeemed.ok)
          return oauth(
            ctx,
            400,
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
          )
        issue(ctx, redeemed.record, at)
      },
      refresh: (ctx, checked, at) => {
        if (!checked.ok)
          return oauth(
            ctx,
            401,
            "invalid_grant",
            "The refresh token is invalid, used or revoked: authorize again",
          )
        checked.record.revoked = true
        issue(ctx, checked.record, at)
      },
    }),
  )

  router.add("POST", "/oauth/revoke", "revoke", (ctx) => {
    const body = ctx.fields()
    if (!authenticateClient(clients, ctx, body)) return invalidClient(ctx)
    const token = str(body, "token")
    if (!token) return oauth(ctx, 400, "invalid_request", "token is required")
    const record = rt.store.get(token)
    if (record && (record.type === "refresh" || record.type === "access")) record.grant.revoked = true
    sendJson(ctx.res, 200, {})
  })

  issueStatic(rt, "api-token", userId, SCOPES, apiTokens)
}

/**
 * The SPI v3 check: a live access or static token (`401` with Workable's challenge otherwise)
 * carrying `scope` unless it is `undefined` (`403` otherwise). Answers and returns `false` when refused.
 *
 * @example
 * ```ts
 * const guard = spiGuard(fail)
 * router.add("GET", "/spi/v3/jobs", "api", (ctx) => { if (guard(ctx, "r_jobs")) list(ctx) })
 * ```
 */
export const spiGuard =
  (fail: (ctx: RequestContext, status: number, error: string, extra?: Record<string, unknown>) => void) =>
  (ctx: RequestContext, scope: string | undefined): boolean => {
    const check = checkBearer(ctx, "access", "static")
    if (!check.ok) {
      const description =
        check.reason === "expired"
          ? "The access token expired"
          : check.reason === "revoked"
            ? "The access token was revoked"
            : "The access token is invalid"
      refuseBearer(ctx, { error: "Not authorized", error_description: description }, description, {
        realm: "Workable",
      })
      return false
    }
    if (scope !== undefined && !check.record.scopes.includes(scope)) {
      fail(ctx, 403, "Forbidden", { error_description: `The access token lacks the ${scope} scope` })
      return false
    }
    return true
  }
