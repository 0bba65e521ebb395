/**
 * The Culture Amp sandbox: a client-credentials token endpoint that wants a form body, with the
 * client authenticated in the body or with HTTP Basic, a `target-entity:<entity>:<permissions>`
 * scope, HS256 JWT access tokens; and the 19 GET operations of Culture Amp's public API
 * (employees, demographics, performance cycles, manager reviews, surveys) under `/v1`, each
 * checking its permission, with cursor pagination (`pagination.afterKey` / `nextPath`).
 *
 * @example
 * ```ts
 * await using sb = await startCultureAmpSandbox()
 * const { clientId, clientSecret, scope } = sb.credentials
 * const token = await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
 *   body: new URLSearchParams({ grant_type: "client_credentials", scope }),
 * }).then((r) => r.json())
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { basicCredentials, bearerToken, sendJson, str } from "./Http.ts"
import { signHs256, verifyHs256 } from "./Jwt.ts"
import { Router } from "./Router.ts"
import { CITIES, DEPARTMENTS, emailFor, isoAt, JOB_TITLES, personName } from "./SampleData.ts"
import {
  type Handler,
  type ProviderSandbox,
  type RequestContext,
  type SandboxOptions,
  startServer,
} from "./SandboxServer.ts"
import { SeededRandom } from "./SeededRandom.ts"

/**
 * A Culture Amp API credential.
 *
 * @example
 * ```ts
 * const c: CultureAmpClient = { clientId: "id", clientSecret: "secret", permissions: ["employees-read"] }
 * ```
 */
export interface CultureAmpClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Permissions this credential was scoped with (default: all). */
  readonly permissions?: readonly string[]
}

/**
 * Culture Amp sandbox options.
 *
 * @example
 * ```ts
 * const options: CultureAmpOptions = { entityId: "8ed17dce-9eca-4383-a9e1-54f82c362b6d", pageSize: 50 }
 * ```
 */
export interface CultureAmpOptions extends SandboxOptions {
  readonly clientId?: string
  readonly clientSecret?: string
  readonly clients?: readonly CultureAmpClient[]
  /** The account's entity id, the middle part of the scope. */
  readonly entityId?: string
  /** Secret the JWTs are signed with (HS256). */
  readonly jwtSecret?: string
  /** Items per page of list endpoints (default 100). */
  readonly pageSize?: number
}

/**
 * What the Culture Amp sandbox accepts.
 *
 * @example
 * ```ts
 * sb.credentials.scope // "target-entity:8ed17dce-…:employees-read,employee-demographics-read,…"
 * ```
 */
export interface CultureAmpCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly entityId: string
  /** Every permission the sandbox knows. */
  readonly permissions: readonly string[]
  /** A scope asking for every permission. */
  readonly scope: string
  readonly clients: readonly CultureAmpClient[]
  readonly jwtSecret: string
}

/**
 * A running Culture Amp sandbox.
 *
 * @example
 * ```ts
 * const sb: CultureAmpSandbox = await startCultureAmpSandbox()
 * ```
 */
export type CultureAmpSandbox = ProviderSandbox<"cultureamp", CultureAmpCredentials>

/** Permissions the scope may name. The spec's endpoints use the first four. */
const PERMISSIONS = [
  "employees-read",
  "employee-demographics-read",
  "performance-evaluations-read",
  "surveys-read",
  "manager-reviews-read",
  "performance-cycles-read",
  "goals-read",
]
const SCOPE_PATTERN = /^target-entity:([^:\s]+):([a-z0-9-]+(?:,[a-z0-9-]+)*)$/
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i
const CYCLE_STATES = ["active", "closed", "ready"]

type Item = Record<string, unknown>

interface Dataset {
  employees: Item[]
  employeesById: Map<string, Item>
  demographics: Map<string, Item[]>
  cycles: Item[]
  cyclesById: Map<string, Item>
  reviews: Item[]
  reviewsById: Map<string, Item>
  surveys: Item[]
  surveysById: Map<string, Item>
  surveyParts: Map<string, { questions: Item[]; responses: Item[]; factors: Item[]; sections: Item[] }>
}

const localized = (en: string) => ({ en, fr: `${en} (fr)` })

function seedData(): Dataset {
  const rng = new SeededRandom(0xca)
  const employees: Item[] = []
  const demographics = new Map<string, Item[]>()
  for (let i = 0; i < 250; i++) {
    const { first, last } = personName(rng)
    const id = rng.uuid()
    const employee: Item = {
      id,
      employeeIdentifier: String(1000 + i),
      email: emailFor(first, last, i, "piedpiper.example.com"),
      name: `${first} ${last}`,
      ...(i % 4 === 0 ? { preferredName: first } : {}),
      birthDate: isoAt(-365 * (25 + (i % 30)) + i).slice(0, 10),
      startDate: isoAt(-30 * (i % 90)).slice(0, 10),
      ...(i % 10 === 9 ? { endDate: isoAt(100 + i).slice(0, 10) } : {}),
      links: [
        { rel: "demographics", uri: `/v1/employees/${id}/demographics` },
        { rel: "manager-reviews", uri: `/v1/employees/${id}/manager-reviews` },
      ],
      processedAt: isoAt(i * 0.25),
    }
    employees.push(employee)
    demographics.set(id, [
      { name: "Department", value: rng.pick(DEPARTMENTS) },
      { name: "Location", value: rng.pick(CITIES) },
      { name: "Job Title", value: rng.pick(JOB_TITLES) },
      { name: "Level", value: `L${rng.int(1, 7)}` },
      { name: "Tenure", value: `${rng.int(0, 12)} years` },
    ])
  }
  const cycles: Item[] = []
  for (let i = 0; i < 12; i++) {
    const state = i < 2 ? "active" : i < 10 ? "closed" : "ready"
    cycles.push({
      id: rng.uuid(),
      name: `${i % 2 === 0 ? "H1" : "H2"} ${2024 - Math.floor(i / 2)} performance cycle`,
      state,
      createdAt: isoAt(-180 * i),
      updatedAt: isoAt(-180 * i + 90),
      processedAt: isoAt(-180 * i + 91),
    })
  }
  const buckets = [
    { title: "Outstanding", value: 2, description: "Exceeded expectations" },
    { title: "Good", value: 1, description: "Met expectations" },
    { title: "Needs Improvement", value: 0, description: "Did not meet expectations" },
  ]
  const reviews: Item[] = []
  for (const [c, cycle] of cycles.slice(0, 2).entries()) {
    for (const [e, employee] of employees.entries()) {
      const manager = employees[(e * 7 + 3) % employees.length] as Item
      const bucket = buckets[(e + c) % 3] as (typeof buckets)[number]
      const id = rng.uuid()
      const status = (e + c) % 5 === 0 ? "incomplete" : (e + c) % 2 === 0 ? "shared" : "completed"
      const processedAt = isoAt(c * 100 + e * 0.3)
      reviews.push({
        performanceCycleId: cycle.id,
        managerReviewId: id,
        employeeId: employee.id,
        managerId: manager.id,
        performanceRating: {
          ratingQuestion: { title: "How would you rate the employee's performance?" },
          ratingBuckets: buckets,
          rating: {
            id: `${id.slice(0, 24)}${String(bucket.value).padStart(12, "0")}`,
            title: bucket.title,
            description: bucket.description,
            value: bucket.value,
            createdAt: processedAt,
            updatedAt: processedAt,
          },
        },
        openTextQuestions: [
          {
            id: `${id}-q1`,
            text: "What should this employee celebrate this year?",
            answer: "Shipping on time",
          },
        ],
        multipleChoiceQuestions: [
          {
            id: `${id}-q2`,
            text: "Does this employee embody our values?",
            options: ["yes", "no", "often", "sometimes"],
            answer: ["yes", "often", "sometimes"][e % 3],
          },
        ],
        multipleChoiceMultiSelectQuestions: [],
        reviewAcknowledged: status === "shared",
        status,
        links: [
          { rel: "employee", uri: `/v1/employees/${employee.id}` },
          { rel: "performance-cycle", uri: `/v1/performance-cycles/${cycle.id}` },
        ],
        completedAt: status === "incomplete" ? null : processedAt,
        createdAt: isoAt(c * 100 + e * 0.3 - 10),
        updatedAt: processedAt,
        processedAt,
      })
    }
  }
  const surveys: Item[] = []
  for (let i = 0; i < 6; i++) {
    surveys.push({
      id: rng.uuid(),
      name: localized(["Engagement", "Onboarding", "Exit", "Wellbeing", "Inclusion", "Pulse"][i] as string),
      status: i < 4 ? "closed" : "active",
      rdeEnabled: i % 2 === 0,
      owner: (employees[i] as Item).id,
      workflow: ["engagement", "onboard", "exit", "wellbeing", "inclusion", "pulse"][i],
      launchedAt: isoAt(30 * i),
      closedAt: i < 4 ? isoAt(30 * i + 21) : null,
      createdAt: isoAt(30 * i - 7),
      updatedAt: isoAt(30 * i + 22),
      processedAt: isoAt(30 * i + 23),
      communicatedClosedAt: i < 4 ? isoAt(30 * i + 21) : null,
      surveyDueDays: 21,
      kioskModeEnabled: false,
      excludeParticipantsAfter: null,
    })
  }
  const byId = (items: Item[], key = "id") => new Map(items.map((x) => [x[key] as string, x]))
  return {
    employees,
    employeesById: byId(employees),
    demographics,
    cycles,
    cyclesById: byId(cycles),
    reviews,
    reviewsById: byId(reviews, "managerReviewId"),
    surveys,
    surveysById: byId(surveys),
    surveyParts: new Map(),
  }
}

function surveyParts(data: Dataset, survey: Item) {
  const id = survey.id as string
  const cached = data.surveyParts.get(id)
  if (cached) return cached
  const rng = new SeededRandom(Number.parseInt(id.slice(0, 8), 16))
  const at = survey.createdAt as string
  const sections: Item[] = Array.from({ length: 5 }, (_, i) => ({
    id: rng.uuid(),
    name: `Section ${i + 1}`,
    type: "question_group",
    code: `S${i + 1}`,
    shortDescription: `Section ${i + 1}`,
    longDescription: `Questions of section ${i + 1}`,
    status: "active",
    order: i + 1,
    createdAt: at,
    updatedAt: at,
  }))
  const factors: Item[] = Array.from({ length: 8 }, (_, i) => ({
    id: rng.uuid(),
    name: localized(
      [
        "Engagement",
        "Leadership",
        "Enablement",
        "Alignment",
        "Growth",
        "Recognition",
        "Wellbeing",
        "Teamwork",
      ][i] as string,
    ),
    type: i === 0 ? "index" : "culture",
    code: `F${i + 1}`,
    indexFactor: i === 0,
    customFactor: i > 5,
    shortDescription: `Factor ${i + 1}`,
    longDescription: `Reporting factor ${i + 1}`,
    status: "active",
    order: i + 1,
    createdAt: at,
    updatedAt: at,
  }))
  const questions: Item[] = Array.from({ length: 30 }, (_, i) => ({
    id: rng.uuid(),
    code: `Q${String(i + 1).padStart(3, "0")}`,
    questionType: i < 25 ? "culture" : "segment",
    label: localized(`Question ${i + 1}`),
    description: localized(`How much do you agree with statement ${i + 1}?`),
    ratingScale: "agreement",
    selectOptions: [],
    otherOption: false,
    status: "active",
    sectionId: (sections[i % 5] as Item).id,
    factorIds: [(factors[i % 8] as Item).id],
    createdAt: at,
    updatedAt: at,
    processedAt: at,
  }))
  const responses: Item[] = Array.from({ length: 120 }, (_, i) => {
    const employee = data.employees[(i * 2 + 1) % data.employees.length] as Item
    const submitted = isoAt(Date.parse(at) / 86_400_000 - 19723 + 1 + i * 0.05)
    return {
      id: rng.uuid(),
      employeeId: employee.id,
      answers: questions.slice(0, 5).map((q) => ({
        questionId: q.id,
        ratingScore: rng.int(1, 5),
        answered: true,
        mandatory: false,
        createdAt: submitted,
        updatedAt: submitted,
      })),
      rdeEnabled: survey.rdeEnabled,
      captureLocale: "en",
      surveySubmittedBy: employee.id,
      startedAt: submitted,
      submittedAt: submitted,
      expiredAt: null,
      createdAt: submitted,
      updatedAt: submitted,
      processedAt: submitted,
    }
  })
  const parts = { questions, responses, factors, sections }
  data.surveyParts.set(id, parts)
  return parts
}

interface Cursor {
  readonly PK: string
  readonly SK: number
  readonly F?: Record<string, string>
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64")
const decodeCursor = (text: string): Cursor | undefined => {
  try {
    const value = JSON.parse(Buffer.from(text.replace(/ /g, "+"), "base64").toString("utf8")) as Cursor
    return typeof value.PK === "string" && Number.isInteger(value.SK) && value.SK >= 0 ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * Starts a Culture Amp sandbox.
 *
 * @example
 * ```ts
 * const sb = await startCultureAmpSandbox({ pageSize: 100 })
 * await sb.stop()
 * ```
 */
export function startCultureAmpSandbox(options?: CultureAmpOptions): Promise<CultureAmpSandbox> {
  const clientId = options?.clientId ?? "keyway-cultureamp-client"
  const clientSecret = options?.clientSecret ?? "keyway-cultureamp-secret"
  const entityId = options?.entityId ?? "8ed17dce-9eca-4383-a9e1-54f82c362b6d"
  const jwtSecret = options?.jwtSecret ?? "keyway-cultureamp-jwt-secret"
  const pageSize = options?.pageSize ?? 100
  const clients: CultureAmpClient[] = [{ clientId, clientSecret }, ...(options?.clients ?? [])]
  const credentials: CultureAmpCredentials = {
    clientId,
    clientSecret,
    entityId,
    permissions: PERMISSIONS,
    scope: `target-entity:${entityId}:${PERMISSIONS.join(",")}`,
    clients,
    jwtSecret,
  }

  return startServer("cultureamp", options, { access: 3599, refresh: null, session: 60 }, (rt) => {
    let dataset: Dataset | undefined
    const data = (): Dataset => {
      if (!dataset) dataset = seedData()
      return dataset
    }
    const router = new Router<Handler>()
    const error = (ctx: RequestContext, code: number, message: string, headers?: Record<string, string>) =>
      sendJson(ctx.res, code, { code, message }, headers)

    const clientOf = (ctx: RequestContext) => {
      const body = ctx.mediaType === "application/x-www-form-urlencoded" ? ctx.fields() : undefined
      const basic = basicCredentials(ctx.req)
      return { body, basic, id: str(body, "client_id") ?? basic?.id }
    }

    router.add("POST", "/v1/oauth2/token", "token", (ctx) => {
      const oauth = (status: number, err: string, description: string) =>
        sendJson(ctx.res, status, { error: err, error_description: description })
      const { body, basic } = clientOf(ctx)
      if (!body)
        return oauth(
          400,
          "invalid_request",
          "Content-Type must be application/x-www-form-urlencoded with a form body",
        )
      const bodyId = str(body, "client_id")
      const bodySecret = str(body, "client_secret")
      if (
        basic &&
        bodyId !== undefined &&
        (basic.id !== bodyId || (bodySecret !== undefined && basic.secret !== bodySecret))
      )
        return oauth(
          401,
          "invalid_client",
          "Client credentials in the body and the Authorization header differ",
        )
      const id = basic?.id ?? bodyId
      const secret = basic?.secret ?? bodySecret
      const client = clients.find((c) => c.clientId === id)
      if (!client || client.clientSecret !== secret)
        return oauth(401, "invalid_client", "Client authentication failed")
      if (str(body, "grant_type") !== "client_credentials")
        return oauth(400, "unsupported_grant_type", "grant_type must be client_credentials")
      const scope = str(body, "scope")
      const match = scope ? SCOPE_PATTERN.exec(scope) : null
      if (!scope || !match)
        return oauth(
          400,
          "invalid_scope",
          "scope must be target-entity:<entity id>:<comma separated permissions>",
        )
      if (match[1] !== entityId) return oauth(400, "invalid_scope", `Unknown target entity ${match[1]}`)
      const permissions = (match[2] as string).split(",")
      const allowed = client.permissions ?? PERMISSIONS
      const bad = permissions.filter((p) => !PERMISSIONS.includes(p) || !allowed.includes(p))
      if (bad.length > 0) return oauth(400, "invalid_scope", `Permissions not granted: ${bad.join(",")}`)
      const now = rt.clock.now()
      const lifetime = rt.lifetimes.access
      const iat = Math.floor(now)
      const token = signHs256(
        {
          iss: rt.origin,
          sub: client.clientId,
          aud: "public-api",
          scope,
          entity_id: entityId,
          permissions,
          iat,
          exp: iat + Math.round(lifetime),
          jti: randomUUID(),
        },
        jwtSecret,
      )
      const grant = rt.store.grant(`${client.clientId}|${entityId}`, {
        clientId: client.clientId,
        user: entityId,
        scopes: allowed,
      })
      rt.store.issue("access", grant, null, now, {
        token,
        scopes: permissions,
        expiresAt: iat + Math.round(lifetime),
      })
      sendJson(ctx.res, 200, {
        access_token: token,
        expires_in: Math.round(lifetime),
        scope,
        token_type: "Bearer",
      })
    })

    /** Checks the token and one of the permissions; answers and returns false when refused. */
    const guard = (ctx: RequestContext, permissions: readonly string[]): boolean => {
      const token = bearerToken(ctx.req)
      const now = rt.clock.now()
      const check = rt.store.check(token, now, "access")
      let granted: readonly string[] | undefined
      let reason = check.ok ? undefined : check.reason
      if (check.ok) granted = check.record.scopes
      else if (reason === "invalid" && token !== undefined) {
        // a JWT this sandbox signed but does not remember (another instance, same secret)
        const verified = verifyHs256(token, jwtSecret)
        if (verified.ok) {
          const exp = verified.payload.exp
          if (typeof exp === "number" && exp > now) {
            granted = Array.isArray(verified.payload.permissions)
              ? (verified.payload.permissions as string[])
              : []
            reason = undefined
          } else reason = "expired"
        }
      }
      if (granted === undefined) {
        const message = reason === "expired" ? "Token expired" : "Unauthorized"
        error(ctx, 401, message, {
          "www-authenticate": `Bearer error="invalid_token", error_description="${message}"`,
        })
        return false
      }
      if (!permissions.some((p) => granted.includes(p))) {
        error(ctx, 403, `Forbidden: this operation needs the ${permissions[0]} permission`)
        return false
      }
      return true
    }

    const afterDate = (ctx: RequestContext, filters: Record<string, string>): boolean => {
      const value = ctx.query.get("after_date")
      if (value === null) return true
      if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
        error(
          ctx,
          400,
          "after_date must be an RFC 3339 date-time, e.g. 2023-05-01T00:00:00Z (escape + as %2B)",
        )
        return false
      }
      filters.after_date = new Date(value).toISOString()
      return true
    }

    /** Answers one page of a list; filters come from the query or, when a cursor is given, from the cursor. */
    const list = (
      ctx: RequestContext,
      collection: string,
      permissions: readonly string[],
      readFilters: ((ctx: RequestContext, filters: Record<string, string>) => boolean) | undefined,
      rows: (filters: Record<string, string>) => Item[] | undefined,
      withAfterKey: boolean,
    ) => {
      if (!guard(ctx, permissions)) return
      const cursorText = ctx.query.get("cursor") ?? ctx.query.get("after_key")
      let start = 0
      let filters: Record<string, string> = {}
      if (cursorText !== null && cursorText !== "") {
        const cursor = decodeCursor(cursorText)
        if (!cursor || cursor.PK !== collection) return error(ctx, 400, "Invalid cursor")
        start = cursor.SK
        filters = cursor.F ?? {}
      } else if (readFilters && !readFilters(ctx, filters)) return
      const all = rows(filters)
      if (!all) return error(ctx, 404, "Not found")
      const page = all.slice(start, start + pageSize)
      const next = start + pageSize
      if (next >= all.length) return sendJson(ctx.res, 200, { data: page })
      const afterKey = encodeCursor(
        Object.keys(filters).length > 0
          ? { PK: collection, SK: next, F: filters }
          : { PK: collection, SK: next },
      )
      const nextPath = `${ctx.path}?cursor=${encodeURIComponent(afterKey)}`
      sendJson(ctx.res, 200, { data: page, pagination: withAfterKey ? { afterKey, nextPath } : { nextPath } })
    }
    const one = (ctx: RequestContext, permissions: readonly string[], item: () => unknown) => {
      if (!guard(ctx, permissions)) return
      const value = item()
      if (value === undefined) error(ctx, 404, "Not found")
      else sendJson(ctx.res, 200, { data: value })
    }
    const param = (ctx: RequestContext, name: string) => ctx.params[name] as string
    const processedAfter = (items: Item[], filters: Record<string, string>) => {
      const after = filters.after_date
      return after === undefined ? items : items.filter((x) => (x.processedAt as string) > after)
    }

    const EMPLOYEES = ["employees-read"]
    const DEMOGRAPHICS = ["employee-demographics-read"]
    const REVIEWS = ["performance-evaluations-read", "manager-reviews-read"]
    const CYCLES = ["performance-evaluations-read", "performance-cycles-read"]
    const SURVEYS = ["surveys-read"]

    router.add("GET", "/v1/employees", "api", (ctx) =>
      list(
        ctx,
        "employees",
        EMPLOYEES,
        (c, f) => {
          const identifier = c.query.get("employee_identifier")
          const email = c.query.get("email")
          if (identifier) f.employee_identifier = identifier
          else if (email) f.email = email.toLowerCase()
          return true
        },
        (f) =>
          f.employee_identifier !== undefined
            ? data().employees.filter((e) => e.employeeIdentifier === f.employee_identifier)
            : f.email !== undefined
              ? data().employees.filter((e) => e.email === f.email)
              : data().employees,
        true,
      ),
    )
    router.add("GET", "/v1/employees/{id}", "api", (ctx) =>
      one(ctx, EMPLOYEES, () => data().employeesById.get(param(ctx, "id"))),
    )
    router.add("GET", "/v1/employees/{id}/demographics", "api", (ctx) => {
      if (!guard(ctx, DEMOGRAPHICS)) return
      const rows = data().demographics.get(param(ctx, "id"))
      if (rows) sendJson(ctx.res, 200, { data: rows })
      else error(ctx, 404, "Not found")
    })
    router.add("GET", "/v1/employees/{id}/manager-reviews", "api", (ctx) => {
      const id = param(ctx, "id")
      list(
        ctx,
        `employees/${id}/manager-reviews`,
        REVIEWS,
        undefined,
        () => (data().employeesById.has(id) ? data().reviews.filter((r) => r.employeeId === id) : undefined),
        true,
      )
    })
    router.add("GET", "/v1/performance-cycles", "api", (ctx) =>
      list(
        ctx,
        "performance-cycles",
        CYCLES,
        (c, f) => {
          const state = c.query.get("state")
          if (state !== null) {
            if (!CYCLE_STATES.includes(state)) {
              error(c, 400, `state must be one of ${CYCLE_STATES.join(", ")}`)
              return false
            }
            f.state = state
          }
          return afterDate(c, f)
        },
        (f) => processedAfter(f.state ? data().cycles.filter((x) => x.state === f.state) : data().cycles, f),
        true,
      ),
    )
    router.add("GET", "/v1/performance-cycles/{id}", "api", (ctx) =>
      one(ctx, CYCLES, () => data().cyclesById.get(param(ctx, "id"))),
    )
    router.add("GET", "/v1/performance-cycles/{id}/manager-reviews", "api", (ctx) => {
      const id = param(ctx, "id")
      list(
        ctx,
        `performance-cycles/${id}/manager-reviews`,
        REVIEWS,
        undefined,
        () =>
          data().cyclesById.has(id) ? data().reviews.filter((r) => r.performanceCycleId === id) : undefined,
        true,
      )
    })
    router.add("GET", "/v1/manager-reviews", "api", (ctx) =>
      list(ctx, "manager-reviews", REVIEWS, afterDate, (f) => processedAfter(data().reviews, f), true),
    )
    router.add("GET", "/v1/manager-reviews/{id}", "api", (ctx) =>
      one(ctx, REVIEWS, () => data().reviewsById.get(param(ctx, "id"))),
    )
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

    return {
      basePath: "/v1",
      correlationHeader: "X-Correlation-Id",
      credentials,
      router,
      urls: (origin) => ({ tokenUrl: `${origin}/v1/oauth2/token` }),
      // Culture Amp throttles with 429/503 (its docs name no figure): 10 calls/s, bursts of 10,
      // 429 with Retry-After by default; `budget: { status: 503, retryAfter: false }` etc. vary it.
      budget: { limit: 10, window: 1, burst: 10, status: 429, retryAfter: true },
      errorBody: (status, message) => ({ code: status, message }),
      identify: (ctx, kind) => {
        if (kind === "api") {
          const token = bearerToken(ctx.req)
          return { connection: token === undefined ? undefined : rt.store.get(token)?.grant.connection }
        }
        const id = clientOf(ctx).id
        return { connection: id === undefined ? undefined : `${id}|${entityId}` }
      },
    }
  })
}
