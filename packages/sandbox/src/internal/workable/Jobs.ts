/**
 * The Workable sandbox's jobs: the list (by state, created or updated after), one job with its description, and its stages, questions, custom attributes, application form, members, recruiters and activities.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const { jobs } = (await fetch(`${sb.baseUrl}/jobs?state=published`, { headers }).then((r) => r.json())) as Record<string, any>
 * const questions = (await fetch(`${sb.baseUrl}/jobs/${jobs[0].shortcode}/questions`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */

import { sendJson } from "../Http.ts"
import type { RequestContext } from "../SandboxServer.ts"
import type { WorkableItem } from "../WorkableData.ts"
import { hexValue, type WorkableContext } from "./Context.ts"

/**
 * Registers the routes.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const { jobs } = (await fetch(`${sb.baseUrl}/jobs?state=published`, { headers }).then((r) => r.json())) as Record<string, any>
 * const questions = (await fetch(`${sb.baseUrl}/jobs/${jobs[0].shortcode}/questions`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const jobRoutes = (w: WorkableContext): void => {
  const { data, api, notFound, paged, after, job } = w
  api("GET", "/jobs", "r_jobs", (ctx) => {
    let rows = data.jobs
    const state = ctx.query.get("state")
    if (state) rows = rows.filter((j) => j.state === state)
    rows = after(ctx, rows, "created_after", "created_at")
    rows = after(ctx, rows, "updated_after", "updated_at")
    paged(ctx, "jobs", rows)
  })
  api("GET", "/jobs/{shortcode}", "r_jobs", (ctx) => {
    const j = job(ctx)
    if (!j) return notFound(ctx)
    sendJson(ctx.res, 200, {
      ...j,
      description: `<p>We are hiring a ${String(j.title)}.</p>`,
      requirements: "<ul><li>Curiosity</li></ul>",
      benefits: "<ul><li>Remote friendly</li></ul>",
      employment_type: "Full-time",
      industry: "Software",
      function: "Engineering",
      experience: "Mid-Senior level",
      education: "Bachelor's Degree",
      keywords: ["typescript", "api"],
    })
  })
  const jobQuestions = (j: WorkableItem) => [
    {
      id: `${String(j.id)}q1`,
      body: "Why do you want to work with us?",
      type: "free_text",
      required: true,
    },
    { id: `${String(j.id)}q2`, body: "Are you willing to relocate?", type: "boolean", required: false },
    {
      id: `${String(j.id)}q3`,
      body: "Years of experience",
      type: "multiple_choice",
      required: true,
      single_answer: true,
      choices: [
        { id: "c1", body: "0-2" },
        { id: "c2", body: "3-5" },
        { id: "c3", body: "6+" },
      ],
    },
  ]
  const jobSub = (path: string, build: (j: WorkableItem, ctx: RequestContext) => unknown) =>
    api("GET", `/jobs/{shortcode}/${path}`, "r_jobs", (ctx) => {
      const j = job(ctx)
      if (!j) return notFound(ctx)
      sendJson(ctx.res, 200, build(j, ctx))
    })
  jobSub("stages", () => ({ stages: data.stages }))
  jobSub("questions", (j) => ({ questions: jobQuestions(j) }))
  jobSub("custom_attributes", () => ({ custom_attributes: data.customAttributes }))
  jobSub("application_form", (j) => ({
    form_fields: [
      { key: "firstname", label: "First name", type: "string", required: true },
      { key: "lastname", label: "Last name", type: "string", required: true },
      { key: "email", label: "Email", type: "email", required: true },
      { key: "resume", label: "Resume", type: "file", required: false },
    ],
    questions: jobQuestions(j),
  }))
  jobSub("members", (j) => ({ members: data.members.filter((_, i) => (i + hexValue(j.id)) % 6 === 0) }))
  jobSub("recruiters", (j) => ({
    recruiters: data.recruiters.filter((_, i) => (i + hexValue(j.id)) % 3 === 0),
  }))
  jobSub("activities", (j) => ({
    activities: [{ id: `${String(j.id)}a1`, action: "job_created", created_at: j.created_at, member: null }],
  }))
}
