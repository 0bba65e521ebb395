/**
 * The Workable sandbox's candidates: the lists (all and per job), one candidate, creating one on a job, updating, moving, disqualifying, reverting, copying and relocating, comments, ratings, tags, activities, files and the offer.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const { candidates } = (await fetch(`${sb.baseUrl}/candidates?stage=applied`, { headers }).then((r) => r.json())) as Record<string, any>
 * const one = (await fetch(`${sb.baseUrl}/candidates/${candidates[0].id}`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */

import { isObject, sendJson, str } from "../Http.ts"
import type { Handler, RequestContext } from "../SandboxServer.ts"
import { WORKABLE_STAGES, type WorkableItem } from "../WorkableData.ts"
import { EMAIL, pick, type WorkableContext } from "./Context.ts"

/** The attributes of a candidate in a list. */
const CANDIDATE_SUMMARY = [
  "id",
  "name",
  "firstname",
  "lastname",
  "headline",
  "account",
  "job",
  "stage",
  "disqualified",
  "disqualification_reason",
  "hired_at",
  "sourced",
  "profile_url",
  "address",
  "phone",
  "email",
  "domain",
  "created_at",
  "updated_at",
]
/** What one candidate's view leaves out (served by their own routes). */
const CANDIDATE_HIDDEN = new Set(["comments", "ratings", "activities", "offer_id"])
/** The candidate attributes a caller may write (and a copy carries over). */
const CANDIDATE_WRITABLE = [
  "name",
  "firstname",
  "lastname",
  "headline",
  "summary",
  "address",
  "phone",
  "email",
  "cover_letter",
  "education_entries",
  "experience_entries",
  "skills",
  "tags",
  "answers",
  "social_profiles",
  "domain",
]

/**
 * Registers the routes.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiToken}` }
 * const { candidates } = (await fetch(`${sb.baseUrl}/candidates?stage=applied`, { headers }).then((r) => r.json())) as Record<string, any>
 * const one = (await fetch(`${sb.baseUrl}/candidates/${candidates[0].id}`, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const candidateRoutes = (w: WorkableContext): void => {
  const {
    rt,
    data,
    subdomain,
    api,
    notFound,
    unprocessable,
    body,
    memberId,
    paged,
    after,
    next,
    now,
    job,
    jobsByCode,
    candidatesById,
    membersById,
    offersById,
  } = w
  const candidateView = (c: WorkableItem) => pick(c, CANDIDATE_SUMMARY)
  const candidateFull = (c: WorkableItem) => {
    const out: WorkableItem = {}
    for (const [k, v] of Object.entries(c)) if (!CANDIDATE_HIDDEN.has(k)) out[k] = v
    return out
  }
  const candidate = (ctx: RequestContext) => candidatesById.get(ctx.params.id as string)
  api("GET", "/candidates", "r_candidates", (ctx) => {
    let rows = data.candidates
    const q = ctx.query
    const shortcode = q.get("shortcode")
    const stage = q.get("stage")
    const email = q.get("email")
    if (shortcode) rows = rows.filter((c) => (c.job as WorkableItem).shortcode === shortcode)
    if (stage) rows = rows.filter((c) => c.stage === stage)
    if (email) rows = rows.filter((c) => c.email === email)
    rows = after(ctx, rows, "created_after", "created_at")
    rows = after(ctx, rows, "updated_after", "updated_at")
    paged(ctx, "candidates", rows, candidateView)
  })
  api("GET", "/jobs/{shortcode}/candidates", "r_candidates", (ctx) => {
    const j = job(ctx)
    if (!j) return notFound(ctx)
    let rows = data.candidates.filter((c) => (c.job as WorkableItem).shortcode === j.shortcode)
    const stage = ctx.query.get("stage")
    if (stage) rows = rows.filter((c) => c.stage === stage)
    paged(ctx, "candidates", rows, candidateView)
  })
  api("GET", "/candidates/{id}", "r_candidates", (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    sendJson(ctx.res, 200, { candidate: candidateFull(c) })
  })

  /** Validates candidate fields; returns an error message or undefined. */
  const checkCandidate = (fields: Record<string, unknown>, creating: boolean): string | undefined => {
    for (const key of Object.keys(fields))
      if (!CANDIDATE_WRITABLE.includes(key) && key !== "disqualified" && key !== "disqualification_reason")
        return `${key} is not a candidate attribute that can be written`
    const name = fields.name
    const first = fields.firstname
    const last = fields.lastname
    if (
      creating &&
      !(typeof name === "string" && name.trim()) &&
      !(typeof first === "string" && typeof last === "string")
    )
      return "name (or firstname and lastname) is required"
    if (creating && typeof fields.email !== "string") return "email is required"
    if (fields.email !== undefined && (typeof fields.email !== "string" || !EMAIL.test(fields.email)))
      return "email is invalid"
    if (
      fields.tags !== undefined &&
      !(Array.isArray(fields.tags) && fields.tags.every((t) => typeof t === "string"))
    )
      return "tags must be an array of strings"
    return undefined
  }
  const applyCandidate = (c: WorkableItem, fields: Record<string, unknown>) => {
    Object.assign(c, fields)
    if (typeof fields.firstname === "string" || typeof fields.lastname === "string")
      c.name = `${String(c.firstname ?? "")} ${String(c.lastname ?? "")}`.trim()
    else if (typeof fields.name === "string" && fields.firstname === undefined) {
      const [first, ...rest] = fields.name.trim().split(/\s+/)
      c.firstname = first ?? ""
      c.lastname = rest.join(" ")
    }
    c.updated_at = now()
  }
  const newCandidate = (j: WorkableItem, stage: string, sourced: boolean): WorkableItem => {
    const id = next("candidate")
    const at = now()
    return {
      id,
      name: "",
      firstname: "",
      lastname: "",
      headline: null,
      account: { subdomain, name: data.account.name },
      job: { shortcode: j.shortcode, title: j.title },
      stage,
      disqualified: false,
      disqualification_reason: null,
      hired_at: null,
      sourced,
      profile_url: `https://${subdomain}.workable.com/backend/jobs/${String(j.id)}/candidates/${id}`,
      address: null,
      phone: null,
      email: null,
      domain: null,
      created_at: at,
      updated_at: at,
      tags: [],
      summary: null,
      cover_letter: null,
      skills: [],
      education_entries: [],
      experience_entries: [],
      answers: [],
      social_profiles: [],
      comments: [],
      ratings: [],
      activities: [],
    }
  }
  const addCandidate = (c: WorkableItem) => {
    data.candidates.push(c)
    candidatesById.set(c.id as string, c)
  }
  const activity = (c: WorkableItem, action: string, member: string | undefined, extra?: WorkableItem) => {
    const m = member ? membersById.get(member) : undefined
    ;(c.activities as WorkableItem[]).push({
      id: `${String(c.id)}${String((c.activities as WorkableItem[]).length + 1).padStart(2, "0")}`,
      action,
      stage_name: c.stage,
      created_at: now(),
      body: null,
      member: m ? { id: m.id, name: m.name } : null,
      ...extra,
    })
  }

  api("POST", "/jobs/{shortcode}/candidates", "w_candidates", (ctx) => {
    const j = job(ctx)
    if (!j) return notFound(ctx)
    const b = body(ctx)
    if (!b) return
    const fields = b.candidate
    if (!isObject(fields)) return unprocessable(ctx, "candidate is required")
    const problem = checkCandidate(fields, true)
    if (problem) return unprocessable(ctx, problem)
    const stage = str(b, "stage") ?? (b.sourced === true ? "sourced" : "applied")
    if (!WORKABLE_STAGES.includes(stage)) return unprocessable(ctx, `stage ${stage} does not exist`)
    const c = newCandidate(j, stage, b.sourced === true)
    applyCandidate(c, fields)
    activity(c, b.sourced === true ? "sourced" : "applied", undefined)
    addCandidate(c)
    sendJson(ctx.res, 201, { status: "created", candidate: candidateFull(c) })
  })
  api("PATCH", "/candidates/{id}", "w_candidates", (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    const b = body(ctx)
    if (!b) return
    const fields = b.candidate
    if (!isObject(fields) || Object.keys(fields).length === 0)
      return unprocessable(ctx, "candidate must hold the attributes to update")
    const problem = checkCandidate(fields, false)
    if (problem) return unprocessable(ctx, problem)
    applyCandidate(c, fields)
    sendJson(ctx.res, 200, { candidate: candidateFull(c) })
  })
  api("POST", "/candidates/{id}/move", "w_candidates", (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    const b = body(ctx)
    if (!b || !memberId(ctx, b)) return
    const stage = str(b, "target_stage")
    if (!stage) return unprocessable(ctx, "target_stage is required")
    if (!WORKABLE_STAGES.includes(stage)) return unprocessable(ctx, `target_stage ${stage} does not exist`)
    c.stage = stage
    if (stage === "hired") c.hired_at = now()
    c.updated_at = now()
    activity(c, "moved", str(b, "member_id"))
    sendJson(ctx.res, 200, {})
  })
  api("POST", "/candidates/{id}/disqualify", "w_candidates", (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    const b = body(ctx)
    if (!b || !memberId(ctx, b)) return
    c.disqualified = true
    c.disqualification_reason = str(b, "disqualification_reason") ?? null
    c.updated_at = now()
    activity(c, "disqualified", str(b, "member_id"))
    sendJson(ctx.res, 200, {})
  })
  api("POST", "/candidates/{id}/revert", "w_candidates", (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    const b = body(ctx)
    if (!b || !memberId(ctx, b)) return
    if (c.disqualified !== true) return unprocessable(ctx, "Candidate is not disqualified")
    c.disqualified = false
    c.disqualification_reason = null
    c.updated_at = now()
    activity(c, "reverted", str(b, "member_id"))
    sendJson(ctx.res, 200, {})
  })
  const transfer =
    (copy: boolean): Handler =>
    (ctx) => {
      const c = candidate(ctx)
      if (!c) return notFound(ctx)
      const b = body(ctx)
      if (!b || !memberId(ctx, b)) return
      const shortcode = str(b, "target_job_shortcode")
      if (!shortcode) return unprocessable(ctx, "target_job_shortcode is required")
      const target = jobsByCode.get(shortcode)
      if (!target) return unprocessable(ctx, `target_job_shortcode ${shortcode} does not exist`)
      const stage = str(b, "target_stage") ?? "applied"
      if (!WORKABLE_STAGES.includes(stage)) return unprocessable(ctx, `target_stage ${stage} does not exist`)
      if (copy) {
        const clone = newCandidate(target, stage, c.sourced === true)
        for (const key of CANDIDATE_WRITABLE) if (key in c) clone[key] = structuredClone(c[key])
        activity(clone, "copied", str(b, "member_id"))
        addCandidate(clone)
        return sendJson(ctx.res, 201, { candidate: { id: clone.id } })
      }
      c.job = { shortcode: target.shortcode, title: target.title }
      c.stage = stage
      c.updated_at = now()
      activity(c, "relocated", str(b, "member_id"))
      sendJson(ctx.res, 200, { candidate: { id: c.id } })
    }
  api("POST", "/candidates/{id}/copy", "w_candidates", transfer(true))
  api("POST", "/candidates/{id}/relocate", "w_candidates", transfer(false))
  api("POST", "/candidates/{id}/comments", "w_candidates", (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    const b = body(ctx)
    if (!b || !memberId(ctx, b)) return
    const comment = b.comment
    if (!isObject(comment) || typeof comment.body !== "string" || comment.body === "")
      return unprocessable(ctx, "comment.body is required")
    const id = next("comment")
    ;(c.comments as WorkableItem[]).push({
      id,
      body: comment.body,
      member_id: b.member_id,
      created_at: now(),
    })
    activity(c, "commented", str(b, "member_id"), { body: comment.body })
    sendJson(ctx.res, 201, { id })
  })
  const rating: Handler = (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    const b = body(ctx)
    if (!b || !memberId(ctx, b)) return
    const scale = str(b, "scale")
    if (!scale || !["thumbs", "stars", "numbers"].includes(scale))
      return unprocessable(ctx, "scale must be thumbs, stars or numbers")
    const grade = b.grade
    if (typeof grade !== "number" && typeof grade !== "string") return unprocessable(ctx, "grade is required")
    const entry = {
      member_id: b.member_id,
      scale,
      grade,
      comment: str(b, "comment") ?? null,
      created_at: now(),
    }
    ;(c.ratings as WorkableItem[]).push(entry)
    activity(c, "rated", str(b, "member_id"))
    sendJson(ctx.res, ctx.method === "POST" ? 201 : 200, { rating: entry })
  }
  api("POST", "/candidates/{id}/ratings", "w_candidates", rating)
  api("PUT", "/candidates/{id}/ratings", "w_candidates", rating)
  api("PUT", "/candidates/{id}/tags", "w_candidates", (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    const b = body(ctx)
    if (!b) return
    const tags = b.tags
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string"))
      return unprocessable(ctx, "tags must be an array of strings")
    c.tags = [...new Set(tags)]
    c.updated_at = now()
    sendJson(ctx.res, 200, { tags: c.tags })
  })
  api("GET", "/candidates/{id}/activities", "r_candidates", (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    sendJson(ctx.res, 200, { activities: c.activities })
  })
  api("GET", "/candidates/{id}/files", "r_candidates", (ctx) => {
    const c = candidate(ctx)
    if (!c) return notFound(ctx)
    sendJson(ctx.res, 200, {
      files: [
        {
          id: `${String(c.id)}f1`,
          name: "resume.pdf",
          kind: "resume",
          url: `${rt.origin}/spi/v3/candidates/${String(c.id)}/files/resume.pdf`,
          created_at: c.created_at,
        },
      ],
    })
  })
  api("GET", "/candidates/{id}/offer", "r_candidates", (ctx) => {
    const c = candidate(ctx)
    const offer = c?.offer_id === undefined ? undefined : offersById.get(c.offer_id as string)
    if (!offer) return notFound(ctx)
    sendJson(ctx.res, 200, offer)
  })
}
