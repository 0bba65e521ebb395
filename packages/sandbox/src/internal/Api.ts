/**
 * What the routes of every sandbox share: the bearer-token check and its `401` with a
 * `WWW-Authenticate: Bearer … error="invalid_token"` challenge, the connection a bearer token
 * belongs to (for the counters), the OAuth error body (`{ error, error_description }`) and the
 * slicing of a list into one page. Each provider keeps its own messages and envelopes.
 *
 * @example
 * ```ts
 * import { startCcaSandbox } from "@keyway/sandbox"
 * await using sb = await startCcaSandbox()
 * const refused = await fetch(`${sb.baseUrl}/agents`, { headers: { authorization: "Bearer nope" } })
 * refused.status // 401
 * refused.headers.get("www-authenticate") // 'Bearer error="invalid_token", error_description="…"'
 * ```
 *
 * @since 0.1.0
 */

import { bearerToken, sendJson } from "./Http.ts"
import type { RequestContext, Runtime } from "./SandboxServer.ts"
import type { TokenCheck, TokenType } from "./TokenStore.ts"

/**
 * Checks the request's `Authorization: Bearer` token against the sandbox store at the sandbox
 * clock's now; only tokens of the given types pass.
 *
 * @example
 * ```ts
 * const check = checkBearer(ctx, "access")
 * if (check.ok) check.record.scopes // ["read"]
 * ```
 */
export const checkBearer = (ctx: RequestContext, ...types: TokenType[]): TokenCheck =>
  ctx.rt.store.check(bearerToken(ctx.req), ctx.rt.clock.now(), ...types)

/**
 * Answers `401` with the provider's body and a `WWW-Authenticate` challenge naming
 * `error="invalid_token"` and the description (and the realm, when given).
 *
 * @example
 * ```ts
 * refuseBearer(ctx, { message: "Token expired" }, "Token expired", { realm: "Workable" })
 * ```
 */
export const refuseBearer = (
  ctx: RequestContext,
  body: unknown,
  description: string,
  options?: { readonly realm?: string; readonly contentType?: string },
): void => {
  const realm = options?.realm === undefined ? "" : `realm="${options.realm}", `
  sendJson(
    ctx.res,
    401,
    body,
    { "www-authenticate": `Bearer ${realm}error="invalid_token", error_description="${description}"` },
    options?.contentType,
  )
}

/**
 * The connection of the request's bearer token (its grant's), `undefined` without a known token.
 *
 * @example
 * ```ts
 * identify: (ctx) => ({ connection: bearerConnection(rt, ctx) }),
 * ```
 */
export const bearerConnection = (rt: Runtime, ctx: RequestContext): string | undefined => {
  const token = bearerToken(ctx.req)
  return token === undefined ? undefined : rt.store.get(token)?.grant.connection
}

/**
 * Sends an OAuth 2.0 error body, `{ error, error_description }` (RFC 6749 §5.2).
 *
 * @example
 * ```ts
 * sendOAuthError(ctx, 400, "invalid_request", "token is required")
 * ```
 */
export const sendOAuthError = (
  ctx: RequestContext,
  status: number,
  error: string,
  description: string,
  contentType?: string,
): void => sendJson(ctx.res, status, { error, error_description: description }, undefined, contentType)

/**
 * One page of a list: the items from `offset` (at most `limit`) and the offset of the next page,
 * `undefined` on the last page.
 *
 * @example
 * ```ts
 * slicePage([1, 2, 3], 0, 2) // { items: [1, 2], next: 2 }
 * slicePage([1, 2, 3], 2, 2) // { items: [3], next: undefined }
 * ```
 */
export const slicePage = <T>(
  items: readonly T[],
  offset: number,
  limit: number,
): { readonly items: T[]; readonly next: number | undefined } => ({
  items: items.slice(offset, offset + limit),
  next: offset + limit < items.length ? offset + limit : undefined,
})

/**
 * The registered client with this id and secret, `undefined` when the id is unknown or the
 * secret is not its own.
 *
 * @example
 * ```ts
 * findClient([{ clientId: "a", clientSecret: "s" }], "a", "s") // { clientId: "a", clientSecret: "s" }
 * ```
 */
export const findClient = <C extends { readonly clientId: string; readonly clientSecret: string }>(
  clients: readonly C[],
  id: string | undefined,
  secret: string | undefined,
): C | undefined => {
  const client = clients.find((c) => c.clientId === id)
  return client && client.clientSecret === secret ? client : undefined
}
