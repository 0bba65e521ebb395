/**
 * The CCH sandbox's resources: the account (also as `/my-account`), users, groups (with their
 * parents and children), initiatives, roles, authority-document lists, authority documents and
 * tracked controls, each with its relations as `{"_href", "id"}` links or `{"_href"}` sub-resources.
 *
 * @example
 * ```ts
 * import { startCchSandbox } from "@keyway/sandbox"
 * await using sb = await startCchSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiKey}`, accept: "application/vnd.ucf.v1+json" }
 * const account = (await fetch(`${sb.baseUrl}/my-account`, { headers }).then((r) => r.json())) as Record<string, any>
 * const users = (await fetch(account.users._href, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */

import type { Router } from "../Router.ts"
import { isoAt } from "../SampleData.ts"
import type { Handler, RequestContext, Runtime } from "../SandboxServer.ts"
import { AUTHORITIES, type Entity, GROUPS, INITIATIVES, invert, ROLE_NAMES, seedCch } from "./Data.ts"
import { bearerRecord, reply } from "./Reply.ts"

/**
 * Seeds the account around the consenting user and registers its routes.
 *
 * @example
 * ```ts
 * import { startCchSandbox } from "@keyway/sandbox"
 * await using sb = await startCchSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiKey}`, accept: "application/vnd.ucf.v1+json" }
 * const account = (await fetch(`${sb.baseUrl}/my-account`, { headers }).then((r) => r.json())) as Record<string, any>
 * const users = (await fetch(account.users._href, { headers }).then((r) => r.json())) as Record<string, any>
 * ```
 */
export const resourceRoutes = (rt: Runtime, router: Router<Handler>, userId: number): void => {
  const { accountId, users, rel } = seedCch(userId)
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
  const links = (kind: string, ids: readonly number[] | undefined) => (ids ?? []).map((id) => link(kind, id))
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

  const notFound = (ctx: RequestContext) => reply(ctx, 404, { message: "Not found" })
  const get = (pattern: string, from: number, to: number, build: (id: number) => unknown) => {
    router.add("GET", pattern, "api", (ctx) => {
      if (!bearerRecord(ctx)) return
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
    if (bearerRecord(ctx)) reply(ctx, 200, account(accountId))
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
  get("/cch-user/{id}/initiatives", 2001, 2040, (id) => links("cch-initiative", rel.userInitiatives.get(id)))
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
}
