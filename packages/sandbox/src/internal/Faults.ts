/**
 * Fault injection: rules that, at a rate, answer matching requests with a 429 and Retry-After,
 * a burst of 5xx, a connection reset, or added latency.
 *
 * @example
 * ```ts
 * const faults = new FaultInjector(new SeededRandom(1))
 * faults.add({ type: "429", rate: 1, retryAfter: 2, route: "/spi/v3/candidates*" })
 * faults.add({ type: "5xx", status: 502, count: 3, rate: 0.1 })
 * faults.add({ type: "reset", rate: 0.05, target: "api" })
 * faults.add({ type: "latency", ms: 250 })
 * ```
 *
 * @since 0.1.0
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http"
import type { FaultInfo, FaultSpec, FaultType } from "../Faults.ts"
import { sendJson } from "./Http.ts"
import type { RouteKind } from "./Router.ts"
import type { SeededRandom } from "./SeededRandom.ts"

/**
 * What to do with one request.
 *
 * @example
 * ```ts
 * const d: FaultDecision = faults.decide("GET", "/v1/employees", "api", "/v1")
 * if (d.fault) // answer with it
 * ```
 */
export interface FaultDecision {
  readonly delayMs: number
  readonly fault: FaultSpec | undefined
  /** How many rules fired (latency ones included). */
  readonly fired: number
}

interface Rule {
  readonly id: string
  readonly spec: FaultSpec
  readonly pattern: RegExp | undefined
  fired: number
  burstLeft: number
}

const TYPES: readonly FaultType[] = ["429", "5xx", "reset", "latency"]
const NO_FAULT: FaultDecision = { delayMs: 0, fault: undefined, fired: 0 }

/**
 * Checks a fault spec; throws a `TypeError` saying what is wrong.
 *
 * @example
 * ```ts
 * validateFault({ type: "429", rate: 2 }) // throws: rate must be within 0..1
 * ```
 */
export function validateFault(spec: unknown): FaultSpec {
  if (spec === null || typeof spec !== "object") throw new TypeError("a fault must be an object")
  const s = spec as Record<string, unknown>
  const type = typeof s.type === "number" ? String(s.type) : s.type
  if (!TYPES.includes(type as FaultType)) throw new TypeError(`fault type must be one of ${TYPES.join(", ")}`)
  const num = (key: string, min: number, max: number) => {
    const v = s[key]
    if (v === undefined) return
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max)
      throw new TypeError(`fault ${key} must be a number within ${min}..${max}`)
  }
  num("rate", 0, 1)
  num("retryAfter", 0, 86_400)
  num("status", 500, 599)
  num("count", 1, 1_000_000)
  num("ms", 0, 600_000)
  num("times", 0, Number.MAX_SAFE_INTEGER)
  if (s.route !== undefined && typeof s.route !== "string")
    throw new TypeError("fault route must be a string")
  if (s.method !== undefined && typeof s.method !== "string")
    throw new TypeError("fault method must be a string")
  if (s.target !== undefined && !["api", "auth", "any"].includes(s.target as string))
    throw new TypeError("fault target must be api, auth or any")
  if (s.when !== undefined && !["mid-body", "immediate"].includes(s.when as string))
    throw new TypeError("fault when must be mid-body or immediate")
  if (type === "latency" && s.ms === undefined) throw new TypeError("a latency fault needs ms")
  return { ...(s as object), type } as FaultSpec
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")
  return new RegExp(`^${escaped}$`)
}

/**
 * The rule set, consulted for every non-control request.
 *
 * @example
 * ```ts
 * const injector = new FaultInjector(new SeededRandom(1))
 * ```
 */
export class FaultInjector {
  readonly #rng: SeededRandom
  #rules: Rule[] = []
  #nextId = 1

  constructor(rng: SeededRandom) {
    this.#rng = rng
  }

  /**
   * Adds a rule (validated); returns its id.
   *
   * @example
   * ```ts
   * const id = injector.add({ type: "latency", ms: 100, rate: 0.5 })
   * ```
   */
  add(spec: FaultSpec): string {
    const valid = validateFault(spec)
    const id = `f${this.#nextId++}`
    this.#rules.push({
      id,
      spec: valid,
      pattern: valid.route ? globToRegExp(valid.route) : undefined,
      fired: 0,
      burstLeft: 0,
    })
    return id
  }

  /**
   * Removes one rule by id, or all rules.
   *
   * @example
   * ```ts
   * injector.clear() // all
   * injector.clear("f2")
   * ```
   */
  clear(id?: string): void {
    this.#rules = id === undefined ? [] : this.#rules.filter((r) => r.id !== id)
  }

  /**
   * The rules with their counts.
   *
   * @example
   * ```ts
   * injector.list().map((f) => f.type)
   * ```
   */
  list(): FaultInfo[] {
    return this.#rules.map((r) => ({ ...r.spec, id: r.id, fired: r.fired }))
  }

  /**
   * Decides the fate of one request.
   *
   * @example
   * ```ts
   * injector.decide("POST", "/oauth/token", "token", "/spi/v3")
   * ```
   */
  decide(method: string, path: string, kind: RouteKind, basePath: string): FaultDecision {
    if (this.#rules.length === 0) return NO_FAULT
    let delayMs = 0
    let fault: FaultSpec | undefined
    let fired = 0
    for (const rule of this.#rules) {
      const spec = rule.spec
      if (spec.times !== undefined && rule.fired >= spec.times) continue
      if (spec.method !== undefined && spec.method.toUpperCase() !== method) continue
      const target = spec.target ?? "any"
      if (target === "api" && kind !== "api") continue
      if (target === "auth" && kind === "api") continue
      if (rule.pattern) {
        const below = basePath && path.startsWith(basePath) ? path.slice(basePath.length) || "/" : undefined
        if (!rule.pattern.test(path) && (below === undefined || !rule.pattern.test(below))) continue
      }
      if (spec.type === "latency") {
        if (this.#roll(spec.rate)) {
          delayMs += spec.ms ?? 0
          rule.fired++
          fired++
        }
        continue
      }
      if (fault) continue
      if (rule.burstLeft > 0) {
        rule.burstLeft--
      } else if (this.#roll(spec.rate)) {
        if (spec.type === "5xx") rule.burstLeft = (spec.count ?? 1) - 1
      } else {
        continue
      }
      rule.fired++
      fired++
      fault = spec
    }
    return fired === 0 ? NO_FAULT : { delayMs, fault, fired }
  }

  #roll(rate: number | undefined): boolean {
    const r = rate ?? 1
    if (r >= 1) return true
    if (r <= 0) return false
    return this.#rng.next() < r
  }
}

/**
 * Answers a request with the fault that fired, in the provider's error envelope: a 429 with
 * `Retry-After` (and the provider's rate-limit headers), a 5xx (with `Retry-After` when given),
 * or a connection reset (at once, or after part of a body). Returns `false` for a fault that
 * only delays (latency), which the caller serves as usual.
 *
 * @example
 * ```ts
 * if (decision.fault && sendFault(req, res, decision.fault, { errorBody: (status, message) => ({ message }) })) return
 * ```
 */
export function sendFault(
  req: IncomingMessage,
  res: ServerResponse,
  fault: FaultSpec,
  provider: {
    errorBody(status: number, message: string): unknown
    rateLimitHeaders?(retryAfter: number, wallNow: number): OutgoingHttpHeaders
  },
): boolean {
  if (fault.type === "429") {
    const retryAfter = fault.retryAfter ?? 1
    sendJson(res, 429, provider.errorBody(429, "Too many requests"), {
      "retry-after": String(retryAfter),
      ...provider.rateLimitHeaders?.(retryAfter, Date.now() / 1000),
    })
    return true
  }
  if (fault.type === "5xx") {
    const status = fault.status ?? 503
    const headers: OutgoingHttpHeaders = {}
    if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter)
    sendJson(
      res,
      status,
      provider.errorBody(status, status === 503 ? "Service unavailable" : "Server error"),
      headers,
    )
    return true
  }
  if (fault.type === "reset") {
    if (fault.when === "immediate") {
      req.socket.destroy()
      return true
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": 4096 })
    res.write('{"partial":', () => res.socket?.destroy())
    return true
  }
  return false
}

export type { FaultInfo, FaultSpec, FaultType } from "../Faults.ts"
