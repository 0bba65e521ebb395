/**
 * The Workable sandbox: one server for `www.workable.com` (OAuth 2.0 authorization code with
 * `+`-joined scopes and `resource=user`, a token endpoint that takes multipart or urlencoded
 * forms and rotates the refresh token on every refresh, revocation) and for the SPI v3 API
 * under `/spi/v3` (accounts, members, recruiters, departments, jobs, candidates, employees,
 * requisitions, offers, subscriptions, events and more), paged with `paging.next` links.
 *
 * @example
 * ```ts
 * await using sb = await startWorkableSandbox()
 * const res = await fetch(`${sb.baseUrl}/jobs?limit=50`, {
 *   headers: { authorization: `Bearer ${sb.credentials.apiToken}` },
 * })
 * const { jobs, paging } = await res.json()
 * ```
 *
 * @since 0.1.0
 */
import {
  authenticateClient,
  authorizeHandler,
  checkRefresh,
  identifyConnection,
  issueStatic,
  type OAuthApp,
  type OAuthAppOptions,
  redeemCode,
  registeredClients,
} from "./AuthorizationCode.ts"
import { bearerToken, sendEmpty, sendJson, str } from "./Http.ts"
import { Router } from "./Router.ts"
import { isoAt } from "./SampleData.ts"
import {
  type Handler,
  type ProviderSandbox,
  type RequestContext,
  type SandboxOptions,
  startServer,
} from "./SandboxServer.ts"
import type { TokenRecord } from "./TokenStore.ts"
import {
  seedWorkable,
  WORKABLE_STAGES,
  type WorkableData,
  type WorkableItem,
  workableId,
} from "./WorkableData.ts"

/**
 * A registered Workable partner application.
 *
 * @example
 * ```ts
 * const app: WorkableClient = { clientId: "uid", clientSecret: "secret", redirectUris: ["http://127.0.0.1/cb"] }
 * ```
 */
export type WorkableClient = OAuthApp

/**
 * Workable sandbox options.
 *
 * @example
 * ```ts
 * const options: WorkableOptions = { subdomain: "acme", lifetimes: { access: 60 } }
 * ```
 */
export interface WorkableOptions extends SandboxOptions, OAuthAppOptions {
  /** Static API tokens (all scopes). */
  readonly apiTokens?: readonly string[]
  /** The account's subdomain (default `keyway-sandbox`). */
  readonly subdomain?: string
}

/**
 * What the Workable sandbox accepts.
 *
 * @example
 * ```ts
 * sb.credentials.scopes // ["r_jobs", "r_candidates", "w_candidates", …]
 * ```
 */
export interface WorkableCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly clients: readonly WorkableClient[]
  /** Every scope the sandbox knows. */
  readonly scopes: readonly string[]
  readonly apiToken: string
  readonly apiTokens: readonly string[]
  readonly subdomain: string
  /** The member id of the user who consents at `/oauth/authorize`. */
  readonly userId: string
}

/**
 * A running Workable sandbox.
 *
 * @example
 * ```ts
 * const sb: WorkableSandbox = await startWorkableSandbox()
 * ```
 */
export type WorkableSandbox = ProviderSandbox<"workable", WorkableCredentials>

const SCOPES = [
  "r_jobs",
  "w_jobs",
  "r_candidates",
  "w_candidates",
  "r_employees",
  "w_employees",
  "r_requisitions",
  "w_requisitions",
]
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
const CANDIDATE_HIDDEN = new Set(["comments", "ratings", "activities", "offer_id"])
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
const EMPLOYEE_WRITABLE = [
  "firstname",
  "lastname",
  "email",
  "personal_email",
  "phone",
  "job_title",
  "department",
  "department_id",
  "manager_id",
  "state",
  "start_date",
  "work_location",
  "employee_number",
]
const EVENTS = [
  "candidate_created",
  "candidate_moved",
  "employee_created",
  "employee_updated",
  "employee_published",
  "job_created",
  "job_updated",
]
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

const pick = (item: WorkableItem, keys: readonly string[]) => {
  const out: WorkableItem = {}
  for (const key of keys) if (key in item) out[key] = item[key]
  return out
}
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
const hexValue = (id: unknown) => (typeof id === "string" ? Number.parseInt(id, 16) : Number.NaN)

/**
 * Starts a Workable sandbox.
 *
 * @example
 * ```ts
 * const sb = await startWorkableSandbox({ subdomain: "acme" })
 * await sb.stop()
 * ```
 */
export function startWorkableSandbox(options?: WorkableOptions): Promise<WorkableSandbox> {
  const { clientId, clientSecret, clients } = registeredClients(options, {
    clientId: "keyway-workable-client",
    clientSecret: "keyway-workable-secret",
  })
  const apiTokens = options?.apiTokens ?? ["wk-api-token-keyway-0001"]
  const subdomain = options?.subdomain ?? "keyway-sandbox"
  const userId = workableId("member", 0)
  const credentials: WorkableCredentials = {
    clientId,
    clientSecret,
    clients,
    scopes: SCOPES,
    apiToken: apiTokens[0] ?? "",
    apiTokens,
    subdomain,
    userId,
  }

  return startServer("workable", options, { access: 7200, refresh: null, session: 60 }, (rt) => {
    const data: WorkableData = seedWorkable(subdomain)
    const index = <T extends WorkableItem>(items: T[], key = "id") =>
      new Map(items.map((x) => [String(x[key]), x]))
    const jobsByCode = index(data.jobs, "shortcode")
    const candidatesById = index(data.candidates)
    const employeesById = index(data.employees)
    const requisitionsByCode = index(data.requisitions, "code")
    const offersById = index(data.offers)
    const eventsById = index(data.events)
    const membersById = index(data.members)
    const subscriptions = new Map<string, WorkableItem>()
    const router = new Router<Handler>()
    const next = (kind: string) => {
      const n = data.counters[kind] ?? 0
      data.counters[kind] = n + 1
      return workableId(kind, n)
    }
    const now = () => new Date(rt.clock.now() * 1000).toISOString()

    const fail = (ctx: RequestContext, status: number, error: string, extra?: Record<string, unknown>) =>
      sendJson(ctx.res, status, { error, ...extra })
    const oauth = (ctx: RequestContext, status: number, error: string, description: string) =>
      sendJson(ctx.res, status, { error, error_description: description })

    // ---- www.workable.com: OAuth ----

    router.add(
      "GET",
      "/oauth/authorize",
      "authorize",
      authorizeHandler(rt, {
        clients,
        user: userId,
        error: oauth,
        redirectUriError: "invalid_redirect_uri",
        requireRedirectUri: false,
        scopes: (q) => {
          if (q.get("resource") !== "user")
            return { error: "invalid_request", error_description: "resource must be user" }
          // `scope=r_jobs+r_candidates`: the `+` arrives as a space; an encoded `%2B` as a plus
          const scopes = (q.get("scope") ?? "").split(/[\s+]+/).filter(Boolean)
          if (scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s)))
            return {
              error: "invalid_scope",
              error_description: `scopes must be among ${SCOPES.join(" ")}`,
            }
          return { scopes: [...new Set(scopes)] }
        },
      }),
    )

    const invalidClient = (ctx: RequestContext) =>
      oauth(
        ctx,
        401,
        "invalid_client",
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
      )

    router.add("POST", "/oauth/token", "token", (ctx) => {
      const body = ctx.fields()
      if (!body)
        return oauth(
          ctx,
          400,
          "invalid_request",
          "Send the fields as multipart/form-data or a urlencoded form",
        )
      const client = authenticateClient(clients, ctx, body)
      if (!client) return invalidClient(ctx)
      const at = rt.clock.now()
      const grantType = str(body, "grant_type")
      let record: TokenRecord
      if (grantType === "authorization_code") {
        const redeemed = redeemCode(rt, body, client, at)
        if (!redeemed.ok)
          return oauth(
            ctx,
            400,
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
          )
        record = redeemed.record
      } else if (grantType === "refresh_token") {
        const checked = checkRefresh(rt, body, client, at)
        if (!checked.ok)
          return oauth(
            ctx,
            401,
            "invalid_grant",
            "The refresh token is invalid, used or revoked: authorize again",
          )
        checked.record.revoked = true
        record = checked.record
      } else {
        return oauth(
          ctx,
          400,
          "unsupported_grant_type",
          "grant_type must be authorization_code or refresh_token",
        )
      }
      const access = rt.store.issue("access", record.grant, rt.lifetimes.access, at)
      const refresh = rt.store.issue("refresh", record.grant, rt.lifetimes.refresh, at)
      sendJson(ctx.res, 200, {
        access_token: access.token,
        token_type: "bearer",
        expires_in: Math.round(rt.lifetimes.access),
        refresh_token: refresh.token,
        scope: record.grant.scopes.join(" "),
        created_at: Math.floor(at),
      })
    })

    router.add("POST", "/oauth/revoke", "revoke", (ctx) => {
      const body = ctx.fields()
      if (!authenticateClient(clients, ctx, body)) return invalidClient(ctx)
      const token = str(body, "token")
      if (!token) return oauth(ctx, 400, "invalid_request", "token is required")
      const record = rt.store.get(token)
      if (record && (record.type === "refresh" || record.type === "access")) record.grant.revoked = true
      sendJson(ctx.res, 200, {})
    })

    issueStatic(rt, "api-token", userId, SCOPES, apiTokens)

    // ---- SPI v3 ----

    const guard = (ctx: RequestContext, scope: string | undefined): boolean => {
      const check = rt.store.check(bearerToken(ctx.req), rt.clock.now(), "access", "static")
      if (!check.ok) {
        const description =
          check.reason === "expired"
            ? "The access token expired"
            : check.reason === "revoked"
              ? "The access token was revoked"
              : "The access token is invalid"
        sendJson(
          ctx.res,
          401,
          { error: "Not authorized", error_description: description },
          {
            "www-authenticate": `Bearer realm="Workable", error="invalid_token", error_description="${description}"`,
          },
        )
        return false
      }
      if (scope !== undefined && !check.record.scopes.includes(scope)) {
        fail(ctx, 403, "Forbidden", { error_description: `The access token lacks the ${scope} scope` })
        return false
      }
      return true
    }
    const api = (method: string, path: string, scope: string | undefined, handler: Handler) =>
      router.add(method, `/spi/v3${path}`, "api", (ctx) => {
        if (guard(ctx, scope)) return handler(ctx)
      })
    const notFound = (ctx: RequestContext) => fail(ctx, 404, "Not found")
    const unprocessable = (ctx: RequestContext, message: string) => fail(ctx, 422, message)
    const body = (ctx: RequestContext): Record<string, unknown> | undefined => {
      const b = ctx.fields()
      if (!b) unprocessable(ctx, "The request body must be a JSON object")
      return b
    }
    const memberId = (ctx: RequestContext, b: Record<string, unknown>): boolean => {
      const id = str(b, "member_id")
      if (!id) {
        unprocessable(ctx, "member_id is required")
        return false
      }
      if (!membersById.has(id)) {
        unprocessable(ctx, `member_id ${id} is not a member of this account`)
        return false
      }
      return true
    }

    /** `{key: [...], paging: {next}}` over items sorted by id, with `limit`, `since_id` and `max_id`. */
    const paged = (
      ctx: RequestContext,
      key: string,
      items: WorkableItem[],
      view?: (x: WorkableItem) => unknown,
    ) => {
      const q = ctx.query
      const limitText = q.get("limit")
      let limit = limitText === null ? 50 : Number.parseInt(limitText, 10)
      if (!Number.isFinite(limit) || limit < 1) limit = 50
      limit = Math.min(limit, 100)
      const since = hexValue(q.get("since_id"))
      const max = hexValue(q.get("max_id"))
      let rows = items
      if (!Number.isNaN(since) || !Number.isNaN(max))
        rows = rows.filter((x) => {
          const v = hexValue(x.id)
          return (Number.isNaN(since) || v >= since) && (Number.isNaN(max) || v <= max)
        })
      const page = rows.slice(0, limit)
      const out: Record<string, unknown> = { [key]: view ? page.map(view) : page }
      const following = rows[limit]
      if (following) {
        const url = new URL(rt.origin + ctx.path)
        for (const [k, v] of q) if (k !== "since_id" && k !== "limit") url.searchParams.append(k, v)
        url.searchParams.set("limit", String(limit))
        url.searchParams.set("since_id", String(following.id))
        out.paging = { next: url.toString() }
      }
      sendJson(ctx.res, 200, out)
    }
    const after = (ctx: RequestContext, items: WorkableItem[], param: string, field: string) => {
      const value = ctx.query.get(param)
      if (!value) return items
      const t = Date.parse(value)
      return Number.isNaN(t) ? items : items.filter((x) => Date.parse(x[field] as string) > t)
    }
    const candidateView = (c: WorkableItem) => pick(c, CANDIDATE_SUMMARY)
    const candidateFull = (c: WorkableItem) => {
      const out: WorkableItem = {}
      for (const [k, v] of Object.entries(c)) if (!CANDIDATE_HIDDEN.has(k)) out[k] = v
      return out
    }
    const job = (ctx: RequestContext) => jobsByCode.get(ctx.params.shortcode as string)
    const candidate = (ctx: RequestContext) => candidatesById.get(ctx.params.id as string)

    // account
    api("GET", "/accounts", undefined, (ctx) => sendJson(ctx.res, 200, { accounts: [data.account] }))
    api("GET", "/accounts/{subdomain}", undefined, (ctx) =>
      ctx.params.subdomain === subdomain ? sendJson(ctx.res, 200, data.account) : notFound(ctx),
    )
    api("GET", "/members", "r_jobs", (ctx) => {
      let rows = data.members
      const role = ctx.query.get("role")
      const email = ctx.query.get("email")
      const name = ctx.query.get("name")?.toLowerCase()
      if (role) rows = rows.filter((m) => m.role === role)
      if (email) rows = rows.filter((m) => m.email === email)
      if (name) rows = rows.filter((m) => String(m.name).toLowerCase().includes(name))
      paged(ctx, "members", rows)
    })
    api("GET", "/recruiters", "r_jobs", (ctx) => sendJson(ctx.res, 200, { recruiters: data.recruiters }))
    api("GET", "/departments", "r_jobs", (ctx) => sendJson(ctx.res, 200, { departments: data.departments }))
    api("POST", "/departments", "w_jobs", (ctx) => {
      const b = body(ctx)
      if (!b) return
      const name = str(b, "name")
      if (!name) return unprocessable(ctx, "name is required")
      const parent = str(b, "parent_id") ?? null
      if (parent !== null && !data.departments.some((d) => d.id === parent))
        return unprocessable(ctx, "parent_id is not a department")
      const department = { id: next("department"), name, parent_id: parent }
      data.departments.push(department)
      sendJson(ctx.res, 201, department)
    })
    api("DELETE", "/departments/{id}", "w_jobs", (ctx) => {
      const i = data.departments.findIndex((d) => d.id === ctx.params.id)
      if (i === -1) return notFound(ctx)
      data.departments.splice(i, 1)
      sendEmpty(ctx.res, 204)
    })
    api("GET", "/stages", "r_jobs", (ctx) => sendJson(ctx.res, 200, { stages: data.stages }))
    api("GET", "/legal_entities", undefined, (ctx) =>
      sendJson(ctx.res, 200, {
        legal_entities: [{ id: "le1", name: data.account.name, country_code: "GR" }],
      }),
    )
    api("GET", "/permission_sets", undefined, (ctx) =>
      sendJson(ctx.res, 200, {
        permission_sets: [
          { id: "ps1", name: "Admin" },
          { id: "ps2", name: "Employee" },
        ],
      }),
    )
    api("GET", "/work_schedules", undefined, (ctx) =>
      sendJson(ctx.res, 200, { work_schedules: [{ id: "ws1", name: "Full time", weekly_hours: 40 }] }),
    )
    api("GET", "/collaboration_permissions", undefined, (ctx) =>
      sendJson(ctx.res, 200, { collaboration_permissions: [{ id: "cp1", name: "Hiring team" }] }),
    )
    api("GET", "/custom_attributes", "r_candidates", (ctx) =>
      sendJson(ctx.res, 200, { custom_attributes: data.customAttributes }),
    )
    api("GET", "/disqualification_reasons", "r_candidates", (ctx) =>
      sendJson(ctx.res, 200, { disqualification_reasons: data.disqualificationReasons }),
    )

    // jobs
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
      activities: [
        { id: `${String(j.id)}a1`, action: "job_created", created_at: j.created_at, member: null },
      ],
    }))

    // candidates
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
        if (!WORKABLE_STAGES.includes(stage))
          return unprocessable(ctx, `target_stage ${stage} does not exist`)
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
      if (typeof grade !== "number" && typeof grade !== "string")
        return unprocessable(ctx, "grade is required")
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

    // offers
    api("GET", "/offers/{id}", "r_candidates", (ctx) => {
      const offer = offersById.get(ctx.params.id as string)
      if (!offer) return notFound(ctx)
      sendJson(ctx.res, 200, offer)
    })
    const decide =
      (status: string): Handler =>
      (ctx) => {
        const offer = offersById.get(ctx.params.id as string)
        if (!offer) return notFound(ctx)
        const b = body(ctx)
        if (!b || !memberId(ctx, b)) return
        offer.status = status
        sendJson(ctx.res, 200, offer)
      }
    api("POST", "/offers/{id}/approve", "w_candidates", decide("approved"))
    api("POST", "/offers/{id}/reject", "w_candidates", decide("rejected"))

    // employees
    api("GET", "/employees", "r_employees", (ctx) => {
      let rows = data.employees
      const state = ctx.query.get("state")
      const email = ctx.query.get("email")
      if (state) rows = rows.filter((e) => e.state === state)
      if (email) rows = rows.filter((e) => e.email === email)
      paged(ctx, "employees", rows)
    })
    api("GET", "/employees/{id}", "r_employees", (ctx) => {
      const e = employeesById.get(ctx.params.id as string)
      if (!e) return notFound(ctx)
      sendJson(ctx.res, 200, e)
    })
    const employeeFields = (b: Record<string, unknown>): Record<string, unknown> | string => {
      const fields = isObject(b.data) ? b.data : isObject(b.employee) ? b.employee : undefined
      if (!fields || Object.keys(fields).length === 0) return "data must hold the employee attributes"
      for (const key of Object.keys(fields))
        if (!EMPLOYEE_WRITABLE.includes(key)) return `${key} is not an employee attribute that can be written`
      for (const key of ["email", "personal_email"])
        if (
          fields[key] !== undefined &&
          (typeof fields[key] !== "string" || !EMAIL.test(fields[key] as string))
        )
          return `${key} is invalid`
      if (
        fields.manager_id !== undefined &&
        fields.manager_id !== null &&
        !employeesById.has(String(fields.manager_id))
      )
        return "manager_id is not an employee"
      return fields
    }
    api("PATCH", "/employees/{id}", "w_employees", (ctx) => {
      const e = employeesById.get(ctx.params.id as string)
      if (!e) return notFound(ctx)
      const b = body(ctx)
      if (!b) return
      const fields = employeeFields(b)
      if (typeof fields === "string") return unprocessable(ctx, fields)
      Object.assign(e, fields)
      e.name = `${String(e.firstname)} ${String(e.lastname)}`
      e.updated_at = now()
      sendJson(ctx.res, 200, e)
    })
    api("POST", "/employees", "w_employees", (ctx) => {
      const b = body(ctx)
      if (!b) return
      const fields = employeeFields(b)
      if (typeof fields === "string") return unprocessable(ctx, fields)
      for (const key of ["firstname", "lastname", "email"])
        if (typeof fields[key] !== "string" || fields[key] === "")
          return unprocessable(ctx, `${key} is required`)
      const at = now()
      const e: WorkableItem = {
        id: next("employee"),
        state: "active",
        ...fields,
        created_at: at,
        updated_at: at,
      }
      e.name = `${String(e.firstname)} ${String(e.lastname)}`
      data.employees.push(e)
      employeesById.set(e.id as string, e)
      sendJson(ctx.res, 201, e)
    })
    api("GET", "/employee_fields", "r_employees", (ctx) =>
      sendJson(ctx.res, 200, {
        employee_fields: EMPLOYEE_WRITABLE.map((key) => ({
          key,
          label: key.replace(/_/g, " "),
          type: "string",
        })),
      }),
    )
    api("GET", "/employees/orgchart", "r_employees", (ctx) =>
      sendJson(ctx.res, 200, {
        orgchart: data.employees.map((e) => ({ id: e.id, name: e.name, manager_id: e.manager_id })),
      }),
    )
    api("GET", "/timeoff/categories", "r_employees", (ctx) =>
      sendJson(ctx.res, 200, {
        categories: [
          { id: "to1", name: "Vacation", unit: "days" },
          { id: "to2", name: "Sick leave", unit: "days" },
        ],
      }),
    )
    api("GET", "/timeoff/balances", "r_employees", (ctx) =>
      paged(
        ctx,
        "balances",
        data.employees.map((e, i) => ({
          id: e.id,
          employee_id: e.id,
          category_id: "to1",
          balance: 20 - (i % 15),
        })),
      ),
    )
    api("GET", "/timeoff/requests", "r_employees", (ctx) =>
      paged(
        ctx,
        "requests",
        data.employees.slice(0, 40).map((e, i) => ({
          id: e.id,
          employee_id: e.id,
          category_id: i % 3 === 0 ? "to2" : "to1",
          starts_on: isoAt(150 + i).slice(0, 10),
          ends_on: isoAt(152 + i).slice(0, 10),
          status: ["approved", "pending", "rejected"][i % 3],
        })),
      ),
    )
    api("GET", "/review-cycles/templates", "r_employees", (ctx) =>
      sendJson(ctx.res, 200, {
        templates: [
          { id: "rt1", name: "Annual review" },
          { id: "rt2", name: "Probation" },
        ],
      }),
    )
    api("GET", "/time-tracking/time-entries", "r_employees", (ctx) =>
      paged(
        ctx,
        "time_entries",
        data.employees.slice(0, 60).map((e, i) => ({
          id: e.id,
          employee_id: e.id,
          date: isoAt(200 + (i % 20)).slice(0, 10),
          minutes: 480 - (i % 4) * 30,
        })),
      ),
    )

    // requisitions
    api("GET", "/requisitions", "r_requisitions", (ctx) => {
      let rows = data.requisitions
      const state = ctx.query.get("state")
      if (state) rows = rows.filter((r) => r.state === state)
      paged(ctx, "requisitions", rows)
    })
    api("GET", "/requisitions/{code}", "r_requisitions", (ctx) => {
      const r = requisitionsByCode.get(ctx.params.code as string)
      if (!r) return notFound(ctx)
      sendJson(ctx.res, 200, r)
    })
    api("POST", "/requisitions", "w_requisitions", (ctx) => {
      const b = body(ctx)
      if (!b) return
      const fields = isObject(b.requisition) ? b.requisition : b
      const title = str(fields, "job_title")
      if (!title) return unprocessable(ctx, "job_title is required")
      const plan = str(fields, "plan_date")
      if (plan !== undefined && Number.isNaN(Date.parse(plan)))
        return unprocessable(ctx, "plan_date is invalid")
      const id = next("requisition")
      const n = data.counters.requisition ?? 0
      const r: WorkableItem = {
        id,
        code: `REQ-${String(n).padStart(4, "0")}`,
        state: "pending",
        job_title: title,
        job: null,
        department: str(fields, "department") ?? null,
        hiring_manager: null,
        reason: str(fields, "reason") ?? null,
        plan_date: plan ?? null,
        created_at: now(),
      }
      data.requisitions.push(r)
      requisitionsByCode.set(r.code as string, r)
      sendJson(ctx.res, 201, r)
    })
    const requisitionDecision =
      (state: string): Handler =>
      (ctx) => {
        const r = requisitionsByCode.get(ctx.params.code as string)
        if (!r) return notFound(ctx)
        const b = body(ctx)
        if (!b || !memberId(ctx, b)) return
        if (r.state !== "pending") return unprocessable(ctx, `Requisition is ${String(r.state)}, not pending`)
        r.state = state
        sendJson(ctx.res, 200, r)
      }
    api("POST", "/requisitions/{code}/approve", "w_requisitions", requisitionDecision("approved"))
    api("POST", "/requisitions/{code}/reject", "w_requisitions", requisitionDecision("rejected"))

    // events
    api("GET", "/events", "r_candidates", (ctx) => {
      let rows = data.events
      const type = ctx.query.get("type")
      if (type) rows = rows.filter((e) => e.type === type)
      paged(ctx, "events", rows)
    })
    api("GET", "/events/{id}", "r_candidates", (ctx) => {
      const e = eventsById.get(ctx.params.id as string)
      if (!e) return notFound(ctx)
      sendJson(ctx.res, 200, e)
    })

    // subscriptions (webhooks)
    api("GET", "/subscriptions", undefined, (ctx) =>
      sendJson(ctx.res, 200, { subscriptions: [...subscriptions.values()] }),
    )
    api("POST", "/subscriptions", undefined, (ctx) => {
      const b = body(ctx)
      if (!b) return
      const target = str(b, "target")
      const event = str(b, "event")
      if (!target) return unprocessable(ctx, "target is required")
      try {
        const url = new URL(target)
        if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("scheme")
      } catch {
        return unprocessable(ctx, "target must be an http(s) URL")
      }
      if (!event || !EVENTS.includes(event))
        return unprocessable(ctx, `event must be one of ${EVENTS.join(", ")}`)
      const args = b.args
      if (args !== undefined && !isObject(args)) return unprocessable(ctx, "args must be an object")
      const id = next("subscription")
      subscriptions.set(id, { id, target, event, args: args ?? {}, created_at: now() })
      sendJson(ctx.res, 201, { id })
    })
    api("DELETE", "/subscriptions/{id}", undefined, (ctx) => {
      if (!subscriptions.delete(ctx.params.id as string)) return notFound(ctx)
      sendEmpty(ctx.res, 204)
    })

    return {
      basePath: "/spi/v3",
      correlationHeader: "X-Correlation-Id",
      credentials,
      router,
      urls: (origin) => ({
        authorizeUrl: `${origin}/oauth/authorize`,
        tokenUrl: `${origin}/oauth/token`,
        revokeUrl: `${origin}/oauth/revoke`,
      }),
      // Workable: 50 requests per 10-second interval for OAuth and partner tokens, every response
      // with X-Rate-Limit-Limit/Remaining/Reset (a Unix time), 429 above it.
      budget: {
        limit: 50,
        window: 10,
        kind: "interval",
        status: 429,
        retryAfter: true,
        headers: "x-rate-limit",
      },
      errorBody: (status, message) => ({ error: status === 404 ? "Not found" : message }),
      rateLimitHeaders: (retryAfter, wallNow) => ({
        "x-rate-limit-limit": "10",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(Math.ceil(wallNow + retryAfter)),
      }),
      identify: identifyConnection(rt, userId),
    }
  })
}
