/**
 * The CCH sandbox's seeded account: one account (1001), 40 users (2001+), 12 groups (3001+, a
 * hierarchy), 10 initiatives (4001+), 5 roles (5001+), 8 authority-document lists (6001+), 10
 * authority documents (7001+) and 100 tracked controls (8001+), and the relations between them.
 *
 * @example
 * ```ts
 * import { startCchSandbox } from "@keyway/sandbox"
 * await using sb = await startCchSandbox()
 * const headers = { authorization: `Bearer ${sb.credentials.apiKey}` }
 * const groups = (await fetch(`${sb.baseUrl}/cch-user/2001/groups`, { headers }).then((r) => r.json())) as Record<string, any> // [{ _href, id: 3001 }, …]
 * ```
 *
 * @since 0.1.0
 */
import { emailFor, personName } from "../SampleData.ts"
import { SeededRandom } from "../SeededRandom.ts"

/** Names by id offset. */
export const ROLE_NAMES = ["Account Owner", "Administrator", "Compliance Manager", "Auditor", "Viewer"]
export const INITIATIVES = [
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
export const GROUPS = [
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
export const AUTHORITIES = [
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

/** One resource as JSON. */
export type Entity = Record<string, unknown>

/**
 * Seeds the account around the consenting user (always the same data).
 *
 * @example
 * ```ts
 * seedCch(2001).users.length // 40
 * ```
 */
export function seedCch(userId: number) {
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

/**
 * A relation the other way round: from each target to the sources that name it.
 *
 * @example
 * ```ts
 * invert(new Map([[1, [10, 20]]])).get(10) // [1]
 * ```
 */
export const invert = (map: Map<number, number[]>): Map<number, number[]> => {
  const out = new Map<number, number[]>()
  for (const [from, tos] of map)
    for (const to of tos) {
      const list = out.get(to)
      if (list) list.push(from)
      else out.set(to, [from])
    }
  return out
}
