/**
 * OAuth 2.0 client credentials where the client proves who it is with a `private_key_jwt`
 * assertion (RFC 7523 §2.2, OIDC Core §9) instead of a secret: the assertion is signed with
 * `jose` by core's `ClientAuth.privateKeyJwt`, afresh for every token request. Caching, single
 * flight and refresh come from `TokenLifecycle`; the token request from `TokenRequest`.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { PrivateKeyJwt } from "@keyway/example-auth-private-key-jwt"
 * const auth = PrivateKeyJwt.layer({
 *   provider: "acme", tokenUrl: "https://auth.acme.example/token", clientId: "svc",
 *   privateKey: Redacted.make(process.env.ACME_KEY_PEM ?? ""), algorithm: "ES256", keyId: "k1",
 * }).pipe(Layer.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.2.0
 */
import {
  Auth,
  ClientAuth,
  type Errors,
  Grant,
  Http,
  TokenLifecycle,
  TokenRequest,
  type TokenStore,
} from "@keyway/core"
import { Effect, Layer, Redacted } from "effect"

/**
 * The plugin's settings.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { PrivateKeyJwt } from "@keyway/example-auth-private-key-jwt"
 * const config: PrivateKeyJwt.Config = {
 *   provider: "acme",
 *   tokenUrl: "https://auth.acme.example/token",
 *   clientId: "id",
 *   privateKey: Redacted.make(process.env.ACME_CLIENT_KEY_PEM!),
 *   algorithm: "ES256",
 * }
 * const auth = PrivateKeyJwt.layer(config)
 * ```
 *
 * @since 0.2.0
 */
export interface Config {
  readonly provider: string
  readonly tokenUrl: string
  readonly clientId: string
  /** PKCS#8 PEM or a private JWK as JSON. */
  readonly privateKey: Redacted.Redacted<string>
  /** Default `RS256`. */
  readonly algorithm?: string | undefined
  readonly keyId?: string | undefined
  /** The assertion's `aud`; default the token URL. */
  readonly audience?: string | undefined
}

/**
 * Builds the plugin on the `TokenStore` in context; a key that cannot sign fails here.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { PrivateKeyJwt } from "@keyway/example-auth-private-key-jwt"
 * const plugin = PrivateKeyJwt.make({
 *   provider: "acme", tokenUrl: "https://auth.acme.example/token", clientId: "svc", privateKey: Redacted.make("..."),
 * }).pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.2.0
 */
export const make = Effect.fn("PrivateKeyJwt.make")(function* (config: Config) {
  yield* ClientAuth.importPrivateKey(config.privateKey, config.algorithm ?? "RS256")
  const clientAuthentication = ClientAuth.privateKeyJwt(config)
  const lifecycle = yield* TokenLifecycle.make({
    provider: config.provider,
    fetch: (_current, scopes) =>
      TokenRequest.request({
        endpoint: { provider: config.provider, tokenUrl: config.tokenUrl },
        client: { clientId: config.clientId },
        clientAuthentication,
        grant: Grant.clientCredentials({ scope: scopes.length > 0 ? scopes.join(" ") : undefined }),
      }),
  })
  return Auth.make({
    name: "oauth2-private-key-jwt",
    authenticate: (request, call) =>
      lifecycle.get(call.scopes ?? []).pipe(
        TokenRequest.forCall(call.correlationId),
        Effect.map((token) =>
          Http.setHeader(request, "authorization", `Bearer ${Redacted.value(token.accessToken!)}`),
        ),
      ),
    // The refused token is forgotten; the retry gets a new one (a new assertion, a new token).
    onUnauthorized: (failed, call) => {
      const refused = Http.credentialOf(failed.request, Http.bearer)
      const forget =
        refused === undefined ? Effect.void : lifecycle.invalidate(call.scopes ?? [], Redacted.make(refused))
      return forget.pipe(Effect.as("retry" as const))
    },
    // The new token worked: a run of refused tokens is over.
    onAccepted: (_accepted, call) => lifecycle.accepted(call.scopes ?? []),
    // Every scope set's token, not only the empty one's.
    release: lifecycle.clearAll,
  })
})

/**
 * The plugin as a layer; needs a `TokenStore`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { PrivateKeyJwt } from "@keyway/example-auth-private-key-jwt"
 * const auth = PrivateKeyJwt.layer({ provider: "acme", tokenUrl: "https://x/token", clientId: "svc", privateKey: Redacted.make("...") })
 * ```
 *
 * @since 0.2.0
 */
export const layer = (config: Config): Layer.Layer<Auth.Auth, Errors.ConfigError, TokenStore.TokenStore> =>
  Layer.effect(Auth.Auth, make(config))
