/**
 * The CCA sandbox's seeded data: 40 agents (1001+), 12 queues (201+) with their statistics, 10
 * campaigns (301+), 50 contacts (5001+) and 600 interactions from 2024-06-01, one every 20 minutes.
 *
 * @example
 * ```ts
 * import { startCcaSandbox } from "@keyway/sandbox"
 * await using sb = await startCcaSandbox()
 * const { username, password, module } = sb.credentials
 * const { token } = (await fetch(sb.urls.sessionUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ username, password, module }),
 * }).then((r) => r.json())) as Record<string, any>
 * const headers = { authorization: `Bearer ${token}` }
 * const agents = (await fetch(`${sb.baseUrl}/agents`, { headers }).then((r) => r.json())) as Record<string, any>
 * agents.length // 40
 * ```
 *
 * @since 0.1.0
 */
import { emailFor, personName } from "../SampleData.ts"
import { SeededRandom } from "../SeededRandom.ts"

const AGENT_STATES = ["Available", "Busy", "Away", "WrapUp", "Offline"]
const QUEUE_NAMES = ["Sales", "Support", "Billing", "Retention", "Technical", "VIP"]
const LANGS = ["EN", "FR"]
const INTERACTION_TYPES = ["call", "call", "call", "chat", "email"]
const INTERACTIONS_START = Date.UTC(2024, 5, 1) / 1000

/** One resource as JSON. */
export type Row = Record<string, string | number | boolean>

/**
 * Seeds the data (always the same).
 *
 * @example
 * ```ts
 * seedCca().interactions.length // 600
 * ```
 */
export function seedCca() {
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
