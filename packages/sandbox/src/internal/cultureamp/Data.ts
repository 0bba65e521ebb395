/**
 * The Culture Amp sandbox's seeded account: 250 employees with their demographics, 12
 * performance cycles, the manager reviews of the two active ones, 6 surveys, and each survey's
 * questions, responses, factors and sections (made on first use, then kept).
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox } from "@keyway/sandbox"
 * await using sb = await startCultureAmpSandbox()
 * const { clientId, clientSecret, scope } = sb.credentials
 * const { access_token } = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
 *   body: new URLSearchParams({ grant_type: "client_credentials", scope }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${access_token}` }
 * const { data } = (await fetch(`${sb.baseUrl}/surveys`, { headers }).then((r) => r.json())) as Record<string, any>
 * data.length // 6
 * ```
 *
 * @since 0.1.0
 */
import { CITIES, DEPARTMENTS, emailFor, isoAt, JOB_TITLES, personName } from "../SampleData.ts"
import { SeededRandom } from "../SeededRandom.ts"

/**
 * One resource as JSON.
 *
 * @example
 * ```ts
 * const item: Item = { id: "1", name: "Ada" }
 * ```
 */
export type Item = Record<string, unknown>

/**
 * The seeded account and its indexes.
 *
 * @example
 * ```ts
 * const employee = seedCultureAmp().employeesById.get(id)
 * ```
 */
export interface Dataset {
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

/**
 * Seeds the account (always the same data).
 *
 * @example
 * ```ts
 * seedCultureAmp().employees.length // 250
 * ```
 */
export function seedCultureAmp(): Dataset {
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

/**
 * A survey's questions, responses, factors and sections, made on first use and kept.
 *
 * @example
 * ```ts
 * surveyParts(data, survey).responses.length // 120
 * ```
 */
export function surveyParts(
  data: Dataset,
  survey: Item,
): { questions: Item[]; responses: Item[]; factors: Item[]; sections: Item[] } {
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
