/**
 * CCH's authorization: the OAuth 2.0 authorization-code flow with auto-consent for the default
 * user (the only scope is `read`), a JSON (or form) token endpoint with refresh-token rotation
 * (optional) and two-week refresh tokens, RFC 7009 revocation (client authentication optional)
 * and the non-expiring API keys.
 *
 * @example
 * ```ts
 * import { startCchSandbox } from "@keyway/sandbox"
 * await using sb = await startCchSandbox()
 * const redirect = await fetch(`${sb.urls.authorizeUrl}?client_id=${sb.credentials.clientId}&response_type=code&state=s&scope=read&redirect_uri=http://127.0.0.1/cb`, { redirect: "manual" })
 * const code = new URL(redirect.headers.get("location")!).searchParams.get("code")
 * ```
 *
 * @since 0.1.0
 */

import {
  authenticateClient,
  authorizeHandler,
  issueStatic,
  type OAuthApp,
  tokenHandler,
} from "../AuthorizationCode.ts"
import { basicCredentials, sendEmpty, str } from "../Http.ts"
import type { Router } from "../Router.ts"
import type { Handler, RequestContext, Runtime } from "../SandboxServer.ts"
import type { TokenRecord } from "../TokenStore.ts"
import { oauthError, reply } from "./Reply.ts"

/**
 * Registers `/authorize`, `/token` and `/revoke` and issues the API keys.
 *
 * @example
 * ```ts
 * import { startCchSandbox } from "@keyway/sandbox"
 * await using sb = await startCchSandbox()
 * const redirect = await fetch(`${sb.urls.authorizeUrl}?client_id=${sb.credentials.clientId}&response_type=code&state=s&scope=read&redirect_uri=http://127.0.0.1/cb`, { redirect: "manual" })
 * const code = new URL(redirect.headers.get("location")!).searchParams.get("code")
 * ```
 */
export const authRoutes = (
  rt: Runtime,
  router: Router<Handler>,
  settings: {
    readonly clients: readonly OAuthApp[]
    readonly userId: number
    readonly apiKeys: readonly string[]
    /** Rotate the refresh token on every refresh. */
    readonly rotate: boolean
  },
): void => {
  const { clients, userId, apiKeys, rotate } = settings
  router.add(
    "GET",
    "/authorize",
    "authorize",
    authorizeHandler(rt, {
      clients,
      user: String(userId),
      error: oauthError,
      redirectUriError: "invalid_request",
      requireRedirectUri: true,
      scopes: (q) => {
        const scopes = (q.get("scope") ?? "read").split(/[\s+]+/).filter(Boolean)
        return scopes.length === 0 || scopes.some((s) => s !== "read")
          ? { error: "invalid_scope", error_description: "the only scope is read" }
          : { scopes: ["read"] }
      },
    }),
  )

  const issuePair = (ctx: RequestContext, record: TokenRecord, refreshExpiresAt: number | null) => {
    const now = rt.clock.now()
    const lifetime = rt.lifetimes.access
    const access = rt.store.issue("access", record.grant, lifetime, now)
    const refresh = rt.store.issue("refresh", record.grant, null, now, { expiresAt: refreshExpiresAt })
    reply(ctx, 200, {
      access_token: access.token,
      token_type: "Bearer",
      expires_in: Math.round(lifetime),
      refresh_token: refresh.token,
      scope: record.grant.scopes.join(" "),
    })
  }

  router.add(
    "POST",
    "/token",
    "token",
    tokenHandler(rt, {
      clients,
      error: oauthError,
      noBody: "The body must be JSON or a form",
      invalidClient: (ctx) => oauthError(ctx, 401, "invalid_client", "Client authentication failed"),
      code: (ctx, redeemed, now) => {
        if (!redeemed.ok)
          return oauthError(
            ctx,
            400,
            "invalid_grant",
            redeemed.reason === "other-client"
              ? "The authorization code was issued to another client"
              : redeemed.reason === "redirect-mismatch"
                ? "redirect_uri does not match the authorization request"
                : "The authorization code is invalid, used or expired",
          )
        const lifetime = rt.lifetimes.refresh
        issuePair(ctx, redeemed.record, lifetime === null ? null : now + lifetime)
      },
      refresh: (ctx, checked, now) => {
        if (!checked.ok)
          return oauthError(
            ctx,
            400,
            "invalid_grant",
            checked.reason === "expired"
              ? "The refresh token has expired"
              : checked.reason === "other-client"
                ? "The refresh token was issued to another client"
                : "The refresh token is invalid",
          )
        const record = checked.record
        if (!rotate) {
          const lifetime = rt.lifetimes.access
          const access = rt.store.issue("access", record.grant, lifetime, now)
          return reply(ctx, 200, {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: Math.round(lifetime),
            refresh_token: record.token,
            scope: record.grant.scopes.join(" "),
          })
        }
        record.revoked = true
        issuePair(ctx, record, record.expiresAt)
      },
    }),
  )

  router.add("POST", "/revoke", "revoke", (ctx) => {
    const body = ctx.fields()
    const token = str(body, "token")
    if (!token) return oauthError(ctx, 400, "invalid_request", "token is required")
    // Client authentication is optional here, but checked when a client id is given.
    const id = str(body, "client_id") ?? basicCredentials(ctx.req)?.id
    if (id !== undefined && !authenticateClient(clients, ctx, body))
      return oauthError(ctx, 401, "invalid_client", "Client authentication failed")
    const record = rt.store.get(token)
    if (record?.type === "refresh") record.grant.revoked = true
    else if (record?.type === "access") record.revoked = true
    sendEmpty(ctx.res, 200)
  })

  issueStatic(rt, "api-key", String(userId), ["read"], apiKeys)
}
