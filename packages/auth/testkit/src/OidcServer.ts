/**
 * A real OAuth 2.0 authorization server for tests: `oidc-provider` 9, in-process on 127.0.0.1,
 * with client credentials, authorization code + PKCE, rotating refresh tokens and RFC 7009
 * revocation, clients for `client_secret_post`, `client_secret_basic`, `client_secret_jwt` and
 * `private_key_jwt` (a key pair made per run), and with `tls: true` an HTTPS server with mutual
 * TLS and a `tls_client_auth` client (certificates from {@link Certificates}); and a browserless
 * consent driver (plain HTTP with a cookie jar and
 * `redirect: "manual"`). Every plugin test that wants a real server uses this one fixture.
 *
 * Needs the optional peer dependency `oidc-provider` (a dev dependency of your tests).
 * oidc-provider 9 has no token exchange (RFC 8693) grant, so there is none here.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as OidcServer from "@keyway/auth-testkit/OidcServer"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const oidc = yield* OidcServer.make()
 *   const client = oidc.clients.post
 *   // ... point a plugin at oidc.tokenUrl with client.clientId / client.clientSecret
 *   console.log(oidc.count("/token"))
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { generateKeyPairSync, X509Certificate } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { createServer as createHttpsServer } from "node:https"
import type { AddressInfo } from "node:net"
import type { TLSSocket } from "node:tls"
import { Effect, type Scope } from "effect"
import Provider, { type ClientMetadata, type Configuration } from "oidc-provider"
import * as Certificates from "./Certificates.ts"

/**
 * A registered client.
 *
 * @example
 * ```ts
 * import * as OidcServer from "@keyway/auth-testkit/OidcServer"
 * const oidc = await OidcServer.start()
 * const { clientId, clientSecret, redirectUri }: OidcServer.Client = oidc.clients.basic
 * ```
 *
 * @since 0.1.0
 */
export interface Client {
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
}

/**
 * Options of the server.
 *
 * @example
 * ```ts
 * import * as OidcServer from "@keyway/auth-testkit/OidcServer"
 * const options: OidcServer.Options = { rotateRefreshToken: false, ttl: { AccessToken: 60, RefreshToken: 3600 }, scopes: ["reports"] }
 * const oidc = await OidcServer.start(options)
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  /** Rotate refresh tokens on every refresh; default true. */
  readonly rotateRefreshToken?: boolean | undefined
  /** Token lifetimes in seconds. */
  readonly ttl?:
    | { readonly AccessToken?: number; readonly RefreshToken?: number; readonly ClientCredentials?: number }
    | undefined
  /** Extra scopes besides `openid`, `offline_access`, `api:read`, `api:write`. */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** Serve HTTPS with mutual TLS and register a `tls_client_auth` client. */
  readonly tls?: boolean | undefined
}

/**
 * A `private_key_jwt` client: its private key (PKCS#8 PEM, ES256, made per run) and `kid`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * import * as OidcServer from "@keyway/auth-testkit/OidcServer"
 * const oidc = await OidcServer.start()
 * const client: OidcServer.KeyClient = oidc.clients.privateKeyJwt
 * const method = ClientAuth.privateKeyJwt({ privateKey: Redacted.make(client.privateKey), algorithm: "ES256", keyId: client.keyId })
 * ```
 *
 * @since 0.2.0
 */
export interface KeyClient extends Client {
  readonly privateKey: string
  readonly keyId: string
}

/**
 * A `tls_client_auth` client: its certificate (subject `CN=<clientId>`), key, and the CA that
 * signed the server's certificate.
 *
 * @example
 * ```ts
 * import * as OidcServer from "@keyway/auth-testkit/OidcServer"
 * const oidc = await OidcServer.start({ tls: true })
 * const client: OidcServer.TlsClient | undefined = oidc.clients.tls
 * const identity = client && { cert: client.certificate, key: client.privateKey, ca: client.ca }
 * ```
 *
 * @since 0.2.0
 */
export interface TlsClient extends Client {
  readonly certificate: string
  readonly privateKey: string
  readonly ca: string
}

/**
 * A running server.
 *
 * @example
 * ```ts
 * import * as OidcServer from "@keyway/auth-testkit/OidcServer"
 * const oidc: OidcServer.OidcServer = await OidcServer.start()
 * const { clientId, redirectUri } = oidc.clients.post
 * const callback = await oidc.consent(`${oidc.authorizeUrl}?response_type=code&client_id=${clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&scope=openid&state=s`)
 * new URL(callback).searchParams.get("code") // the authorization code
 * await oidc.close()
 * ```
 *
 * @since 0.1.0
 */
export interface OidcServer {
  readonly issuer: string
  readonly authorizeUrl: string
  readonly tokenUrl: string
  readonly revocationUrl: string
  /** Clients by their authentication method. `tls` only with `tls: true`. */
  readonly clients: {
    readonly post: Client
    readonly basic: Client
    readonly secretJwt: Client
    readonly privateKeyJwt: KeyClient
    readonly tls?: TlsClient | undefined
  }
  /** Requests received, all or for one path (`/token`, `/token/revocation`). */
  readonly count: (path?: string) => number
  /**
   * Drives login and consent for an authorization URL the way a user's browser would and
   * returns the URL the server redirected to (the callback with `code`, `state`, `iss`).
   */
  readonly consent: (authorizeUrl: string) => Promise<string>
  /** Revokes a token directly at the server (as if the user revoked access). */
  readonly revoke: (client: Client, token: string, hint?: "refresh_token" | "access_token") => Promise<number>
  readonly provider: Provider
  readonly close: () => Promise<void>
}

const REDIRECT = "http://127.0.0.1/keyway/callback"

/**
 * Starts a server (Promise API).
 *
 * @example
 * ```ts
 * import * as OidcServer from "@keyway/auth-testkit/OidcServer"
 * const oidc = await OidcServer.start({ ttl: { AccessToken: 600 } })
 * await oidc.close()
 * ```
 *
 * @since 0.1.0
 */
export const start = async (options: Options = {}): Promise<OidcServer> => {
  const counts = new Map<string, number>()
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname
    counts.set(path, (counts.get(path) ?? 0) + 1)
    handler!(req, res)
  }
  const pki = options.tls ? Certificates.make({ clientId: "keyway-tls" }) : undefined
  const server =
    pki === undefined
      ? createServer(listener)
      : createHttpsServer(
          {
            key: pki.server.key,
            cert: pki.server.cert,
            ca: pki.ca,
            requestCert: true,
            rejectUnauthorized: false,
          },
          listener,
        )
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const issuer = `${pki ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`
  const secret = () => `oidc-secret-${crypto.randomUUID()}`
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" })
  const keyId = `keyway-key-${crypto.randomUUID().slice(0, 8)}`
  const clients = {
    post: { clientId: "keyway-post", clientSecret: secret(), redirectUri: REDIRECT },
    basic: { clientId: "keyway-basic", clientSecret: secret(), redirectUri: REDIRECT },
    secretJwt: { clientId: "keyway-secret-jwt", clientSecret: secret(), redirectUri: REDIRECT },
    privateKeyJwt: {
      clientId: "keyway-private-key-jwt",
      clientSecret: "",
      redirectUri: REDIRECT,
      privateKey: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      keyId,
    },
    tls:
      pki === undefined
        ? undefined
        : {
            clientId: "keyway-tls",
            clientSecret: "",
            redirectUri: REDIRECT,
            certificate: pki.client.cert,
            privateKey: pki.client.key,
            ca: pki.ca,
          },
  }
  const scopes = ["openid", "offline_access", "api:read", "api:write", ...(options.scopes ?? [])]
  const metadata = (
    client: Client,
    method: ClientMetadata["token_endpoint_auth_method"],
    extra: Partial<ClientMetadata> = {},
  ): ClientMetadata => ({
    ...extra,
    client_id: client.clientId,
    ...(client.clientSecret === "" ? {} : { client_secret: client.clientSecret }),
    grant_types: ["authorization_code", "refresh_token", "client_credentials"],
    redirect_uris: [client.redirectUri],
    response_types: ["code"],
    token_endpoint_auth_method: method,
    scope: scopes.join(" "),
  })
  const configuration: Configuration = {
    clients: [
      metadata(clients.post, "client_secret_post"),
      metadata(clients.basic, "client_secret_basic"),
      metadata(clients.secretJwt, "client_secret_jwt"),
      metadata(clients.privateKeyJwt, "private_key_jwt", {
        jwks: {
          keys: [{ ...keys.publicKey.export({ format: "jwk" }), kid: keyId, alg: "ES256", use: "sig" }],
        },
      }),
      ...(clients.tls === undefined
        ? []
        : [metadata(clients.tls, "tls_client_auth", { tls_client_auth_subject_dn: pki!.clientSubject })]),
    ],
    clientAuthMethods: [
      "client_secret_basic",
      "client_secret_jwt",
      "client_secret_post",
      "private_key_jwt",
      "none",
      ...(pki === undefined ? [] : ["tls_client_auth" as const]),
    ],
    features: {
      clientCredentials: { enabled: true },
      ...(pki === undefined
        ? {}
        : {
            mTLS: {
              enabled: true,
              tlsClientAuth: true,
              getCertificate: (ctx) => {
                const peer = (ctx.req.socket as TLSSocket).getPeerCertificate(false)
                return peer?.raw === undefined ? undefined : new X509Certificate(peer.raw).toString()
              },
              certificateAuthorized: (ctx) => (ctx.req.socket as TLSSocket).authorized === true,
              certificateSubjectMatches: (ctx, property, expected) => {
                if (property !== "tls_client_auth_subject_dn") return false
                const peer = (ctx.req.socket as TLSSocket).getPeerCertificate(false)
                return peer?.subject !== undefined && `CN=${peer.subject.CN}` === expected
              },
            },
          }),
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      devInteractions: { enabled: true },
    },
    pkce: { required: () => true },
    rotateRefreshToken: options.rotateRefreshToken ?? true,
    issueRefreshToken: async () => true,
    scopes,
    ttl: {
      AccessToken: options.ttl?.AccessToken ?? 3600,
      RefreshToken: options.ttl?.RefreshToken ?? 14 * 24 * 3600,
      ClientCredentials: options.ttl?.ClientCredentials ?? 600,
      IdToken: 3600,
      Grant: 14 * 24 * 3600,
      Session: 3600,
      Interaction: 600,
    },
    // Deterministic cookie keys: tests only.
    cookies: { keys: ["keyway-test-cookie-key"] },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  }
  // oidc-provider announces its development defaults (in-memory adapter, dev keys, dev
  // interactions) on the console once per instance: expected here, so kept out of test output.
  const warn = console.warn
  console.warn = (...args: Array<unknown>) => {
    if (typeof args[0] === "string" && args[0].startsWith("oidc-provider WARNING")) return
    warn(...args)
  }
  let provider: Provider
  try {
    provider = new Provider(issuer, configuration)
  } finally {
    console.warn = warn
  }
  const callback = provider.callback()
  handler = (req, res) => void callback(req, res)

  const consent = async (authorizeUrl: string): Promise<string> => {
    const jar = new Map<string, string>()
    const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join("; ")
    const remember = (response: Response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(";")
        const eq = pair!.indexOf("=")
        jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim())
      }
    }
    let url = authorizeUrl
    for (let step = 0; step < 12; step++) {
      if (url.startsWith(REDIRECT)) return url
      const isInteraction = new URL(url).pathname.startsWith("/interaction/")
      let response = await fetch(url, { redirect: "manual", headers: { cookie: cookie() } })
      remember(response)
      if (isInteraction && response.status === 200) {
        const page = await response.text()
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1] ?? "login"
        const form = new URLSearchParams(
          prompt === "login" ? { prompt, login: "keyway-user", password: "any" } : { prompt },
        )
        response = await fetch(url, {
          method: "POST",
          redirect: "manual",
          headers: { cookie: cookie(), "content-type": "application/x-www-form-urlencoded" },
          body: form.toString(),
        })
        remember(response)
      } else {
        await response.arrayBuffer()
      }
      const location = response.headers.get("location")
      if (location === null) throw new Error(`consent stopped at status ${response.status}`)
      url = new URL(location, url).toString()
    }
    throw new Error("consent did not reach the redirect URI")
  }

  const revoke = async (
    client: Client,
    token: string,
    hint: "refresh_token" | "access_token" = "refresh_token",
  ) => {
    const basic = client.clientId === clients.basic.clientId
    const form = new URLSearchParams({ token, token_type_hint: hint })
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" }
    if (basic) {
      headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`
    } else {
      form.set("client_id", client.clientId)
      form.set("client_secret", client.clientSecret)
    }
    const response = await fetch(`${issuer}/token/revocation`, {
      method: "POST",
      headers,
      body: form.toString(),
    })
    await response.arrayBuffer()
    return response.status
  }

  return {
    issuer,
    authorizeUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    revocationUrl: `${issuer}/token/revocation`,
    clients,
    count: (path) =>
      path === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(path) ?? 0),
    consent,
    revoke,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * Starts a server that closes with the enclosing scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as OidcServer from "@keyway/auth-testkit/OidcServer"
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const oidc = yield* OidcServer.make({ rotateRefreshToken: true })
 *   return oidc.tokenUrl
 * }))
 * ```
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<OidcServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (server) => Effect.promise(() => server.close()),
  )
