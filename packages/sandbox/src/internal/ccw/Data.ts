/**
 * The CCW sandbox's seeded data: 120 candidates (10001+) and 80 contingent workers (50001+),
 * with the fields each search may filter on.
 *
 * @example
 * ```ts
 * import { startCcwSandbox } from "@keyway/sandbox"
 * await using sb = await startCcwSandbox()
 * const { clientId, clientSecret } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, scope: "ccw.candidate", grant_type: "client_credential" }),
 * }).then((r) => r.json())) as Record<string, any>
 * const found = (await fetch(`${sb.baseUrl}/API/candidates/search`, {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json", "x-correlation-id": crypto.randomUUID() },
 *   body: JSON.stringify({ data: { status: "submitted" }, meta: { limit: 50, offset: 0 } }),
 * }).then((r) => r.json())) as Record<string, any> // { meta: { total: 60, … }, data: [...] }
 * ```
 *
 * @since 0.1.0
 */
import { emailFor, isoAt, JOB_TITLES, personName } from "../SampleData.ts"
import { SeededRandom } from "../SeededRandom.ts"

/** The scopes CCW knows. */
export const SCOPES = ["ccw.candidate", "ccw.contingent_workers"] as const
/** The fields a candidate search may filter on (and a candidate has). */
export const CANDIDATE_FIELDS = [
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
/** The fields a contingent-worker search may filter on. */
export const WORKER_FIELDS = [
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

/** One candidate or worker. */
export type Row = Record<string, string | number | null>

/**
 * Seeds the candidates and workers (always the same data).
 *
 * @example
 * ```ts
 * seedCcw().candidates.length // 120
 * ```
 */
export function seedCcw(): { candidates: Row[]; workers: Row[] } {
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
