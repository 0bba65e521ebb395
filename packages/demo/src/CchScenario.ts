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
import type { TokenStore } from "@keyway/core"
import * as Cch from "@keyway/provider-cch"
import type { Sandbox } from "@keyway/sandbox"
import * as AuthorizationCodeScenario from "./AuthorizationCodeScenario.ts"
import * as Consent from "./Consent.ts"
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
 * import { TokenStore } from "@keyway/core"
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
  Cch.createClient({ ...AuthorizationCodeScenario.clientOptions(sandbox, settings, store), ...overrides })

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
  await AuthorizationCodeScenario.run({
    provider: "cch",
    sandbox,
    settings,
    consentConfig: consentConfig(sandbox),
    client: (store) => client(sandbox, settings, store),
    calls: async (cch) => {
      const me = Scenario.data(await cch.op.getMyAccount())
      Scenario.check(me.id !== undefined, "my-account has no id")
      const accountId = String(sandbox.credentials.accountId)
      const userId = String(sandbox.credentials.userId)
      Scenario.data(await cch.op.getAccount({ params: { path: { id: accountId } } }))
      const users = Scenario.data(await cch.op.listAccountUsers({ params: { path: { id: accountId } } }))
      Scenario.check(Array.isArray(users) ? users.length > 0 : users !== null, "the account has no users")
      Scenario.data(await cch.op.getUser({ params: { path: { id: userId } } }))
      Scenario.data(await cch.op.listUserGroups({ params: { path: { id: userId } } }))
    },
    // An hour later (sandbox clock) the access token has expired: 401, refresh, rotation.
    expireAfter: 3_601,
    callAfterExpiry: async (cch) => Scenario.data(await cch.op.getMyAccount()),
  }),
]
