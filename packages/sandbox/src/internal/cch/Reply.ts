/**
 * How the CCH sandbox answers: in `application/vnd.ucf.v1+json` when the caller accepts it, else
 * plain JSON; OAuth errors in the same media type; and the bearer check of its API (a live
 * access token or API key, `401` with `{ message }` and the challenge otherwise).
 *
 * @example
 * ```ts
 * import { startCchSandbox } from "@keyway/sandbox"
 * await using sb = await startCchSandbox()
 * const r = await fetch(`${sb.baseUrl}/my-account`, { headers: { authorization: `Bearer ${sb.credentials.apiKey}`, accept: "application/vnd.ucf.v1+json" } })
 * r.headers.get("content-type") // "application/vnd.ucf.v1+json"
 * ```
 *
 * @since 0.1.0
 */

import { checkBearer, refuseBearer, sendOAuthError } from "../Api.ts"
import { sendJson } from "../Http.ts"
import type { RequestContext } from "../SandboxServer.ts"
import type { TokenRecord } from "../TokenStore.ts"

const VND = "application/vnd.ucf.v1+json"

/**
 * The media type of an answer: CCH's vendor type when the request accepts it.
 *
 * @example
 * ```ts
 * accessFor(ctx) // "application/vnd.ucf.v1+json"
 * ```
 */
export const accessFor = (ctx: RequestContext): string => {
  const accept = ctx.req.headers.accept
  return accept?.includes(VND) ? VND : "application/json; charset=utf-8"
}

/**
 * Answers JSON in the request's media type.
 *
 * @example
 * ```ts
 * reply(ctx, 404, { message: "Not found" })
 * ```
 */
export const reply = (
  ctx: RequestContext,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void => sendJson(ctx.res, status, body, headers, accessFor(ctx))

/**
 * Answers an OAuth error in the request's media type.
 *
 * @example
 * ```ts
 * oauthError(ctx, 400, "invalid_request", "token is required")
 * ```
 */
export const oauthError = (ctx: RequestContext, status: number, error: string, description: string): void =>
  sendOAuthError(ctx, status, error, description, accessFor(ctx))

/**
 * The record of the request's bearer token (an access token or an API key), or `undefined` after
 * answering 401.
 *
 * @example
 * ```ts
 * const record = bearerRecord(ctx)
 * if (record) reply(ctx, 200, { user: record.grant.user })
 * ```
 */
export const bearerRecord = (ctx: RequestContext): TokenRecord | undefined => {
  const check = checkBearer(ctx, "access", "static")
  if (check.ok) return check.record
  const message =
    check.reason === "expired"
      ? "The access token provided has expired"
      : "The access token provided is invalid"
  refuseBearer(ctx, { message }, message, { contentType: accessFor(ctx) })
  return undefined
}
