/**
 * The seeded Workable account: members, recruiters, departments, 130 jobs, 400 candidates,
 * 140 employees, requisitions, offers and calendar events, with Workable-style hex ids that sort
 * in creation order (so `since_id` paging works).
 *
 * @example
 * ```ts
 * const data = seedWorkable("keyway-sandbox")
 * data.jobs.length // 130
 * ```
 *
 * @since 0.1.0
 */
import { CITIES, DEPARTMENTS, emailFor, isoAt, JOB_TITLES, personName } from "./SampleData.ts"
import { SeededRandom } from "./SeededRandom.ts"

/**
 * A Workable record (JSON object).
 *
 * @example
 * ```ts
 * const job: WorkableItem = { id: "1a00000", shortcode: "A1B2C3D4E5" }
 * ```
 */
export type WorkableItem = Record<string, unknown>

/**
 * The seeded account.
 *
 * @example
 * ```ts
 * seedWorkable("acme").candidates[0]?.id
 * ```
 */
export interface WorkableData {
  readonly account: WorkableItem
  readonly members: WorkableItem[]
  readonly recruiters: WorkableItem[]
  readonly departments: WorkableItem[]
  readonly stages: WorkableItem[]
  readonly jobs: WorkableItem[]
  readonly candidates: WorkableItem[]
  readonly employees: WorkableItem[]
  readonly requisitions: WorkableItem[]
  readonly offers: WorkableItem[]
  readonly events: WorkableItem[]
  readonly disqualificationReasons: WorkableItem[]
  readonly customAttributes: WorkableItem[]
  /** Next id per kind, for records created at run time. */
  readonly counters: Record<string, number>
}

/**
 * Stage slugs in pipeline order.
 *
 * @example
 * ```ts
 * WORKABLE_STAGES.includes("interview") // true
 * ```
 */
export const WORKABLE_STAGES: readonly string[] = [
  "sourced",
  "applied",
  "phone-screen",
  "assessment",
  "interview",
  "offer",
  "hired",
]

const BASES: Record<string, number> = {
  member: 0x1000000,
  recruiter: 0x1100000,
  department: 0x1200000,
  job: 0x1300000,
  candidate: 0x2000000,
  employee: 0x3000000,
  requisition: 0x3100000,
  offer: 0x3200000,
  event: 0x3300000,
  comment: 0x3400000,
  subscription: 0x3500000,
}

/**
 * A Workable-style id: 7 hex digits, increasing with `n`.
 *
 * @example
 * ```ts
 * workableId("candidate", 0) // "2000000"
 * ```
 */
export function workableId(kind: string, n: number): string {
  return ((BASES[kind] ?? 0x4000000) + n * 0x1f).toString(16)
}

/**
 * Builds the account.
 *
 * @example
 * ```ts
 * const data = seedWorkable("keyway-sandbox")
 * ```
 */
export function seedWorkable(subdomain: string): WorkableData {
  const rng = new SeededRandom(0x3017ab1e)
  const account = {
    id: "a1b2c3",
    name: "Keyway Sandbox Inc.",
    subdomain,
    description: "A seeded Workable account for tests",
    summary: "We build typed API clients.",
    website_url: "https://keyway.example.com",
  }
  const members: WorkableItem[] = []
  for (let i = 0; i < 30; i++) {
    const { first, last } = personName(rng)
    members.push({
      id: workableId("member", i),
      name: `${first} ${last}`,
      headline: rng.pick(JOB_TITLES),
      email: emailFor(first, last, i, "keyway.example.com"),
      role: i === 0 ? "admin" : i % 4 === 0 ? "reviewer" : "simple",
      active: i % 9 !== 8,
    })
  }
  const recruiters: WorkableItem[] = []
  for (let i = 0; i < 10; i++) {
    const { first, last } = personName(rng)
    recruiters.push({
      id: workableId("recruiter", i),
      name: `${first} ${last}`,
      email: emailFor(first, last, i, "agency.example.com"),
    })
  }
  const departments: WorkableItem[] = DEPARTMENTS.map((name, i) => ({
    id: workableId("department", i),
    name,
    parent_id: i < 3 ? null : workableId("department", i % 3),
  }))
  const stages: WorkableItem[] = WORKABLE_STAGES.map((slug, position) => ({
    slug,
    name: slug.replace(/-/g, " ").replace(/^\w/, (c) => c.toUpperCase()),
    kind: slug === "phone-screen" || slug === "assessment" ? "assessment" : slug,
    position,
  }))
  const jobs: WorkableItem[] = []
  for (let i = 0; i < 130; i++) {
    const title = rng.pick(JOB_TITLES)
    const department = departments[i % departments.length] as WorkableItem
    const city = rng.pick(CITIES)
    const shortcode = rng.hex(10).toUpperCase()
    jobs.push({
      id: workableId("job", i),
      title,
      full_title: `${title} - ${department.name as string}`,
      shortcode,
      code: `JOB-${String(i + 1).padStart(4, "0")}`,
      state: i % 10 < 7 ? "published" : i % 10 === 7 ? "draft" : i % 10 === 8 ? "closed" : "archived",
      sample: false,
      department: department.name,
      department_hierarchy: [{ id: department.id, name: department.name }],
      url: `https://apply.workable.com/${subdomain}/j/${shortcode}/`,
      application_url: `https://apply.workable.com/${subdomain}/j/${shortcode}/apply/`,
      shortlink: `https://apply.workable.com/j/${shortcode}`,
      location: {
        location_str: city,
        country: "Somewhere",
        country_code: "SW",
        region: city,
        region_code: city.slice(0, 2).toUpperCase(),
        city,
        zip_code: String(10000 + i),
        telecommuting: i % 5 === 0,
        workplace_type: i % 5 === 0 ? "remote" : i % 3 === 0 ? "hybrid" : "on_site",
      },
      salary: {
        salary_from: 50000 + (i % 10) * 5000,
        salary_to: 70000 + (i % 10) * 5000,
        salary_currency: "eur",
      },
      created_at: isoAt(i * 2),
      updated_at: isoAt(i * 2 + 1),
    })
  }
  const candidates: WorkableItem[] = []
  for (let i = 0; i < 400; i++) {
    const { first, last } = personName(rng)
    const job = jobs[i % 40] as WorkableItem
    const stage = WORKABLE_STAGES[i % WORKABLE_STAGES.length] as string
    const disqualified = i % 11 === 10
    const id = workableId("candidate", i)
    candidates.push({
      id,
      name: `${first} ${last}`,
      firstname: first,
      lastname: last,
      headline: rng.pick(JOB_TITLES),
      account: { subdomain, name: account.name },
      job: { shortcode: job.shortcode, title: job.title },
      stage,
      disqualified,
      disqualification_reason: disqualified ? "Not a fit" : null,
      hired_at: stage === "hired" ? isoAt(100 + i * 0.5) : null,
      sourced: i % 6 === 0,
      profile_url: `https://${subdomain}.workable.com/backend/jobs/${job.id as string}/candidates/${id}`,
      address: rng.pick(CITIES),
      phone: `+30 210 ${String(1000000 + i * 37).slice(-7)}`,
      email: emailFor(first, last, i, "applicants.example.com"),
      domain: i % 3 === 0 ? "linkedin.com" : "workable.com",
      created_at: isoAt(10 + i * 0.5),
      updated_at: isoAt(11 + i * 0.5),
      tags: i % 4 === 0 ? ["priority"] : [],
      summary: `Experienced ${String(job.title).toLowerCase()}.`,
      cover_letter: "",
      skills: [{ name: "TypeScript" }, { name: "Communication" }],
      education_entries: [
        {
          degree: "BSc",
          school: "University of Somewhere",
          start_date: "2010-09-01",
          end_date: "2014-06-30",
        },
      ],
      experience_entries: [
        { title: String(job.title), company: "Previous Co.", start_date: "2015-01-01", current: false },
      ],
      answers: [],
      social_profiles: [],
      comments: [],
      ratings: [],
      activities: [
        {
          id: `${id}01`,
          action: "applied",
          stage_name: "Applied",
          created_at: isoAt(10 + i * 0.5),
          body: null,
          member: null,
        },
      ],
    })
  }
  const employees: WorkableItem[] = []
  for (let i = 0; i < 140; i++) {
    const { first, last } = personName(rng)
    const department = departments[i % departments.length] as WorkableItem
    employees.push({
      id: workableId("employee", i),
      firstname: first,
      lastname: last,
      name: `${first} ${last}`,
      email: emailFor(first, last, i, "keyway.example.com"),
      personal_email: emailFor(first, last, i, "mail.example.com"),
      phone: `+30 210 ${String(2000000 + i * 53).slice(-7)}`,
      employee_number: String(1000 + i),
      job_title: rng.pick(JOB_TITLES),
      department: department.name,
      department_id: department.id,
      manager_id: i === 0 ? null : workableId("employee", Math.floor((i - 1) / 5)),
      state: i % 13 === 12 ? "terminated" : "active",
      start_date: isoAt(-700 + i * 5).slice(0, 10),
      work_location: rng.pick(CITIES),
      created_at: isoAt(-700 + i * 5),
      updated_at: isoAt(-690 + i * 5),
    })
  }
  const requisitions: WorkableItem[] = []
  for (let i = 0; i < 60; i++) {
    const job = jobs[i] as WorkableItem
    requisitions.push({
      id: workableId("requisition", i),
      code: `REQ-${String(i + 1).padStart(4, "0")}`,
      state: ["approved", "pending", "rejected", "filled"][i % 4],
      job_title: job.title,
      job: i % 4 === 3 ? null : { shortcode: job.shortcode, title: job.title },
      department: job.department,
      hiring_manager: {
        id: (members[i % 30] as WorkableItem).id,
        name: (members[i % 30] as WorkableItem).name,
      },
      reason: i % 2 === 0 ? "New position" : "Replacement",
      plan_date: isoAt(60 + i).slice(0, 10),
      created_at: isoAt(i),
    })
  }
  const offers: WorkableItem[] = []
  for (const c of candidates) {
    if (c.stage !== "offer" && c.stage !== "hired") continue
    const n = offers.length
    const id = workableId("offer", n)
    c.offer_id = id
    offers.push({
      id,
      candidate: { id: c.id, name: c.name },
      job: c.job,
      status: c.stage === "hired" ? "accepted" : ["pending", "approved", "sent"][n % 3],
      created_at: c.updated_at,
      document_variables: [
        { name: "salary", value: String(60000 + (n % 20) * 1000) },
        { name: "start_date", value: isoAt(200 + n).slice(0, 10) },
      ],
      documents: [],
    })
  }
  const events: WorkableItem[] = []
  for (let i = 0; i < 160; i++) {
    const candidate = candidates[(i * 3) % candidates.length] as WorkableItem
    const member = members[i % members.length] as WorkableItem
    const start = isoAt(120 + i * 0.4)
    events.push({
      id: workableId("event", i),
      title: `Interview with ${candidate.name as string}`,
      description: "Video call",
      type: ["interview", "call", "meeting"][i % 3],
      starts_at: start,
      ends_at: new Date(Date.parse(start) + 45 * 60_000).toISOString(),
      cancelled: i % 17 === 16,
      job: candidate.job,
      candidate: { id: candidate.id, name: candidate.name },
      members: [{ id: member.id, name: member.name, status: "accepted" }],
    })
  }
  const disqualificationReasons: WorkableItem[] = [
    "Not a fit",
    "Overqualified",
    "Underqualified",
    "Withdrew",
    "Salary expectations",
    "Position filled",
  ].map((name, i) => ({ id: `dq${i + 1}`, name }))
  const customAttributes: WorkableItem[] = [
    { id: "ca1", type: "boolean", label: "Willing to relocate", enabled: true },
    { id: "ca2", type: "free_text", label: "Referral source", enabled: true },
    {
      id: "ca3",
      type: "multiple_choice",
      label: "Seniority",
      enabled: true,
      choices: ["Junior", "Mid", "Senior"],
    },
  ]
  return {
    account,
    members,
    recruiters,
    departments,
    stages,
    jobs,
    candidates,
    employees,
    requisitions,
    offers,
    events,
    disqualificationReasons,
    customAttributes,
    counters: {
      candidate: candidates.length,
      employee: employees.length,
      requisition: requisitions.length,
      department: departments.length,
      comment: 0,
      subscription: 0,
    },
  }
}
