/**
 * HS256 JSON Web Tokens with node:crypto: enough to sign the sandboxes' access tokens and check
 * them again, with no dependency.
 *
 * @example
 * ```ts
 * import { signHs256, verifyHs256 } from "@keyway/sandbox"
 * const jwt = signHs256({ sub: "client", exp: 1_900_000_000 }, "secret")
 * verifyHs256(jwt, "secret") // { ok: true, payload: { sub: "client", exp: 1900000000 } }
 * ```
 *
 * @since 0.1.0
 */
import { createHmac, timingSafeEqual } from "node:crypto"

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url")

/**
 * The claims of a token: any JSON object.
 *
 * @example
 * ```ts
 * import type { JwtPayload } from "@keyway/sandbox"
 * const claims: JwtPayload = { sub: "x", exp: 1 }
 * ```
 */
export type JwtPayload = Record<string, unknown>

/**
 * Signs a payload with HS256.
 *
 * @example
 * ```ts
 * import { signHs256 } from "@keyway/sandbox"
 * signHs256({ sub: "x" }, "secret") // "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.…"
 * ```
 */
export function signHs256(payload: JwtPayload, secret: string): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`
}

/**
 * Checks an HS256 signature and decodes the payload. Expiry is the caller's business (the
 * sandbox compares `exp` with its own, offset clock).
 *
 * @example
 * ```ts
 * import { signHs256, verifyHs256 } from "@keyway/sandbox"
 * const result = verifyHs256(signHs256({ sub: "x", exp: 1_900_000_000 }, "secret"), "secret")
 * if (result.ok) console.log(result.payload.exp)
 * ```
 */
export function verifyHs256(
  token: string,
  secret: string,
):
  | { readonly ok: true; readonly payload: JwtPayload }
  | { readonly ok: false; readonly reason: "malformed" | "signature" } {
  const first = token.indexOf(".")
  const last = token.lastIndexOf(".")
  if (first <= 0 || last === first) return { ok: false, reason: "malformed" }
  const expected = createHmac("sha256", secret).update(token.slice(0, last)).digest()
  const given = Buffer.from(token.slice(last + 1), "base64url")
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "signature" }
  const payload = decodeJwtPayload(token)
  return payload ? { ok: true, payload } : { ok: false, reason: "malformed" }
}

/**
 * Decodes a JWT's payload without checking anything; `undefined` when it is not a JWT.
 *
 * @example
 * ```ts
 * import { decodeJwtPayload } from "@keyway/sandbox"
 * declare const token: string // a Culture Amp sandbox access token
 * decodeJwtPayload(token)?.["scope"] // "target-entity:…:employees-read"
 * ```
 */
export function decodeJwtPayload(token: string): JwtPayload | undefined {
  const parts = token.split(".")
  if (parts.length !== 3) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"))
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as JwtPayload)
      : undefined
  } catch {
    return undefined
  }
}
