/**
 * Culture Amp through `@keyway/provider-cultureamp`: OAuth client credentials with a form body
 * and `Authorization: Basic`, the scope built from the `target-entity:{entityId}:{permissions}`
 * template (one JWT per permission set), cursor pagination (`pagination.afterKey` → `?cursor=`)
 * and next-path pagination (`pagination.nextPath`), and a new token once the JWT has expired on
 * the sandbox clock.
 *
 * @example
 * ```ts
 * import * as CultureAmpScenario from "@keyway/demo/CultureAmpScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const rows = await CultureAmpScenario.run(sb, Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
import { TokenStore } from "@keyway/core"
import * as CultureAmp from "@keyway/provider-cultureamp"
import type { Sandbox } from "@keyway/sandbox"
import { Effect, Layer, Redacted } from "effect"
import * as SandboxControl from "./SandboxControl.ts"
import * as Scenario from "./Scenario.ts"

/**
 * A Culture Amp client on the sandbox whose tokens live in `store`.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import * as CultureAmpScenario from "@keyway/demo/CultureAmpScenario"
 * // const client = CultureAmpScenario.client(sb, settings, TokenStore.makeMemory())
 * ```
 *
 * @since 0.1.0
 */
export const client = (
  sandbox: Sandbox<"cultureamp">,
  settings: Scenario.Settings,
  store: TokenStore.TokenStoreShape = TokenStore.makeMemory(),
  overrides: Partial<CultureAmp.CultureampCommonOptions> = {},
): CultureAmp.CultureampPromiseClient =>
  CultureAmp.createClient({
    entityId: sandbox.credentials.entityId,
    baseUrl: sandbox.baseUrl,
    tokenUrl: sandbox.urls.tokenUrl!,
    tokenStore: Layer.succeed(TokenStore.TokenStore, store),
    auth: {
      clientId: sandbox.credentials.clientId,
      clientSecret: Redacted.make(sandbox.credentials.clientSecret),
    },
    retry: settings.retry,
    layer: settings.layer,
    ...overrides,
  })

/**
 * The claims of the access token stored for a permission set (the JWT payload, not verified).
 *
 * @example
 * ```ts
 * import * as CultureAmpScenario from "@keyway/demo/CultureAmpScenario"
 * // (await CultureAmpScenario.claims(store, ["employees-read"]))?.scope
 * ```
 *
 * @since 0.1.0
 */
export const claims = async (
  store: TokenStore.TokenStoreShape,
  permissions: ReadonlyArray<string>,
  connection = "default",
): Promise<Record<string, unknown> | undefined> => {
  const record = await Effect.runPromise(
    store.get(TokenStore.key({ provider: CultureAmp.provider, connection, scopes: permissions })),
  )
  if (record?.accessToken === undefined) return undefined
  const payload = Redacted.value(record.accessToken).split(".")[1]
  return payload === undefined
    ? undefined
    : (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>)
}

/**
 * Runs the scenario; one row.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * import * as CultureAmpScenario from "@keyway/demo/CultureAmpScenario"
 * import * as Scenario from "@keyway/demo/Scenario"
 * // const [row] = await CultureAmpScenario.run(await startSandbox("cultureamp"), Scenario.settings({ phase: "clean" }))
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  sandbox: Sandbox<"cultureamp">,
  settings: Scenario.Settings,
): Promise<ReadonlyArray<Scenario.Row>> => [
  await Scenario.measure(
    { provider: "cultureamp", strategy: "client-credentials", phase: settings.phase, urls: sandbox.urls },
    async (recorder) => {
      const store = TokenStore.makeMemory()
      await using ca = recorder.instrument(client(sandbox, settings, store))

      const first = Scenario.data(await ca.op.listEmployees())
      const id = first.data?.[0]?.id
      Scenario.check(id !== undefined, "the first employee page is empty")
      Scenario.data(await ca.op.getEmployee({ params: { path: { id } } }))
      Scenario.data(await ca.op.listDemographicsByEmployee({ params: { path: { id } } }))

      const token = await claims(store, ["employees-read"])
      const scope = `target-entity:${sandbox.credentials.entityId}:employees-read`
      Scenario.check(token?.scope === scope, `the JWT carries scope ${String(token?.scope)}, not ${scope}`)

      // Cursor pagination: 250 employees, 3 pages of 100.
      const employees = await Array.fromAsync(ca.paginate.listEmployees())
      Scenario.check(employees.length === 250, `listed ${employees.length} of 250 employees`)
      // Another permission set, another token; 500 reviews in 5 pages.
      const reviews = await Array.fromAsync(ca.paginate.listManagerReviews())
      Scenario.check(reviews.length === 500, `listed ${reviews.length} of 500 manager reviews`)
      // Next-path pagination: 120 responses of the first survey, 2 pages.
      const surveys = Scenario.data(await ca.op.listSurveys())
      const surveyId = surveys.data?.[0]?.id
      Scenario.check(surveyId !== undefined, "no survey")
      const responses = await Array.fromAsync(
        ca.paginate.listSurveyResponses({ params: { path: { id: surveyId } } }),
      )
      Scenario.check(responses.length === 120, `listed ${responses.length} of 120 survey responses`)

      // The JWTs expire after 3599 s on the sandbox clock: 401, a new token, the call goes through.
      await SandboxControl.apply(sandbox.urls, { advanceClock: 3_600 })
      Scenario.data(await ca.op.getEmployee({ params: { path: { id } } }))
      Scenario.check(recorder.last()!.refreshed, "the expired JWT was not replaced")
    },
  ),
]
