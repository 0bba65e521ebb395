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
import { createHash } from "node:crypto"
import { Errors, KeyedMutex, Keyring, type Throttle, TokenStore } from "@keyway/core"
import { Clock, Duration, Effect, Fiber, Layer, Schedule, type Scope } from "effect"
import { Redis, type RedisOptions } from "ioredis"

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

const FORMAT_JSON = "json"
const FORMAT_GCM = "aes-256-gcm"

const CAS_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'rev')
if ARGV[2] ~= '' and cur == ARGV[2] then return 1 end
if ARGV[1] == '' then
  if cur then return 0 end
elseif cur ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'fmt', ARGV[3], 'val', ARGV[4])
  local at = tonumber(ARGV[5])
  if at > 0 then redis.call('PEXPIREAT', KEYS[1], at) end
end
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1
`

const DELETE_SCRIPT = `
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`

const ACQUIRE_SCRIPT = `
if ARGV[3] == '1' then
  local f = redis.call('HMGET', KEYS[3], 'rev', 'fmt', 'val')
  if (f[1] or '') ~= ARGV[4] then return {2, 0, f[1] or '', f[2] or '', f[3] or ''} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('PTTL', KEYS[1]), redis.call('HGET', KEYS[3], 'rev') or ''}
end
local fence = redis.call('INCR', KEYS[2])
local token = fence .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {1, token}
`

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0
`

// GCRA for call budgets (see core's Throttle.decide / Throttle.held): the key holds the
// theoretical arrival time in ms. ARGV: mode, now, interval, burst, maxWait (reserve) or until
// (hold). A reservation answers {granted 0|1, wait as a string: Lua numbers may be fractional}.
const BUDGET_SCRIPT = `
local tat = tonumber(redis.call('GET', KEYS[1]))
local now = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local tolerance = math.max(0, tonumber(ARGV[4]) - 1) * interval
if ARGV[1] == 'hold' then
  local at = tonumber(ARGV[5]) + tolerance
  if tat == nil or tat < at then tat = at end
  redis.call('SET', KEYS[1], tostring(tat), 'PX', math.max(1000, math.ceil(tat - now + 1000)))
  return {1, '0'}
end
local start = now
if tat ~= nil and tat > now then start = tat end
local wait = math.max(0, start - tolerance - now)
if wait > tonumber(ARGV[5]) then return {0, tostring(wait)} end
local nxt = start + interval
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.max(1000, math.ceil(nxt - now + 1000)))
return {1, tostring(wait)}
`

// Cross-process concurrency of a budget: a sorted set of leases scored by their expiry.
// ARGV: now, limit, leaseMs, id. Answers {1, '0'} when taken, else {0, ms until the first expires}.
const LEASE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), ARGV[4])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
  return {1, '0'}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(math.max(0, tonumber(first[2]) - tonumber(ARGV[1])))}
`

interface Script {
  readonly source: string
  readonly sha: string
}

const script = (source: string): Script => ({ source, sha: createHash("sha1").update(source).digest("hex") })

const SCRIPTS = {
  cas: script(CAS_SCRIPT),
  delete: script(DELETE_SCRIPT),
  acquire: script(ACQUIRE_SCRIPT),
  renew: script(RENEW_SCRIPT),
  release: script(RELEASE_SCRIPT),
  budget: script(BUDGET_SCRIPT),
  lease: script(LEASE_SCRIPT),
}

const millis = (input: Duration.Input | undefined, fallback: Duration.Input): number =>
  Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))

/** A failure reason fit for an error: the client's message, never a command's arguments. */
const reasonOf = (cause: unknown): string => {
  const message =
    typeof cause === "object" &&
    cause !== null &&
    typeof (cause as { message?: unknown }).message === "string"
      ? (cause as { message: string }).message
      : String(cause)
  return message.split("\n")[0]!.slice(0, 200)
}

/**
 * The Redis key of a token key: `{prefix}:{provider}:{connection}:{scopes}` with each part
 * URI-encoded (so `:` never appears inside a part) and the scopes sorted and space-joined.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import { RedisStore } from "@keyway/store-redis"
 * RedisStore.redisKey("keyway", TokenStore.key({ provider: "workable", connection: "acme", scopes: ["w", "r"] }))
 * // "keyway:workable:acme:r%20w"
 * ```
 *
 * @since 0.1.0
 */
export const redisKey = (prefix: string, key: TokenStore.TokenKey): string => `${prefix}:${suffix(key)}`

const suffix = (key: TokenStore.TokenKey): string => {
  const k = TokenStore.key(key)
  return `${encodeURIComponent(k.provider)}:${encodeURIComponent(k.connection)}:${encodeURIComponent(k.scopes.join(" "))}`
}

/**
 * The in-process and message id of a key: provider, connection and the normalized scopes joined by
 * NUL (cheaper than `TokenStore.keyString`, which URI-encodes; this runs on every cached `get`).
 * Parts that contain NUL fall back to `keyString`, so two keys never share an id.
 */
const idOf = (key: TokenStore.TokenKey): string => {
  const scopes = key.scopes
  let normalized = true
  for (let i = 1; i < scopes.length; i++) {
    if (scopes[i - 1]! >= scopes[i]!) {
      normalized = false
      break
    }
  }
  const joined = normalized ? scopes.join(" ") : TokenStore.key(key).scopes.join(" ")
  return key.provider.includes("\0") || key.connection.includes("\0") || joined.includes("\0")
    ? `\u0001${TokenStore.keyString(key)}`
    : `${key.provider}\0${key.connection}\0${joined}`
}

/**
 * When Redis should drop a record, in epoch ms (0: never): the refresh token's expiry when the
 * record has a refresh token, else the access token's, plus `graceMs`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { RedisStore } from "@keyway/store-redis"
 * RedisStore.expireAt({ accessToken: Redacted.make("a"), refreshToken: Redacted.make("r"), expiresAt: 10, refreshExpiresAt: 1000, obtainedAt: 0, revision: "1" }, 0) // 1000
 * ```
 *
 * @since 0.1.0
 */
export const expireAt = (token: TokenStore.StoredToken, graceMs: number): number => {
  const until = token.refreshToken !== undefined ? token.refreshExpiresAt : token.expiresAt
  return until === undefined ? 0 : until + graceMs
}

/**
 * Until when a cached record may be served without asking Redis: while it is usable and well
 * before its expiry (the lifecycle's default margin: a minute, at most half its lifetime), and
 * at most `maxAgeMs` after it was read or written. 0: never.
 */
const servableUntil = (token: TokenStore.StoredToken, now: number, maxAgeMs: number): number => {
  if (maxAgeMs <= 0 || token.accessToken === undefined || token.needsReauthorization !== undefined) return 0
  if (token.expiresAt === undefined) return now + maxAgeMs
  const margin = Math.min(60_000, (token.expiresAt - token.obtainedAt) / 2)
  return Math.min(now + maxAgeMs, token.expiresAt - margin)
}

interface Cached {
  readonly record: TokenStore.StoredToken
  readonly hit: Effect.Effect<TokenStore.StoredToken>
  readonly until: number
}

interface Lease {
  readonly lockKey: string
  readonly token: string
}

type Attempt =
  | { readonly _tag: "Acquired"; readonly lease: Lease }
  | { readonly _tag: "Held"; readonly remainingMs: number; readonly revision: string }
  | { readonly _tag: "Changed"; readonly revision: string; readonly fmt: string; readonly val: string }

type Outcome<A> =
  | { readonly _tag: "Done"; readonly value: A }
  | { readonly _tag: "Held"; readonly remainingMs: number; readonly revision: string }
  | { readonly _tag: "Changed"; readonly revision: string; readonly fmt: string; readonly val: string }

/**
 * Whether a record another process stored while we waited is one TokenLifecycle is certain to
 * take as it is: it has an access token, is not marked for reauthorization, and is in the first
 * half of its lifetime (TokenLifecycle's refresh margin is at most half the lifetime).
 */
const surelyFresh = (token: TokenStore.StoredToken | undefined, now: number): boolean =>
  token !== undefined &&
  token.accessToken !== undefined &&
  token.needsReauthorization === undefined &&
  token.failure === undefined &&
  (token.expiresAt === undefined || now < token.obtainedAt + (token.expiresAt - token.obtainedAt) / 2)

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
    const prefix = options.prefix ?? "keyway"
    const lockTtlMs = millis(options.lockTtl, "10 seconds")
    const maxPollMs = Math.max(1, millis(options.lockPollInterval, "100 millis"))
    const waitTimeoutMs = millis(options.lockWaitTimeout, "60 seconds")
    const commandTimeoutMs = millis(options.commandTimeout, "1 second")
    const connectTimeoutMs = millis(options.connectTimeout, "2 seconds")
    const graceMs = millis(options.expiryGrace, "1 minute")
    const cacheMaxAgeMs = options.cache === false ? 0 : millis(options.cache?.maxAge, "30 seconds")
    const keyring = yield* Effect.try({
      try: () => (options.encryption === undefined ? undefined : Keyring.make(options.encryption)),
      catch: (cause) =>
        cause instanceof Errors.ConfigError
          ? cause
          : new Errors.ConfigError({ path: "encryption", message: "invalid keyring" }),
    })
    const releasedChannel = `${prefix}:released`
    const invalidateChannel = `${prefix}:invalidate`
    const origin = crypto.randomUUID()

    const unavailable = (operation: string, cause: unknown) =>
      new Errors.TokenStoreUnavailable({ store: "redis", operation, reason: reasonOf(cause) })

    const clientOptions: RedisOptions = {
      ...options.redis,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
      connectTimeout: connectTimeoutMs,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    }
    const url = options.url ?? "redis://127.0.0.1:6379"

    // The cache: records by key id, with until when they may be served. `generation`
    // changes with every local write and every invalidation, so that a read that was in flight
    // meanwhile does not put an older record back.
    const cache = new Map<string, Cached>()
    const remember = (id: string, record: TokenStore.StoredToken) => {
      const now = Date.now()
      const until = servableUntil(record, now, cacheMaxAgeMs)
      if (until > now) cache.set(id, { record, hit: Effect.succeed(record), until })
      else cache.delete(id)
    }
    const generation = new Map<string, number>()
    const bump = (id: string) => {
      generation.set(id, (generation.get(id) ?? 0) + 1)
      cache.delete(id)
    }
    const lockedHere = new Map<string, number>()
    // Lock releases and record writes seen on the channels, by token key: they wake waiters.
    const signals = new Map<string, number>()
    const wakers = new Map<string, Set<() => void>>()
    const signal = (id: string) => {
      signals.set(id, (signals.get(id) ?? 0) + 1)
      for (const wake of wakers.get(id) ?? []) wake()
    }
    let listening = false

    const connect = (client: Redis, operation: string) =>
      Effect.tryPromise({
        try: () => client.connect(),
        catch: (cause) => unavailable(operation, cause),
      }).pipe(
        Effect.timeoutOrElse({
          duration: Duration.millis(connectTimeoutMs + 100),
          orElse: () => Effect.fail(unavailable(operation, "connect timeout")),
        }),
        Effect.tapError(() => Effect.sync(() => client.disconnect())),
      )

    const close = (client: Redis) =>
      Effect.promise(() => client.quit().catch(() => undefined)).pipe(
        Effect.timeoutOrElse({ duration: Duration.millis(500), orElse: () => Effect.void }),
        Effect.ensuring(Effect.sync(() => client.disconnect())),
      )

    const client = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const c = new Redis(url, clientOptions)
        c.on("error", () => {})
        return c
      }).pipe(Effect.tap((c) => connect(c, "connect"))),
      close,
    )

    // Pub/sub needs its own connection. It queues its (re)subscription while reconnecting.
    const subscriber = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const s = new Redis(url, { ...clientOptions, enableOfflineQueue: true, maxRetriesPerRequest: null })
        s.on("error", () => {})
        s.on("close", () => {
          listening = false
        })
        s.on("message", (channel: string, message: string) => {
          if (channel === releasedChannel) {
            signal(message)
          } else if (channel === invalidateChannel) {
            const [from, id] = splitOnce(message)
            if (from !== origin) bump(id)
            signal(id)
          }
        })
        return s
      }).pipe(Effect.tap((s) => connect(s, "subscribe"))),
      close,
    )
    const subscribe = () =>
      subscriber.subscribe(releasedChannel, invalidateChannel).then(
        () => {
          // Whatever was cached while the channel was down may have been rotated meanwhile.
          for (const id of [...cache.keys()]) bump(id)
          listening = true
        },
        () => {},
      )
    subscriber.on("ready", () => void subscribe())
    yield* Effect.tryPromise({
      try: () => subscriber.subscribe(releasedChannel, invalidateChannel),
      catch: (cause) => unavailable("subscribe", cause),
    })
    listening = true

    const evalScript = (
      operation: string,
      s: Script,
      keys: ReadonlyArray<string>,
      args: ReadonlyArray<string | number>,
    ) =>
      Effect.tryPromise({
        try: async () => {
          try {
            return await client.evalsha(s.sha, keys.length, ...keys, ...args)
          } catch (cause) {
            if (reasonOf(cause).startsWith("NOSCRIPT"))
              return await client.eval(s.source, keys.length, ...keys, ...args)
            throw cause
          }
        },
        catch: (cause) => unavailable(operation, cause),
      })

    const aadOf = (rkey: string, revision: string) => `keyway:v1:${rkey}:${revision}`

    const encode = (rkey: string, token: TokenStore.StoredToken): { fmt: string; val: string } => {
      const plain = TokenStore.serialize(token)
      if (keyring === undefined) return { fmt: FORMAT_JSON, val: plain }
      return { fmt: FORMAT_GCM, val: JSON.stringify(keyring.encrypt(plain, aadOf(rkey, token.revision))) }
    }

    const decode = (rkey: string, rev: string, fmt: string | null, val: string): TokenStore.StoredToken => {
      let plain = val
      if (fmt === FORMAT_GCM) {
        if (keyring === undefined)
          throw new Error("the record is encrypted and no encryption key is configured")
        plain = keyring.decrypt(JSON.parse(val) as Keyring.Envelope, aadOf(rkey, rev))
      } else if (fmt !== FORMAT_JSON) {
        throw new Error("the record has an unknown format")
      }
      let record: TokenStore.StoredToken
      try {
        record = TokenStore.deserialize(plain)
      } catch {
        throw new Error("the stored record is unreadable")
      }
      if (record.revision !== rev) throw new Error("the stored record does not match its revision")
      return record
    }

    const readThrough = (id: string, rkey: string) =>
      Effect.suspend(() => {
        const before = generation.get(id) ?? 0
        return Effect.tryPromise({
          try: () => client.hmget(rkey, "rev", "fmt", "val"),
          catch: (cause) => unavailable("get", cause),
        }).pipe(
          Effect.flatMap(([rev, fmt, val]) =>
            rev == null || val == null
              ? Effect.succeed(undefined)
              : Effect.try({
                  try: () => decode(rkey, rev, fmt ?? null, val),
                  catch: (cause) => unavailable("get", cause),
                }),
          ),
          Effect.tap((record) =>
            Effect.sync(() => {
              if (cacheMaxAgeMs <= 0 || (generation.get(id) ?? 0) !== before) return
              if (record === undefined) cache.delete(id)
              else remember(id, record)
            }),
          ),
        )
      })

    const get = (
      key: TokenStore.TokenKey,
    ): Effect.Effect<TokenStore.StoredToken | undefined, Errors.TokenStoreUnavailable> =>
      Effect.suspend(() => {
        const id = idOf(key)
        if (listening && cacheMaxAgeMs > 0) {
          const cached = cache.get(id)
          if (cached !== undefined && Date.now() < cached.until && !lockedHere.has(id)) return cached.hit
        }
        return readThrough(id, redisKey(prefix, key))
      })

    // A write whose reply was lost may have been applied: retrying is safe (the script reports
    // success when the stored revision already is the new one), and it keeps a freshly rotated
    // refresh token from being lost to a short blip.
    const writeRetry = Schedule.exponential(Duration.millis(100), 2).pipe(Schedule.upTo({ times: 3 }))

    const compareAndSet = (
      key: TokenStore.TokenKey,
      expected: TokenStore.StoredToken | undefined,
      next: TokenStore.StoredToken | undefined,
    ): Effect.Effect<boolean, Errors.TokenStoreUnavailable> =>
      Effect.suspend(() => {
        const id = idOf(key)
        const rkey = redisKey(prefix, key)
        const encoded = next === undefined ? { fmt: "", val: "" } : encode(rkey, next)
        return evalScript(
          "compareAndSet",
          SCRIPTS.cas,
          [rkey],
          [
            expected?.revision ?? "",
            next?.revision ?? "",
            encoded.fmt,
            encoded.val,
            next === undefined ? 0 : expireAt(next, graceMs),
            invalidateChannel,
            `${origin}|${id}`,
          ],
        ).pipe(
          Effect.retry(writeRetry),
          Effect.map((reply) => Number(reply) === 1),
          Effect.tap((written) =>
            Effect.sync(() => {
              bump(id)
              if (written && next !== undefined) remember(id, next)
            }),
          ),
          Effect.tapError(() => Effect.sync(() => bump(id))),
        )
      })

    const del = (key: TokenStore.TokenKey): Effect.Effect<void, Errors.TokenStoreUnavailable> =>
      Effect.suspend(() => {
        const id = idOf(key)
        bump(id)
        return evalScript(
          "delete",
          SCRIPTS.delete,
          [redisKey(prefix, key)],
          [invalidateChannel, `${origin}|${id}`],
        ).pipe(Effect.ensuring(Effect.sync(() => bump(id))), Effect.asVoid)
      })

    /**
     * Takes the lock, or says who has it; with a `baseline` revision (the record when we began
     * waiting), first says whether the record changed since, without taking the lock.
     */
    const tryAcquire = (
      lockKey: string,
      fenceKey: string,
      rkey: string,
      baseline: string | undefined,
    ): Effect.Effect<Attempt, Errors.TokenStoreUnavailable> =>
      evalScript(
        "withRefreshLock",
        SCRIPTS.acquire,
        [lockKey, fenceKey, rkey],
        [crypto.randomUUID(), lockTtlMs, baseline === undefined ? "0" : "1", baseline ?? ""],
      ).pipe(
        Effect.map((reply): Attempt => {
          const [tag, value, revision, fmt, val] = reply as [
            number,
            string | number,
            string?,
            string?,
            string?,
          ]
          switch (Number(tag)) {
            case 1:
              return { _tag: "Acquired", lease: { lockKey, token: String(value) } }
            case 2:
              return { _tag: "Changed", revision: revision ?? "", fmt: fmt ?? "", val: val ?? "" }
            default:
              return { _tag: "Held", remainingMs: Math.max(0, Number(value)), revision: revision ?? "" }
          }
        }),
      )

    const release = (lease: Lease, id: string) =>
      evalScript(
        "withRefreshLock",
        SCRIPTS.release,
        [lease.lockKey],
        [lease.token, releasedChannel, id],
      ).pipe(Effect.ignore)

    const heartbeat = (lease: Lease) =>
      Effect.sleep(Duration.millis(Math.max(1, Math.floor(lockTtlMs / 3)))).pipe(
        Effect.andThen(
          evalScript("withRefreshLock", SCRIPTS.renew, [lease.lockKey], [lease.token, lockTtlMs]),
        ),
        Effect.flatMap((renewed) =>
          Number(renewed) === 1
            ? Effect.void
            : Effect.logWarning("refresh lock was taken over by another process").pipe(
                Effect.andThen(Effect.interrupt),
              ),
        ),
        Effect.catch(() => Effect.void),
        Effect.forever,
      )

    /** Waits until a release or write message for `id` arrives after `seen` of them, or `maxMs` passes. */
    const waitForSignal = (id: string, seen: number, maxMs: number) =>
      Effect.callback<void>((resume) => {
        if ((signals.get(id) ?? 0) !== seen) return resume(Effect.void)
        let set = wakers.get(id)
        if (set === undefined) {
          set = new Set()
          wakers.set(id, set)
        }
        const own = set
        const done = () => {
          clearTimeout(timer)
          own.delete(wake)
          if (own.size === 0 && wakers.get(id) === own) wakers.delete(id)
        }
        const wake = () => {
          done()
          resume(Effect.void)
        }
        const timer = setTimeout(wake, Math.max(1, maxMs))
        own.add(wake)
        return Effect.sync(done)
      })

    const mutex = KeyedMutex.make()

    const withRefreshLock = <A, E, R>(
      key: TokenStore.TokenKey,
      refresh: Effect.Effect<A, E, R>,
    ): Effect.Effect<A, E | Errors.TokenStoreUnavailable, R> => {
      const id = idOf(key)
      const lockKey = `${prefix}:lock:${suffix(key)}`
      const fenceKey = `${prefix}:fence:${suffix(key)}`
      const hold = Effect.sync(() => {
        lockedHere.set(id, (lockedHere.get(id) ?? 0) + 1)
        bump(id)
      })
      const unhold = Effect.sync(() => {
        const n = (lockedHere.get(id) ?? 1) - 1
        if (n <= 0) lockedHere.delete(id)
        else lockedHere.set(id, n)
      })
      const rkey = redisKey(prefix, key)
      const attempt = (
        baseline: string | undefined,
      ): Effect.Effect<Outcome<A>, E | Errors.TokenStoreUnavailable, R> =>
        Effect.acquireUseRelease(
          tryAcquire(lockKey, fenceKey, rkey, baseline),
          (result): Effect.Effect<Outcome<A>, E, R> =>
            result._tag !== "Acquired"
              ? Effect.succeed(result)
              : Effect.gen(function* () {
                  yield* hold
                  const renewing = yield* Effect.forkChild(heartbeat(result.lease))
                  return yield* refresh.pipe(
                    Effect.map((value): Outcome<A> => ({ _tag: "Done", value })),
                    Effect.ensuring(Fiber.interrupt(renewing)),
                  )
                }),
          (result) =>
            result._tag === "Acquired"
              ? release(result.lease, id).pipe(Effect.ensuring(unhold))
              : Effect.void,
        )
      return mutex(
        id,
        Effect.gen(function* () {
          const deadline = Date.now() + waitTimeoutMs
          let pause = 5
          // The record's revision when we found the lock held: once another process has stored a
          // new record that is surely fresh, we run `refresh` without the lock (it re-reads the
          // store and returns that record) instead of queueing for the lock behind every waiter.
          let baseline: string | undefined
          while (true) {
            const seen = signals.get(id) ?? 0
            const outcome = yield* attempt(baseline)
            if (outcome._tag === "Done") return outcome.value
            if (outcome._tag === "Changed") {
              const record =
                outcome.revision === "" || outcome.val === ""
                  ? undefined
                  : yield* Effect.try({
                      try: () => decode(rkey, outcome.revision, outcome.fmt, outcome.val),
                      catch: (cause) => unavailable("withRefreshLock", cause),
                    })
              if (surelyFresh(record, yield* Clock.currentTimeMillis)) {
                remember(id, record!)
                return yield* refresh
              }
              baseline = outcome.revision
              continue
            }
            baseline ??= outcome.revision
            if (Date.now() >= deadline) {
              return yield* new Errors.TokenStoreUnavailable({
                store: "redis",
                operation: "withRefreshLock",
                reason: `another process held the refresh lock for more than ${waitTimeoutMs} ms`,
              })
            }
            const jittered = pause * (0.75 + Math.random() / 2)
            yield* waitForSignal(id, seen, Math.min(jittered, outcome.remainingMs + 1))
            pause = Math.min(pause * 2, maxPollMs)
          }
        }),
      )
    }

    // One provider's records: SCAN over `{prefix}:{provider}:*` (lock and fence keys live under
    // `{prefix}:lock:` and `{prefix}:fence:`), then one pipelined HMGET per page.
    const list = (provider: string) =>
      Effect.tryPromise({
        try: async () => {
          const match = `${prefix}:${encodeURIComponent(provider).replace(/[*?[\]\\]/g, "\\$&")}:*`
          const out: Array<TokenStore.Listed> = []
          let cursor = "0"
          do {
            const [next, keys] = await client.scan(cursor, "MATCH", match, "COUNT", 1000)
            cursor = next
            if (keys.length === 0) continue
            const pipeline = client.pipeline()
            for (const rkey of keys) pipeline.hmget(rkey, "rev", "fmt", "val")
            const replies = (await pipeline.exec()) ?? []
            keys.forEach((rkey, i) => {
              const [error, fields] = replies[i] ?? [null, null]
              if (error) throw error
              const [rev, fmt, val] = (fields ?? []) as Array<string | null>
              if (rev == null || val == null) return
              const parts = rkey.slice(prefix.length + 1).split(":")
              if (parts.length !== 3) return
              const joined = decodeURIComponent(parts[2]!)
              out.push({
                key: {
                  provider: decodeURIComponent(parts[0]!),
                  connection: decodeURIComponent(parts[1]!),
                  scopes: joined === "" ? [] : joined.split(" "),
                },
                token: decode(rkey, rev, fmt ?? null, val),
              })
            })
          } while (cursor !== "0")
          return out
        },
        catch: (cause) => unavailable("list", cause),
      })

    // Call budgets (core's Throttle), shared by every process on this Redis: one GCRA script per
    // reservation, so N processes never send more than the budget between them.
    const budgetKey = (key: string) => `${prefix}:budget:${key}`
    const budgets: Throttle.BudgetStore = {
      name: "redis",
      reserve: (key, request) =>
        evalScript(
          "throttle.reserve",
          SCRIPTS.budget,
          [budgetKey(key)],
          ["reserve", request.now, request.intervalMs, request.burst, request.maxWaitMs],
        ).pipe(
          Effect.map((reply) => {
            const [granted, wait] = reply as [number, string]
            return { granted: granted === 1, waitMs: Number(wait) }
          }),
        ),
      hold: (key, until, request) =>
        evalScript(
          "throttle.hold",
          SCRIPTS.budget,
          [budgetKey(key)],
          ["hold", request.now, request.intervalMs, request.burst, until],
        ).pipe(Effect.asVoid),
      lease: (key, request) =>
        evalScript(
          "throttle.lease",
          SCRIPTS.lease,
          [budgetKey(key)],
          [request.now, request.limit, Math.ceil(request.leaseMs), request.id],
        ).pipe(
          Effect.map((reply) => {
            const [acquired, retryIn] = reply as [number, string]
            return { acquired: acquired === 1, retryInMs: Number(retryIn) }
          }),
        ),
      release: (key, id) =>
        Effect.tryPromise({
          try: () => client.zrem(budgetKey(key), id),
          catch: (cause) => unavailable("throttle.release", cause),
        }).pipe(Effect.asVoid),
    }

    return {
      name: "redis",
      list,
      prefix,
      redisKey: (key: TokenStore.TokenKey) => redisKey(prefix, key),
      client,
      get,
      compareAndSet,
      delete: del,
      withRefreshLock,
      budgets,
    } satisfies RedisTokenStore
  })

const splitOnce = (message: string): [string, string] => {
  const at = message.indexOf("|")
  return at < 0 ? ["", message] : [message.slice(0, at), message.slice(at + 1)]
}

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
