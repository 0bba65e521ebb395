/**
 * The auth plugin contract: the one service every auth strategy implements, built-in or your own.
 *
 * A plugin is a `Layer` that provides {@link Auth}. The runtime calls it at three points of a call:
 *
 * 1. `authenticate` decorates each outgoing attempt (a header, a query parameter, a signature).
 *    It runs again for every retry and after a refresh, on a fresh copy of the request.
 * 2. `onUnauthorized` is called when the server answers 401 (or the plugin's own "expired" status).
 *    Answer `"retry"` after making a new credential available (refresh, re-login): the runtime
 *    re-authenticates and re-sends once. Answer `"pass"` to hand the 401 to the caller as an
 *    `HttpError`, or fail with a typed auth error (`CredentialsExpired`, `ReauthorizationRequired`).
 *    The runtime never asks twice in one call: no refresh loops.
 * 3. `release` gives the credential up on demand (revoke a grant, log a session out).
 *
 * Token-based plugins do not write their own caching: {@link TokenLifecycle} gives them single
 * flight, proactive refresh, rotation-safe writes to the {@link TokenStore} and expiry handling.
 *
 * @example
 * ```ts
 * // A complete plugin: an API key in a query parameter.
 * import { Effect, Layer, Redacted } from "effect"
 * import { Auth, Errors, Http } from "@keyway/core"
 *
 * export const layer = (options: { readonly apiKey: Redacted.Redacted<string>; readonly param?: string }) =>
 *   Layer.succeed(Auth.Auth, Auth.make({
 *     name: "api-key-query",
 *     secretQueryParams: [options.param ?? "api_key"],
 *     authenticate: (request) => Effect.succeed(Http.setQuery(request, options.param ?? "api_key", Redacted.value(options.apiKey))),
 *     onUnauthorized: () => Effect.fail(new Errors.CredentialsExpired({ provider: "example", reason: "API key rejected" })),
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { type AuthError, ConfigError } from "./Errors.ts"
import type { HttpRequest, HttpResponse } from "./Http.ts"
import type * as Secret from "./Secret.ts"
import type { TokenStore } from "./TokenStore.ts"

/**
 * What a plugin knows about the call it is serving.
 *
 * @example
 * ```ts
 * import type { Auth } from "@keyway/core"
 * const call: Auth.CallInfo = { correlationId: "c0ffee", attempt: 1, route: "/jobs", scopes: ["r_jobs"] }
 * ```
 *
 * @since 0.1.0
 */
export interface CallInfo {
  /** The logical call's correlation id: the same across its retries and its token refresh. */
  readonly correlationId: string
  /** 1 for the first attempt. */
  readonly attempt: number
  /** The OpenAPI path template (`/candidates/{id}`), when the call came through a typed client. */
  readonly route?: string | undefined
  /** The scopes this call needs (from the operation's `security`, or given per call). */
  readonly scopes?: ReadonlyArray<string> | undefined
}

/**
 * What `onUnauthorized` answers: `"retry"` once a new credential is available, `"pass"` to let the
 * 401 through to the caller.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth } from "@keyway/core"
 * const plugin = Auth.make({
 *   name: "refreshing",
 *   authenticate: (r) => Effect.succeed(r),
 *   onUnauthorized: (): Effect.Effect<Auth.UnauthorizedDecision> => Effect.succeed("retry"),
 * })
 * ```
 *
 * @since 0.1.0
 */
export type UnauthorizedDecision = "retry" | "pass"

/**
 * The shape of an auth plugin.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { type Auth, Http } from "@keyway/core"
 * const plugin: Auth.AuthPlugin = {
 *   name: "api-key",
 *   authenticate: (request) => Effect.succeed(Http.setHeader(request, "x-api-key", "k")),
 *   onUnauthorized: () => Effect.succeed("pass"),
 *   release: Effect.void,
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface AuthPlugin {
  /** A short name for logs and spans, e.g. `oauth2-client-credentials`. */
  readonly name: string
  /** Decorate one attempt. Called for every attempt, on a fresh copy of the request. */
  readonly authenticate: (request: HttpRequest, call: CallInfo) => Effect.Effect<HttpRequest, AuthError>
  /** React to a 401 answer. Called at most once per call. */
  readonly onUnauthorized: (
    failed: { readonly request: HttpRequest; readonly response: HttpResponse },
    call: CallInfo,
  ) => Effect.Effect<UnauthorizedDecision, AuthError>
  /**
   * The attempt re-sent after `onUnauthorized` answered `"retry"` was not refused: the new
   * credential works. Token plugins tell their `TokenLifecycle` (`accepted`), which ends a run of
   * refused tokens. Optional; called only after a refresh, never on the hot path.
   */
  readonly onAccepted?:
    | ((
        accepted: { readonly request: HttpRequest; readonly response: HttpResponse },
        call: CallInfo,
      ) => Effect.Effect<void>)
    | undefined
  /** Whether a response means "your credential is no good" (default: status 401). */
  readonly isUnauthorized?: ((response: HttpResponse) => boolean) | undefined
  /** Give the credential up: revoke the grant, log out. The store holds nothing afterwards. */
  readonly release: Effect.Effect<void, AuthError>
  /** Query parameter names that hold secrets, removed from URLs in errors and logs. */
  readonly secretQueryParams?: ReadonlyArray<string> | undefined
}

/**
 * The auth service of a client. Provide it with a plugin's layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth } from "@keyway/core"
 * const revoke = Effect.gen(function*() {
 *   const auth = yield* Auth.Auth
 *   yield* auth.release
 * })
 * ```
 *
 * @since 0.1.0
 */
export class Auth extends Context.Service<Auth, AuthPlugin>()("@keyway/core/Auth") {}

/**
 * Builds a plugin, filling the optional parts: `onUnauthorized` defaults to `"pass"` and `release`
 * to doing nothing.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth, Http } from "@keyway/core"
 * const plugin = Auth.make({ name: "static", authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", "Bearer x")) })
 * ```
 *
 * @since 0.1.0
 */
export const make = (
  plugin: Pick<AuthPlugin, "name" | "authenticate"> & Partial<Omit<AuthPlugin, "name" | "authenticate">>,
): AuthPlugin => ({
  onUnauthorized: () => Effect.succeed("pass"),
  release: Effect.void,
  ...plugin,
})

/**
 * No authentication at all (public endpoints, tests).
 *
 * @example
 * ```ts
 * import { Auth } from "@keyway/core"
 * const layer = Auth.layerNone
 * ```
 *
 * @since 0.1.0
 */
export const layerNone: Layer.Layer<Auth> = Layer.succeed(
  Auth,
  make({ name: "none", authenticate: (request) => Effect.succeed(request) }),
)

/**
 * Whether a response is a 401 for this plugin.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth } from "@keyway/core"
 * const plugin = Auth.make({ name: "none", authenticate: (request) => Effect.succeed(request) })
 * Auth.isUnauthorized(plugin, { status: 401, headers: {}, body: new Uint8Array() }) // true
 * ```
 *
 * @since 0.1.0
 */
export const isUnauthorized = (plugin: AuthPlugin, response: HttpResponse): boolean =>
  plugin.isUnauthorized ? plugin.isUnauthorized(response) : response.status === 401

/**
 * What a generated client hands a custom plugin (`type: custom` in `provider.yaml`).
 *
 * @example
 * ```ts
 * import type { Auth } from "@keyway/core"
 * const describe = (input: Auth.DefinitionInput<{ readonly header: string }, { readonly type: "custom"; readonly key: string }>) =>
 *   `${input.provider} at ${input.baseUrl}: ${input.options.header}`
 * ```
 *
 * @since 0.2.0
 */
export interface DefinitionInput<Options, Credentials> {
  /** The provider's name. */
  readonly provider: string
  /** The descriptor's `options`, decoded with the definition's schema. */
  readonly options: Options
  /** What the caller gave as `auth` (its `type` discriminator included). */
  readonly credentials: Credentials
  readonly baseUrl: string
  readonly variables: Readonly<Record<string, string>>
  readonly connection?: string | undefined
}

/**
 * An auth plugin that a descriptor can name (`type: custom`, `plugin: { package, export }`): the
 * schema of its descriptor options (the generator validates `options` with it and puts its JSON
 * Schema into the descriptor's), the type of the credentials a caller gives (`Credentials`, the
 * generated options type takes it), and how to build the layer.
 *
 * @example
 * ```ts
 * import type { Auth } from "@keyway/core"
 * declare const definition: Auth.Definition<{ readonly header: string }, { readonly type: "custom"; readonly key: string }>
 * const name: string = definition.name
 * ```
 *
 * @since 0.2.0
 */
export interface Definition<Options, Credentials> {
  readonly name: string
  /** Decodes the descriptor's `options` (JSON data). */
  readonly options: Schema.Decoder<Options>
  readonly layer: (input: DefinitionInput<Options, Credentials>) => Layer.Layer<Auth, unknown, TokenStore>
  /** Type-level only: the credentials type. */
  readonly "~credentials"?: Credentials | undefined
}

/**
 * The credentials type of a definition (what the generated options type asks for).
 *
 * @example
 * ```ts
 * import type { Auth } from "@keyway/core"
 * declare const definition: Auth.Definition<{ header: string }, { key: string }>
 * type Credentials = Auth.CredentialsOf<typeof definition> // { key: string }
 * ```
 *
 * @since 0.2.0
 */
export type CredentialsOf<D> = D extends Definition<any, infer C> ? C : never

/**
 * Declares a plugin a descriptor can name. `Credentials` is given as a type parameter.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted, Schema } from "effect"
 * import { Auth, Http } from "@keyway/core"
 *
 * export const definition = Auth.define<{ readonly header: string }, { readonly key: string }>({
 *   name: "header-key",
 *   options: Schema.Struct({ header: Schema.String }),
 *   layer: ({ options, credentials }) =>
 *     Layer.succeed(Auth.Auth, Auth.make({
 *       name: "header-key",
 *       authenticate: (request) => Effect.succeed(Http.setHeader(request, options.header, credentials.key)),
 *     })),
 * })
 * ```
 *
 * @since 0.2.0
 */
export const define = <Options, Credentials>(
  definition: Omit<Definition<Options, Credentials>, "~credentials">,
): Definition<Options, Credentials> => definition

/**
 * The layer of a custom strategy: decodes its descriptor options (a `ConfigError` naming the
 * strategy when they do not fit) and builds the plugin.
 *
 * @example
 * ```ts
 * import { Auth } from "@keyway/core"
 * declare const definition: Auth.Definition<{ header: string }, { key: string }>
 * const layer = Auth.layerCustom(definition, { provider: "acme", options: { header: "x-key" }, credentials: { key: "k" }, baseUrl: "https://x", variables: {} })
 * ```
 *
 * @since 0.2.0
 */
export const layerCustom = <Options, Credentials>(
  definition: Definition<Options, Credentials>,
  input: Omit<DefinitionInput<unknown, Credentials>, "options"> & { readonly options: unknown },
): Layer.Layer<Auth, unknown, TokenStore> =>
  Layer.unwrap(
    Schema.decodeUnknownEffect(definition.options)(input.options ?? {}).pipe(
      Effect.mapError(
        (issue) =>
          new ConfigError({
            path: `auth.options (${definition.name})`,
            message: `the descriptor options do not fit the plugin's schema: ${issue.message}`,
          }),
      ),
      Effect.map((options) => definition.layer({ ...input, options })),
    ),
  )

/**
 * A secret as plugins take it: a `Redacted`. Options typed for users (`Secret.Secret`: a plain
 * string or a `Redacted`, declared without effect) are redacted here once, at the plugin's boundary.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Auth } from "@keyway/core"
 * const fromText: Redacted.Redacted<string> = Auth.redact("s3cr3t")
 * const kept = Auth.redact(Redacted.make("s3cr3t")) // the same Redacted, not wrapped again
 * ```
 *
 * @since 0.2.0
 */
export const redact = (secret: Secret.Secret | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(secret) ? (secret as Redacted.Redacted<string>) : Redacted.make(String(secret))
