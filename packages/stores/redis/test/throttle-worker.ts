// One process of the shared-budget test: a generated CCW client on a RedisStore (tokens and call
// budget in Redis), `concurrency` loops of searchCandidates from `startAt` to `endAt` (wall ms).
// It says `ready` once its token is fetched, gets the window from the parent (IPC), and answers
// with the statuses counted and the calls answered 2xx within the window.

import { createClient } from "@keyway/provider-ccw"
import { Redacted } from "effect"
import { RedisStore } from "../src/index.ts"

interface Config {
  readonly baseUrl: string
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly redisUrl: string
  readonly prefix: string
  readonly throttle: false | { readonly rate: number; readonly burst: number }
  readonly concurrency: number
}
interface Window {
  readonly startAt: number
  readonly endAt: number
}

const config = JSON.parse(process.argv[2]!) as Config
const client = createClient({
  baseUrl: config.baseUrl,
  tokenUrl: config.tokenUrl,
  auth: { clientId: config.clientId, clientSecret: Redacted.make(config.clientSecret) },
  tokenStore: RedisStore.layer({ url: config.redisUrl, prefix: config.prefix }),
  throttle: config.throttle,
  // One request per call: every 429 the sandbox answers is counted, none is hidden by a retry.
  retry: { maxAttempts: 1, deadlineMs: 10_000 },
})
const body = { meta: { limit: 1, offset: 0 }, data: { status: "submitted" } }
const statuses: Record<string, number> = {}
let okInWindow = 0

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
const loop = async (window: Window) => {
  while (Date.now() < window.endAt) {
    const result = await client.op.searchCandidates({ body }).then(
      ({ response }) => String(response.status),
      (error: { _tag?: string }) => error._tag ?? "error",
    )
    statuses[result] = (statuses[result] ?? 0) + 1
    if (result === "200" && Date.now() <= window.endAt) okInWindow++
  }
}

// The token is fetched before the window opens (token requests are not API calls).
await client.op.searchCandidates({ body, keyway: { retry: { maxAttempts: 3 } } }).catch(() => undefined)
const window = await new Promise<Window>((resolve) => {
  process.once("message", (message) => resolve(message as Window))
  process.send!("ready")
})
await sleep(window.startAt - Date.now())
await Promise.all(Array.from({ length: config.concurrency }, () => loop(window)))
await new Promise((resolve) => process.send!({ statuses, okInWindow }, resolve))
await client.close()
process.disconnect()
