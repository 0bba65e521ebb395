/**
 * The CCA (contact-center Web API) sandbox: `POST /CcaAPI/session` logins that give short-lived
 * session tokens (60 s by default), `DELETE /CcaAPI/session` logouts, the same login as an OAuth
 * 2.0 password grant (`POST /CcaAPI/oauth/token`: form body, public client `cca-integrations`,
 * the module as `scope`; a wrong password is `400 invalid_grant`), permanent `A-…` tokens
 * with optional expiration dates, and a representative set of resources (agents, queues and
 * their statistics, campaigns, contacts, interactions).
 *
 * @example
 * ```ts
 * await using sb = await startCcaSandbox()
 * const { token } = await fetch(sb.urls.sessionUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ username: sb.credentials.username, password: sb.credentials.password, module: sb.credentials.module }),
 * }).then((r) => r.json())
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { bearerConnection, checkBearer, refuseBearer } from "./Api.ts"
import { sendEmpty, sendJson, str } from "./Http.ts"
import { Router } from "./Router.ts"
import { emailFor, personName } from "./SampleData.ts"
import {
  type Handler,
  type ProviderSandbox,
  type RequestContext,
  type SandboxOptions,
  startServer,
} from "./SandboxServer.ts"
import { SeededRandom } from "./SeededRandom.ts"
import type { TokenRecord } from "./TokenStore.ts"

/**
 * A CCA user who can log in.
 *
 * @example
 * ```ts
 * const user: CcaUser = { username: "agent", password: "pw", modules: ["Integration"] }
 * ```
 */
export interface CcaUser {
  readonly username: string
  readonly password: string
  /** Modules the user may log in to (default: the sandbox's module). */
  readonly modules?: readonly string[]
}

/**
 * A permanent token: made for a user and a module, with an optional expiration date (ISO string
 * or epoch seconds, compared with the sandbox clock).
 *
 * @example
 * ```ts
 * const t: CcaPermanentToken = { token: "A-…", username: "agent", module: "Integration", expiresAt: "2030-01-01T00:00:00Z" }
 * ```
 */
export interface CcaPermanentToken {
  readonly token: string
  readonly username: string
  readonly module: string
  readonly expiresAt?: string | number | null
}

/**
 * CCA sandbox options.
 *
 * @example
 * ```ts
 * const options: CcaOptions = { lifetimes: { session: 5 }, username: "me", password: "pw" }
 * ```
 */
export interface CcaOptions extends SandboxOptions {
  readonly username?: string
  readonly password?: string
  readonly module?: string
  /** More users besides the default one. */
  readonly users?: readonly CcaUser[]
  /** Permanent tokens; default: a non-expiring one and one that expired on 2024-01-01. */
  readonly permanentTokens?: readonly CcaPermanentToken[]
}

/**
 * What the CCA sandbox accepts.
 *
 * @example
 * ```ts
 * sb.credentials.permanentToken // "A-b189a7c5-804d-403f-ac4a-a940dfsfdfs"
 * ```
 */
export interface CcaCredentials {
  readonly username: string
  readonly password: string
  readonly module: string
  /** The public OAuth client of the password grant endpoint (`POST /CcaAPI/oauth/token`). */
  readonly oauthClientId: string
  /** A permanent token that never expires (unless `permanentTokens` was given without one). */
  readonly permanentToken: string
  /** A permanent token whose expiration date has passed. */
  readonly expiredPermanentToken: string
  readonly users: readonly CcaUser[]
  readonly permanentTokens: readonly CcaPermanentToken[]
}

/**
 * A running CCA sandbox.
 *
 * @example
 * ```ts
 * const sb: CcaSandbox = await startCcaSandbox()
 * ```
 */
export type CcaSandbox = ProviderSandbox<"cca", CcaCredentials>

const AGENT_STATES = ["Available", "Busy", "Away", "WrapUp", "Offline"]
const QUEUE_NAMES = ["Sales", "Support", "Billing", "Retention", "Technical", "VIP"]
const LANGS = ["EN", "FR"]
const INTERACTION_TYPES = ["call", "call", "call", "chat", "email"]
const INTERACTIONS_START = Date.UTC(2024, 5, 1) / 1000

type Row = Record<string, string | number | boolean>

function seedData() {
  const rng = new SeededRandom(0xcca)
  const agents: Row[] = []
  for (let i = 0; i < 40; i++) {
    const { first, last } = personName(rng)
    agents.push({
      id: 1001 + i,
      name: `${first} ${last}`,
      login: `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, ""),
      state: rng.pick(AGENT_STATES),
      extension: String(4000 + i),
    })
  }
  const queues: Row[] = []
  const stats: Row[] = []
  for (let i = 0; i < 12; i++) {
    const waiting = rng.int(0, 25)
    queues.push({ id: 201 + i, name: `${QUEUE_NAMES[i % 6]} ${LANGS[Math.floor(i / 6)]}`, waiting })
    const handled = rng.int(100, 2000)
    stats.push({
      queueId: 201 + i,
      waiting,
      handled,
      abandoned: Math.floor(handled * rng.next() * 0.08),
      averageWaitSeconds: rng.int(5, 240),
    })
  }
  const campaigns: Row[] = []
  for (let i = 0; i < 10; i++)
    campaigns.push({
      id: 301 + i,
      name: `Campaign ${String.fromCharCode(65 + i)} ${2024 + (i % 2)}`,
      active: i % 3 !== 2,
    })
  const contacts = new Map<string, Row>()
  for (let i = 0; i < 50; i++) {
    const { first, last } = personName(rng)
    const id = 5001 + i
    contacts.set(String(id), {
      id,
      firstName: first,
      lastName: last,
      phone: `+1555${String(1000000 + i * 7919).slice(-7)}`,
      email: emailFor(first, last, id, "contacts.example.com"),
    })
  }
  const interactions: Row[] = []
  for (let i = 0; i < 600; i++) {
    interactions.push({
      id: 900001 + i,
      type: rng.pick(INTERACTION_TYPES),
      agentId: 1001 + rng.int(0, 39),
      queueId: 201 + rng.int(0, 11),
      startedAt: new Date((INTERACTIONS_START + i * 1200 + rng.int(0, 600)) * 1000).toISOString(),
      durationSeconds: rng.int(20, 1800),
    })
  }
  return { agents, queues, stats, campaigns, contacts, interactions }
}

const parseExpiry = (value: string | number | null | undefined): number | null => {
  if (value === null || value === undefined) return null
  if (typeof value === "number") return value
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new TypeError(`invalid permanent token expiresAt: ${value}`)
  return ms / 1000
}

/**
 * Starts a CCA sandbox.
 *
 * @example
 * ```ts
 * const sb = await startCcaSandbox({ lifetimes: { session: 60 } })
 * await sb.stop()
 * ```
 */
export function startCcaSandbox(options?: CcaOptions): Promise<CcaSandbox> {
  const username = options?.username ?? "keyway.agent"
  const password = options?.password ?? "keyway-cca-password"
  const module = options?.module ?? "KeywayIntegration"
  const users: CcaUser[] = [{ username, password, modules: [module] }, ...(options?.users ?? [])]
  const permanentTokens: CcaPermanentToken[] = options?.permanentTokens
    ? [...options.permanentTokens]
    : [
        { token: "A-b189a7c5-804d-403f-ac4a-a940dfsfdfs", username, module, expiresAt: null },
        {
          token: "A-5f0c2e7d-1a3b-4c8d-9e6f-expired00001",
          username,
          module,
          expiresAt: "2024-01-01T00:00:00Z",
        },
      ]
  const now = Date.now() / 1000
  const live = permanentTokens.find((t) => {
    const at = parseExpiry(t.expiresAt)
    return at === null || at > now
  })
  const dead = permanentTokens.find((t) => {
    const at = parseExpiry(t.expiresAt)
    return at !== null && at <= now
  })
  const credentials: CcaCredentials = {
    username,
    password,
    module,
    oauthClientId: "cca-integrations",
    permanentToken: live?.token ?? "",
    expiredPermanentToken: dead?.token ?? "",
    users,
    permanentTokens,
  }

  return startServer("cca", options, { access: 3600, refresh: null, session: 60 }, (rt) => {
    const data = seedData()
    const byId = (rows: Row[]) => new Map(rows.map((r) => [String(r.id), r]))
    const agents = byId(data.agents)
    const queues = byId(data.queues)
    const stats = new Map(data.stats.map((s) => [String(s.queueId), s]))
    let nextContact = 5051
    const router = new Router<Handler>()
    const grantFor = (user: string, mod: string) =>
      rt.store.grant(`${mod}|${user}`, { clientId: mod, user, scopes: [mod], data: { module: mod } })
    for (const t of permanentTokens)
      rt.store.issue("static", grantFor(t.username, t.module), null, rt.clock.now(), {
        token: t.token,
        expiresAt: parseExpiry(t.expiresAt),
      })

    const message = (ctx: RequestContext, status: number, text: string) =>
      sendJson(ctx.res, status, { message: text })

    router.add("POST", "/CcaAPI/session", "login", (ctx) => {
      const body = ctx.fields()
      const user = str(body, "username")
      const pass = str(body, "password")
      const mod = str(body, "module")
      if (!user || pass === undefined || !mod)
        return message(ctx, 400, "username, password and module are required")
      const known = users.find((u) => u.username === user)
      if (!known || known.password !== pass) return message(ctx, 401, "Invalid username or password")
      if (!(known.modules ?? [module]).includes(mod))
        return message(ctx, 401, `Module ${mod} is not allowed for this user`)
      const lifetime = rt.lifetimes.session
      const record = rt.store.issue("session", grantFor(user, mod), lifetime, rt.clock.now(), {
        token: `S-${randomUUID()}`,
      })
      sendJson(ctx.res, 200, { token: record.token, expiresIn: Math.round(lifetime) })
    })

    // The OAuth 2.0 password grant (RFC 6749 §4.3), as contact-center platforms offer it beside
    // their own login: a form body, a public client, and the CCA module as the `scope`.
    router.add("POST", "/CcaAPI/oauth/token", "login", (ctx) => {
      const body = ctx.fields() ?? {}
      const oauthError = (status: number, error: string) => sendJson(ctx.res, status, { error })
      if (str(body, "client_id") !== credentials.oauthClientId) return oauthError(401, "invalid_client")
      if (str(body, "grant_type") !== "password") return oauthError(400, "unsupported_grant_type")
      const user = str(body, "username")
      const pass = str(body, "password")
      const mod = str(body, "scope") ?? module
      if (!user || pass === undefined) return oauthError(400, "invalid_request")
      const known = users.find((u) => u.username === user)
      if (!known || known.password !== pass) return oauthError(400, "invalid_grant")
      if (!(known.modules ?? [module]).includes(mod)) return oauthError(400, "invalid_scope")
      const lifetime = rt.lifetimes.session
      const record = rt.store.issue("session", grantFor(user, mod), lifetime, rt.clock.now(), {
        token: `S-${randomUUID()}`,
      })
      sendJson(ctx.res, 200, {
        access_token: record.token,
        token_type: "Bearer",
        expires_in: Math.round(lifetime),
        scope: mod,
      })
    })

    /** The bearer's record, or undefined after answering 401. */
    const auth = (ctx: RequestContext): TokenRecord | undefined => {
      const check = checkBearer(ctx, "session", "static")
      if (check.ok) return check.record
      const text =
        check.reason === "expired" ? "Token expired" : "Authorization has been denied for this request."
      refuseBearer(ctx, { message: text }, text)
      return undefined
    }

    router.add("DELETE", "/CcaAPI/session", "logout", (ctx) => {
      const record = auth(ctx)
      if (!record) return
      if (record.type !== "session") return message(ctx, 400, "Only session tokens can be logged out")
      record.revoked = true
      sendEmpty(ctx.res, 204)
    })

    const list =
      (rows: () => unknown[]): Handler =>
      (ctx) => {
        if (auth(ctx)) sendJson(ctx.res, 200, rows())
      }
    const one =
      (rows: Map<string, Row>, param: string): Handler =>
      (ctx) => {
        if (!auth(ctx)) return
        const row = rows.get(ctx.params[param] as string)
        if (row) sendJson(ctx.res, 200, row)
        else message(ctx, 404, "Not found")
      }

    router.add(
      "GET",
      "/CcaAPI/agents",
      "api",
      list(() => data.agents),
    )
    router.add("GET", "/CcaAPI/agents/{agentId}", "api", one(agents, "agentId"))
    router.add(
      "GET",
      "/CcaAPI/queues",
      "api",
      list(() => data.queues),
    )
    router.add("GET", "/CcaAPI/queues/{queueId}", "api", one(queues, "queueId"))
    router.add("GET", "/CcaAPI/queues/{queueId}/statistics", "api", one(stats, "queueId"))
    router.add(
      "GET",
      "/CcaAPI/campaigns",
      "api",
      list(() => data.campaigns),
    )
    router.add("GET", "/CcaAPI/contacts/{contactId}", "api", one(data.contacts, "contactId"))
    router.add("POST", "/CcaAPI/contacts", "api", (ctx) => {
      if (!auth(ctx)) return
      const body = ctx.fields()
      if (!body) return message(ctx, 400, "The request body must be a JSON object")
      const firstName = str(body, "firstName")
      const lastName = str(body, "lastName")
      const phone = str(body, "phone")
      const email = str(body, "email")
      if (!firstName || !lastName) return message(ctx, 400, "firstName and lastName are required")
      if (!phone && !email) return message(ctx, 400, "phone or email is required")
      if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(email))
        return message(ctx, 400, "email is not valid")
      const id = nextContact++
      const contact: Row = { id, firstName, lastName, phone: phone ?? "", email: email ?? "" }
      data.contacts.set(String(id), contact)
      sendJson(ctx.res, 201, contact, { location: `${rt.origin}/CcaAPI/contacts/${id}` })
    })
    router.add("GET", "/CcaAPI/interactions", "api", (ctx) => {
      if (!auth(ctx)) return
      const q = ctx.query
      const bound = (name: string): number | undefined | null => {
        const v = q.get(name)
        if (v === null || v === "") return undefined
        const ms = Date.parse(v)
        return Number.isNaN(ms) ? null : ms
      }
      const from = bound("from")
      const to = bound("to")
      if (from === null) return message(ctx, 400, "from must be an ISO 8601 date-time")
      if (to === null) return message(ctx, 400, "to must be an ISO 8601 date-time")
      const limitText = q.get("limit")
      const limit = limitText === null || limitText === "" ? 100 : Number(limitText)
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        return message(ctx, 400, "limit must be an integer between 1 and 1000")
      const out: Row[] = []
      for (const row of data.interactions) {
        const at = Date.parse(row.startedAt as string)
        if (from !== undefined && at < from) continue
        if (to !== undefined && at >= to) break
        out.push(row)
        if (out.length >= limit) break
      }
      sendJson(ctx.res, 200, out)
    })

    return {
      basePath: "/CcaAPI",
      correlationHeader: "X-Correlation-Id",
      credentials,
      router,
      urls: (origin) => ({
        sessionUrl: `${origin}/CcaAPI/session`,
        tokenUrl: `${origin}/CcaAPI/oauth/token`,
      }),
      errorBody: (_status, text) => ({ message: text }),
      identify: (ctx, kind) => {
        if (kind === "login") {
          const body = ctx.fields()
          const user = str(body, "username")
          const mod = str(body, "module") ?? str(body, "scope")
          return { connection: user && mod ? `${mod}|${user}` : undefined }
        }
        return { connection: bearerConnection(rt, ctx) }
      },
    }
  })
}
