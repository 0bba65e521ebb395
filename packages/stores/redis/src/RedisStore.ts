/**
 * A {@link TokenStore.TokenStore} on Redis (ioredis), for processes on several hosts.
 *
 * - **Keys**: `{prefix}:{provider}:{connection}:{scopes}` (parts URI-encoded, scopes sorted and
 *   space-joined), a hash of `rev` (the record's revision), `fmt` and `val`. Records expire with
 *   the grant: at `refreshExpiresAt` when there is a refresh token (the grant must outlive the
 *   access token), else at `expiresAt`, never when neither is known; plus `expiryGrace`.
 * - **Compare-and-set** is one Lua script: it writes only when the stored `rev` is the expected
 *   one (absent when `expected` is undefined), so a rotated refresh token is never overwritten by
 *   an older one. Retrying a write whose reply was lost is safe: the script reports success when
 *   the stored revision already is the new one.
 * - **Refresh lock**: `SET NX PX` on `{prefix}:lock:...` with a fencing token (a per-key counter
 *   plus a random id), renewed while the refresh runs, released by a compare-and-delete script
 *   that publishes a release message. Waiters wake on that message or on the holder's write
 *   (polling is the fallback) or when the lock expires. When the record changed meanwhile and is
 *   surely fresh, they run their refresh effect without the lock (TokenLifecycle's refresh
 *   re-reads the store and returns that record instead of calling the token endpoint); otherwise
 *   they take the lock in turn, and their refresh re-reads the store under it.
 * - **In-process cache**: `get` serves a fresh record from memory (write-through on
 *   compare-and-set; invalidated by other processes' writes through a pub/sub message; never used
 *   while this process holds the key's refresh lock, nor while the invalidation channel is down).
 * - **Encryption at rest** (optional): AES-256-GCM with a keyring (see {@link Keyring}).
 * - **Call budgets** (`budgets`, for core's `Throttle`): `{prefix}:budget:{provider}[/{connection}]`
 *   holds a GCRA theoretical arrival time; one Lua script reserves a slot or holds the budget
 *   until a provider's reset, so every process on this Redis shares one budget; the budget's
 *   concurrency is a sorted set of expiring leases (`.../inflight`). Times come from the callers'
 *   clocks (keep hosts in NTP sync).
 * - **Redis unreachable**: every operation fails with `TokenStoreUnavailable` within the command
 *   timeout (no offline queue); the client reconnects in the background.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenLifecycle } from "@keyway/core"
 * import { RedisStore } from "@keyway/store-redis"
 *
 * const program = Effect.gen(function*() {
 *   const tokens = yield* TokenLifecycle.make({
 *     provider: "example",
 *     fetch: () => Effect.succeed({ accessToken: Redacted.make("t"), expiresIn: 3600 }),
 *   })
 *   return yield* tokens.get([])
 * }).pipe(Effect.provide(RedisStore.layer({ url: "redis://127.0.0.1:6379" })))
 * ```
 *
 * @since 0.1.0
 */
import { Errors, Keyring, TokenStore } from "@keyway/core"
import { type Duration, Effect, Layer, type Scope } from "effect"
import type { Redis, RedisOptions } from "ioredis"
import { makeBudgets } from "./internal/budgets.ts"
import { makeHotCache } from "./internal/cache.ts"
import { makeCodec } from "./internal/codec.ts"
import { open, settingsOf, unavailable } from "./internal/connection.ts"
import { redisKey } from "./internal/keys.ts"
import { makeRefreshLock, makeSignals } from "./internal/lock.ts"
import { makeRecords } from "./internal/records.ts"
import { evaluator } from "./internal/scripts.ts"

export { expireAt, redisKey } from "./internal/keys.ts"

/**
 * Options of a Redis store.
 *
 * @example
 * ```ts
 * import type { RedisStore } from "@keyway/store-redis"
 * const options: RedisStore.Options = { url: "redis://127.0.0.1:6379", prefix: "myapp", lockTtl: "10 seconds" }
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`); default `redis://127.0.0.1:6379`. */
  readonly url?: string | undefined
  /** Extra ioredis options (TLS, sentinels, ...); the store's timeouts and queueing win over them. */
  readonly redis?: RedisOptions | undefined
  /** The first part of every key and channel; default `keyway`. */
  readonly prefix?: string | undefined
  /** How long a refresh lock lasts without renewal; default 10 seconds (renewed every third of it). */
  readonly lockTtl?: Duration.Input | undefined
  /** Longest pause between two looks at a held lock when no release message comes; default 100 ms. */
  readonly lockPollInterval?: Duration.Input | undefined
  /** How long a caller waits for another process's refresh before failing; default 60 seconds. */
  readonly lockWaitTimeout?: Duration.Input | undefined
  /** A command without a reply after this fails with `TokenStoreUnavailable`; default 1 second. */
  readonly commandTimeout?: Duration.Input | undefined
  /** How long `make` waits for the first connection; default 2 seconds. */
  readonly connectTimeout?: Duration.Input | undefined
  /** Kept past the grant's expiry before Redis drops a record; default 1 minute. */
  readonly expiryGrace?: Duration.Input | undefined
  /** The in-process cache; `false` turns it off. `maxAge` bounds how long a record is reused; default 30 seconds. */
  readonly cache?: false | { readonly maxAge?: Duration.Input | undefined } | undefined
  /** Encrypts records at rest with AES-256-GCM. */
  readonly encryption?: Keyring.Options | undefined
}

/**
 * A Redis store: the {@link TokenStore.TokenStoreShape} plus its key naming and client.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RedisStore } from "@keyway/store-redis"
 * const ping = RedisStore.make().pipe(Effect.flatMap((store) => Effect.promise(() => store.client.ping())))
 * ```
 *
 * @since 0.1.0
 */
export interface RedisTokenStore extends TokenStore.TokenStoreShape {
  readonly prefix: string
  /** The Redis key a token key is stored under. */
  readonly redisKey: (key: TokenStore.TokenKey) => string
  /** The command connection (for health checks); do not write Keyway's keys with it. */
  readonly client: Redis
}

const keyringOf = (options: Options) =>
  Effect.try({
    try: () => (options.encryption === undefined ? undefined : Keyring.make(options.encryption)),
    catch: (cause) =>
      cause instanceof Errors.ConfigError
        ? cause
        : new Errors.ConfigError({ path: "encryption", message: "invalid keyring" }),
  })

/**
 * Connects to Redis and builds a store; the connections are closed with the scope. Fails with
 * `TokenStoreUnavailable` when Redis cannot be reached within `connectTimeout`, and with
 * `ConfigError` when the encryption keyring is invalid.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { Keyring, RedisStore } from "@keyway/store-redis"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const store = yield* RedisStore.make({
 *     url: "redis://127.0.0.1:6379",
 *     encryption: { current: "k1", keys: { k1: Redacted.make(Keyring.generateKey()) } },
 *   })
 *   return yield* store.get(TokenStore.key({ provider: "ccw", connection: "default", scopes: [] }))
 * }))
 * ```
 *
 * @since 0.1.0
 */
export const make = (
  options: Options = {},
): Effect.Effect<RedisTokenStore, Errors.TokenStoreUnavailable | Errors.ConfigError, Scope.Scope> =>
  Effect.gen(function* () {
    const settings = settingsOf(options)
    const codec = makeCodec(yield* keyringOf(options))
    const cache = makeHotCache(settings.cacheMaxAgeMs)
    const signals = makeSignals()
    const connection = yield* open(settings, {
      onReleased: signals.signal,
      onInvalidated: (from, id) => {
        if (from !== settings.origin) cache.bump(id)
        signals.signal(id)
      },
      onResubscribed: cache.bumpAll,
    })
    const run = evaluator(connection.client, unavailable)
    const records = makeRecords({ settings, connection, cache, codec, run })
    const withRefreshLock = makeRefreshLock({ settings, cache, codec, signals, run })
    const { prefix } = settings
    return {
      name: "redis",
      list: records.list,
      prefix,
      redisKey: (key: TokenStore.TokenKey) => redisKey(prefix, key),
      client: connection.client,
      get: records.get,
      compareAndSet: records.compareAndSet,
      delete: records.delete,
      withRefreshLock,
      budgets: makeBudgets(prefix, connection.client, run),
    } satisfies RedisTokenStore
  })

/**
 * A layer with a Redis store as the {@link TokenStore.TokenStore}.
 *
 * @example
 * ```ts
 * import { RedisStore } from "@keyway/store-redis"
 * const layer = RedisStore.layer({ url: process.env.KEYWAY_REDIS_URL, prefix: "myapp" })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (
  options: Options = {},
): Layer.Layer<TokenStore.TokenStore, Errors.TokenStoreUnavailable | Errors.ConfigError> =>
  Layer.effect(TokenStore.TokenStore, make(options))
