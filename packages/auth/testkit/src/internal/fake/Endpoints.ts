/**
 * The fake credential server's endpoints: the token endpoint (every grant it knows, after the
 * client's authentication), session login and logout, revocation, and the protected resource,
 * which accepts a request carrying a valid credential anywhere (a header, with or without a
 * scheme, or a query parameter). This is the fake's standard answer, which a provider quirk may
 * change.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const fake = yield* FakeCredentialServer.make({ clientAuthMethods: ["client_secret_basic", "private_key_jwt"] })
 *   const response = yield* Effect.promise(() => fetch(fake.tokenUrl, {
 *     method: "POST",
 *     headers: { authorization: `Basic ${btoa(`${fake.clientId}:${fake.clientSecret}`)}` },
 *     body: new URLSearchParams({ grant_type: "client_credentials" }),
 *   }))
 *   return response.status // 200
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { paths } from "../../FakeCredentialServer.ts"
import type * as LoopbackServer from "../../LoopbackServer.ts"
import type { ClientAuth } from "./ClientAuth.ts"
import type { Ledger } from "./Ledger.ts"

const USER_GRANTS = new Set([
  "password",
  "urn:ietf:params:oauth:grant-type:jwt-bearer",
  "urn:ietf:params:oauth:grant-type:token-exchange",
])

/**
 * The standard answer of the fake to a request.
 *
 * @example
 * ```ts
 * const standard: Standard = makeEndpoints(settings)
 * ```
 */
export type Standard = (request: LoopbackServer.RecordedRequest) => Promise<LoopbackServer.Reply>

/**
 * The endpoints over a ledger and a client authentication.
 *
 * @example
 * ```ts
 * const standard = makeEndpoints({ ledger, auth, user, lifetimeSeconds, rotate, sendExpiresIn, tokenUrl })
 * ```
 */
export const makeEndpoints = (settings: {
  readonly ledger: Ledger
  readonly auth: ClientAuth
  /** The user of the password grant and the session login. */
  readonly user: { readonly username: string; readonly password: string }
  readonly lifetimeSeconds: number
  /** Rotate refresh tokens on every refresh. */
  readonly rotate: boolean
  /** Send `expires_in` in token responses. */
  readonly sendExpiresIn: boolean
  readonly tokenUrl: () => string
}): Standard => {
  const { ledger, auth, lifetimeSeconds, rotate } = settings
  const { username, password } = settings.user
  const { mint, issueRefreshToken, valid, refreshTokens, codes, subjectTokens } = ledger
  const expiry = () => (settings.sendExpiresIn ? { expires_in: lifetimeSeconds } : {})

  const token = async (request: LoopbackServer.RecordedRequest): Promise<LoopbackServer.Reply> => {
    if (ledger.mode() === "unavailable") return { status: 503, body: { error: "temporarily_unavailable" } }
    const params = request.params
    // Rejected credentials: the user's (a grant that presents them) or the client's.
    if (ledger.mode() === "reject") {
      return USER_GRANTS.has(params.grant_type ?? "")
        ? { status: 400, body: { error: "invalid_grant" } }
        : { status: 401, body: { error: "invalid_client" } }
    }
    if (!(await auth.authenticate(request))) return { status: 401, body: { error: "invalid_client" } }
    const access = () => ({ access_token: mint("kit-at"), token_type: "Bearer", ...expiry() })
    switch (params.grant_type) {
      case "client_credentials":
      case "client_credential":
        return { body: { ...access(), scope: params.scope } }
      case "password":
        if (params.username !== username || params.password !== password) {
          return { status: 400, body: { error: "invalid_grant" } }
        }
        return { body: { ...access(), refresh_token: issueRefreshToken(), scope: params.scope } }
      case "urn:ietf:params:oauth:grant-type:jwt-bearer": {
        const payload =
          params.assertion === undefined
            ? undefined
            : await auth.verifyJwt(params.assertion, "public", settings.tokenUrl())
        if (payload === undefined || payload.iss === undefined || payload.sub === undefined) {
          return { status: 400, body: { error: "invalid_grant" } }
        }
        return { body: { ...access(), scope: params.scope } }
      }
      case "urn:ietf:params:oauth:grant-type:token-exchange": {
        if (params.subject_token === undefined || !subjectTokens.has(params.subject_token)) {
          return { status: 400, body: { error: "invalid_grant" } }
        }
        if (params.subject_token_type === undefined)
          return { status: 400, body: { error: "invalid_request" } }
        return {
          body: {
            ...access(),
            issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
            scope: params.scope,
          },
        }
      }
      case "refresh_token": {
        const presented = params.refresh_token
        if (presented === undefined || !refreshTokens.has(presented)) {
          return { status: 400, body: { error: "invalid_grant" } }
        }
        let refresh_token: string | undefined
        if (rotate) {
          refreshTokens.delete(presented)
          refresh_token = issueRefreshToken()
        }
        return { body: { ...access(), token_type: "bearer", refresh_token } }
      }
      case "authorization_code": {
        const code = params.code
        if (code === undefined || !codes.delete(code))
          return { status: 400, body: { error: "invalid_grant" } }
        return { body: { ...access(), refresh_token: issueRefreshToken() } }
      }
      default:
        return { status: 400, body: { error: "unsupported_grant_type" } }
    }
  }

  const login = (request: LoopbackServer.RecordedRequest): LoopbackServer.Reply => {
    if (ledger.mode() === "unavailable") return { status: 503 }
    const body = request.json as { username?: unknown; password?: unknown } | undefined
    if (ledger.mode() === "reject" || body?.username !== username || body?.password !== password) {
      return { status: 401, body: { message: "invalid username or password" } }
    }
    return { body: { token: mint("kit-session"), expiresIn: lifetimeSeconds } }
  }

  const carried = (request: LoopbackServer.RecordedRequest): Array<string> => {
    const values: Array<string> = []
    for (const [, value] of Object.entries(request.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
        values.push(v, v.replace(/^\S+\s+/, ""))
      }
    }
    for (const [, value] of request.query) values.push(value)
    return values
  }

  const standard = async (request: LoopbackServer.RecordedRequest): Promise<LoopbackServer.Reply> => {
    if (request.path === paths.resource || request.path.startsWith(`${paths.resource}/`)) {
      return carried(request).some((value) => valid.has(value))
        ? { status: 200, body: { ok: true } }
        : { status: 401, body: { message: "The access token provided has expired" } }
    }
    switch (request.path) {
      case paths.token:
        return token(request)
      case paths.login:
        return login(request)
      case paths.logout: {
        for (const value of carried(request)) valid.delete(value)
        return { status: 204 }
      }
      case paths.revoke: {
        const presented = request.params.token
        if (presented !== undefined) {
          refreshTokens.delete(presented)
          valid.delete(presented)
        }
        return { status: 200 }
      }
      default:
        return { status: 404 }
    }
  }
  return standard
}
