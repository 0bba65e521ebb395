/**
 * The HMAC signing plugin as a provider descriptor names it (`type: custom`).
 *
 * @since 0.2.0
 */
import { Auth } from "@keyway/core"
import { Redacted, Schema } from "effect"
import { layer } from "./HmacSigning.ts"

/**
 * The plugin as a descriptor can name it (`type: custom`): the key id comes from the descriptor's
 * `options`, the secret from the caller.
 *
 * @example
 * ```yaml
 * auth:
 *   - type: custom
 *     plugin: { package: "@keyway/example-auth-hmac-signing", export: "hmacSigning" }
 *     options: { keyId: k-2026 }
 * ```
 *
 * @since 0.2.0
 */
export const definition = Auth.define<
  { readonly keyId: string },
  { readonly secret: string | Redacted.Redacted<string> }
>({
  name: "hmac-signing",
  options: Schema.Struct({ keyId: Schema.String.annotate({ description: "The id of the signing key" }) }),
  layer: ({ provider, options, credentials }) =>
    layer({
      provider,
      keyId: options.keyId,
      secret: Redacted.isRedacted(credentials.secret)
        ? credentials.secret
        : Redacted.make(credentials.secret),
    }),
})
