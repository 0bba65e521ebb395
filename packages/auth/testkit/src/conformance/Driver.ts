/**
 * How the kit drives a plugin: the way the runtime runs one call (authenticate, send, at most one
 * `onUnauthorized`, re-authenticate once), and a TokenStore that remembers what was written so
 * that the checks can read every record.
 *
 * @example
 * ```ts
 * import { Conformance } from "@keyway/auth-testkit"
 * const store = Conformance.makeRecordingStore()
 * ```
 *
 * @since 0.1.0
 */
import { Auth, type Errors, Http, TokenStore, Transport } from "@keyway/core"
import { Effect } from "effect"

/**
 * A TokenStore that remembers the keys written, so checks can read every record.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Conformance } from "@keyway/auth-testkit"
 * const store: Conformance.RecordingStore = Conformance.makeRecordingStore()
 * Effect.runSync(store.records()) // []
 * ```
 *
 * @since 0.1.0
 */
export interface RecordingStore extends TokenStore.TokenStoreShape {
  /** Every record currently stored. */
  readonly records: () => Effect.Effect<ReadonlyArray<TokenStore.StoredToken>>
}

/**
 * An in-memory store that can list its records.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Conformance } from "@keyway/auth-testkit"
 * const store = Conformance.makeRecordingStore()
 * Effect.runSync(store.records()).length // 0
 * ```
 *
 * @since 0.1.0
 */
export const makeRecordingStore = (): RecordingStore => {
  const inner = TokenStore.makeMemory()
  const keys = new Map<string, TokenStore.TokenKey>()
  return {
    ...inner,
    compareAndSet: (key, expected, next) =>
      inner
        .compareAndSet(key, expected, next)
        .pipe(
          Effect.tap((written) =>
            Effect.sync(() => void (written && keys.set(TokenStore.keyString(key), key))),
          ),
        ),
    records: () =>
      Effect.forEach([...keys.values()], (key) => inner.get(key)).pipe(
        Effect.map((records) => records.filter((r): r is TokenStore.StoredToken => r !== undefined)),
        Effect.orDie,
      ),
  }
}

/**
 * The outcome of one call driven like the runtime drives it.
 *
 * @example
 * ```ts
 * import type { Conformance } from "@keyway/auth-testkit"
 * const ok = (outcome: Conformance.CallOutcome) => outcome.status === 200 && outcome.attempts === 1
 * ```
 *
 * @since 0.1.0
 */
export interface CallOutcome {
  readonly status: number
  readonly attempts: number
  readonly decision: Auth.UnauthorizedDecision | undefined
  readonly requests: ReadonlyArray<Http.HttpRequest>
  readonly correlationId: string
}

/**
 * Runs one call the way the runtime does: authenticate, send, and on a 401 ask `onUnauthorized`
 * once; on `"retry"` re-authenticate and re-send once.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth } from "@keyway/core"
 * import { Conformance } from "@keyway/auth-testkit"
 * const outcome = Effect.gen(function*() {
 *   const plugin = yield* Auth.Auth
 *   return yield* Conformance.call(plugin, "http://127.0.0.1:8080/resource")
 * })
 * ```
 *
 * @since 0.1.0
 */
export const call = (
  plugin: Auth.AuthPlugin,
  target: string | Http.HttpRequest,
  scopes?: ReadonlyArray<string>,
  correlationId: string = crypto.randomUUID(),
): Effect.Effect<CallOutcome, Errors.AuthError> =>
  Effect.gen(function* () {
    const transport = yield* Transport.Transport
    const info: Auth.CallInfo = { correlationId, attempt: 1, scopes }
    const base =
      typeof target === "string" ? Http.makeRequest("GET", target, { accept: "application/json" }) : target
    const send = (request: Http.HttpRequest) =>
      transport
        .send(request, { correlationId, timeoutMs: 10_000, secretQueryParams: plugin.secretQueryParams })
        .pipe(Effect.orDie)
    const first = yield* plugin.authenticate(base, info)
    const response = yield* send(first)
    if (!Auth.isUnauthorized(plugin, response)) {
      return { status: response.status, attempts: 1, decision: undefined, requests: [first], correlationId }
    }
    const decision = yield* plugin.onUnauthorized({ request: first, response }, info)
    if (decision === "pass") {
      return { status: response.status, attempts: 1, decision, requests: [first], correlationId }
    }
    const second = yield* plugin.authenticate(base, { ...info, attempt: 2 })
    const retried = yield* send(second)
    if (plugin.onAccepted !== undefined && !Auth.isUnauthorized(plugin, retried)) {
      yield* plugin.onAccepted({ request: second, response: retried }, { ...info, attempt: 2 })
    }
    return { status: retried.status, attempts: 2, decision, requests: [first, second], correlationId }
  })

/** A decorated request's credential, as the checks compare it: its URL and headers. */
export const credentialOf = (request: Http.HttpRequest) =>
  JSON.stringify({ url: request.url, headers: request.headers })
