/**
 * The CCW (Coupa Contingent Workforce) sandbox: a Keycloak-style client-credentials token
 * endpoint that wants a JSON body (and the documented `client_credential` grant type), and the
 * candidate search, candidate confirmation and contingent-worker search API with its required
 * headers, scope checks, offset pagination and error envelope.
 *
 * @example
 * ```ts
 * await using sb = await startCcwSandbox()
 * const token = await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ client_id: sb.credentials.clientId, client_secret: sb.credentials.clientSecret, scope: "ccw.candidate", grant_type: "client_credential" }),
 * }).then((r) => r.json())
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { bearerConnection, checkBearer, findClient, refuseBearer, sendOAuthError, slicePage } from "./Api.ts"
import { basicCredentials, bearerToken, isObject, sendJson } from "./Http.ts"
import { signHs256 } from "./Jwt.ts"
import { Router } from "./Router.ts"
import { emailFor, isoAt, JOB_TITLES, personName } from "./SampleData.ts"
import {
  type Handler,
  type ProviderSandbox,
  type RequestContext,
  type SandboxOptions,
  startServer,
} from "./SandboxServer.ts"
import { SeededRandom } from "./SeededRandom.ts"

/**
 * A registered CCW API client.
 *
 * @example
 * ```ts
 * const client: CcwClient = { clientId: "ci", clientSecret: "cs", scopes: ["ccw.candidate"] }
 * ```
 */
export interface CcwClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Scopes the client may ask for (default: both). */
  readonly scopes?: readonly string[]
}

/**
 * CCW sandbox options.
 *
 * @example
 * ```ts
 * const options: CcwOptions = { clientId: "mine", clientSecret: "s3cret", realm: "ccw-eu-stg" }
 * ```
 */
export interface CcwOptions extends SandboxOptions {
  readonly clientId?: string
  readonly clientSecret?: string
  /** More clients besides the default one. */
  readonly clients?: readonly CcwClient[]
  /** The realm `urls.tokenUrl` names (default `ccw-na-stg`). */
  readonly realm?: string
  /** Realms the token endpoint knows (default `ccw-na-stg`, `ccw-na-prd`, `ccw-eu-stg`, `ccw-eu-prd` and `realm`). */
  readonly realms?: readonly string[]
  /** Accepted `grant_type` literals (default `client_credential` and `client_credentials`). */
  readonly grantTypes?: readonly string[]
}

/**
 * What the CCW sandbox accepts.
 *
 * @example
 * ```ts
 * sb.credentials.clientId // "keyway-ccw-client"
 * ```
 */
export interface CcwCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly realm: string
  readonly scopes: readonly string[]
  readonly grantType: string
  readonly clients: readonly CcwClient[]
}

/**
 * A running CCW sandbox.
 *
 * @example
 * ```ts
 * const sb: CcwSandbox = await startCcwSandbox()
 * ```
 */
export type CcwSandbox = ProviderSandbox<"ccw", CcwCredentials>

/** The scopes CCW knows. */
const SCOPES = ["ccw.candidate", "ccw.contingent_workers"] as const
const CANDIDATE_FIELDS = [
  "id",
  "number",
  "first_name",
  "last_name",
  "email",
  "status",
  "ccw_id",
  "external_reference_number",
  "requisition_number",
  "supplier_name",
  "job_title",
]
const WORKER_FIELDS = [
  "id",
  "cw_number",
  "first_name",
  "last_name",
  "email",
  "status",
  "candidate_id",
  "supplier_name",
  "job_title",
  "cost_center",
  "manager_email",
  "start_date",
  "end_date",
]
const CANDIDATE_STATUSES = ["shortlisted", "offered", "confirmed", "rejected", "withdrawn"]
const SUPPLIERS = ["Acme Staffing", "Globex Talent", "Initech Contractors", "Umbrella Workforce"]

type Row = Record<string, string | number | null>

function seedData(): { candidates: Row[]; workers: Row[] } {
  const rng = new SeededRandom(0xcc3)
  const candidates: Row[] = []
  for (let i = 0; i < 120; i++) {
    const { first, last } = personName(rng)
    const id = 10001 + i
    candidates.push({
      id: String(id),
      number: `CAND-${String(id).padStart(6, "0")}`,
      first_name: first,
      last_name: last,
      email: emailFor(first, last, id, "candidates.example.com"),
      status:
        i % 2 === 0 ? "submitted" : (CANDIDATE_STATUSES[(i >> 1) % CANDIDATE_STATUSES.length] as string),
      ccw_id: `CCW-${rng.hex(8).toUpperCase()}`,
      external_reference_number: `EXT-${20000 + i * 7}`,
      requisition_number: `REQ-${3000 + (i % 15)}`,
      supplier_name: rng.pick(SUPPLIERS),
      job_title: rng.pick(JOB_TITLES),
      start_date: isoAt(200 + (i % 60)).slice(0, 10),
      created_at: isoAt(i * 1.5),
      updated_at: isoAt(i * 1.5 + 3),
    })
  }
  const workers: Row[] = []
  for (let i = 0; i < 80; i++) {
    const { first, last } = personName(rng)
    const id = 50001 + i
    workers.push({
      id: String(id),
      cw_number: `CW-${String(i + 1).padStart(6, "0")}`,
      first_name: first,
      last_name: last,
      email: emailFor(first, last, id, "workers.example.com"),
      status: i % 5 < 3 ? "active" : i % 5 === 3 ? "inactive" : "terminated",
      candidate_id: String(10001 + ((i * 3) % 120)),
      supplier_name: rng.pick(SUPPLIERS),
      job_title: rng.pick(JOB_TITLES),
      cost_center: `CC-${100 + (i % 8)}`,
      manager_email: emailFor("manager", String(i % 10), i % 10, "example.com"),
      start_date: isoAt(30 + i * 2).slice(0, 10),
      end_date: isoAt(400 + i * 2).slice(0, 10),
      created_at: isoAt(i * 2),
      updated_at: isoAt(i * 2 + 1),
    })
  }
  return { candidates, workers }
}

/**
 * CCW's error envelope.
 *
 * @example
 * ```ts
 * ccwError("E4000000", "Missing required headers", [["E4000001", "X-Correlation-id header is required"]])
 * ```
 */
export function ccwError(
  code: string,
  summary: string,
  causes: ReadonlyArray<readonly [string, string]>,
): unknown {
  return {
    error_code: code,
    error_summary: summary,
    error_causes: causes.map(([sub, desc]) => ({ error_sub_code: sub, error_sub_code_desc: desc })),
  }
}

/**
 * Starts a CCW sandbox.
 *
 * @example
 * ```ts
 * const sb = await startCcwSandbox({ lifetimes: { access: 60 } })
 * await sb.stop()
 * ```
 */
export function startCcwSandbox(options?: CcwOptions): Promise<CcwSandbox> {
  const clientId = options?.clientId ?? "keyway-ccw-client"
  const clientSecret = options?.clientSecret ?? "keyway-ccw-secret"
  const realm = options?.realm ?? "ccw-na-stg"
  const realms = new Set(options?.realms ?? ["ccw-na-stg", "ccw-na-prd", "ccw-eu-stg", "ccw-eu-prd", realm])
  realms.add(realm)
  const grantTypes = options?.grantTypes ?? ["client_credential", "client_credentials"]
  const clients: CcwClient[] = [{ clientId, clientSecret, scopes: [...SCOPES] }, ...(options?.clients ?? [])]
  const credentials: CcwCredentials = {
    clientId,
    clientSecret,
    realm,
    scopes: [...SCOPES],
    grantType: grantTypes[0] ?? "client_credential",
    clients,
  }
  const jwtSecret = `ccw-sandbox-${clientSecret}`

  return startServer("ccw", options, { access: 3600, refresh: null, session: 60 }, (rt) => {
    const data = seedData()
    const candidatesById = new Map(data.candidates.map((c) => [c.id as string, c]))
    const router = new Router<Handler>()

    const tokenFields = (ctx: RequestContext) => {
      const type = ctx.mediaType
      if (type === "application/x-www-form-urlencoded" || type === "multipart/form-data") return undefined
      return ctx.fields()
    }

    router.add("POST", "/auth/realms/{realm}/protocol/openid-connect/token", "token", (ctx) => {
      const res = ctx.res
      if (!realms.has(ctx.params.realm as string))
        return sendJson(res, 404, { error: "Realm does not exist" })
      const body = tokenFields(ctx)
      if (!body)
        return sendOAuthError(
          ctx,
          400,
          "invalid_request",
          "The request body must be a JSON object (Content-Type: application/json)",
        )
      const grantType = body.grant_type
      if (typeof grantType !== "string" || !grantTypes.includes(grantType))
        return sendOAuthError(
          ctx,
          400,
          "unsupported_grant_type",
          `grant_type must be ${grantTypes.join(" or ")}`,
        )
      const basic = basicCredentials(ctx.req)
      const id = typeof body.client_id === "string" ? body.client_id : basic?.id
      const secret = typeof body.client_secret === "string" ? body.client_secret : basic?.secret
      const client = findClient(clients, id, secret)
      if (!client) return sendOAuthError(ctx, 401, "invalid_client", "Invalid client credentials")
      const requested = typeof body.scope === "string" ? body.scope.split(/\s+/).filter(Boolean) : []
      const allowed = client.scopes ?? SCOPES
      if (requested.length === 0) return sendOAuthError(ctx, 400, "invalid_scope", "scope is required")
      const bad = requested.filter((s) => !allowed.includes(s))
      if (bad.length > 0) return sendOAuthError(ctx, 400, "invalid_scope", `Invalid scopes: ${bad.join(" ")}`)
      const now = rt.clock.now()
      const lifetime = rt.lifetimes.access
      const tokenRealm = ctx.params.realm as string
      const grant = rt.store.grant(`${client.clientId}|${tokenRealm}`, {
        clientId: client.clientId,
        user: tokenRealm,
        scopes: allowed,
        data: { realm: tokenRealm },
      })
      const scope = requested.join(" ")
      const iat = Math.floor(now)
      const token = signHs256(
        {
          exp: iat + Math.round(lifetime),
          iat,
          jti: randomUUID(),
          iss: `${rt.origin}/auth/realms/${tokenRealm}`,
          sub: client.clientId,
          typ: "Bearer",
          azp: client.clientId,
          scope,
        },
        jwtSecret,
      )
      rt.store.issue("access", grant, lifetime, now, { token, scopes: requested })
      sendJson(res, 200, {
        access_token: token,
        expires_in: Math.round(lifetime),
        refresh_expires_in: 0,
        token_type: "Bearer",
        "not-before-policy": 0,
        scope,
      })
    })

    /** Auth, required headers and scope; answers and returns false when the request is refused. */
    const guard = (ctx: RequestContext, scope: string): boolean => {
      const res = ctx.res
      const token = bearerToken(ctx.req)
      const check = checkBearer(ctx, "access")
      if (!check.ok) {
        const [sub, desc] =
          token === undefined
            ? ["E4010001", "Bearer token is missing"]
            : check.reason === "expired"
              ? ["E4010003", "Bearer token has expired"]
              : ["E4010002", "Bearer token is invalid"]
        refuseBearer(ctx, ccwError("E4010000", "Unauthorized", [[sub, desc]]), desc)
        return false
      }
      const causes: Array<[string, string]> = []
      if (ctx.mediaType !== "application/json")
        causes.push(["E4000001", "Content-Type header must be application/json"])
      const correlation = ctx.req.headers["x-correlation-id"]
      if (typeof correlation !== "string" || correlation === "")
        causes.push(["E4000001", "X-Correlation-id header is required"])
      else if (correlation.length > 36)
        causes.push(["E4000001", "X-Correlation-id must be at most 36 characters"])
      if (causes.length > 0) {
        sendJson(res, 400, ccwError("E4000000", "Missing required headers", causes))
        return false
      }
      if (!check.record.scopes.includes(scope)) {
        sendJson(
          res,
          403,
          ccwError("E4030000", "Forbidden", [
            ["E4030001", `The access token does not carry the scope ${scope}`],
          ]),
        )
        return false
      }
      return true
    }

    const invalid = (ctx: RequestContext, sub: string, desc: string) =>
      sendJson(ctx.res, 400, ccwError("E4000000", "Invalid request", [[sub, desc]]))

    const search = (rows: Row[], fields: readonly string[], scope: string): Handler => {
      return (ctx) => {
        if (!guard(ctx, scope)) return
        const body = ctx.fields()
        if (!body) return invalid(ctx, "E4000002", "The request body must be a JSON object")
        const meta = (body.meta ?? {}) as Record<string, unknown>
        if (meta === null || typeof meta !== "object")
          return invalid(ctx, "E4000003", "meta must be an object")
        const limit = meta.limit ?? 50
        const offset = meta.offset ?? 0
        if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 50)
          return invalid(ctx, "E4000003", "meta.limit must be an integer between 1 and 50")
        if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0)
          return invalid(ctx, "E4000003", "meta.offset must be an integer greater than or equal to 0")
        const data = body.data
        const filters: Array<[string, string]> = []
        if (isObject(data)) {
          for (const [key, value] of Object.entries(data)) {
            if (!fields.includes(key) || value === null || value === undefined || value === "") continue
            if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
              return invalid(ctx, "E4000004", `data.${key} must be a string`)
            filters.push([key, String(value).toLowerCase()])
          }
        }
        if (filters.length === 0)
          return invalid(
            ctx,
            "E4000004",
            `data must hold at least one non-empty search field (${fields.slice(0, 6).join(", ")}, …)`,
          )
        const matches = rows.filter((row) =>
          filters.every(([k, v]) => String(row[k] ?? "").toLowerCase() === v),
        )
        sendJson(ctx.res, 200, {
          meta: { limit, offset, total: matches.length },
          data: slicePage(matches, offset, limit).items,
        })
      }
    }

    router.add(
      "POST",
      "/API/candidates/search",
      "api",
      search(data.candidates, CANDIDATE_FIELDS, "ccw.candidate"),
    )
    router.add(
      "POST",
      "/API/contingent_workers",
      "api",
      search(data.workers, WORKER_FIELDS, "ccw.contingent_workers"),
    )
    router.add("PUT", "/API/candidates/{id}/confirm", "api", (ctx) => {
      if (!guard(ctx, "ccw.candidate")) return
      const id = ctx.params.id as string
      const candidate = candidatesById.get(id)
      if (!candidate)
        return sendJson(
          ctx.res,
          404,
          ccwError("E4040000", "Resource not found", [["E4040001", `Candidate ${id} not found`]]),
        )
      const body = ctx.body.length > 0 ? ctx.fields() : {}
      if (!body) return invalid(ctx, "E4000002", "The request body must be a JSON object")
      const startDate = body.start_date
      if (startDate !== undefined) {
        const at =
          typeof startDate === "string" && /^\d{4}-\d{2}-\d{2}$/.test(startDate) ? Date.parse(startDate) : NaN
        if (Number.isNaN(at)) return invalid(ctx, "E4000007", "Invalid start date")
        if (at / 1000 + 86_400 <= rt.clock.now()) return invalid(ctx, "E4000006", "Start date is in the past")
        candidate.start_date = startDate as string
      }
      candidate.status = "confirmed"
      candidate.updated_at = new Date(rt.clock.now() * 1000).toISOString()
      sendJson(ctx.res, 200, { id })
    })

    return {
      basePath: "",
      correlationHeader: "X-Correlation-id",
      credentials,
      router,
      urls: (origin) => ({ tokenUrl: `${origin}/auth/realms/${realm}/protocol/openid-connect/token` }),
      // CCW documents no limit but asks for polite throttling: the sandbox holds callers to
      // Keyway's polite rate for CCW (10 calls/s, bursts of 10; the descriptor's `throttle`),
      // answering 429 without Retry-After above it.
      budget: { limit: 10, window: 1, burst: 10, status: 429, retryAfter: false },
      errorBody: (status, message) => ccwError(`E${status}0000`, message, [[`E${status}0001`, message]]),
      identify: (ctx, kind) => {
        if (kind === "api") return { connection: bearerConnection(rt, ctx) }
        const body = tokenFields(ctx)
        const id = typeof body?.client_id === "string" ? body.client_id : basicCredentials(ctx.req)?.id
        return { connection: id === undefined ? undefined : `${id}|${ctx.params.realm}` }
      },
    }
  })
}
