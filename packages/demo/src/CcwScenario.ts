/**
 * CCW through `@keyway/provider-ccw`: OAuth client credentials with a JSON token body and the
 * documented `client_credential` grant type, one token per scope set, the `X-Correlation-id`
 * header (≤ 36 characters, echoed), offset pagination in the body (`meta.offset`/`meta.limit`),
 * and a new token after the sandbox clock passes the first one's expiry.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * import * as CcwScenario from "@keyway/demo/CcwScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // await using sb = await startSandbox("ccw")
 * // const rows = await CcwScenario.run(sb, Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
import { Pagination } from "@keyway/core"
import * as Ccw from "@keyway/provider-ccw"
import type { Sandbox } from "@keyway/sandbox"
import { Redacted } from "effect"
import * as SandboxControl from "./SandboxControl.ts"
import * as Scenario from "./Scenario.ts"

/**
 * A CCW client on the sandbox, with the demo's settings.
 *
 * @example
 * ```ts
 * import * as CcwScenario from "@keyway/demo/CcwScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const client = CcwScenario.client(sb, Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
export const client = (
  sandbox: Sandbox<"ccw">,
  settings: Scenario.Settings,
  overrides: Partial<Ccw.CcwCommonOptions> = {},
): Ccw.CcwPromiseClient =>
  Ccw.createClient({
    baseUrl: sandbox.baseUrl,
    tokenUrl: sandbox.urls.tokenUrl!,
    auth: {
      clientId: sandbox.credentials.clientId,
      clientSecret: Redacted.make(sandbox.credentials.clientSecret),
    },
    retry: settings.retry,
    layer: settings.layer,
    ...overrides,
  })

/**
 * The page size the demo lists contingent workers with, to get several pages out of the 48
 * active ones.
 *
 * @example
 * ```ts
 * import * as CcwScenario from "@keyway/demo/CcwScenario"
 * CcwScenario.workerPageSize // 20
 * ```
 *
 * @since 0.1.0
 */
export const workerPageSize = 20

/**
 * Runs the scenario; one row.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * import * as CcwScenario from "@keyway/demo/CcwScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const [row] = await CcwScenario.run(await startSandbox("ccw"), Scenario.settings({ phase: "faults" }))
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  sandbox: Sandbox<"ccw">,
  settings: Scenario.Settings,
): Promise<ReadonlyArray<Scenario.Row>> => [
  await Scenario.measure(
    { provider: "ccw", strategy: "client-credentials", phase: settings.phase, urls: sandbox.urls },
    async (recorder) => {
      // Candidate and worker searches are reads sent as POST: an idempotency key lets Keyway
      // retry them after a 5xx or a reset, as it would a GET.
      await using ccw = recorder.instrument(client(sandbox, settings), { idempotentPosts: true })

      const first = await ccw.op.searchCandidates({
        body: { meta: { limit: 5, offset: 0 }, data: { status: "submitted" } },
      })
      const page = Scenario.data(first)
      const total = page.meta?.total ?? 0
      Scenario.check(total > 50, `expected more than a page of submitted candidates, got ${total}`)
      const correlationId = recorder.last()!.correlationId
      Scenario.check(
        correlationId.length > 0 && correlationId.length <= 36,
        `correlation id "${correlationId}" is not 1..36 characters`,
      )
      Scenario.check(
        first.response.headers.get("x-correlation-id") === correlationId,
        "CCW did not echo the X-Correlation-id header",
      )

      // The generated paginator: every submitted candidate, in pages of 50 (meta.offset in the body).
      const submitted = await Array.fromAsync(
        ccw.paginate.searchCandidates({
          body: { meta: { limit: 50, offset: 0 }, data: { status: "submitted" } },
        }),
      )
      Scenario.check(
        submitted.length === total,
        `paginated ${submitted.length} of ${total} submitted candidates`,
      )

      // Pagination.iterate with the descriptor's spec and a smaller page: 48 workers, 3 pages.
      const spec = Ccw.descriptor.pagination[0]
      const workers = await Array.fromAsync(
        Pagination.iterate(
          ccw,
          "POST",
          "/API/contingent_workers",
          { body: { data: { status: "active" } } },
          { ...spec, pageSize: workerPageSize },
        ),
      )
      Scenario.check(workers.length === 48, `iterated ${workers.length} of 48 active workers`)

      const id = String(submitted[0]?.id)
      const confirmed = Scenario.data(await ccw.op.confirmCandidate({ params: { path: { id } } }))
      Scenario.check(String(confirmed.id) === id, "the confirmation names another candidate")

      // Every token issued so far expires: the next call gets a 401, a new token, and goes through.
      await SandboxControl.apply(sandbox.urls, { advanceClock: 3_601 })
      Scenario.data(
        await ccw.op.searchCandidates({
          body: { meta: { limit: 1, offset: 0 }, data: { status: "confirmed" } },
        }),
      )
      Scenario.check(recorder.last()!.refreshed, "the expired token was not replaced")
    },
  ),
]
