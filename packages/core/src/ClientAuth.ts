/**
 * OAuth 2.0 client authentication as data: how a client proves who it is on a token request.
 * A {@link Method} is a value with a name and an `apply` step that adds body fields, headers or a
 * transport client certificate; the standard methods are constructors here and any plugin can make
 * its own.
 *
 * | constructor | OAuth name | what goes on the request |
 * | --- | --- | --- |
 * | {@link clientSecretPost} | `client_secret_post` | `client_id`, `client_secret` in the body |
 * | {@link clientSecretBasic} | `client_secret_basic` | `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1) |
 * | {@link clientSecretJwt} | `client_secret_jwt` | `client_assertion` signed HS256 with the secret (RFC 7523 §2.2, OIDC Core §9) |
 * | {@link privateKeyJwt} | `private_key_jwt` | `client_assertion` signed with the client's private key (RS/PS/ES/EdDSA) |
 * | {@link none} | `none` | `client_id` only (a public client; use PKCE) |
 * | {@link tlsClientAuth} | `tls_client_auth` | `client_id` in the body, the client certificate on the TLS connection (RFC 8705) |
 *
 * Assertions are signed with `jose` for every request (fresh `jti`, `iat` from `Clock`), and are
 * `Redacted` like every other secret.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { ClientAuth, TokenRequest } from "@keyway/core"
 *
 * const token = TokenRequest.request({
 *   endpoint: { provider: "acme", tokenUrl: "https://auth.acme.example/token" },
 *   client: { clientId: "my-client" },
 *   kind: "client_credentials",
 *   clientAuthentication: ClientAuth.privateKeyJwt({
 *     privateKey: Redacted.make(process.env.ACME_KEY_PEM ?? ""),
 *     algorithm: "RS256",
 *     keyId: "key-1",
 *   }),
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Effect, Redacted } from "effect"
import { type CryptoKey, importJWK, importPKCS8, SignJWT } from "jose"
import { ConfigError } from "./Errors.ts"
import type { ClientCertificate } from "./Transport.ts"

/**
 * A body parameter value; `Redacted` values are unwrapped only when the body is encoded.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { ClientAuth } from "@keyway/core"
 * const fields: Record<string, ClientAuth.ParamValue> = { client_id: "app", client_secret: Redacted.make("s"), scope: undefined }
 * ```
 *
 * @since 0.2.0
 */
export type ParamValue = string | Redacted.Redacted<string> | undefined

/**
 * What a method knows about the request it authenticates.
 *
 * @example
 * ```ts
 * import { ClientAuth } from "@keyway/core"
 * const context: ClientAuth.Context = { clientId: "app", tokenUrl: "https://auth.example.com/token", now: Date.now() }
 * const applied = ClientAuth.none.apply(context) // Effect of { fields: { client_id: "app" } }
 * ```
 *
 * @since 0.2.0
 */
export interface Context {
  readonly clientId: string
  /** The token endpoint URL: the default audience of a client assertion. */
  readonly tokenUrl: string
  /** The current time (epoch ms, from `Clock`). */
  readonly now: number
}

/**
 * What a method adds to a token request.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { ClientAuth } from "@keyway/core"
 * const applied: ClientAuth.Applied = { fields: { client_id: "app" }, headers: { authorization: Redacted.make("Basic YXBwOnM=") } }
 * ```
 *
 * @since 0.2.0
 */
export interface Applied {
  readonly fields?: Readonly<Record<string, ParamValue>> | undefined
  readonly headers?: Readonly<Record<string, Redacted.Redacted<string>>> | undefined
  /** A client certificate for the TLS connection (`tls_client_auth`). */
  readonly certificate?: ClientCertificate | undefined
}

/**
 * One client-authentication method. Make your own for a provider's quirk: a name and an `apply`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { ClientAuth } from "@keyway/core"
 * const publicClient: ClientAuth.Method = {
 *   name: "none",
 *   apply: (context) => Effect.succeed({ fields: { client_id: context.clientId } }),
 * }
 * ```
 *
 * @since 0.2.0
 */
export interface Method {
  /** The OAuth name (`token_endpoint_auth_method`), e.g. `private_key_jwt`. */
  readonly name: string
  readonly apply: (context: Context) => Effect.Effect<Applied, ConfigError>
}

/**
 * A method from its parts.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * // A provider that wants the secret in a header of its own.
 * const headerSecret = ClientAuth.make("x_client_secret", (ctx) =>
 *   Effect.succeed({ fields: { client_id: ctx.clientId }, headers: { "x-client-secret": Redacted.make("s") } }),
 * )
 * ```
 *
 * @since 0.2.0
 */
export const make = (name: string, apply: Method["apply"]): Method => ({ name, apply })

const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, "+")

/**
 * The `Authorization` header value of HTTP Basic client authentication.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * Redacted.value(ClientAuth.basicAuthorization("id", Redacted.make("secret"))) // "Basic aWQ6c2VjcmV0"
 * ```
 *
 * @since 0.2.0
 */
export const basicAuthorization = (
  clientId: string,
  clientSecret: Redacted.Redacted<string> | undefined,
): Redacted.Redacted<string> =>
  Redacted.make(
    `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret === undefined ? "" : Redacted.value(clientSecret))}`).toString("base64")}`,
  )

/**
 * `client_secret_post`: the id and secret in the body.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const method = ClientAuth.clientSecretPost(Redacted.make("secret"))
 * ```
 *
 * @since 0.2.0
 */
export const clientSecretPost = (secret: Redacted.Redacted<string>): Method =>
  make("client_secret_post", (context) =>
    Effect.succeed({ fields: { client_id: context.clientId, client_secret: secret } }),
  )

/**
 * `client_secret_basic`: HTTP Basic with the URL-encoded id and secret.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const method = ClientAuth.clientSecretBasic(Redacted.make("secret"))
 * ```
 *
 * @since 0.2.0
 */
export const clientSecretBasic = (secret: Redacted.Redacted<string> | undefined): Method =>
  make("client_secret_basic", (context) =>
    Effect.succeed({ headers: { authorization: basicAuthorization(context.clientId, secret) } }),
  )

/**
 * `none`: a public client sends only its id (pair it with PKCE).
 *
 * @example
 * ```ts
 * import { ClientAuth } from "@keyway/core"
 * const method = ClientAuth.none
 * ```
 *
 * @since 0.2.0
 */
export const none: Method = make("none", (context) =>
  Effect.succeed({ fields: { client_id: context.clientId } }),
)

/**
 * Settings of a client assertion (RFC 7523 §3).
 *
 * @example
 * ```ts
 * import type { ClientAuth } from "@keyway/core"
 * const assertion: ClientAuth.AssertionOptions = { audience: "https://auth.example.com", lifetimeSeconds: 120, keyId: "k1" }
 * ```
 *
 * @since 0.2.0
 */
export interface AssertionOptions {
  /** The `aud` claim; default the token endpoint URL (some servers want their issuer). */
  readonly audience?: string | undefined
  /** Seconds until the assertion's `exp`; default 60. */
  readonly lifetimeSeconds?: number | undefined
  /** The `kid` header. */
  readonly keyId?: string | undefined
  /** Extra claims. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined
}

/** Signing keys accepted by `jose`. */
type SigningKey = CryptoKey | Uint8Array

/**
 * What {@link signJwt} signs: an assertion for the `now` (epoch ms) it is made at.
 *
 * @example
 * ```ts
 * import { ClientAuth } from "@keyway/core"
 * const secret = new TextEncoder().encode(process.env.CLIENT_SECRET!)
 * const claims: ClientAuth.JwtClaims = { issuer: "app", subject: "app", audience: "https://auth.example.com/token", now: Date.now() }
 * const jwt = ClientAuth.signJwt(secret, "HS256", claims)
 * ```
 *
 * @since 0.2.0
 */
export interface JwtClaims extends AssertionOptions {
  readonly issuer: string
  readonly subject: string
  readonly audience: string
  readonly now: number
}

/**
 * Signs a JWT assertion with `jose` (RFC 7523 §3: `iss`, `sub`, `aud`, a fresh `jti`, `iat` =
 * `now`, `exp` = `now` + `lifetimeSeconds`, default 60). Used by the client assertions here and
 * by `Grant.jwtBearerSigned`; the result is `Redacted`.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const jwt = ClientAuth.signJwt(new TextEncoder().encode("a-shared-secret-of-at-least-32-bytes"), "HS256", {
 *   issuer: "svc", subject: "svc", audience: "https://auth.example/token", now: Date.UTC(2026, 0, 1),
 * })
 * ```
 *
 * @since 0.2.0
 */
export const signJwt = (
  key: CryptoKey | Uint8Array,
  algorithm: string,
  claims: JwtClaims,
): Effect.Effect<Redacted.Redacted<string>, ConfigError> => {
  const iat = Math.floor(claims.now / 1000)
  return Effect.tryPromise({
    try: () =>
      new SignJWT({ ...claims.claims })
        .setProtectedHeader({
          alg: algorithm,
          typ: "JWT",
          ...(claims.keyId === undefined ? {} : { kid: claims.keyId }),
        })
        .setIssuer(claims.issuer)
        .setSubject(claims.subject)
        .setAudience(claims.audience)
        .setJti(crypto.randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + (claims.lifetimeSeconds ?? 60))
        .sign(key),
    catch: (error) =>
      new ConfigError({
        path: "assertion",
        message: `could not sign the assertion (${error instanceof Error ? error.name : "error"})`,
      }),
  }).pipe(Effect.map(Redacted.make))
}

/**
 * A private key imported on first use and kept (a non-extractable `CryptoKey`); a key that cannot
 * be imported is a `ConfigError` that shows nothing of it.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const key = ClientAuth.privateKeyOnce(Redacted.make(process.env.KEY_PEM ?? ""), "ES256")
 * ```
 *
 * @since 0.2.0
 */
export const privateKeyOnce = (
  privateKey: Redacted.Redacted<string>,
  algorithm: string,
): Effect.Effect<CryptoKey, ConfigError> => {
  let imported: Promise<CryptoKey> | undefined
  return Effect.tryPromise({
    try: () => (imported ??= importKey(privateKey, algorithm)),
    catch: () => {
      imported = undefined
      return badKey(algorithm)
    },
  })
}

const assertionMethod = (
  name: string,
  algorithm: string,
  options: AssertionOptions,
  key: Effect.Effect<SigningKey, ConfigError>,
): Method =>
  make(name, (context) =>
    Effect.gen(function* () {
      const assertion = yield* signJwt(yield* key, algorithm, {
        ...options,
        issuer: context.clientId,
        subject: context.clientId,
        audience: options.audience ?? context.tokenUrl,
        now: context.now,
      })
      return {
        fields: {
          client_id: context.clientId,
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: assertion,
        },
      }
    }),
  )

/**
 * `client_secret_jwt`: a client assertion signed with the client secret (HMAC).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const method = ClientAuth.clientSecretJwt(Redacted.make("a-long-shared-secret-of-32-bytes!"))
 * ```
 *
 * @since 0.2.0
 */
export const clientSecretJwt = (
  secret: Redacted.Redacted<string>,
  options: AssertionOptions & { readonly algorithm?: "HS256" | "HS384" | "HS512" | undefined } = {},
): Method =>
  assertionMethod(
    "client_secret_jwt",
    options.algorithm ?? "HS256",
    options,
    Effect.sync(() => new TextEncoder().encode(Redacted.value(secret))),
  )

/**
 * Options of {@link privateKeyJwt}.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const options: ClientAuth.PrivateKeyJwtOptions = { privateKey: Redacted.make(process.env.PRIVATE_KEY_PEM!), algorithm: "ES256", keyId: "k1" }
 * const method = ClientAuth.privateKeyJwt(options)
 * ```
 *
 * @since 0.2.0
 */
export interface PrivateKeyJwtOptions extends AssertionOptions {
  /** A PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) or a private JWK as JSON. */
  readonly privateKey: Redacted.Redacted<string>
  /** `RS256`, `PS256`, `ES256`, `EdDSA`, ...; default `RS256` (or the JWK's `alg`). */
  readonly algorithm?: string | undefined
}

/**
 * Imports a private key (PKCS#8 PEM or JWK JSON) for signing; a bad key is a `ConfigError`
 * that names neither the key nor its parts.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const key = ClientAuth.importPrivateKey(Redacted.make("-----BEGIN PRIVATE KEY-----\n..."), "RS256")
 * ```
 *
 * @since 0.2.0
 */
export const importPrivateKey = (
  privateKey: Redacted.Redacted<string>,
  algorithm: string,
): Effect.Effect<CryptoKey, ConfigError> =>
  Effect.tryPromise({ try: () => importKey(privateKey, algorithm), catch: () => badKey(algorithm) })

const importKey = async (privateKey: Redacted.Redacted<string>, algorithm: string): Promise<CryptoKey> => {
  const text = Redacted.value(privateKey).trim()
  if (text.startsWith("-----BEGIN")) return importPKCS8(text, algorithm)
  const key = await importJWK(JSON.parse(text) as Parameters<typeof importJWK>[0], algorithm)
  if (key instanceof Uint8Array) throw new TypeError("a symmetric JWK is not a private key")
  return key
}

const badKey = (algorithm: string) =>
  new ConfigError({
    path: "privateKey",
    message: `the private key is not a PKCS#8 PEM or a private JWK usable with ${algorithm}`,
  })

/**
 * `private_key_jwt`: a client assertion signed with the client's private key. The key is
 * imported once (on first use) and kept as a non-extractable `CryptoKey`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const method = ClientAuth.privateKeyJwt({ privateKey: Redacted.make(process.env.KEY_PEM ?? ""), algorithm: "ES256", keyId: "k1" })
 * ```
 *
 * @since 0.2.0
 */
export const privateKeyJwt = (options: PrivateKeyJwtOptions): Method => {
  const algorithm = options.algorithm ?? jwkAlgorithm(options.privateKey) ?? "RS256"
  const key = privateKeyOnce(options.privateKey, algorithm)
  return assertionMethod("private_key_jwt", algorithm, options, key)
}

const jwkAlgorithm = (privateKey: Redacted.Redacted<string>): string | undefined => {
  const text = Redacted.value(privateKey).trim()
  if (!text.startsWith("{")) return undefined
  try {
    const alg = (JSON.parse(text) as { alg?: unknown }).alg
    return typeof alg === "string" ? alg : undefined
  } catch {
    return undefined
  }
}

/**
 * `tls_client_auth` (RFC 8705 §2.1): the client id in the body, the client certificate on the
 * TLS connection of the token request (the undici transport presents it).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const method = ClientAuth.tlsClientAuth({
 *   certificate: process.env.CLIENT_CERT_PEM ?? "",
 *   privateKey: Redacted.make(process.env.CLIENT_KEY_PEM ?? ""),
 * })
 * ```
 *
 * @since 0.2.0
 */
export const tlsClientAuth = (certificate: ClientCertificate): Method =>
  make("tls_client_auth", (context) =>
    Effect.succeed({ fields: { client_id: context.clientId }, certificate }),
  )

/**
 * The method of a descriptor's `clientAuth` setting: `body` (the id, and the secret when there is
 * one, in the body) or `basic`. This is what token requests did before methods were data.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { ClientAuth } from "@keyway/core"
 * const method = ClientAuth.fromSetting("basic", Redacted.make("secret"))
 * method.name // "client_secret_basic"
 * ```
 *
 * @since 0.2.0
 */
export const fromSetting = (
  setting: "body" | "basic" | undefined,
  secret: Redacted.Redacted<string> | undefined,
): Method =>
  setting === "basic" ? clientSecretBasic(secret) : secret === undefined ? none : clientSecretPost(secret)
