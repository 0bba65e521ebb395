/**
 * The Lua scripts of the Redis store, each run atomically by Redis (by SHA1, loaded again after a
 * `NOSCRIPT`): the record compare-and-set and delete (both publish an invalidation), the refresh
 * lock's acquire (with a fencing counter, or a report that the record changed), renew and release
 * (which publishes a release), and the call budgets' GCRA and concurrency leases.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { RedisStore } from "@keyway/store-redis"
 *
 * const key = TokenStore.key({ provider: "ccw", connection: "default", scopes: [] })
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const store = yield* RedisStore.make({ url: "redis://127.0.0.1:6379" })
 *   // one CAS script run: written only when nothing is stored yet
 *   return yield* store.compareAndSet(key, undefined, { accessToken: undefined, obtainedAt: Date.now(), revision: TokenStore.newRevision() })
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type { Errors } from "@keyway/core"
import { Effect } from "effect"
import type { Redis } from "ioredis"
import { reasonOf } from "./connection.ts"

// Compare-and-set. KEYS: record. ARGV: expected rev ('' = absent), next rev ('' = delete), fmt,
// val, expire-at ms (0 = never), invalidation channel, message. A retry of an applied write
// succeeds (the stored rev already is the next one).
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

/**
 * A script's source and its SHA1 (what `EVALSHA` names).
 *
 * @example
 * ```ts
 * const s: Script = SCRIPTS.renew
 * ```
 */
export interface Script {
  readonly source: string
  readonly sha: string
}

const script = (source: string): Script => ({ source, sha: createHash("sha1").update(source).digest("hex") })

/**
 * Every script of the store.
 *
 * @example
 * ```ts
 * SCRIPTS.release.sha // "…40 hex digits…"
 * ```
 */
export const SCRIPTS = {
  cas: script(CAS_SCRIPT),
  delete: script(DELETE_SCRIPT),
  acquire: script(ACQUIRE_SCRIPT),
  renew: script(RENEW_SCRIPT),
  release: script(RELEASE_SCRIPT),
  budget: script(BUDGET_SCRIPT),
  lease: script(LEASE_SCRIPT),
}

/**
 * Runs a script: its keys, its arguments, and the operation to name when it fails.
 *
 * @example
 * ```ts
 * const renew: Eval = run
 * yield* renew("withRefreshLock", SCRIPTS.renew, [lockKey], [token, 10_000])
 * ```
 */
export type Eval = (
  operation: string,
  script: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string | number>,
) => Effect.Effect<unknown, Errors.TokenStoreUnavailable>

/**
 * The script runner of a client: `EVALSHA`, then `EVAL` when Redis does not have the script yet.
 *
 * @example
 * ```ts
 * const run = evaluator(client, unavailable)
 * ```
 */
export const evaluator =
  (client: Redis, unavailable: (operation: string, cause: unknown) => Errors.TokenStoreUnavailable): Eval =>
  (operation, s, keys, args) =>
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
