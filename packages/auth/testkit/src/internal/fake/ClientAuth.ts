/**
 * How the fake credential server authenticates a client, the way a real server does:
 * `client_secret_post`, `client_secret_basic`, `client_secret_jwt` (HS256 with the client
 * secret), `private_key_jwt` (ES256 with the client's per-run key pair, `iss`, `sub`,
 * `aud` = the token URL, `exp` by the kit's clock, `jti` never reused), `none`, and
 * `tls_client_auth` (the presented certificate's subject). Also verifies JWT bearer assertions.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const fake = yield* FakeCredentialServer.make({ clientAuthMethods: ["client_secret_basic", "private_key_jwt"] })
 *   return { tokenUrl: fake.tokenUrl, key: fake.clientPrivateKey, kid: fake.clientKeyId } // sign client assertions with these
 * }))
 * ```
 *
 * @since 0.2.0
 */
import { generateKeyPairSync } from "node:crypto"
import { createLocalJWKSet, decodeProtectedHeader, type JWK, type JWTPayload, jwtVerify } from "jose"
import type * as Certificates from "../../Certificates.ts"
import type { ClientAuthMethod } from "../../FakeCredentialServer.ts"
import type * as LoopbackServer from "../../LoopbackServer.ts"
import { randomId } from "./Ledger.ts"

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/**
 * The client authentication of one fake.
 *
 * @example
 * ```ts
 * const { clientPrivateKey, clientKeyId } = auth
 * ```
 */
export interface ClientAuth {
  /** The client's private key (PKCS#8 PEM, ES256). */
  readonly clientPrivateKey: string
  readonly clientKeyId: string
  /** Whether the request's client authentication holds up. */
  readonly authenticate: (request: LoopbackServer.RecordedRequest) => Promise<boolean>
  /** Verifies a JWT (signed with the client secret or the client's key); `undefined` when it is no good. */
  readonly verifyJwt: (
    jwt: string,
    key: "secret" | "public",
    audience: string,
    issuer?: string,
  ) => Promise<JWTPayload | undefined>
}

/**
 * The client authentication of a client: its id and secret, the accepted methods, its TLS
 * identity, the clock assertions are checked with and the token URL (their audience).
 *
 * @example
 * ```ts
 * const auth = makeClientAuth({ clientId, clientSecret, methods, pki, now: () => now(), tokenUrl: () => tokenUrl })
 * ```
 */
export const makeClientAuth = (settings: {
  readonly clientId: string
  readonly clientSecret: string
  readonly methods: ReadonlyArray<ClientAuthMethod>
  readonly pki: Certificates.Pki | undefined
  readonly now: () => number
  readonly tokenUrl: () => string
}): ClientAuth => {
  const { clientId, clientSecret, pki, now } = settings
  const methods = new Set<ClientAuthMethod>(settings.methods)
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
  const clientPrivateKey = privateKey.export({ type: "pkcs8", format: "pem" }).toString()
  const clientKeyId = `kit-key-${randomId().slice(0, 8)}`
  const jwks = createLocalJWKSet({
    keys: [{ ...(publicKey.export({ format: "jwk" }) as JWK), kid: clientKeyId, alg: "ES256" }],
  })
  const seenJti = new Set<string>()

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
        settings.tokenUrl(),
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

  return { clientPrivateKey, clientKeyId, authenticate: authenticateClient, verifyJwt }
}
