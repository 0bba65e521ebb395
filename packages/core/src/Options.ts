/**
 * The plain-data settings of a client and of one call, declared without `effect` so that the
 * Promise API's types (`@keyway/core/Client`) load no Effect types: the retry policy, the call
 * budget, the limits, the per-call options, the correlation header, the options both APIs share,
 * and the opaque types of what a plugin or a store hands a client (its layer).
 *
 * `Retry.Policy`, `Redirect.Policy`, `Throttle.Budget`, `Limits.Limits` and `Call.CallOptions`
 * extend these (one definition of their fields, here).
 *
 * The layer types are structural brands: an effect `Layer` of the right service satisfies them
 * (its variance marker names the service key), so `Client.make({ auth: PermanentToken.layer(…) })`
 * type-checks while a consumer of the Promise API never loads `effect`'s declarations.
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const retry: Partial<Options.RetryPolicy> = { maxAttempts: 2 }
 * const call: Options.CallOptions = { correlationId: "order-42", retry }
 * ```
 *
 * @since 0.1.0
 */

/**
 * A retry policy. All times are milliseconds.
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const policy: Partial<Options.RetryPolicy> = { maxAttempts: 5, maxDelayMs: 5_000 }
 * ```
 *
 * @since 0.1.0
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. 1 disables retries. */
  readonly maxAttempts: number
  /** The first backoff's upper bound. */
  readonly baseDelayMs: number
  /** The cap of any single backoff. */
  readonly maxDelayMs: number
  /** A `Retry-After` longer than this fails with `RateLimited`. */
  readonly maxRetryAfterMs: number
  /** Time for all attempts of a call, waits included. */
  readonly deadlineMs: number
  /** Time for one attempt, the body included. */
  readonly attemptTimeoutMs: number
  /** Statuses worth another attempt. */
  readonly retryOn: ReadonlyArray<number>
}

/**
 * How a provider's calls treat redirects (see `Redirect`).
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const redirects: Partial<Options.RedirectPolicy> = { crossOrigin: "follow-without-credentials", maxHops: 3 }
 * ```
 *
 * @since 0.2.0
 */
export interface RedirectPolicy {
  /** Follow redirects (default); `false` returns the 3xx response as it is. */
  readonly follow: boolean
  /**
   * A redirect to another origin: refused with `OriginRefused` (default) or followed without
   * credentials (`Descriptor.CrossOrigin`, the same literals; a type test pins them together).
   */
  readonly crossOrigin: "refuse" | "follow-without-credentials"
  /** Redirects followed at most in one call (default 5); past it, `TooManyRedirects`. */
  readonly maxHops: number
}

/**
 * A call budget. `rate` absent: no pacing of its own, only what the provider's headers say.
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const budget: Options.Budget = { rate: 10, burst: 10, concurrency: 8, per: "connection" }
 * ```
 *
 * @since 0.1.0
 */
export interface Budget {
  /** Calls per second, all processes together. */
  readonly rate?: number | undefined
  /** Calls that may go at once after a quiet spell; default 1. */
  readonly burst?: number | undefined
  /** Calls in flight at once in one process; default unlimited. */
  readonly concurrency?: number | undefined
  /** One budget for the provider (default), or one per connection (end user, tenant). */
  readonly per?: "provider" | "connection" | undefined
}

/**
 * How much a call may receive and how long a token request may take (see `Limits`).
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const limits: Partial<Options.Limits> = { maxResponseBytes: 4 * 1024 * 1024 }
 * ```
 *
 * @since 0.1.0
 */
export interface Limits {
  readonly maxResponseBytes: number
  readonly tokenMaxResponseBytes: number
  readonly tokenTimeoutMs: number
}

/**
 * Per-call options of the pipeline (the `keyway` field of an openapi-fetch init, plus the route).
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const options: Options.CallOptions = { idempotencyKey: "order-42", timeoutMs: 5_000 }
 * ```
 *
 * @since 0.1.0
 */
export interface CallOptions {
  /** Use this correlation id instead of a fresh UUID. */
  readonly correlationId?: string | undefined
  /** Sent as `Idempotency-Key`; makes POST/PATCH retryable. */
  readonly idempotencyKey?: string | undefined
  /** Retry overrides for this call. */
  readonly retry?: Partial<RetryPolicy> | undefined
  /** The scopes this call needs (overrides the operation's). */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** Per-attempt timeout for this call, in ms. */
  readonly timeoutMs?: number | undefined
  /** The OpenAPI path template; set by typed clients. */
  readonly route?: string | undefined
  /** Redirect policy overrides for this call (`{ follow: false }`: fetch's `redirect: "manual"`). */
  readonly redirects?: Partial<RedirectPolicy> | undefined
  /**
   * Send without credentials: `auth.authenticate` is not run and the origin guard does not apply
   * (pagination follows a provider's cross-origin `next` link this way when it opts in).
   */
  readonly anonymous?: boolean | undefined
}

/**
 * The correlation id header settings a client is built with (see `Correlation.layer`).
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const correlation: Options.CorrelationOptions = { header: "X-Correlation-id", maxLength: 36 }
 * ```
 *
 * @since 0.1.0
 */
export interface CorrelationOptions {
  readonly header: string
  readonly maxLength?: number | undefined
}

/**
 * An operation of the spec, keyed `"METHOD /path"` in {@link Common.operations}.
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const getPet: Options.OperationInfo = { operationId: "getPet", scopes: ["pets.read"] }
 * ```
 *
 * @since 0.1.0
 */
export interface OperationInfo {
  readonly operationId: string
  /** The scopes the operation's `security` asks for. */
  readonly scopes?: ReadonlyArray<string> | undefined
}

/**
 * Headers of a client's options, as openapi-fetch's `createClient` takes them (a record).
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const headers: Options.HeaderValues = { "x-tenant": "acme", "x-version": 2, "content-type": null }
 * ```
 *
 * @since 0.2.0
 */
export type HeaderValues = Readonly<
  Record<string, string | number | boolean | ReadonlyArray<string | number | boolean> | null | undefined>
>

/**
 * Options both APIs share.
 *
 * @example
 * ```ts
 * import type { Options } from "@keyway/core"
 * const options: Options.Common = { provider: "petstore", baseUrl: "https://pets.example/v1" }
 * ```
 *
 * @since 0.1.0
 */
export interface Common {
  /** The provider's name, for logs, spans and token keys. */
  readonly provider: string
  readonly baseUrl: string
  /**
   * Headers sent on every call, as openapi-fetch's `createClient` takes them: a number or boolean
   * is sent as text, an array as one value per item, `null` leaves the header out (for
   * `Content-Type`: no `application/json` by default).
   */
  readonly headers?: HeaderValues | undefined
  /** The spec's operations, for scopes and span names. */
  readonly operations?: Readonly<Record<string, OperationInfo>> | undefined
  /**
   * Origins besides the base URL's that credentials may be written to (the descriptor's
   * `origins`). A request for any other origin fails with `OriginRefused` before it is decorated.
   */
  readonly origins?: ReadonlyArray<string> | undefined
  /**
   * Allow plain `http:` to non-loopback hosts for the base URL and the plugin's URLs (default
   * `false`: such a URL is a `ConfigError` naming it). Loopback `http:` is always allowed.
   */
  readonly allowInsecureHttp?: boolean | undefined
  /** Response size and token request limits (see `Limits`). */
  readonly limits?: Partial<Limits> | undefined
  /** How calls follow redirects (see `Redirect`; the descriptor's `redirects`). */
  readonly redirects?: Partial<RedirectPolicy> | undefined
}

/** What an effect `Layer<ROut, E, RIn>` carries under its type id, spelled without effect. */
interface LayerVariance<ROut, RIn> {
  readonly "~effect/Layer": {
    readonly _ROut: (_: ROut) => void
    readonly _E: (_: never) => unknown
    readonly _RIn: (_: never) => RIn
  }
}

/** A service identifier as a `Context.Service` class declares it (its key names it). */
interface ServiceOf<Key extends string> {
  readonly "~effect/Context/Service": "~effect/Context/Service"
  readonly key: Key
  readonly Service: any
}

/**
 * An auth plugin, as a client takes it: an effect `Layer` that provides `Auth.Auth` and may need
 * a `TokenStore` (what every plugin's `layer(…)` returns), typed without importing effect.
 *
 * @example
 * ```ts
 * import { Auth, type Options } from "@keyway/core"
 * const none: Options.AuthLayer = Auth.layerNone
 * ```
 *
 * @since 0.1.0
 */
export interface AuthLayer extends LayerVariance<ServiceOf<"@keyway/core/Auth">, TokenStoreService> {}

/** The token store service's identifier, as a layer's requirement. */
interface TokenStoreService {
  readonly key: "@keyway/core/TokenStore"
}

/**
 * A token store, as a client takes it: an effect `Layer` that provides `TokenStore.TokenStore`
 * (`TokenStore.layerMemory`, the SQLite and Redis stores' layers), typed without importing effect.
 *
 * @example
 * ```ts
 * import { type Options, TokenStore } from "@keyway/core"
 * const store: Options.TokenStoreLayer = TokenStore.layerMemory
 * ```
 *
 * @since 0.1.0
 */
export interface TokenStoreLayer extends LayerVariance<ServiceOf<"@keyway/core/TokenStore">, never> {}

/**
 * More services for a client's runtime (a Logger, a Tracer, a Transport): any effect `Layer`
 * that needs nothing, typed without importing effect.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import type { Options } from "@keyway/core"
 * const extra: Options.ServiceLayer = Layer.empty
 * ```
 *
 * @since 0.1.0
 */
export interface ServiceLayer extends LayerVariance<never, never> {}
