/**
 * The options and vocabulary of the auth plugin conformance suite: what a plugin can do, what a
 * signing plugin's signature covers, the kit's clock epoch and the check names.
 *
 * @example
 * ```ts
 * import type { Conformance } from "@keyway/auth-testkit"
 * const caps: Partial<Conformance.Capabilities> = { rotation: true }
 * ```
 *
 * @since 0.1.0
 */
import type { Auth, Errors, TokenStore } from "@keyway/core"
import type { Effect, Layer, Scope } from "effect"
import type * as FakeCredentialServer from "../FakeCredentialServer.ts"

/**
 * What a plugin can do; checks that do not apply are registered as skipped.
 *
 * @example
 * ```ts
 * import type { Conformance } from "@keyway/auth-testkit"
 * const caps: Conformance.Capabilities = { credentialEndpoint: true, expires: true, refreshOn401: true, rotation: false, badCredentials: ["InvalidClient"] }
 * ```
 *
 * @since 0.1.0
 */
export interface Capabilities {
  /** The plugin obtains credentials from the server (a token or login endpoint). Default true. */
  readonly credentialEndpoint: boolean
  /** Its credentials expire and are renewed under the clock. Default true. */
  readonly expires: boolean
  /** A 401 is recovered once with a new credential. Default true. */
  readonly refreshOn401: boolean
  /** Refresh tokens rotate (the store must hold the newest). Default false. */
  readonly rotation: boolean
  /** The error tags acceptable for rejected credentials. Default `["InvalidClient"]`. */
  readonly badCredentials: ReadonlyArray<Errors.AuthError["_tag"]>
}

/**
 * What a request-signing plugin declares its signature covers. The kit changes each declared part
 * of a request and expects a different credential; an undeclared part is not checked (declare
 * honestly: a signature that covers less than the provider verifies is a bug the provider finds).
 *
 * @example
 * ```ts
 * import type { Conformance } from "@keyway/auth-testkit"
 * const signs: Conformance.Signs = { method: true, path: true, headers: ["x-date"], body: true, time: true }
 * ```
 *
 * @since 0.2.0
 */
export interface Signs {
  readonly method?: boolean | undefined
  readonly path?: boolean | undefined
  readonly query?: boolean | undefined
  /** Header names (lower case) covered, e.g. `["content-type", "x-date"]`. */
  readonly headers?: ReadonlyArray<string> | undefined
  readonly body?: boolean | undefined
  /** A timestamp is signed: the same request a second later (a retry) gets a new credential. */
  readonly time?: boolean | undefined
}

/**
 * The time the kit's `TestClock` starts at in every check: 2026-03-14T15:09:26Z, so a plugin that
 * signs timestamps or checks expiry is tested at a realistic time, not at epoch 0.
 *
 * @example
 * ```ts
 * import { Conformance } from "@keyway/auth-testkit"
 * new Date(Conformance.kitEpoch).toISOString() // "2026-03-14T15:09:26.000Z"
 * ```
 *
 * @since 0.2.0
 */
export const kitEpoch = Date.UTC(2026, 2, 14, 15, 9, 26)

/**
 * Options of `runAuthConformance`.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Auth } from "@keyway/core"
 * import type { Conformance } from "@keyway/auth-testkit"
 * const options: Conformance.Options = { name: "none", makeLayer: () => Layer.succeed(Auth.Auth, Auth.make({ name: "none", authenticate: Effect.succeed })) }
 * ```
 *
 * @since 0.1.0
 */
export interface Options<
  S extends FakeCredentialServer.CredentialServer = FakeCredentialServer.FakeCredentialServer,
> {
  /** Names the `describe` block. */
  readonly name: string
  /** Builds the plugin against the fake; every credential URL must be derived from `server.url`. */
  readonly makeLayer: (server: S) => Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore>
  /**
   * The fake: options of the built-in {@link FakeCredentialServer}, or an effect starting your
   * own implementation of {@link FakeCredentialServer.CredentialServer} (closed with the scope).
   */
  readonly server?: FakeCredentialServer.Options | (() => Effect.Effect<S, never, Scope.Scope>) | undefined
  /** The plugin's own secrets (client secret, password, API key) that must never leak. */
  readonly secrets?: ((server: S) => ReadonlyArray<string>) | undefined
  /** Runs before the layer is built, on the check's TokenStore (e.g. seed an authorized grant). */
  readonly prepare?: ((server: S) => Effect.Effect<void, unknown, TokenStore.TokenStore>) | undefined
  /** The scopes of the kit's calls (`CallInfo.scopes`). */
  readonly scopes?: ReadonlyArray<string> | undefined
  /**
   * Other scope sets the release check calls with before `release` (default two of its own), so
   * that a plugin keeping one token per scope set must give them all up.
   */
  readonly releaseScopes?: ReadonlyArray<ReadonlyArray<string>> | undefined
  /** For request-signing plugins: what the signature covers (enables the coverage check). */
  readonly signs?: Signs | undefined
  readonly capabilities?: Partial<Capabilities> | undefined
  /**
   * For testing the kit itself: checks registered as expected to fail (a deliberately broken
   * plugin must be caught). A plugin's own conformance test never sets this.
   */
  readonly expectFailures?: ReadonlyArray<CheckName> | undefined
}

/**
 * The names of the checks, for {@link Options.expectFailures}.
 *
 * @example
 * ```ts
 * import type { Conformance } from "@keyway/auth-testkit"
 * const expected: ReadonlyArray<Conformance.CheckName> = ["rotation"]
 * ```
 *
 * @since 0.1.0
 */
export type CheckName =
  | "authenticates"
  | "varied-requests"
  | "signature-coverage"
  | "single-flight"
  | "expiry"
  | "unauthorized"
  | "rotation"
  | "bad-credentials"
  | "endpoint-unavailable"
  | "endpoint-dead"
  | "release"
  | "no-leaks"
