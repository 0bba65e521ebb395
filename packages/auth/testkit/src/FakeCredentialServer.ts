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
import { Effect, type Scope } from "effect"
import * as Certificates from "./Certificates.ts"
import { makeClientAuth } from "./internal/fake/ClientAuth.ts"
import { makeEndpoints } from "./internal/fake/Endpoints.ts"
import { makeLedger, randomId } from "./internal/fake/Ledger.ts"
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
 * @example
 * ```ts
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const fake = await FakeCredentialServer.start()
 * const mode: FakeCredentialServer.Mode = "unavailable"
 * fake.setMode(mode) // the token endpoint answers 503 until set back to "ok"
 * ```
 *
 * @since 0.1.0
 */
export type Mode = "ok" | "reject" | "unavailable" | "issue-dead"

/**
 * What the conformance kit needs from a credential server. {@link make} gives one; a plugin with
 * its own protocol can implement this interface over its own fake.
 *
 * @example
 * ```ts
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const server: FakeCredentialServer.CredentialServer = await FakeCredentialServer.start({ lifetimeSeconds: 60 })
 * await fetch(server.resourceUrl) // 401: no credential
 * server.credentialRequests() // 0
 * ```
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
 * @example
 * ```ts
 * import type { FakeCredentialServer } from "@keyway/auth-testkit"
 * const methods: ReadonlyArray<FakeCredentialServer.ClientAuthMethod> = ["private_key_jwt", "client_secret_jwt"]
 * ```
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
 * @example
 * ```ts
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const options: FakeCredentialServer.Options = { lifetimeSeconds: 120, rotate: false, clientAuthMethods: ["client_secret_basic"] }
 * const fake = await FakeCredentialServer.start(options)
 * ```
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
 * @example
 * ```ts
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const fake: FakeCredentialServer.FakeCredentialServer = await FakeCredentialServer.start()
 * const refreshToken = fake.issueRefreshToken() // seed a grant as if a user had authorized
 * fake.tokenUrl // `${fake.url}/token`
 * await fake.server.close()
 * ```
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
  const clientId = "kit-client"
  const clientSecret = `kit-secret-${randomId()}`
  const username = "kit-user"
  const password = `kit-password-${randomId()}`
  const ledger = makeLedger()
  const pki = options.tls ? Certificates.make({ clientId }) : undefined
  let now = () => Date.now()
  let tokenUrl = ""
  const auth = makeClientAuth({
    clientId,
    clientSecret,
    methods: options.clientAuthMethods ?? ["client_secret_post", "client_secret_basic"],
    pki,
    now: () => now(),
    tokenUrl: () => tokenUrl,
  })
  const standard = makeEndpoints({
    ledger,
    auth,
    user: { username, password },
    lifetimeSeconds,
    rotate: options.rotate ?? true,
    sendExpiresIn: options.sendExpiresIn !== false,
    tokenUrl: () => tokenUrl,
  })
  const { mint } = ledger
  const { clientPrivateKey, clientKeyId } = auth

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
      ledger.subjectTokens.add(value)
      return value
    },
    setMode: ledger.setMode,
    invalidateIssued: () => ledger.valid.clear(),
    // The client's own secrets too: a plugin must not leak them whether or not its test names them.
    issued: () => [
      ...ledger.minted,
      clientSecret,
      password,
      clientPrivateKey,
      ...(pki === undefined ? [] : [pki.client.key]),
    ],
    latestRefreshToken: ledger.latestRefresh,
    clientId,
    clientSecret,
    username,
    password,
    issueRefreshToken: ledger.issueRefreshToken,
    issueCode: () => {
      const code = mint("kit-code", false)
      ledger.codes.add(code)
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
