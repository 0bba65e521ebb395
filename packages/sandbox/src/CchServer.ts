/**
 * The CCH (Unified Compliance Common Controls Hub) sandbox: the OAuth 2.0 authorization-code
 * flow with auto-consent for a default user, a JSON (or form) token endpoint with refresh-token
 * rotation and two-week refresh tokens, RFC 7009 revocation, non-expiring API keys, and the
 * account, user, group, initiative, role and authority-document-list resources whose relations
 * come as `{"_href", "id"}` links.
 *
 * @example
 * ```ts
 * await using sb = await startCchSandbox()
 * const redirect = await fetch(`${sb.urls.authorizeUrl}?client_id=${sb.credentials.clientId}&response_type=code&state=s&scope=read&redirect_uri=http://127.0.0.1/cb`, { redirect: "manual" })
 * const code = new URL(redirect.headers.get("location")!).searchParams.get("code")
 * ```
 *
 * @since 0.1.0
 */

import { checkBearer, refuseBearer, sendOAuthError } from "./Api.ts"
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
import { basicCredentials, sendEmpty, sendJson, str } from "./Http.ts"
import { Router } from "./Router.ts"
import { emailFor, isoAt, personName } from "./SampleData.ts"
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
 * A registered CCH application.
 *
 * @example
 * ```ts
 * const app: CchClient = { clientId: "app", clientSecret: "s", redirectUris: ["http://127.0.0.1/cb"] }
 * ```
 */
export type CchClient = OAuthApp

/**
 * CCH sandbox options.
 *
 * @example
 * ```ts
 * const options: CchOptions = { rotateRefreshTokens: false, lifetimes: { access: 60 } }
 * ```
 */
export interface CchOptions extends SandboxOptions, OAuthAppOptions {
  /** The id of the user who consents at `/authorize` (default 2001, the account owner). */
  readonly userId?: number
  /** Non-expiring API keys, for the default user. */
  readonly apiKeys?: readonly string[]
  /** Refresh-token rotation (default on). */
  readonly rotateRefreshTokens?: boolean
}

/**
 * What the CCH sandbox accepts.
 *
 * @example
 * ```ts
 * sb.credentials.apiKey // "cch-api-key-keyway-0001"
 * ```
 */
export interface CchCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly clients: readonly CchClient[]
  readonly scope: string
  readonly userId: number
  readonly accountId: number
  readonly apiKey: string
  readonly apiKeys: readonly string[]
}

/**
 * A running CCH sandbox.
 *
 * @example
 * ```ts
 * const sb: CchSandbox = await startCchSandbox()
 * ```
 */
export type CchSandbox = ProviderSandbox<"cch", CchCredentials>

const VND = "application/vnd.ucf.v1+json"
const ROLE_NAMES = ["Account Owner", "Administrator", "Compliance Manager", "Auditor", "Viewer"]
const INITIATIVES = [
  "SOC 2 Type II",
  "ISO 27001 Certification",
  "GDPR Readiness",
  "HIPAA Program",
  "PCI DSS 4.0",
  "NIST CSF Alignment",
  "Vendor Risk Review",
  "Privacy Impact Assessments",
  "Business Continuity",
  "Access Reviews",
]
const GROUPS = [
  "All Staff",
  "Security",
  "Legal",
  "IT Operations",
  "Privacy Office",
  "Internal Audit",
  "Engineering",
  "Finance",
  "HR",
  "Risk",
  "Vendors",
  "Executives",
]
const AUTHORITIES = [
  "ISO/IEC 27001:2022",
  "NIST SP 800-53 Rev. 5",
  "GDPR",
  "HIPAA Security Rule",
  "PCI DSS v4.0",
  "SOC 2 TSC",
  "CCPA",
  "SOX 404",
  "COBIT 2019",
  "CIS Controls v8",
]

type Entity = Record<string, unknown>

/** Ids: account 1001, users 2001+, groups 3001+, initiatives 4001+, roles 5001+, ad lists 6001+, documents 7001+, controls 8001+. */
function seedData(userId: number) {
  const rng = new SeededRandom(0xcc4)
  const accountId = 1001
  const users: Entity[] = []
  for (let i = 0; i < 40; i++) {
    const { first, last } = personName(rng)
    const id = 2001 + i
    users.push({
      id,
      first_name: first,
      last_name: last,
      email: emailFor(first, last, id, "ucf.example.com"),
    })
  }
  const rel = {
    userGroups: new Map<number, number[]>(),
    userInitiatives: new Map<number, number[]>(),
    userAdLists: new Map<number, number[]>(),
    userRole: new Map<number, number>(),
    groupParent: new Map<number, number>(),
    groupInitiatives: new Map<number, number[]>(),
    groupAdLists: new Map<number, number[]>(),
    adListDocuments: new Map<number, number[]>(),
    adListControls: new Map<number, number[]>(),
    adListInitiatives: new Map<number, number[]>(),
  }
  const some = (base: number, count: number, min: number, max: number) => {
    const n = rng.int(min, max)
    const set = new Set<number>()
    while (set.size < n) set.add(base + rng.int(0, count - 1))
    return [...set].sort((a, b) => a - b)
  }
  for (const u of users) {
    const id = u.id as number
    rel.userGroups.set(id, [3001, ...some(3002, 11, 1, 2)])
    rel.userInitiatives.set(id, some(4001, 10, 1, 3))
    rel.userAdLists.set(id, some(6001, 8, 1, 2))
    rel.userRole.set(id, id === userId ? 5001 : 5002 + ((id * 7) % 4))
  }
  for (let g = 3002; g <= 3012; g++) rel.groupParent.set(g, g <= 3006 ? 3001 : 3002 + ((g * 3) % 5))
  for (let g = 3001; g <= 3012; g++) {
    rel.groupInitiatives.set(g, some(4001, 10, 1, 3))
    rel.groupAdLists.set(g, some(6001, 8, 1, 2))
  }
  for (let a = 6001; a <= 6008; a++) {
    rel.adListDocuments.set(a, some(7001, 10, 2, 5))
    rel.adListControls.set(a, some(8001, 100, 10, 20))
    rel.adListInitiatives.set(a, some(4001, 10, 1, 2))
  }
  return { accountId, users, rel }
}

const invert = (map: Map<number, number[]>): Map<number, number[]> => {
  const out = new Map<number, number[]>()
  for (const [from, tos] of map)
    for (const to of tos) {
      const list = out.get(to)
      if (list) list.push(from)
      else out.set(to, [from])
    }
  return out
}

/**
 * Starts a CCH sandbox.
 *
 * @example
 * ```ts
 * const sb = await startCchSandbox({ rotateRefreshTokens: true })
 * await sb.stop()
 * ```
 */
export function startCchSandbox(options?: CchOptions): Promise<CchSandbox> {
  const { clientId, clientSecret, clients } = registeredClients(options, {
    clientId: "keyway-cch-client",
    clientSecret: "keyway-cch-secret",
  })
  const userId = options?.userId ?? 2001
  if (userId < 2001 || userId > 2040) throw new RangeError("CCH userId must be within 2001..2040")
  const apiKeys = options?.apiKeys ?? ["cch-api-key-keyway-0001"]
  const rotate = options?.rotateRefreshTokens ?? true
  const credentials: CchCredentials = {
    clientId,
    clientSecret,
    clients,
    scope: "read",
    userId,
    accountId: 1001,
    apiKey: apiKeys[0] ?? "",
    apiKeys,
  }

  return startServer("cch", options, { access: 3600, refresh: 1_209_600, session: 60 }, (rt) => {
    const { accountId, users, rel } = seedData(userId)
    const usersById = new Map(users.map((u) => [u.id as number, u]))
    const groupUsers = invert(rel.userGroups)
    const initiativeUsers = invert(rel.userInitiatives)
    const adListUsers = invert(rel.userAdLists)
    const adListGroups = invert(rel.groupAdLists)
    const initiativeGroups = invert(rel.groupInitiatives)
    const initiativeAdLists = invert(rel.adListInitiatives)
    const groupChildren = new Map<number, number[]>()
    for (const [child, parent] of rel.groupParent) {
      const list = groupChildren.get(parent)
      if (list) list.push(child)
      else groupChildren.set(parent, [child])
    }
    const link = (kind: string, id: number) => ({ _href: `${rt.origin}/${kind}/${id}`, id })
    const links = (kind: string, ids: readonly number[] | undefined) =>
      (ids ?? []).map((id) => link(kind, id))
    const sub = (kind: string, id: number, name: string) => ({ _href: `${rt.origin}/${kind}/${id}/${name}` })

    const user = (id: number): Entity | undefined => {
      const u = usersById.get(id)
      if (!u) return undefined
      return {
        ...u,
        _href: `${rt.origin}/cch-user/${id}`,
        account: link("cch-account", accountId),
        role: link("cch-role", rel.userRole.get(id) as number),
        groups: sub("cch-user", id, "groups"),
        initiatives: sub("cch-user", id, "initiatives"),
        ad_lists: sub("cch-user", id, "ad-lists"),
        created: isoAt(id - 2001),
      }
    }
    const inRange = (id: number, from: number, to: number) => Number.isInteger(id) && id >= from && id <= to

    const accessFor = (ctx: RequestContext): string => {
      const accept = ctx.req.headers.accept
      return accept?.includes(VND) ? VND : "application/json; charset=utf-8"
    }
    const reply = (ctx: RequestContext, status: number, body: unknown, headers?: Record<string, string>) =>
      sendJson(ctx.res, status, body, headers, accessFor(ctx))
    const oauthError = (ctx: RequestContext, status: number, error: string, description: string) =>
      sendOAuthError(ctx, status, error, description, accessFor(ctx))

    const router = new Router<Handler>()

    router.add(
      "GET",
      "/authorize",
      "authorize",
      authorizeHandler(rt, {
        clients,
        user: String(userId),
        error: oauthError,
        redirectUriError: "invalid_request",
        requireRedirectUri: true,
        scopes: (q) => {
          const scopes = (q.get("scope") ?? "read").split(/[\s+]+/).filter(Boolean)
          return scopes.length === 0 || scopes.some((s) => s !== "read")
            ? { error: "invalid_scope", error_description: "the only scope is read" }
            : { scopes: ["read"] }
        },
      }),
    )

    const issuePair = (ctx: RequestContext, record: TokenRecord, refreshExpiresAt: number | null) => {
      const now = rt.clock.now()
      const lifetime = rt.lifetimes.access
      const access = rt.store.issue("access", record.grant, lifetime, now)
      const refresh = rt.store.issue("refresh", record.grant, null, now, { expiresAt: refreshExpiresAt })
      reply(ctx, 200, {
        access_token: access.token,
        token_type: "Bearer",
        expires_in: Math.round(lifetime),
        refresh_token: refresh.token,
        scope: record.grant.scopes.join(" "),
      })
    }

    router.add("POST", "/token", "token", (ctx) => {
      const body = ctx.fields()
      if (!body) return oauthError(ctx, 400, "invalid_request", "The body must be JSON or a form")
      const client = authenticateClient(clients, ctx, body)
      if (!client) return oauthError(ctx, 401, "invalid_client", "Client authentication failed")
      const now = rt.clock.now()
      const grantType = str(body, "grant_type")
      if (grantType === "authorization_code") {
        const redeemed = redeemCode(rt, body, client, now)
        if (!redeemed.ok)
          return oauthError(
            ctx,
            400,
            "invalid_grant",
            redeemed.reason === "other-client"
              ? "The authorization code was issued to another client"
              : redeemed.reason === "redirect-mismatch"
                ? "redirect_uri does not match the authorization request"
                : "The authorization code is invalid, used or expired",
          )
        const lifetime = rt.lifetimes.refresh
        return issuePair(ctx, redeemed.record, lifetime === null ? null : now + lifetime)
      }
      if (grantType === "refresh_token") {
        const checked = checkRefresh(rt, body, client, now)
        if (!checked.ok)
          return oauthError(
            ctx,
            400,
            "invalid_grant",
            checked.reason === "expired"
              ? "The refresh token has expired"
              : checked.reason === "other-client"
                ? "The refresh token was issued to another client"
                : "The refresh token is invalid",
          )
        const record = checked.record
        if (!rotate) {
          const lifetime = rt.lifetimes.access
          const access = rt.store.issue("access", record.grant, lifetime, now)
          return reply(ctx, 200, {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: Math.round(lifetime),
            refresh_token: record.token,
            scope: record.grant.scopes.join(" "),
          })
        }
        record.revoked = true
        return issuePair(ctx, record, record.expiresAt)
      }
      return oauthError(
        ctx,
        400,
        "unsupported_grant_type",
        "grant_type must be authorization_code or refresh_token",
      )
    })

    router.add("POST", "/revoke", "revoke", (ctx) => {
      const body = ctx.fields()
      const token = str(body, "token")
      if (!token) return oauthError(ctx, 400, "invalid_request", "token is required")
      // Client authentication is optional here, but checked when a client id is given.
      const id = str(body, "client_id") ?? basicCredentials(ctx.req)?.id
      if (id !== undefined && !authenticateClient(clients, ctx, body))
        return oauthError(ctx, 401, "invalid_client", "Client authentication failed")
      const record = rt.store.get(token)
      if (record?.type === "refresh") record.grant.revoked = true
      else if (record?.type === "access") record.revoked = true
      sendEmpty(ctx.res, 200)
    })

    issueStatic(rt, "api-key", String(userId), ["read"], apiKeys)

    const auth = (ctx: RequestContext): TokenRecord | undefined => {
      const check = checkBearer(ctx, "access", "static")
      if (check.ok) return check.record
      const message =
        check.reason === "expired"
          ? "The access token provided has expired"
          : "The access token provided is invalid"
      refuseBearer(ctx, { message }, message, { contentType: accessFor(ctx) })
      return undefined
    }
    const notFound = (ctx: RequestContext) => reply(ctx, 404, { message: "Not found" })
    const get = (pattern: string, from: number, to: number, build: (id: number) => unknown) => {
      router.add("GET", pattern, "api", (ctx) => {
        if (!auth(ctx)) return
        const id = Number(ctx.params.id)
        if (!inRange(id, from, to)) return notFound(ctx)
        const body = build(id)
        if (body === undefined) return notFound(ctx)
        reply(ctx, 200, body)
      })
    }

    const account = (id: number) => ({
      id,
      _href: `${rt.origin}/cch-account/${id}`,
      name: "Keyway Compliance Co.",
      created: isoAt(0),
      owner: link("cch-user", userId),
      users: sub("cch-account", id, "users"),
      groups: sub("cch-account", id, "groups"),
      initiatives: sub("cch-account", id, "initiatives"),
      roles: sub("cch-account", id, "roles"),
    })

    // The account of the token's user (every sandbox user belongs to the one account), as the
    // spec's `getMyAccount` declares.
    router.add("GET", "/my-account", "api", (ctx) => {
      if (auth(ctx)) reply(ctx, 200, account(accountId))
    })

    const accountUsers = users.map((u) => u.id as number)
    get("/cch-account/{id}", accountId, accountId, account)
    get("/cch-account/{id}/users", accountId, accountId, () => links("cch-user", accountUsers))
    get("/cch-account/{id}/groups", accountId, accountId, () =>
      links(
        "cch-group",
        Array.from({ length: 12 }, (_, i) => 3001 + i),
      ),
    )
    get("/cch-account/{id}/initiatives", accountId, accountId, () =>
      links(
        "cch-initiative",
        Array.from({ length: 10 }, (_, i) => 4001 + i),
      ),
    )
    get("/cch-account/{id}/roles", accountId, accountId, () =>
      links(
        "cch-role",
        Array.from({ length: 5 }, (_, i) => 5001 + i),
      ),
    )

    get("/cch-user/{id}", 2001, 2040, user)
    get("/cch-user/{id}/groups", 2001, 2040, (id) => links("cch-group", rel.userGroups.get(id)))
    get("/cch-user/{id}/initiatives", 2001, 2040, (id) =>
      links("cch-initiative", rel.userInitiatives.get(id)),
    )
    get("/cch-user/{id}/ad-lists", 2001, 2040, (id) => links("cch-ad-list", rel.userAdLists.get(id)))

    get("/cch-group/{id}", 3001, 3012, (id) => ({
      id,
      _href: `${rt.origin}/cch-group/${id}`,
      name: GROUPS[id - 3001],
      account: link("cch-account", accountId),
      users: sub("cch-group", id, "users"),
      parents: sub("cch-group", id, "parents"),
      children: sub("cch-group", id, "children"),
      initiatives: sub("cch-group", id, "initiatives"),
      ad_lists: sub("cch-group", id, "ad-lists"),
    }))
    get("/cch-group/{id}/users", 3001, 3012, (id) => links("cch-user", groupUsers.get(id)))
    get("/cch-group/{id}/parents", 3001, 3012, (id) => {
      const parents: number[] = []
      for (let p = rel.groupParent.get(id); p !== undefined; p = rel.groupParent.get(p)) parents.push(p)
      return links("cch-group", parents)
    })
    get("/cch-group/{id}/children", 3001, 3012, (id) => links("cch-group", groupChildren.get(id)))
    get("/cch-group/{id}/initiatives", 3001, 3012, (id) =>
      links("cch-initiative", rel.groupInitiatives.get(id)),
    )
    get("/cch-group/{id}/ad-lists", 3001, 3012, (id) => links("cch-ad-list", rel.groupAdLists.get(id)))

    get("/cch-initiative/{id}", 4001, 4010, (id) => ({
      id,
      _href: `${rt.origin}/cch-initiative/${id}`,
      name: INITIATIVES[id - 4001],
      status: id % 3 === 0 ? "complete" : "in_progress",
      account: link("cch-account", accountId),
      owner: link("cch-user", 2001 + ((id * 5) % 40)),
      users: links("cch-user", initiativeUsers.get(id)),
      groups: links("cch-group", initiativeGroups.get(id)),
      ad_lists: links("cch-ad-list", initiativeAdLists.get(id)),
      created: isoAt(id - 4000),
    }))
    get("/cch-role/{id}", 5001, 5005, (id) => ({
      id,
      _href: `${rt.origin}/cch-role/${id}`,
      name: ROLE_NAMES[id - 5001],
      account: link("cch-account", accountId),
      permissions:
        id === 5001 ? ["read", "write", "admin", "billing"] : id <= 5003 ? ["read", "write"] : ["read"],
    }))
    get("/cch-ad-list/{id}", 6001, 6008, (id) => ({
      id,
      _href: `${rt.origin}/cch-ad-list/${id}`,
      name: `Authority Document List ${id - 6000}`,
      account: link("cch-account", accountId),
      authority_documents: sub("cch-ad-list", id, "authority-documents"),
      tracked_controls: sub("cch-ad-list", id, "tracked-controls"),
      users: sub("cch-ad-list", id, "users"),
      groups: sub("cch-ad-list", id, "groups"),
      initiatives: sub("cch-ad-list", id, "initiatives"),
    }))
    get("/cch-ad-list/{id}/authority-documents", 6001, 6008, (id) =>
      links("authority-document", rel.adListDocuments.get(id)),
    )
    get("/cch-ad-list/{id}/tracked-controls", 6001, 6008, (id) =>
      links("tracked-control", rel.adListControls.get(id)),
    )
    get("/cch-ad-list/{id}/users", 6001, 6008, (id) => links("cch-user", adListUsers.get(id)))
    get("/cch-ad-list/{id}/groups", 6001, 6008, (id) => links("cch-group", adListGroups.get(id)))
    get("/cch-ad-list/{id}/initiatives", 6001, 6008, (id) =>
      links("cch-initiative", rel.adListInitiatives.get(id)),
    )
    get("/authority-document/{id}", 7001, 7010, (id) => ({
      id,
      _href: `${rt.origin}/authority-document/${id}`,
      name: AUTHORITIES[id - 7001],
      common_name: AUTHORITIES[id - 7001],
    }))
    get("/tracked-control/{id}", 8001, 8100, (id) => ({
      id,
      _href: `${rt.origin}/tracked-control/${id}`,
      name: `Control CC-${String(id - 8000).padStart(4, "0")}`,
      status: id % 4 === 0 ? "not_implemented" : "implemented",
    }))

    return {
      basePath: "",
      correlationHeader: "X-Correlation-Id",
      credentials,
      router,
      urls: (origin) => ({
        authorizeUrl: `${origin}/authorize`,
        tokenUrl: `${origin}/token`,
        revokeUrl: `${origin}/revoke`,
      }),
      errorBody: (_status, message) => ({ message }),
      identify: identifyConnection(rt, String(userId)),
    }
  })
}
