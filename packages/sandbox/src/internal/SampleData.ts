/**
 * Word lists the seeded data sets draw from: names, places, departments and job titles.
 *
 * @example
 * ```ts
 * import { FIRST_NAMES, personName } from "./SampleData.ts"
 * personName(new SeededRandom(1)) // { first: "…", last: "…" }
 * ```
 *
 * @since 0.1.0
 */
import type { SeededRandom } from "./SeededRandom.ts"

/**
 * Given names.
 *
 * @example
 * ```ts
 * FIRST_NAMES[0] // "Ada"
 * ```
 */
export const FIRST_NAMES: readonly string[] = [
  "Ada",
  "Alan",
  "Grace",
  "Linus",
  "Margaret",
  "Dennis",
  "Barbara",
  "Ken",
  "Frances",
  "Edsger",
  "Radia",
  "Tim",
  "Hedy",
  "Donald",
  "Katherine",
  "John",
  "Sophie",
  "Guido",
  "Anita",
  "Bjarne",
  "Shafi",
  "Leslie",
  "Joan",
  "Niklaus",
  "Mary",
  "Brian",
  "Evelyn",
  "Rob",
  "Karen",
  "Vint",
  "Elena",
  "Marco",
  "Yuki",
  "Priya",
  "Omar",
  "Ingrid",
  "Tomas",
  "Chloe",
  "Mateo",
  "Aisha",
]

/**
 * Family names.
 *
 * @example
 * ```ts
 * LAST_NAMES[0] // "Lovelace"
 * ```
 */
export const LAST_NAMES: readonly string[] = [
  "Lovelace",
  "Turing",
  "Hopper",
  "Torvalds",
  "Hamilton",
  "Ritchie",
  "Liskov",
  "Thompson",
  "Allen",
  "Dijkstra",
  "Perlman",
  "Berners-Lee",
  "Lamarr",
  "Knuth",
  "Johnson",
  "McCarthy",
  "Wilson",
  "Rossum",
  "Borg",
  "Stroustrup",
  "Goldwasser",
  "Lamport",
  "Clarke",
  "Wirth",
  "Keller",
  "Kernighan",
  "Boyd",
  "Pike",
  "Jones",
  "Cerf",
  "Rossi",
  "Bianchi",
  "Tanaka",
  "Sharma",
  "Haddad",
  "Larsen",
  "Novak",
  "Martin",
  "Garcia",
  "Okafor",
]

/**
 * City names.
 *
 * @example
 * ```ts
 * CITIES.includes("Athens") // true
 * ```
 */
export const CITIES: readonly string[] = [
  "Athens",
  "London",
  "Melbourne",
  "Boston",
  "Berlin",
  "Lisbon",
  "Toronto",
  "Austin",
  "Dublin",
  "Singapore",
]

/**
 * Department names.
 *
 * @example
 * ```ts
 * DEPARTMENTS[0] // "Engineering"
 * ```
 */
export const DEPARTMENTS: readonly string[] = [
  "Engineering",
  "Sales",
  "Marketing",
  "Finance",
  "People",
  "Support",
  "Operations",
  "Legal",
  "Product",
  "Design",
  "Data",
  "Security",
  "Facilities",
  "Procurement",
  "Research",
]

/**
 * Job titles.
 *
 * @example
 * ```ts
 * JOB_TITLES.includes("Software Engineer") // true
 * ```
 */
export const JOB_TITLES: readonly string[] = [
  "Software Engineer",
  "Account Executive",
  "Product Manager",
  "Data Analyst",
  "Designer",
  "Support Specialist",
  "Recruiter",
  "Financial Analyst",
  "Site Reliability Engineer",
  "Legal Counsel",
  "Marketing Manager",
  "Security Engineer",
  "Office Manager",
  "Buyer",
  "Research Scientist",
]

/**
 * A seeded person name.
 *
 * @example
 * ```ts
 * const { first, last } = personName(new SeededRandom(7))
 * ```
 */
export function personName(rng: SeededRandom): { first: string; last: string } {
  return { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) }
}

/**
 * An e-mail address for a person, made unique by a number.
 *
 * @example
 * ```ts
 * emailFor("Ada", "Lovelace", 3, "example.com") // "ada.lovelace3@example.com"
 * ```
 */
export function emailFor(first: string, last: string, n: number, domain: string): string {
  return `${first}.${last}${n}@${domain}`.toLowerCase().replace(/[^a-z0-9.@-]/g, "")
}

/**
 * An ISO date-time `days` days after a fixed epoch (2024-01-01T00:00:00Z), so seeded data has
 * stable timestamps.
 *
 * @example
 * ```ts
 * isoAt(1) // "2024-01-02T00:00:00.000Z"
 * ```
 */
export function isoAt(days: number): string {
  return new Date(Date.UTC(2024, 0, 1) + Math.round(days * 86_400_000)).toISOString()
}
