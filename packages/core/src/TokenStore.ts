/**
 * The TokenStore contract: where grants and tokens live between calls and between processes.
 *
 * Three operations, and one rule that makes refresh-token rotation safe:
 *
 * - `get(key)` reads a record.
 * - `compareAndSet(key, expected, next)` writes `next` only if the stored record is still the one
 *   the writer read (same `revision`; `expected === undefined` means "only if absent"), and says
 *   whether it wrote. `next === undefined` deletes under the same condition.
 * - `delete(key)` removes a record unconditionally (revocation).
 *
 * **The rule**: a refreshed token set is written with `compareAndSet` against the record whose
 * refresh token was used, *before* the new access token is handed to anyone. If the write loses,
 * somebody else already rotated: the loser re-reads and uses the winner's tokens. So a rotated
 * refresh token can never be overwritten by an older one, and never exists only in memory.
 *
 * Stores that span processes (SQLite, Redis) also implement `withRefreshLock`, so that only one
 * process refreshes while the others wait and re-read. The in-memory store runs the refresh
 * directly: within a process, {@link TokenLifecycle} already guarantees a single flight.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 *
 * const program = Effect.gen(function*() {
 *   const store = yield* TokenStore.TokenStore
 *   const key = TokenStore.key({ provider: "workable", connection: "acme", scopes: ["r_jobs"] })
 *   const current = yield* store.get(key)
 *   console.log(current?.expiresAt)
 * }).pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, type Redacted, Schema } from "effect"
import type { TokenStoreUnavailable } from "./Errors.ts"
import { type BudgetStore, makeMemoryStore } from "./Throttle.ts"

/**
 * What a record is stored under.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * const key: TokenStore.TokenKey = { provider: "workable", connection: "acme", scopes: ["r_jobs", "r_candidates"] }
 * TokenStore.keyString(key) // one string per key, whatever the order of its scopes
 * ```
 *
 * @since 0.1.0
 */
export interface TokenKey {
  readonly provider: string
  /** The end user's or account's connection id (`default` when a client has one connection). */
  readonly connection: string
  /** The scope set the token was issued for. Order does not matter. */
  readonly scopes: ReadonlyArray<string>
}

/**
 * Builds a key with its scope set normalized (sorted, de-duplicated), so that
 * `["b", "a"]` and `["a", "b", "a"]` name the same token.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * TokenStore.key({ provider: "ccw", connection: "default", scopes: ["ccw.candidate"] })
 * ```
 *
 * @since 0.1.0
 */
export const key = (input: TokenKey): TokenKey => ({
  provider: input.provider,
  connection: input.connection,
  scopes: [...new Set(input.scopes)].sort(),
})

/**
 * A key as one string, `provider/connection/scope1 scope2` with the parts URI-encoded, for
 * stores that need a flat key.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * TokenStore.keyString(TokenStore.key({ provider: "ccw", connection: "default", scopes: ["b", "a"] })) // "ccw/default/a%20b"
 * ```
 *
 * @since 0.1.0
 */
export const keyString = (k: TokenKey): string =>
  `${encodeURIComponent(k.provider)}/${encodeURIComponent(k.connection)}/${encodeURIComponent(key(k).scopes.join(" "))}`

/**
 * A stored token set. Secrets are `Redacted`; times are epoch milliseconds.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * const token: TokenStore.StoredToken = {
 *   accessToken: Redacted.make("at"),
 *   refreshToken: Redacted.make("rt"),
 *   expiresAt: Date.now() + 3_600_000,
 *   obtainedAt: Date.now(),
 *   revision: TokenStore.newRevision(),
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface StoredToken {
  readonly accessToken: Redacted.Redacted<string> | undefined
  readonly refreshToken?: Redacted.Redacted<string> | undefined
  readonly tokenType?: string | undefined
  /** When the access token stops working. */
  readonly expiresAt?: number | undefined
  /** When the refresh token stops working (CCH: two weeks after issue). */
  readonly refreshExpiresAt?: number | undefined
  readonly scope?: string | undefined
  readonly obtainedAt: number
  /** Changes with every write; `compareAndSet` compares it. */
  readonly revision: string
  /** Set when a refresh was refused: the grant is kept but the user must authorize again. */
  readonly needsReauthorization?: string | undefined
  /**
   * Set by the runtime when a refresh failed for a reason that may pass (network, timeout, 5xx),
   * cleared by the next successful refresh (a record written by a refresh has none).
   */
  readonly failure?: RefreshFailure | undefined
  /** Set when the grant was revoked (by `disconnect`, or a provider that said so), epoch ms. */
  readonly revokedAt?: number | undefined
}

/**
 * What the runtime records on a grant whose refresh failed transiently.
 *
 * @example
 * ```ts
 * import type { TokenStore } from "@keyway/core"
 * const failure: TokenStore.RefreshFailure = { error: "NetworkError: connect ECONNREFUSED", since: Date.now() - 60_000, attempts: 3, lastAttemptAt: Date.now() }
 * ```
 *
 * @since 0.1.0
 */
export interface RefreshFailure {
  /** The error's tag and message (errors never carry secrets). */
  readonly error: string
  /** When the failures began, epoch ms. */
  readonly since: number
  /** Failed attempts in a row. */
  readonly attempts: number
  /** The last failed attempt, epoch ms. */
  readonly lastAttemptAt: number
}

/**
 * One record of {@link TokenStoreShape.list}: its key and the record.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * const connections = Effect.gen(function*() {
 *   const store = yield* TokenStore.TokenStore
 *   const listed: ReadonlyArray<TokenStore.Listed> = store.list ? yield* store.list("workable") : []
 *   return listed.map((l) => l.key.connection)
 * }).pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export interface Listed {
  readonly key: TokenKey
  readonly token: StoredToken
}

/**
 * The service shape of a store.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { TokenStore } from "@keyway/core"
 * // A store that logs every read, over the memory store.
 * const memory = TokenStore.makeMemory()
 * const logged: TokenStore.TokenStoreShape = {
 *   ...memory,
 *   name: "logged-memory",
 *   get: (key) => memory.get(key).pipe(Effect.tap(() => Effect.log(`read ${TokenStore.keyString(key)}`))),
 * }
 * const layer = Layer.succeed(TokenStore.TokenStore, logged)
 * ```
 *
 * @since 0.1.0
 */
export interface TokenStoreShape {
  /** A short name for errors and logs (`memory`, `sqlite`, `redis`). */
  readonly name: string
  readonly get: (key: TokenKey) => Effect.Effect<StoredToken | undefined, TokenStoreUnavailable>
  readonly compareAndSet: (
    key: TokenKey,
    expected: StoredToken | undefined,
    next: StoredToken | undefined,
  ) => Effect.Effect<boolean, TokenStoreUnavailable>
  readonly delete: (key: TokenKey) => Effect.Effect<void, TokenStoreUnavailable>
  /**
   * Runs `refresh` while holding this key's cross-process refresh lock. A store that cannot
   * lock across processes runs it directly. Implementations must release the lock when
   * `refresh` ends, fails or is interrupted, and give it a TTL so a crashed holder cannot block
   * others for longer than that.
   *
   * A waiter that sees the record change while it waited, to one that is clearly fresh (an
   * access token, no reauthorization or failure mark, within the first half of its lifetime), may run
   * `refresh` without taking the lock: `refresh` re-reads the store first and returns a fresh
   * record without any token request, and `compareAndSet` still guards every write. This keeps
   * the wait of N callers close to one token request instead of N lock hand-overs.
   */
  readonly withRefreshLock: <A, E, R>(
    key: TokenKey,
    refresh: Effect.Effect<A, E, R>,
  ) => Effect.Effect<A, E | TokenStoreUnavailable, R>
  /**
   * Every record of one provider (connection listing, the keeper). Optional: a store without it
   * cannot be listed, and `@keyway/connections` says so.
   */
  readonly list?:
    | ((provider: string) => Effect.Effect<ReadonlyArray<Listed>, TokenStoreUnavailable>)
    | undefined
  /**
   * Where call budgets live when the store's backend can share them across processes (Redis,
   * SQLite, memory for the clients of one process that share the store): a client with a
   * throttle and this store reserves its calls there. Without it, the client keeps a budget of
   * its own in memory.
   */
  readonly budgets?: BudgetStore | undefined
}

/**
 * The TokenStore service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * const read = Effect.gen(function*() {
 *   const store = yield* TokenStore.TokenStore
 *   return yield* store.get({ provider: "workable", connection: "acme", scopes: [] })
 * }).pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export class TokenStore extends Context.Service<TokenStore, TokenStoreShape>()("@keyway/core/TokenStore") {}

/**
 * A fresh revision id.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * const revision: string = TokenStore.newRevision() // a UUID
 * ```
 *
 * @since 0.1.0
 */
export const newRevision = (): string => crypto.randomUUID()

/**
 * Whether `stored` is still the record a writer read as `expected`.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * declare const stored: TokenStore.StoredToken | undefined
 * declare const expected: TokenStore.StoredToken | undefined
 * if (TokenStore.sameRevision(stored, expected)) console.log("nobody wrote in between")
 * ```
 *
 * @since 0.1.0
 */
export const sameRevision = (stored: StoredToken | undefined, expected: StoredToken | undefined): boolean =>
  stored === undefined
    ? expected === undefined
    : expected !== undefined && stored.revision === expected.revision

/**
 * An in-memory store: for tests and single-process apps that can afford to lose grants on
 * restart. Synchronous, so compare-and-set is trivially atomic.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * const store = TokenStore.makeMemory()
 * ```
 *
 * @since 0.1.0
 */
export const makeMemory = (): TokenStoreShape => {
  const records = new Map<string, StoredToken>()
  return {
    name: "memory",
    get: (k) => Effect.sync(() => records.get(keyString(k))),
    compareAndSet: (k, expected, next) =>
      Effect.sync(() => {
        const id = keyString(k)
        if (!sameRevision(records.get(id), expected)) return false
        if (next === undefined) records.delete(id)
        else records.set(id, next)
        return true
      }),
    delete: (k) => Effect.sync(() => void records.delete(keyString(k))),
    withRefreshLock: (_key, refresh) => refresh,
    budgets: makeMemoryStore(),
    list: (provider) =>
      Effect.sync(() => {
        const prefix = `${encodeURIComponent(provider)}/`
        const out: Array<Listed> = []
        for (const [id, token] of records)
          if (id.startsWith(prefix)) out.push({ key: parseKeyString(id), token })
        return out
      }),
  }
}

/**
 * The key a {@link keyString} names.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * TokenStore.parseKeyString("ccw/default/a%20b") // { provider: "ccw", connection: "default", scopes: ["a", "b"] }
 * ```
 *
 * @since 0.1.0
 */
export const parseKeyString = (id: string): TokenKey => {
  const [provider = "", connection = "", scopes = ""] = id.split("/")
  const joined = decodeURIComponent(scopes)
  return {
    provider: decodeURIComponent(provider),
    connection: decodeURIComponent(connection),
    scopes: joined === "" ? [] : joined.split(" "),
  }
}

/**
 * A layer with a fresh in-memory store.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * const layer = TokenStore.layerMemory
 * ```
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<TokenStore> = Layer.sync(TokenStore, makeMemory)

const Secret = Schema.RedactedFromValue(Schema.String)
const Millis = Schema.Finite

/**
 * The schema of a stored record as durable stores keep it: JSON, secrets as plain strings in the
 * text (stores encrypt it, see `@keyway/store-redis`), `Redacted` once decoded. Unknown fields are
 * dropped; a record that does not fit (a secret that is not a string, no revision) fails to decode.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { TokenStore } from "@keyway/core"
 * const record = Schema.decodeUnknownSync(TokenStore.StoredTokenJson)('{"accessToken":"t","obtainedAt":0,"revision":"r1"}')
 * ```
 *
 * @since 0.2.0
 */
export const StoredTokenJson = Schema.fromJsonString(
  Schema.Struct({
    accessToken: Schema.optional(Secret),
    refreshToken: Schema.optional(Secret),
    tokenType: Schema.optional(Schema.String),
    expiresAt: Schema.optional(Millis),
    refreshExpiresAt: Schema.optional(Millis),
    scope: Schema.optional(Schema.String),
    obtainedAt: Millis,
    revision: Schema.String,
    needsReauthorization: Schema.optional(Schema.String),
    failure: Schema.optional(
      Schema.Struct({
        error: Schema.String,
        since: Millis,
        attempts: Schema.Finite,
        lastAttemptAt: Millis,
      }),
    ),
    revokedAt: Schema.optional(Millis),
  }),
)

const encodeStored = Schema.encodeSync(StoredTokenJson)
const decodeStored = Schema.decodeUnknownSync(StoredTokenJson)

/**
 * Serializes a record for a durable store ({@link StoredTokenJson}). The result holds secrets in
 * clear: stores must encrypt it or keep it where only the app can read it (see
 * `@keyway/store-redis`'s encryption).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * const text = TokenStore.serialize({ accessToken: Redacted.make("t"), obtainedAt: 0, revision: "r1" })
 * TokenStore.deserialize(text).revision // "r1"
 * ```
 *
 * @since 0.1.0
 */
export const serialize = (token: StoredToken): string => encodeStored(token)

/**
 * Reads a record written by {@link serialize}, decoded with {@link StoredTokenJson} (secrets
 * become `Redacted` again); throws on a record that does not fit, and the message holds no value
 * of it.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * TokenStore.deserialize('{"accessToken":"t","obtainedAt":0,"revision":"r1"}').revision // "r1"
 * ```
 *
 * @since 0.1.0
 */
export const deserialize = (text: string): StoredToken => {
  let decoded: typeof StoredTokenJson.Type
  try {
    decoded = decodeStored(text)
  } catch {
    // The schema's message may quote the offending value (a secret): never pass it on.
    throw new Error("the stored record does not fit the token record schema")
  }
  return { ...decoded, accessToken: decoded.accessToken }
}
