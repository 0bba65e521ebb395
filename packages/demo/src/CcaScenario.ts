/**
 * CCA through `@keyway/provider-cca`, with both of its strategies: a permanent `A-…` token, and
 * a session login (`POST /CcaAPI/session`) whose one-minute token runs out when the sandbox clock
 * moves, so the plugin logs in again; closing the client logs the session out.
 *
 * @example
 * ```ts
 * import * as CcaScenario from "@keyway/demo/CcaScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const rows = await CcaScenario.run(sb, Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
import * as Cca from "@keyway/provider-cca"
import type { Sandbox } from "@keyway/sandbox"
import { Redacted } from "effect"
import * as SandboxControl from "./SandboxControl.ts"
import * as Scenario from "./Scenario.ts"

/**
 * A CCA client on the sandbox with the given credentials.
 *
 * @example
 * ```ts
 * import * as CcaScenario from "@keyway/demo/CcaScenario"
 * // const client = CcaScenario.client(sb, settings, CcaScenario.sessionAuth(sb))
 * ```
 *
 * @since 0.1.0
 */
export const client = (
  sandbox: Sandbox<"cca">,
  settings: Scenario.Settings,
  auth: Cca.CcaAuth,
  overrides: Partial<Cca.CcaCommonOptions> = {},
): Cca.CcaPromiseClient =>
  Cca.createClient({
    server: new URL(sandbox.urls.origin).host,
    baseUrl: sandbox.baseUrl,
    auth,
    retry: settings.retry,
    layer: settings.layer,
    ...overrides,
  })

/**
 * The sandbox's permanent token.
 *
 * @example
 * ```ts
 * import * as CcaScenario from "@keyway/demo/CcaScenario"
 * // CcaScenario.permanentAuth(sb).type // "permanent-token"
 * ```
 *
 * @since 0.1.0
 */
export const permanentAuth = (sandbox: Sandbox<"cca">): Cca.CcaPermanentTokenAuth => ({
  type: "permanent-token",
  token: Redacted.make(sandbox.credentials.permanentToken),
})

/**
 * The sandbox's login for the session strategy.
 *
 * @example
 * ```ts
 * import * as CcaScenario from "@keyway/demo/CcaScenario"
 * // CcaScenario.sessionAuth(sb).module // "KeywayIntegration"
 * ```
 *
 * @since 0.1.0
 */
export const sessionAuth = (sandbox: Sandbox<"cca">): Cca.CcaSessionAuth => ({
  type: "session",
  username: sandbox.credentials.username,
  password: Redacted.make(sandbox.credentials.password),
  module: sandbox.credentials.module,
})

/**
 * Runs both strategies, one after the other; two rows.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * import * as CcaScenario from "@keyway/demo/CcaScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const [permanent, session] = await CcaScenario.run(await startSandbox("cca"), Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  sandbox: Sandbox<"cca">,
  settings: Scenario.Settings,
): Promise<ReadonlyArray<Scenario.Row>> => {
  const target = (strategy: string) => ({
    provider: "cca",
    strategy,
    phase: settings.phase,
    urls: sandbox.urls,
  })
  const permanent = await Scenario.measure(target("permanent-token"), async (recorder) => {
    await using cca = recorder.instrument(client(sandbox, settings, permanentAuth(sandbox)), {
      idempotentPosts: true,
    })
    const agents = Scenario.data(await cca.op.listAgents())
    Scenario.check(agents.length > 0, "no agents")
    const agentId = String(agents[0]!.id)
    const agent = Scenario.data(await cca.op.getAgent({ params: { path: { agentId } } }))
    Scenario.check(String(agent.id) === agentId, "getAgent answered another agent")
    const queues = Scenario.data(await cca.op.listQueues())
    const queueId = String(queues[0]!.id)
    Scenario.data(await cca.op.getQueueStatistics({ params: { path: { queueId } } }))
    Scenario.data(await cca.op.listCampaigns())
    const contact = Scenario.data(
      await cca.op.createContact({
        body: { firstName: "Ada", lastName: "Lovelace", email: "ada.lovelace@keyway.example" },
      }),
    )
    const contactId = String(contact.id)
    Scenario.data(await cca.op.getContact({ params: { path: { contactId } } }))
    const interactions = Scenario.data(await cca.op.listInteractions({ params: { query: { limit: 50 } } }))
    Scenario.check(interactions.length === 50, `asked for 50 interactions, got ${interactions.length}`)
  })
  const session = await Scenario.measure(target("session-login"), async (recorder) => {
    await using cca = recorder.instrument(client(sandbox, settings, sessionAuth(sandbox)))
    Scenario.data(await cca.op.listAgents())
    Scenario.data(await cca.op.listQueues())
    // The session lives 60 s on the sandbox clock: past it, CCA answers 401 and the plugin logs in again.
    await SandboxControl.apply(sandbox.urls, { advanceClock: 61 })
    Scenario.data(await cca.op.listCampaigns())
    Scenario.check(recorder.last()!.refreshed, "the expired session was not replaced by a new login")
  })
  return [permanent, session]
}
