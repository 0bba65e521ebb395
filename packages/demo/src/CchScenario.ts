/**
 * CCH through `@keyway/provider-cch`: the authorization code flow (consent by the scripted user
 * agent, code exchanged with a JSON body and `Accept: application/vnd.ucf.v1+json`), typed calls
 * that follow the `_href` relations, a refresh with rotation once the sandbox clock passes the
 * access token's hour, and `release()`, which revokes the grant (RFC 7009).
 *
 * @example
 * ```ts
 * import * as CchScenario from "@keyway/demo/CchScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const rows = await CchScenario.run(sb, Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
import type { AuthorizationCode } from "@keyway/auth-authorization-code"
import { TokenStore } from "@keyway/core"
import * as Cch from "@keyway/provider-cch"
import type { Sandbox } from "@keyway/sandbox"
import { Layer, Redacted } from "effect"
import * as Consent from "./Consent.ts"
import * as SandboxControl from "./SandboxControl.ts"
import * as Scenario from "./Scenario.ts"

/**
 * The authorization-code plugin settings for the sandbox (what the generated client builds).
 *
 * @example
 * ```ts
 * import * as CchScenario from "@keyway/demo/CchScenario"
 * // CchScenario.consentConfig(sb).requestScopes // ["read"]
 * ```
 *
 * @since 0.1.0
 */
export const consentConfig = (sandbox: Sandbox<"cch">, connection?: string): AuthorizationCode.Config =>
  Consent.config("cch", Cch.descriptor.auth[0], sandbox, { connection })

/**
 * A CCH client on the sandbox whose grant lives in `store`.
 *
 * @example
 * ```ts
 * import type { AuthorizationCode } from "@keyway/auth-authorization-code"
import { TokenStore } from "@keyway/core"
 * import * as CchScenario from "@keyway/demo/CchScenario"
 * // const client = CchScenario.client(sb, settings, TokenStore.makeMemory())
 * ```
 *
 * @since 0.1.0
 */
export const client = (
  sandbox: Sandbox<"cch">,
  settings: Scenario.Settings,
  store: TokenStore.TokenStoreShape,
  overrides: Partial<Cch.CchCommonOptions> = {},
): Cch.CchPromiseClient =>
  Cch.createClient({
    baseUrl: sandbox.baseUrl,
    tokenUrl: sandbox.urls.tokenUrl,
    authorizeUrl: sandbox.urls.authorizeUrl,
    revokeUrl: sandbox.urls.revokeUrl,
    tokenStore: Layer.succeed(TokenStore.TokenStore, store),
    auth: {
      type: "oauth",
      clientId: sandbox.credentials.clientId,
      clientSecret: Redacted.make(sandbox.credentials.clientSecret),
    },
    retry: settings.retry,
    layer: settings.layer,
    ...overrides,
  })

/**
 * Runs the scenario; one row.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * import * as CchScenario from "@keyway/demo/CchScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const [row] = await CchScenario.run(await startSandbox("cch"), Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  sandbox: Sandbox<"cch">,
  settings: Scenario.Settings,
): Promise<ReadonlyArray<Scenario.Row>> => [
  await Scenario.measure(
    { provider: "cch", strategy: "authorization-code", phase: settings.phase, urls: sandbox.urls },
    async (recorder) => {
      const store = TokenStore.makeMemory()
      const config = consentConfig(sandbox)
      await Consent.run(config, store, { quiet: !settings.verbose })
      await using cch = recorder.instrument(client(sandbox, settings, store))

      const me = Scenario.data(await cch.op.getMyAccount())
      Scenario.check(me.id !== undefined, "my-account has no id")
      const accountId = String(sandbox.credentials.accountId)
      const userId = String(sandbox.credentials.userId)
      Scenario.data(await cch.op.getAccount({ params: { path: { id: accountId } } }))
      const users = Scenario.data(await cch.op.listAccountUsers({ params: { path: { id: accountId } } }))
      Scenario.check(Array.isArray(users) ? users.length > 0 : users !== null, "the account has no users")
      Scenario.data(await cch.op.getUser({ params: { path: { id: userId } } }))
      Scenario.data(await cch.op.listUserGroups({ params: { path: { id: userId } } }))

      // An hour later (sandbox clock) the access token has expired: 401, refresh, rotation.
      const before = await Consent.stored(store, config)
      await SandboxControl.apply(sandbox.urls, { advanceClock: 3_601 })
      Scenario.data(await cch.op.getMyAccount())
      Scenario.check(recorder.last()!.refreshed, "the expired access token was not refreshed")
      const after = await Consent.stored(store, config)
      Scenario.check(
        after?.refreshToken !== undefined &&
          Consent.reveal(after.refreshToken) !== Consent.reveal(before?.refreshToken),
        "the refresh token was not rotated",
      )

      await cch.release()
      Scenario.check(
        (await Consent.stored(store, config)) === undefined,
        "release() left the grant in the store",
      )
    },
  ),
]
