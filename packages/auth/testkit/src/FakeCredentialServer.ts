/**
 * The loopback fake the conformance kit drives: one server that speaks the common credential
 * protocols and a protected resource, and that the kit can count and control.
 *
 * | path | what |
 * | --- | --- |
 * | `POST /token` | OAuth 2.0 token endpoint: `client_credentials` (also CCW's `client_credential`), `refresh_token` (rotating), `authorization_code`, `password`, JWT bearer (RFC 7523 §2.1), token exchange (RFC 8693); form, JSON or multipart bodies; the client-authentication methods of `clientAuthMethods` |
 * | `POST /revoke` | RFC 7009 and Workable-style revocation |
 * | `POST /session` | session login: JSON `{ username, password }` → `{ token, expiresIn }` |
 * | `POST /logout` | ends the session whose token is sent |
 * | `GET /resource` (and any path below it, any method) | 200 when the request carries a valid credential anywhere (a header, with or without a scheme, or a query parameter), else 401 |
 *
 * Client authentication is checked the way a real server does: `client_secret_post`,
 * `client_secret_basic`, `client_secret_jwt` (HS256 with `clientSecret`), `private_key_jwt`
 * (signed with `clientPrivateKey`, verified with `jose` against its public key: `iss`, `sub`,
 * `aud` = the token URL, `exp` by the kit's clock, `jti` never reused), `none`, and
 * `tls_client_auth` (with `tls: true` the credential endpoints are served over HTTPS and the
 * client certificate `clientCertificate` must be presented; the resource stays plain HTTP).
 *
 * **Provider quirks**: `quirk(request, standard)` sees every request first and answers it; call
 * `standard(request)` for the fake's own answer and change it (a string `expires_in`, a form-encoded
 * token response, a 400 where the RFC says 401, a header the provider insists on), or answer
 * without it.
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
import { generateKeyPairSync } from "node:crypto"
import { Effect, type Scope } from "effect"
import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from "jose"
import * as Certificates from "./Certificates.ts"
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
  /** Every secret the server minted (access, refresh, session and static tokens), and the client's own. */
  readonly issued: () => ReadonlyArray<string>
  /** The refresh token currently valid (after rotations), for rotation checks. */
  readonly latestRefreshToken: () => string | undefined
  /**
   * Optional: the kit hands the server its clock (TestClock, not at epoch 0), so time-bound
   * credentials (assertion `exp`, signature timestamps) are checked against the same time.
   */
  readonly useClock?: ((now: () => number) => void) | undefined
  /** Optional: every exception the server's handlers threw; the kit fails a check that had any. */
  readonly failures?: (() => ReadonlyArray<LoopbackServer.HandlerFailure>) | undefined
}

/**
 * The client-authentication methods the fake can check.
 *
 * @since 0.2.0
 */
export type ClientAuthMethod =
  | "client_secret_post"
  | "client_secret_basic"
  | "client_secret_jwt"
  | "private_key_jwt"
  | "none"
  | "tls_client_auth"

/**
 * A provider quirk: answers a request, usually by changing the fake's standard answer.
 *
 * @example
 * ```ts
 * import type { FakeCredentialServer } from "@keyway/auth-testkit"
 * // A provider that sends expires_in as a string.
 * const quirk: FakeCredentialServer.Quirk = async (request, standard) => {
 *   const reply = await standard(request)
 *   const body = reply.body as Record<string, unknown> | undefined
 *   return request.path === "/token" && body?.expires_in !== undefined ? { ...reply, body: { ...body, expires_in: String(body.expires_in) } } : reply
 * }
 * ```
 *
 * @since 0.2.0
 */
export type Quirk = (
  request: LoopbackServer.RecordedRequest,
  standard: (request: LoopbackServer.RecordedRequest) => Promise<LoopbackServer.Reply>,
) => LoopbackServer.Reply | Promise<LoopbackServer.Reply>

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
  /** The client-authentication methods the token endpoint accepts; default `client_secret_post` and `client_secret_basic`. */
  readonly clientAuthMethods?: ReadonlyArray<ClientAuthMethod> | undefined
  /** Serve the credential endpoints over HTTPS, asking for a client certificate (`tls_client_auth`). */
  readonly tls?: boolean | undefined
  /** A provider quirk (see the module docs). */
  readonly quirk?: Quirk | undefined
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
  /** The client's private key (PKCS#8 PEM, ES256), for `private_key_jwt` and JWT bearer assertions. Made per run. */
  readonly clientPrivateKey: string
  /** Its `kid`. */
  readonly clientKeyId: string
  /** With `tls: true`: the client certificate to present, and the CA that signed the server's. */
  readonly clientCertificate:
    | { readonly certificate: string; readonly privateKey: string; readonly ca: string }
    | undefined
  /** The token endpoint URL (`url` + `/token`): the audience of client assertions. */
  readonly tokenUrl: string
  /** Mints a token a token-exchange request may present as its `subject_token`. */
  readonly issueSubjectToken: () => string
  /** Mints a refresh token as if a user had authorized (seed a grant with it). */
  readonly issueRefreshToken: () => string
  /** Mints an authorization code. */
  readonly issueCode: () => string
  /** Mints a long-lived token the resource accepts (a permanent token or API key). */
  readonly issueStaticToken: () => string
  /** The underlying server and its request log (the HTTPS one with `tls: true`). */
  readonly server: LoopbackServer.LoopbackServer
}

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

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

  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
  const clientPrivateKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  const clientKeyId = `kit-key-${id().slice(0, 8)}`
  const jwks = createLocalJWKSet({
    keys: [{ ...(publicKey.export({ format: "jwk" }) as JWK), kid: clientKeyId, alg: "ES256" }],
  })
  const pki = options.tls ? Certificates.make({ clientId }) : undefined
  const methods = new Set<ClientAuthMethod>(
    options.clientAuthMethods ?? ["client_secret_post", "client_secret_basic"],
  )
  let now = () => Date.now()
  const seenJti = new Set<string>()
  const subjectTokens = new Set<string>()
  let tokenUrl = ""

  /** Verifies a JWT the way a real server does; `undefined` when it is no good. */
  const verifyJwt = async (jwt: string, key: "secret" | "public", audience: string, issuer?: string) => {
    try {
      const verified = await jwtVerify(
        jwt,
        key === "secret" ? new TextEncoder().encode(clientSecret) : jwks,
        {
          audience,
          ...(issuer === undefined ? {} : { issuer }),
          currentDate: new Date(now()),
          algorithms: key === "secret" ? ["HS256", "HS384", "HS512"] : ["ES256"],
          requiredClaims: ["exp", "jti"],
        },
      )
      const jti = verified.payload.jti!
      if (seenJti.has(jti)) return undefined
      seenJti.add(jti)
      return verified.payload
    } catch {
      return undefined
    }
  }

  /** The client-authentication method a request used, and whether it holds up. */
  const authenticateClient = async (request: LoopbackServer.RecordedRequest): Promise<boolean> => {
    const params = request.params
    if (params.client_assertion !== undefined) {
      if (params.client_assertion_type !== ASSERTION_TYPE) return false
      let alg: string | undefined
      try {
        alg = decodeProtectedHeader(params.client_assertion).alg
      } catch {
        return false
      }
      const method: ClientAuthMethod = alg?.startsWith("HS") ? "client_secret_jwt" : "private_key_jwt"
      if (!methods.has(method)) return false
      const payload = await verifyJwt(
        params.client_assertion,
        method === "client_secret_jwt" ? "secret" : "public",
        tokenUrl,
        clientId,
      )
      return payload !== undefined && payload.sub === clientId && (params.client_id ?? clientId) === clientId
    }
    if (request.basic !== undefined) {
      return (
        methods.has("client_secret_basic") &&
        request.basic.id === clientId &&
        request.basic.secret === clientSecret
      )
    }
    if (params.client_secret !== undefined) {
      return (
        methods.has("client_secret_post") &&
        params.client_id === clientId &&
        params.client_secret === clientSecret
      )
    }
    if (params.client_id !== clientId) return false
    if (request.clientCertificate !== undefined && methods.has("tls_client_auth")) {
      return request.clientCertificate.authorized && request.clientCertificate.subject === pki?.clientSubject
    }
    return methods.has("none")
  }

  const USER_GRANTS = new Set([
    "password",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
  ])

  const token = async (request: LoopbackServer.RecordedRequest): Promise<LoopbackServer.Reply> => {
    if (mode === "unavailable") return { status: 503, body: { error: "temporarily_unavailable" } }
    const params = request.params
    // Rejected credentials: the user's (a grant that presents them) or the client's.
    if (mode === "reject") {
      return USER_GRANTS.has(params.grant_type ?? "")
        ? { status: 400, body: { error: "invalid_grant" } }
        : { status: 401, body: { error: "invalid_client" } }
    }
    if (!(await authenticateClient(request))) return { status: 401, body: { error: "invalid_client" } }
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
          params.assertion === undefined ? undefined : await verifyJwt(params.assertion, "public", tokenUrl)
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
  const handler: LoopbackServer.Handler = (request) =>
    options.quirk === undefined ? standard(request) : options.quirk(request, standard)
  const resource = await LoopbackServer.start(handler)
  const server =
    pki === undefined
      ? resource
      : await LoopbackServer.start(handler, {
          tls: { key: pki.server.key, cert: pki.server.cert, ca: pki.ca },
        })
  tokenUrl = `${server.url}${paths.token}`

  return {
    url: server.url,
    resourceUrl: `${resource.url}${paths.resource}`,
    tokenUrl,
    lifetimeSeconds,
    credentialRequests: () => server.count(paths.token) + server.count(paths.login),
    useClock: (clock) => {
      now = clock
    },
    failures: () =>
      server === resource ? server.failures() : [...server.failures(), ...resource.failures()],
    clientPrivateKey,
    clientKeyId,
    clientCertificate:
      pki === undefined
        ? undefined
        : { certificate: pki.client.cert, privateKey: pki.client.key, ca: pki.ca },
    issueSubjectToken: () => {
      const value = mint("kit-subject", false)
      subjectTokens.add(value)
      return value
    },
    setMode: (next) => {
      mode = next
      if (next === "reject") {
        valid.clear()
        refreshTokens.clear()
      }
    },
    invalidateIssued: () => valid.clear(),
    // The client's own secrets too: a plugin must not leak them whether or not its test names them.
    issued: () => [
      ...minted,
      clientSecret,
      password,
      clientPrivateKey,
      ...(pki === undefined ? [] : [pki.client.key]),
    ],
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
    server:
      server === resource
        ? server
        : {
            ...server,
            close: () => Promise.all([server.close(), resource.close()]).then(() => undefined),
          },
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
