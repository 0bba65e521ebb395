/**
 * The provider side of HMAC signing, for the conformance kit: a loopback resource that rebuilds
 * the canonical string of every request it receives and accepts it only when the signature
 * matches, the date is within five minutes of the kit's clock and the nonce is new.
 */
import { timingSafeEqual } from "node:crypto"
import { type FakeCredentialServer, LoopbackServer } from "@keyway/auth-testkit"
import { Http } from "@keyway/core"
import { Effect, Redacted, type Scope } from "effect"
import { HmacSigning } from "../src/index.ts"

export interface SigningServer extends FakeCredentialServer.CredentialServer {
  readonly keyId: string
  readonly secret: string
}

const SKEW_MS = 5 * 60_000

/**
 * Starts the verifier. `lax`: it makes the mistake of the mutant (body and query are not
 * verified), to show that the kit's declaration check catches such a plugin even then.
 */
export const make = (
  options: { readonly lax?: boolean } = {},
): Effect.Effect<SigningServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const keyId = "kit-key"
    const secret = `kit-hmac-${crypto.randomUUID()}`
    let revoked = false
    let now = () => Date.now()
    const nonces = new Set<string>()
    const verify = (request: LoopbackServer.RecordedRequest): boolean => {
      const match = /^HMAC keyId=([^,]+),signature=(.+)$/.exec(String(request.headers.authorization ?? ""))
      const date = String(request.headers["x-date"] ?? "")
      const nonce = String(request.headers["x-nonce"] ?? "")
      if (revoked || match === null || match[1] !== keyId || nonce === "" || nonces.has(nonce)) return false
      if (!(Math.abs(Date.parse(date) - now()) <= SKEW_MS)) return false
      const query = request.query.size > 0 && !options.lax ? `?${request.query}` : ""
      const received = Http.makeRequest(
        request.method,
        `http://127.0.0.1${request.path}${query}`,
        request.headers as Record<string, string>,
        options.lax ? undefined : request.rawBody,
      )
      const expected = Buffer.from(
        HmacSigning.sign(Redacted.make(secret), HmacSigning.canonical(received, date, nonce)),
      )
      const given = Buffer.from(match[2]!)
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false
      nonces.add(nonce)
      return true
    }
    const server = yield* LoopbackServer.make((request) =>
      request.path.startsWith("/resource") && verify(request)
        ? { status: 200, body: { ok: true } }
        : { status: 401 },
    )
    return {
      url: server.url,
      resourceUrl: `${server.url}/resource`,
      lifetimeSeconds: 3600,
      credentialRequests: () => 0,
      setMode: (mode) => {
        revoked = mode === "reject"
      },
      invalidateIssued: () => {
        revoked = true
      },
      issued: () => [secret],
      latestRefreshToken: () => undefined,
      useClock: (clock) => {
        now = clock
      },
      failures: server.failures,
      keyId,
      secret,
    }
  })
