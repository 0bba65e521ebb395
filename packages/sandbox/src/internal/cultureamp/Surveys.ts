/**
 * The Culture Amp sandbox's surveys: the list, one survey, and each survey's questions, responses, factors and sections (lists and one item).
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox } from "@keyway/sandbox"
 * await using sb = await startCultureAmpSandbox()
 * const { clientId, clientSecret, scope } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
 *   body: new URLSearchParams({ grant_type: "client_credentials", scope }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${access_token}` }
 * const { data: surveys } = (await fetch(`${sb.baseUrl}/surveys`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import type { Handler } from "../SandboxServer.ts"
import { SURVEYS } from "./Auth.ts"
import type { CultureAmpContext } from "./Context.ts"
import { surveyParts } from "./Data.ts"

/**
 * Registers the routes.
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox } from "@keyway/sandbox"
 * await using sb = await startCultureAmpSandbox()
 * const { clientId, clientSecret, scope } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
 *   body: new URLSearchParams({ grant_type: "client_credentials", scope }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${access_token}` }
 * const { data: surveys } = (await fetch(`${sb.baseUrl}/surveys`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const surveyRoutes = (amp: CultureAmpContext): void => {
  const { router, data, list, one, param } = amp
  router.add("GET", "/v1/surveys", "api", (ctx) =>
    list(ctx, "surveys", SURVEYS, undefined, () => data().surveys, false),
  )
  router.add("GET", "/v1/surveys/{id}", "api", (ctx) =>
    one(ctx, SURVEYS, () => data().surveysById.get(param(ctx, "id"))),
  )
  const parts = (id: string) => {
    const survey = data().surveysById.get(id)
    return survey ? surveyParts(data(), survey) : undefined
  }
  for (const [plural, single, key] of [
    ["questions", "question", "questions"],
    ["responses", "responses", "responses"],
    ["factors", "factors", "factors"],
    ["sections", "sections", "sections"],
  ] as const) {
    router.add("GET", `/v1/surveys/{id}/${plural}`, "api", (ctx) => {
      const id = param(ctx, "id")
      list(ctx, `surveys/${id}/${plural}`, SURVEYS, undefined, () => parts(id)?.[key], false)
    })
    const getOne: Handler = (ctx) =>
      one(ctx, SURVEYS, () => {
        const itemId = ctx.params.item_id as string
        return parts(param(ctx, "survey_id"))?.[key].find((x) => x.id === itemId)
      })
    router.add("GET", `/v1/surveys/{survey_id}/${single}/{item_id}`, "api", getOne)
    if (single !== plural) router.add("GET", `/v1/surveys/{survey_id}/${plural}/{item_id}`, "api", getOne)
  }
}
