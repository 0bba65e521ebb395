/**
 * Records what Keyway says about every call a Promise API client makes: its correlation id and
 * how many attempts it took (`Client.callInfo(response)`), so the demo can sum retries and show
 * the last call's correlation id.
 *
 * The generated `op.*` and `paginate.*` helpers look the HTTP methods up on the client object at
 * call time, so replacing `client.GET`/`client.POST`/… in place records them too: every page of a
 * paginated listing is one recorded call.
 *
 * @example
 * ```ts
 * import * as Recorder from "@keyway/demo/Recorder"
 * const recorder = Recorder.make()
 * // const client = createClient(options)
 * // recorder.instrument(client, { idempotentPosts: true })
 * // await client.op.searchCandidates({ body })
 * // recorder.retries()          // Σ (attempts - 1)
 * // recorder.last()?.correlationId
 * ```
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Client } from "@keyway/core"

/**
 * One recorded call.
 *
 * @example
 * ```ts
 * import type * as Recorder from "@keyway/demo/Recorder"
 * const call: Recorder.CallRecord = { method: "GET", path: "/jobs", status: 200, attempts: 2, correlationId: "c-1", refreshed: false }
 * ```
 *
 * @since 0.1.0
 */
export interface CallRecord {
  readonly method: string
  /** The OpenAPI path the call was made with (`""` for a next-page URL). */
  readonly path: string
  readonly status: number
  /** Attempts Keyway made: 1 when no retry was needed. */
  readonly attempts: number
  readonly correlationId: string
  /** Whether a 401 made the auth plugin refresh (or log in again) during the call. */
  readonly refreshed: boolean
}

/**
 * The calls of the clients it instruments.
 *
 * @example
 * ```ts
 * import * as Recorder from "@keyway/demo/Recorder"
 * const recorder = Recorder.make()
 * recorder.calls.length // 0
 * ```
 *
 * @since 0.1.0
 */
export interface Recorder {
  /**
   * Wraps the HTTP methods of a Promise API client in place (`GET`, `POST`, …), so that its
   * calls, its `op.*` and `paginate.*` helpers included, are recorded. Returns the client.
   */
  readonly instrument: <C extends object>(client: C, options?: InstrumentOptions) => C
  /** Every call that got a response, in order. */
  readonly calls: ReadonlyArray<CallRecord>
  /** The sum of `attempts - 1` over the recorded calls. */
  readonly retries: () => number
  /** The most recent call. */
  readonly last: () => CallRecord | undefined
  /** How many calls refreshed their credential after a 401. */
  readonly refreshed: () => number
}

/**
 * Options of {@link instrument}.
 *
 * @example
 * ```ts
 * import * as Recorder from "@keyway/demo/Recorder"
 * // Recorder.make().instrument(ccwClient, { idempotentPosts: true })
 * ```
 *
 * @since 0.1.0
 */
export interface InstrumentOptions {
  /**
   * Give every POST that has none a fresh `Idempotency-Key`, which makes Keyway retry it after a
   * 5xx or a reset like a GET. Only for POSTs that are reads or safe to repeat (CCW's searches).
   */
  readonly idempotentPosts?: boolean | undefined
}

const METHODS = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"] as const

type Result = { readonly response: Response }
type Method = (path: string, init?: Record<string, unknown>) => Promise<Result>

/**
 * A recorder with no calls yet.
 *
 * @example
 * ```ts
 * import * as Recorder from "@keyway/demo/Recorder"
 * const recorder = Recorder.make()
 * // recorder.instrument(client)
 * ```
 *
 * @since 0.1.0
 */
export const make = (): Recorder => {
  const calls: Array<CallRecord> = []
  const instrument = <C extends object>(client: C, options: InstrumentOptions = {}): C => {
    const target = client as Record<string, unknown>
    for (const method of METHODS) {
      const original = target[method]
      if (typeof original !== "function") continue
      const call = (original as Method).bind(client)
      const wrapped: Method = async (path, init) => {
        let request = init
        if (options.idempotentPosts && method === "POST") {
          const keyway = (init?.keyway ?? {}) as Record<string, unknown>
          if (keyway.idempotencyKey === undefined)
            request = { ...init, keyway: { ...keyway, idempotencyKey: randomUUID() } }
        }
        const result = await call(path, request)
        const info = Client.callInfo(result.response)
        calls.push({
          method,
          path,
          status: result.response.status,
          attempts: info?.attempts ?? 1,
          correlationId: info?.correlationId ?? "",
          refreshed: info?.refreshed ?? false,
        })
        return result
      }
      target[method] = wrapped
    }
    return client
  }
  return {
    instrument,
    calls,
    retries: () => calls.reduce((sum, c) => sum + c.attempts - 1, 0),
    last: () => calls.at(-1),
    refreshed: () => calls.filter((c) => c.refreshed).length,
  }
}
