/**
 * Workable through `@keyway/provider-workable`: the authorization code flow (`resource=user`,
 * scopes joined with `+`, consent by the scripted user agent, code exchanged with a form body),
 * `paging.next` pagination over jobs and candidates, a refresh that rotates the pair once the
 * sandbox clock passes the two-hour token, and `release()`, which revokes the grant
 * (`POST /oauth/revoke` with the client's credentials).
 *
 * @example
 * ```ts
 * import * as WorkableScenario from "@keyway/demo/WorkableScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const rows = await WorkableScenario.run(sb, Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
import type { AuthorizationCode } from "@keyway/auth-authorization-code"
import type { TokenStore } from "@keyway/core"
import * as Workable from "@keyway/provider-workable"
import type { Sandbox } from "@keyway/sandbox"
import * as AuthorizationCodeScenario from "./AuthorizationCodeScenario.ts"
import * as Consent from "./Consent.ts"
import * as Scenario from "./Scenario.ts"

/**
 * The authorization-code plugin settings for the sandbox (what the generated client builds).
 *
 * @example
 * ```ts
 * import * as WorkableScenario from "@keyway/demo/WorkableScenario"
 * // WorkableScenario.consentConfig(sb).requestScopes // ["r_jobs", "r_candidates", "w_candidates"]
 * ```
 *
 * @since 0.1.0
 */
export const consentConfig = (sandbox: Sandbox<"workable">, connection?: string): AuthorizationCode.Config =>
  Consent.config("workable", Workable.descriptor.auth[0], sandbox, { connection })

/**
 * A Workable client on the sandbox whose grant lives in `store`.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import * as WorkableScenario from "@keyway/demo/WorkableScenario"
 * // const client = WorkableScenario.client(sb, settings, TokenStore.makeMemory())
 * ```
 *
 * @since 0.1.0
 */
export const client = (
  sandbox: Sandbox<"workable">,
  settings: Scenario.Settings,
  store: TokenStore.TokenStoreShape,
  overrides: Partial<Workable.WorkableCommonOptions> = {},
): Workable.WorkablePromiseClient =>
  Workable.createClient({
    subdomain: sandbox.credentials.subdomain,
    ...AuthorizationCodeScenario.clientOptions(sandbox, settings, store),
    ...overrides,
  })

/**
 * Runs the scenario; one row.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * import * as WorkableScenario from "@keyway/demo/WorkableScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const [row] = await WorkableScenario.run(await startSandbox("workable"), Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  sandbox: Sandbox<"workable">,
  settings: Scenario.Settings,
): Promise<ReadonlyArray<Scenario.Row>> => [
  await AuthorizationCodeScenario.run({
    provider: "workable",
    sandbox,
    settings,
    consentConfig: consentConfig(sandbox),
    client: (store) => client(sandbox, settings, store),
    calls: async (workable) => {
      // paging.next: 130 jobs, 3 pages of 50 (the limit travels in the next URL).
      const jobs = await Array.fromAsync(workable.paginate.listJobs({ params: { query: { limit: 50 } } }))
      Scenario.check(jobs.length === 130, `listed ${jobs.length} of 130 jobs`)
      const shortcode = jobs[0]?.shortcode
      Scenario.check(shortcode !== undefined, "the first job has no shortcode")
      const job = Scenario.data(await workable.op.getJob({ params: { path: { shortcode } } }))
      Scenario.check(job.shortcode === shortcode, "getJob answered another job")
      // 400 candidates, in pages of at most 100.
      const candidates = await Array.fromAsync(workable.paginate.listCandidates())
      Scenario.check(candidates.length === 400, `listed ${candidates.length} of 400 candidates`)
      const id = String(candidates[0]?.id)
      Scenario.data(await workable.op.getCandidate({ params: { path: { id } } }))
    },
    // Two hours later (sandbox clock) the access token has expired: 401, refresh, new pair.
    expireAfter: 7_201,
    callAfterExpiry: async (workable) =>
      Scenario.data(await workable.op.listJobs({ params: { query: { limit: 1 } } })),
  }),
]
