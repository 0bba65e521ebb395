/**
 * The loopback fake the conformance kit drives: one server that speaks the common credential
 * protocols and a protected resource, and that the kit can count and control.
 *
 * | path | what |
 * | --- | --- |
 * | `POST /token` | OAuth 2.0 token endpoint: `client_credentials` (also CCW's `client_credential`), `refresh_token` (rotating), `authorization_code`; form, JSON or multipart bodies; Basic or body client authentication |
 * | `POST /revoke` | RFC 7009 and Workable-style revocation |
 * | `POST /session` | session login: JSON `{ username, password }` → `{ token, expiresIn }` |
 * | `POST /logout` | ends the session whose token is sent |
 * | `GET /resource` | 200 when the request carries a valid credential anywhere (a header, with or without a scheme, or a query parameter), else 401 |
 *
 * A plugin under test takes every credential URL from `server.url` plus these paths, so the kit
 * can point it at a dead port by changing `url` alone.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const server = yield* FakeCredentialServer.make({ lifetimeSeconds: 60 })
 *   const tokenUrl = `${server.url}${FakeCredentialServer.paths.token}`
 *   server.setMode("reject")
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import * as LoopbackServer from "./LoopbackServer.ts"

/**
 * The paths the fake serves.
 *
 * @example
 * ```ts
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const tokenUrl = (server: { url: string }) => `${server.url}${FakeCredentialServer.paths.token}`
 * ```
 *
 * @since 0.1.0
 */
export const paths = {
  token: "/token",
  revoke: "/revoke",
  login: "/session",
  logout: "/logout",
  resource: "/resource",
} as const

/**
 * How the credential endpoints behave: `ok`; `reject` the client's or user's credentials
 * (401 `invalid_client`) and every credential already issued; `unavailable` (503); `issue-dead`:
 * issue credentials that the resource refuses (to show that a second 401 does not loop).
 *
 * @since 0.1.0
 */
export type Mode = "ok" | "reject" | "unavailable" | "issue-dead"

/**
 * What the conformance kit needs from a credential server. {@link make} gives one; a plugin with
 * its own protocol can implement this interface over its own fake.
 *
 * @since 0.1.0
 */
export interface CredentialServer {
  /** Base URL; every credential endpoint the plugin uses must be derived from it. */
  readonly url: string
  /** A protected resource: 200 with a valid credential, 401 without. Never derived from `url`. */
  readonly resourceUrl: string
  /** How long issued credentials live. */
  readonly lifetimeSeconds: number
  /** Credential requests received (token, login): the unit of single flight. */
  readonly credentialRequests: () => number
  readonly setMode: (mode: Mode) => void
  /** Makes every credential issued so far invalid at the resource (server-side expiry or revocation). */
  readonly invalidateIssued: () => void
  /** Every secret the server minted (access, refresh, session and static tokens). */
  readonly issued: () => ReadonlyArray<string>
  /** The refresh token currently valid (after rotations), for rotation checks. */
  readonly latestRefreshToken: () => string | undefined
}

/**
 * Options of the fake.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Lifetime of issued credentials (`expires_in` / `expiresIn`); default 3600. */
  readonly lifetimeSeconds?: number | undefined
  /** Send `expires_in` in token responses; default true. */
  readonly sendExpiresIn?: boolean | undefined
  /** Rotate refresh tokens on every refresh; default true. */
  readonly rotate?: boolean | undefined
}

/**
 * The fake, with its own credentials and helpers to mint grants.
 *
 * @since 0.1.0
 */
export interface FakeCredentialServer extends CredentialServer {
  readonly clientId: string
  readonly clientSecret: string
  readonly username: string
  readonly password: string
  /** Mints a refresh token as if a user had authorized (seed a grant with it). */
  readonly issueRefreshToken: () => string
  /** Mints an authorization code. */
  readonly issueCode: () => string
  /** Mints a long-lived token the resource accepts (a permanent token or API key). */
  readonly issueStaticToken: () => string
  /** The underlying server and its request log. */
  readonly server: LoopbackServer.LoopbackServer
}

/**
 * Starts a fake (Promise API); close it with `server.server.close()`.
 *
 * @example
 * ```ts
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const fake = await FakeCredentialServer.start()
 * await fake.server.close()
 * ```
 *
 * @since 0.1.0
 */
export const start = async (options: Options = {}): Promise<FakeCredentialServer> => {
  const lifetimeSeconds = options.lifetimeSeconds ?? 3600
  const rotate = options.rotate ?? true
  const id = () => crypto.randomUUID().replace(/-/g, "")
  const clientId = "kit-client"
  const clientSecret = `kit-secret-${id()}`
  const username = "kit-user"
  const password = `kit-password-${id()}`
  let mode: Mode = "ok"
  const minted: Array<string> = []
  const valid = new Set<string>()
  const refreshTokens = new Set<string>()
  const codes = new Set<string>()
  let latestRefresh: string | undefined
  const mint = (prefix: string, usable = true) => {
    const value = `${prefix}-${id()}`
    minted.push(value)
    if (usable && mode !== "issue-dead") valid.add(value)
    return value
  }
  const issueRefreshToken = () => {
    const value = mint("kit-rt", false)
    refreshTokens.add(value)
    latestRefresh = value
    return value
  }
  const expiry = () => (options.sendExpiresIn === false ? {} : { expires_in: lifetimeSeconds })

  const token = (request: LoopbackServer.RecordedRequest): LoopbackServer.Reply => {
    if (mode === "unavailable") return { status: 503, body: { error: "temporarily_unavailable" } }
    const params = request.params
    const id = request.basic?.id ?? params.client_id
    const secret = request.basic?.secret ?? params.client_secret
    if (mode === "reject" || id !== clientId || secret !== clientSecret) {
      return { status: 401, body: { error: "invalid_client" } }
    }
    switch (params.grant_type) {
      case "client_credentials":
      case "client_credential":
        return {
          body: { access_token: mint("kit-at"), token_type: "Bearer", ...expiry(), scope: params.scope },
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
        return { body: { access_token: mint("kit-at"), token_type: "bearer", ...expiry(), refresh_token } }
      }
      case "authorization_code": {
        const code = params.code
        if (code === undefined || !codes.delete(code))
          return { status: 400, body: { error: "invalid_grant" } }
        return {
          body: {
            access_token: mint("kit-at"),
            token_type: "Bearer",
            ...expiry(),
            refresh_token: issueRefreshToken(),
          },
        }
      }
      default:
        return { status: 400, body: { error: "unsupported_grant_type" } }
    }
  }

  const login = (request: LoopbackServer.RecordedRequest): LoopbackServer.Reply => {
    if (mode === "unavailable") return { status: 503 }
    const body = request.json as { username?: unknown; password?: unknown } | undefined
    if (mode === "reject" || body?.username !== username || body?.password !== password) {
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

  const server = await LoopbackServer.start((request) => {
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
      case paths.resource:
        return carried(request).some((value) => valid.has(value))
          ? { status: 200, body: { ok: true } }
          : { status: 401, body: { message: "The access token provided has expired" } }
      default:
        return { status: 404 }
    }
  })

  return {
    url: server.url,
    resourceUrl: `${server.url}${paths.resource}`,
    lifetimeSeconds,
    credentialRequests: () => server.count(paths.token) + server.count(paths.login),
    setMode: (next) => {
      mode = next
      if (next === "reject") {
        valid.clear()
        refreshTokens.clear()
      }
    },
    invalidateIssued: () => valid.clear(),
    issued: () => [...minted],
    latestRefreshToken: () => latestRefresh,
    clientId,
    clientSecret,
    username,
    password,
    issueRefreshToken,
    issueCode: () => {
      const code = mint("kit-code", false)
      codes.add(code)
      return code
    },
    issueStaticToken: () => mint("kit-static"),
    server,
  }
}

/**
 * Starts a fake that closes with the enclosing scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const fake = yield* FakeCredentialServer.make()
 *   return fake.credentialRequests()
 * }))
 * ```
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<FakeCredentialServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (fake) => Effect.promise(() => fake.server.close()),
  )
