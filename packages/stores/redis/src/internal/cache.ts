/**
 * The Redis store's in-process cache: records by key id with until when they may be served
 * (write-through on compare-and-set, dropped on every invalidation), a generation per id that
 * changes with every local write and every invalidation so that a read that was in flight
 * meanwhile does not put an older record back, and the ids whose refresh lock this process holds
 * (never served from memory meanwhile).
 *
 * @example
 * ```ts
 * import { RedisStore } from "@keyway/store-redis"
 * // records reused from memory for at most 5 seconds; `cache: false` reads Redis every time
 * const layer = RedisStore.layer({ cache: { maxAge: "5 seconds" } })
 * ```
 *
 * @since 0.1.0
 */
import type { TokenStore } from "@keyway/core"
import { Effect } from "effect"

/**
 * Until when a cached record may be served without asking Redis: while it is usable and well
 * before its expiry (the lifecycle's default margin: a minute, at most half its lifetime), and
 * at most `maxAgeMs` after it was read or written. 0: never.
 *
 * @example
 * ```ts
 * servableUntil(record, Date.now(), 30_000) > Date.now() // a fresh record
 * ```
 */
export const servableUntil = (token: TokenStore.StoredToken, now: number, maxAgeMs: number): number => {
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

/**
 * The cache of one store.
 *
 * @example
 * ```ts
 * const before = cache.generation(id)
 * // … read Redis …
 * cache.afterRead(id, before, record)
 * ```
 */
export interface HotCache {
  /** Whether the cache is on (`maxAge` above 0). */
  readonly enabled: boolean
  /** The cached record of an id, as an effect, while it is servable and its lock is not held here. */
  readonly hit: (id: string) => Effect.Effect<TokenStore.StoredToken> | undefined
  /** Caches a record (or drops the id when the record is not servable). */
  readonly remember: (id: string, record: TokenStore.StoredToken) => void
  /** The id's generation, to pass to `afterRead`. */
  readonly generation: (id: string) => number
  /** Caches what a read found, unless the id changed since the generation `before`. */
  readonly afterRead: (id: string, before: number, record: TokenStore.StoredToken | undefined) => void
  /** Drops the id and moves its generation on (a write, here or elsewhere). */
  readonly bump: (id: string) => void
  /** Drops every id (the invalidation channel was down). */
  readonly bumpAll: () => void
  /** This process took the id's refresh lock (drops it from the cache). */
  readonly hold: (id: string) => void
  /** This process released the id's refresh lock. */
  readonly unhold: (id: string) => void
}

/**
 * A cache whose records are reused for at most `maxAgeMs` (0: off).
 *
 * @example
 * ```ts
 * const cache = makeHotCache(0) // off: `hit` is always undefined
 * ```
 */
export const makeHotCache = (maxAgeMs: number): HotCache => {
  const cache = new Map<string, Cached>()
  const generations = new Map<string, number>()
  const lockedHere = new Map<string, number>()
  const remember = (id: string, record: TokenStore.StoredToken) => {
    const now = Date.now()
    const until = servableUntil(record, now, maxAgeMs)
    if (until > now) cache.set(id, { record, hit: Effect.succeed(record), until })
    else cache.delete(id)
  }
  const bump = (id: string) => {
    generations.set(id, (generations.get(id) ?? 0) + 1)
    cache.delete(id)
  }
  return {
    enabled: maxAgeMs > 0,
    hit: (id) => {
      if (maxAgeMs <= 0) return undefined
      const cached = cache.get(id)
      return cached !== undefined && Date.now() < cached.until && !lockedHere.has(id) ? cached.hit : undefined
    },
    remember,
    generation: (id) => generations.get(id) ?? 0,
    afterRead: (id, before, record) => {
      if (maxAgeMs <= 0 || (generations.get(id) ?? 0) !== before) return
      if (record === undefined) cache.delete(id)
      else remember(id, record)
    },
    bump,
    bumpAll: () => {
      for (const id of [...cache.keys()]) bump(id)
    },
    hold: (id) => {
      lockedHere.set(id, (lockedHere.get(id) ?? 0) + 1)
      bump(id)
    },
    unhold: (id) => {
      const n = (lockedHere.get(id) ?? 1) - 1
      if (n <= 0) lockedHere.delete(id)
      else lockedHere.set(id, n)
    },
  }
}
