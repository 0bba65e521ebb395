/**
 * An example third-party auth plugin: an API key sent as a query parameter (`?api_key=...`).
 * It shows the whole contract in a few lines; `docs/writing-an-auth-plugin.md` walks through it.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { QueryKey } from "@keyway/example-auth-query-key"
 * const auth = QueryKey.layer({ provider: "weather", apiKey: Redacted.make(process.env.WEATHER_KEY ?? "") })
 * ```
 *
 * @since 0.1.0
 */
import { Auth, Errors, Http } from "@keyway/core"
import { Effect, Layer, Redacted } from "effect"

/**
 * The plugin's settings. The key is `Redacted`: it prints as `<redacted>` everywhere.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { QueryKey } from "@keyway/example-auth-query-key"
 * const config: QueryKey.Config = { provider: "weather", apiKey: Redacted.make("k"), param: "key" }
 * ```
 *
 * @since 0.1.0
 */
export interface Config {
  readonly provider: string
  readonly apiKey: Redacted.Redacted<string>
  /** The query parameter's name; default `api_key`. */
  readonly param?: string | undefined
}

/**
 * Builds the plugin.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { QueryKey } from "@keyway/example-auth-query-key"
 * const plugin = QueryKey.make({ provider: "weather", apiKey: Redacted.make("k"), param: "key" })
 * ```
 *
 * @since 0.1.0
 */
export const make = (config: Config): Auth.AuthPlugin => {
  const param = config.param ?? "api_key"
  return Auth.make({
    name: "query-api-key",
    // Declared so the runtime removes the key from URLs in errors and logs.
    secretQueryParams: [param],
    authenticate: (request) => Effect.succeed(Http.setQuery(request, param, Redacted.value(config.apiKey))),
    // A static key cannot be renewed: a 401 is a typed failure, never a retry.
    onUnauthorized: (_failed, call) =>
      Effect.fail(
        new Errors.CredentialsExpired({
          provider: config.provider,
          reason: "the API key was refused (401)",
          correlationId: call.correlationId,
        }),
      ),
  })
}

/**
 * The plugin as a layer providing `Auth.Auth`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { QueryKey } from "@keyway/example-auth-query-key"
 * const auth = QueryKey.layer({ provider: "weather", apiKey: Redacted.make("k") })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (config: Config): Layer.Layer<Auth.Auth> => Layer.succeed(Auth.Auth, make(config))
