/**
 * The records of the Redis store: `get` (from the in-process cache when it may serve, else one
 * `HMGET`), `compareAndSet` and `delete` (one script each, which publishes the invalidation; a
 * compare-and-set whose reply was lost is retried, which is safe), and `list` (`SCAN` over one
 * provider's keys, one pipelined `HMGET` per page).
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
 *   return yield* store.get(key)
 * }))
 * ```
 *
 * @since 0.1.0
 */
import type { Errors, TokenStore } from "@keyway/core"
import { Duration, Effect, Schedule } from "effect"
import type { HotCache } from "./cache.ts"
import type { Codec } from "./codec.ts"
import { type Connection, type Settings, unavailable } from "./connection.ts"
import { expireAt, idOf, redisKey } from "./keys.ts"
import { type Eval, SCRIPTS } from "./scripts.ts"

/**
 * The record operations of a store.
 *
 * @example
 * ```ts
 * const written: boolean = yield* records.compareAndSet(key, undefined, token)
 * ```
 */
export type Records = Pick<TokenStore.TokenStoreShape, "get" | "compareAndSet" | "delete"> & {
  readonly list: NonNullable<TokenStore.TokenStoreShape["list"]>
}

// A write whose reply was lost may have been applied: retrying is safe (the script reports
// success when the stored revision already is the new one), and it keeps a freshly rotated
// refresh token from being lost to a short blip.
const writeRetry = Schedule.exponential(Duration.millis(100), 2).pipe(Schedule.upTo({ times: 3 }))

/**
 * The record operations over a connection, a cache, a codec and the script runner.
 *
 * @example
 * ```ts
 * const { get, compareAndSet } = makeRecords({ settings, connection, cache, codec, run })
 * ```
 */
export const makeRecords = (deps: {
  readonly settings: Settings
  readonly connection: Connection
  readonly cache: HotCache
  readonly codec: Codec
  readonly run: Eval
}): Records => {
  const { settings, connection, cache, codec, run } = deps
  const { prefix, graceMs, invalidateChannel, origin } = settings
  const { client } = connection
  const { decode, encode } = codec

  const readThrough = (id: string, rkey: string) =>
    Effect.suspend(() => {
      const before = cache.generation(id)
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
        Effect.tap((record) => Effect.sync(() => cache.afterRead(id, before, record))),
      )
    })

  const get = (
    key: TokenStore.TokenKey,
  ): Effect.Effect<TokenStore.StoredToken | undefined, Errors.TokenStoreUnavailable> =>
    Effect.suspend(() => {
      const id = idOf(key)
      if (connection.listening()) {
        const hit = cache.hit(id)
        if (hit !== undefined) return hit
      }
      return readThrough(id, redisKey(prefix, key))
    })

  const compareAndSet = (
    key: TokenStore.TokenKey,
    expected: TokenStore.StoredToken | undefined,
    next: TokenStore.StoredToken | undefined,
  ): Effect.Effect<boolean, Errors.TokenStoreUnavailable> =>
    Effect.suspend(() => {
      const id = idOf(key)
      const rkey = redisKey(prefix, key)
      const encoded = next === undefined ? { fmt: "", val: "" } : encode(rkey, next)
      return run(
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
            cache.bump(id)
            if (written && next !== undefined) cache.remember(id, next)
          }),
        ),
        Effect.tapError(() => Effect.sync(() => cache.bump(id))),
      )
    })

  const del = (key: TokenStore.TokenKey): Effect.Effect<void, Errors.TokenStoreUnavailable> =>
    Effect.suspend(() => {
      const id = idOf(key)
      cache.bump(id)
      return run(
        "delete",
        SCRIPTS.delete,
        [redisKey(prefix, key)],
        [invalidateChannel, `${origin}|${id}`],
      ).pipe(Effect.ensuring(Effect.sync(() => cache.bump(id))), Effect.asVoid)
    })

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

  return { get, compareAndSet, delete: del, list }
}
