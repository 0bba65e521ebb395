/**
 * HMAC-SHA256 request signing, as many provider APIs ask for it: every request carries
 * `x-date` (ISO time from `Clock`), `x-nonce` (from `Random`) and
 * `authorization: HMAC keyId=<id>,signature=<base64>` over a canonical string of the method, the
 * path, the sorted query, the content type, the SHA-256 of the body, the date and the nonce.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HmacSigning } from "@keyway/example-auth-hmac-signing"
 * const auth = HmacSigning.layer({ provider: "acme", keyId: "k1", secret: Redacted.make(process.env.ACME_SECRET ?? "") })
 * ```
 *
 * @since 0.2.0
 */
import { createHash, createHmac } from "node:crypto"
import { Auth, Errors, Http } from "@keyway/core"
import { Clock, Effect, Layer, Random, Redacted } from "effect"

/**
 * The plugin's settings.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HmacSigning } from "@keyway/example-auth-hmac-signing"
 * const config: HmacSigning.Config = { provider: "acme", keyId: "k1", secret: Redacted.make(process.env.ACME_SIGNING_SECRET!) }
 * const auth = HmacSigning.layer(config)
 * ```
 *
 * @since 0.2.0
 */
export interface Config {
  readonly provider: string
  readonly keyId: string
  readonly secret: Redacted.Redacted<string>
}

/**
 * The string that is signed; the server rebuilds it from the request it received.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * import { HmacSigning } from "@keyway/example-auth-hmac-signing"
 * HmacSigning.canonical(Http.makeRequest("GET", "https://api.example/x?b=2&a=1"), "2026-03-14T15:09:26.000Z", "n1")
 * ```
 *
 * @since 0.2.0
 */
export const canonical = (request: Http.HttpRequest, date: string, nonce: string): string => {
  const url = new URL(request.url)
  const query = [...url.searchParams]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
  const bodyHash = createHash("sha256")
    .update(request.body ?? new Uint8Array())
    .digest("base64")
  return [
    request.method,
    url.pathname,
    query.join("&"),
    request.headers["content-type"] ?? "",
    bodyHash,
    date,
    nonce,
  ].join("\n")
}

/**
 * The signature of a canonical string.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HmacSigning } from "@keyway/example-auth-hmac-signing"
 * HmacSigning.sign(Redacted.make("secret"), "GET\n/x")
 * ```
 *
 * @since 0.2.0
 */
export const sign = (secret: Redacted.Redacted<string>, text: string): string =>
  createHmac("sha256", Redacted.value(secret)).update(text).digest("base64")

/**
 * Builds the plugin.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HmacSigning } from "@keyway/example-auth-hmac-signing"
 * const plugin = HmacSigning.make({ provider: "acme", keyId: "k1", secret: Redacted.make("s") })
 * ```
 *
 * @since 0.2.0
 */
export const make = (config: Config): Auth.AuthPlugin =>
  Auth.make({
    name: "hmac-signing",
    // Signed afresh for every attempt: a new date and nonce, so a retry is never a replay.
    authenticate: (request) =>
      Effect.gen(function* () {
        const date = new Date(yield* Clock.currentTimeMillis).toISOString()
        const nonce = `${yield* Random.nextIntBetween(0, 2 ** 31)}${yield* Random.nextIntBetween(0, 2 ** 31)}`
        const signature = sign(config.secret, canonical(request, date, nonce))
        const dated = Http.setHeader(Http.setHeader(request, "x-date", date), "x-nonce", nonce)
        return Http.setHeader(dated, "authorization", `HMAC keyId=${config.keyId},signature=${signature}`)
      }),
    // A refused signature means a revoked or wrong key: nothing to renew, a typed failure.
    onUnauthorized: (_failed, call) =>
      Effect.fail(
        new Errors.CredentialsExpired({
          provider: config.provider,
          reason: "the signing key was refused (401)",
          correlationId: call.correlationId,
        }),
      ),
  })

/**
 * The plugin as a layer.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HmacSigning } from "@keyway/example-auth-hmac-signing"
 * const auth = HmacSigning.layer({ provider: "acme", keyId: "k1", secret: Redacted.make("s") })
 * ```
 *
 * @since 0.2.0
 */
export const layer = (config: Config): Layer.Layer<Auth.Auth> => Layer.succeed(Auth.Auth, make(config))
