/**
 * What the authorization-code scenarios (CCH, Workable) share: the client options every generated
 * client takes on a sandbox, and the run itself (consent by the scripted user agent, the
 * provider's own calls, a refresh with rotation once the sandbox clock passes the access token's
 * lifetime, and `release()`, which revokes the grant).
 *
 * @example
 * ```ts
 * import * as AuthorizationCodeScenario from "@keyway/demo/AuthorizationCodeScenario"
 * // const row = await AuthorizationCodeScenario.run({ provider: "cch", sandbox, settings, ... })
 * ```
 *
 * @since 0.1.0
 */
import type { AuthorizationCode } from "@keyway/auth-authorization-code"
import { TokenStore } from "@keyway/core"
import type { SandboxUrls } from "@keyway/sandbox"
import { Layer, Redacted } from "effect"
import * as Consent from "./Consent.ts"
import type * as Recorder from "./Recorder.ts"
import * as SandboxControl from "./SandboxControl.ts"
import * as Scenario from "./Scenario.ts"

/**
 * The parts of an authorization-code sandbox the scenarios read.
 *
 * @example
 * ```ts
 * import type { AuthorizationCodeScenario } from "@keyway/demo"
 * // const sb: AuthorizationCodeScenario.OAuthSandbox = await startSandbox("cch")
 * ```
 *
 * @since 0.1.0
 */
export interface OAuthSandbox {
  readonly baseUrl: string
  readonly urls: SandboxUrls
  readonly credentials: { readonly clientId: string; readonly clientSecret: string }
}

/**
 * The options a generated client takes on the sandbox, its grant in `store` (the provider adds
 * its own, such as Workable's `subdomain`, and the caller's overrides).
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import * as AuthorizationCodeScenario from "@keyway/demo/AuthorizationCodeScenario"
 * // Cch.createClient({ ...AuthorizationCodeScenario.clientOptions(sb, settings, TokenStore.makeMemory()) })
 * ```
 *
 * @since 0.1.0
 */
export const clientOptions = (
  sandbox: OAuthSandbox,
  settings: Scenario.Settings,
  store: TokenStore.TokenStoreShape,
) => ({
  baseUrl: sandbox.baseUrl,
  tokenUrl: sandbox.urls.tokenUrl,
  authorizeUrl: sandbox.urls.authorizeUrl,
  revokeUrl: sandbox.urls.revokeUrl,
  tokenStore: Layer.succeed(TokenStore.TokenStore, store),
  auth: {
    type: "oauth" as const,
    clientId: sandbox.credentials.clientId,
    clientSecret: Redacted.make(sandbox.credentials.clientSecret),
  },
  retry: settings.retry,
  layer: settings.layer,
})

/**
 * A client the scenario can release and dispose of.
 *
 * @example
 * ```ts
 * import type { AuthorizationCodeScenario } from "@keyway/demo"
 * // const client: AuthorizationCodeScenario.ReleasableClient = CchScenario.client(sb, settings, store)
 * ```
 *
 * @since 0.1.0
 */
export interface ReleasableClient extends AsyncDisposable {
  readonly release: () => Promise<void>
}

/**
 * What differs between the authorization-code scenarios.
 *
 * @example
 * ```ts
 * import type { AuthorizationCodeScenario } from "@keyway/demo"
 * // const plan: AuthorizationCodeScenario.Plan<Cch.CchPromiseClient> = { provider: "cch", ... }
 * ```
 *
 * @since 0.1.0
 */
export interface Plan<C extends ReleasableClient> {
  readonly provider: string
  readonly sandbox: OAuthSandbox
  readonly settings: Scenario.Settings
  readonly consentConfig: AuthorizationCode.Config
  /** The provider's client on the sandbox, its grant in `store`. */
  readonly client: (store: TokenStore.TokenStoreShape) => C
  /** The provider's calls, made once consent is stored. */
  readonly calls: (client: C) => Promise<void>
  /** Seconds to advance the sandbox clock by so that the access token has expired. */
  readonly expireAfter: number
  /** One call made after the expiry (it meets the 401 and refreshes). */
  readonly callAfterExpiry: (client: C) => Promise<unknown>
}

/**
 * Runs an authorization-code scenario; one row.
 *
 * @example
 * ```ts
 * import * as AuthorizationCodeScenario from "@keyway/demo/AuthorizationCodeScenario"
 * // const row = await AuthorizationCodeScenario.run({ provider: "cch", sandbox, settings, consentConfig, client, calls, expireAfter: 3_601, callAfterExpiry })
 * ```
 *
 * @since 0.1.0
 */
export const run = <C extends ReleasableClient>(plan: Plan<C>): Promise<Scenario.Row> =>
  Scenario.measure(
    {
      provider: plan.provider,
      strategy: "authorization-code",
      phase: plan.settings.phase,
      urls: plan.sandbox.urls,
    },
    async (recorder: Recorder.Recorder) => {
      const store = TokenStore.makeMemory()
      const config = plan.consentConfig
      await Consent.run(config, store, { quiet: !plan.settings.verbose })
      await using client = recorder.instrument(plan.client(store))

      await plan.calls(client)

      // Past the access token's lifetime (sandbox clock): 401, refresh, rotation.
      const before = await Consent.stored(store, config)
      await SandboxControl.apply(plan.sandbox.urls, { advanceClock: plan.expireAfter })
      await plan.callAfterExpiry(client)
      Scenario.check(recorder.last()!.refreshed, "the expired access token was not refreshed")
      const after = await Consent.stored(store, config)
      Scenario.check(
        after?.refreshToken !== undefined &&
          Consent.reveal(after.refreshToken) !== Consent.reveal(before?.refreshToken),
        "the refresh token was not rotated",
      )

      await client.release()
      Scenario.check(
        (await Consent.stored(store, config)) === undefined,
        "release() left the grant in the store",
      )
    },
  )
