// What is Redis's own (key names, expiry, encryption at rest, the in-process cache); the
// TokenStore contract (records, refresh lock, processes) is checked by the conformance suite in
// Conformance.test.ts.
import { Errors, TokenStore } from "@keyway/core"
import { contend } from "@keyway/store-testkit/Conformance"
import { Effect, Exit, Redacted, type Scope } from "effect"
import { describe, expect, it } from "vitest"
import { Keyring, RedisStore } from "../src/index.ts"
import { useRedis } from "./redis.ts"

const redis = useRedis()

let n = 0
const freshPrefix = () => `kwtest${process.pid}x${++n}`
const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect))
const open = (options: Omit<RedisStore.Options, "url"> = {}) =>
  RedisStore.make({ url: redis.url, ...options })

const key = TokenStore.key({ provider: "workable", connection: "acme", scopes: ["w_jobs", "r_jobs"] })

const record = (over: Partial<TokenStore.StoredToken> = {}): TokenStore.StoredToken => ({
  accessToken: Redacted.make("access-SECRET-123"),
  refreshToken: Redacted.make("refresh-SECRET-456"),
  tokenType: "Bearer",
  expiresAt: Date.now() + 3_600_000,
  obtainedAt: Date.now(),
  revision: TokenStore.newRevision(),
  ...over,
})

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit)
    ? (exit.cause.reasons.find((r) => r._tag === "Fail") as { error: E } | undefined)?.error
    : undefined

describe("RedisStore: records", () => {
  it("names keys {prefix}:{provider}:{connection}:{scopes}, and its lock {prefix}:lock:...", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const store = yield* open({ prefix })
        expect(store.redisKey(key)).toBe(`${prefix}:workable:acme:r_jobs%20w_jobs`)
        yield* store.compareAndSet(key, undefined, record())
        expect(yield* Effect.promise(() => redis.raw.exists(`${prefix}:workable:acme:r_jobs%20w_jobs`))).toBe(
          1,
        )
        expect(
          RedisStore.redisKey("keyway", TokenStore.key({ provider: "a:b", connection: "c", scopes: [] })),
        ).toBe("keyway:a%3Ab:c:")
        // the refresh lock of the key: {prefix}:lock:{provider}:{connection}:{scopes}, gone once released
        const lockKey = `${prefix}:lock:workable:acme:r_jobs%20w_jobs`
        expect(
          yield* store.withRefreshLock(
            key,
            Effect.promise(() => redis.raw.exists(lockKey)),
          ),
        ).toBe(1)
        expect(yield* Effect.promise(() => redis.raw.exists(lockKey))).toBe(0)
      }),
    ))

  it("expires records with the grant: refreshExpiresAt with a refresh token, expiresAt without, never when unknown", () =>
    run(
      Effect.gen(function* () {
        const store = yield* open({ prefix: freshPrefix(), expiryGrace: "10 seconds" })
        const now = Date.now()
        const pttl = () => Effect.promise(() => redis.raw.pttl(store.redisKey(key)))
        const one = record({ expiresAt: now + 60_000, refreshExpiresAt: now + 600_000 })
        yield* store.compareAndSet(key, undefined, one)
        expect(Math.abs((yield* pttl()) - 610_000)).toBeLessThan(2000)
        const two = record({ expiresAt: now + 60_000, refreshExpiresAt: undefined })
        yield* store.compareAndSet(key, one, two)
        expect(yield* pttl()).toBe(-1)
        const three = record({ refreshToken: undefined, expiresAt: now + 60_000 })
        yield* store.compareAndSet(key, two, three)
        expect(Math.abs((yield* pttl()) - 70_000)).toBeLessThan(2000)
        const four = record({ refreshToken: undefined, expiresAt: undefined })
        yield* store.compareAndSet(key, three, four)
        expect(yield* pttl()).toBe(-1)
      }),
    ))
})

describe("RedisStore: encryption at rest", () => {
  const k1 = Keyring.generateKey()
  const k2 = Keyring.generateKey()

  it("stores {kid, iv, tag, ct}: the raw Redis value holds no token", () =>
    run(
      Effect.gen(function* () {
        const store = yield* open({
          prefix: freshPrefix(),
          encryption: { current: "k1", keys: { k1: Redacted.make(k1) } },
        })
        yield* store.compareAndSet(key, undefined, record())
        const hash = yield* Effect.promise(() => redis.raw.hgetall(store.redisKey(key)))
        const dump = JSON.stringify(hash)
        expect(dump).not.toContain("SECRET")
        expect(dump).not.toContain("access-")
        expect(dump).not.toContain("refresh-")
        expect(hash.fmt).toBe("aes-256-gcm")
        const envelope = JSON.parse(hash.val!) as Keyring.Envelope
        expect(Object.keys(envelope).sort()).toEqual(["ct", "iv", "kid", "tag"])
        expect(envelope.kid).toBe("k1")
        const read = yield* store.get(key)
        expect(read?.accessToken && Redacted.value(read.accessToken)).toBe("access-SECRET-123")
      }),
    ))

  it("rotates keys: old records decrypt with the old key, new writes use the current one", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const before = yield* open({ prefix, cache: false, encryption: { current: "k1", keys: { k1 } } })
        const first = record()
        yield* before.compareAndSet(key, undefined, first)
        const after = yield* open({ prefix, cache: false, encryption: { current: "k2", keys: { k1, k2 } } })
        const read = yield* after.get(key)
        expect(read?.revision).toBe(first.revision)
        yield* after.compareAndSet(key, read, record())
        const hash = yield* Effect.promise(() => redis.raw.hgetall(after.redisKey(key)))
        expect((JSON.parse(hash.val!) as Keyring.Envelope).kid).toBe("k2")
        // a store that lost the key cannot read the record, and says so without its content
        const stale = yield* open({ prefix, cache: false, encryption: { current: "k1", keys: { k1 } } })
        const failure = failureOf(yield* Effect.exit(stale.get(key)))
        expect(failure?._tag).toBe("TokenStoreUnavailable")
        expect(String(failure?.message)).toContain('"k2"')
        expect(String(failure?.message)).not.toContain("SECRET")
        const none = yield* open({ prefix, cache: false })
        expect(failureOf(yield* Effect.exit(none.get(key)))?._tag).toBe("TokenStoreUnavailable")
      }),
    ))

  it("refuses a ciphertext moved to another key or altered", () =>
    run(
      Effect.gen(function* () {
        const store = yield* open({
          prefix: freshPrefix(),
          cache: false,
          encryption: { current: "k1", keys: { k1 } },
        })
        yield* store.compareAndSet(key, undefined, record())
        const other = TokenStore.key({
          provider: "workable",
          connection: "evil",
          scopes: ["w_jobs", "r_jobs"],
        })
        const hash = yield* Effect.promise(() => redis.raw.hgetall(store.redisKey(key)))
        yield* Effect.promise(() => redis.raw.hset(store.redisKey(other), hash))
        expect(failureOf(yield* Effect.exit(store.get(other)))?._tag).toBe("TokenStoreUnavailable")
        const envelope = JSON.parse(hash.val!) as Keyring.Envelope
        const flipped = Buffer.from(envelope.ct, "base64")
        flipped[0] = flipped[0]! ^ 1
        yield* Effect.promise(() =>
          redis.raw.hset(
            store.redisKey(key),
            "val",
            JSON.stringify({ ...envelope, ct: flipped.toString("base64") }),
          ),
        )
        expect(failureOf(yield* Effect.exit(store.get(key)))?._tag).toBe("TokenStoreUnavailable")
      }),
    ))

  it("rejects a keyring without its current key or with a short key as ConfigError", async () => {
    const missing = await Effect.runPromiseExit(
      Effect.scoped(open({ encryption: { current: "k9", keys: { k1 } } })),
    )
    expect(failureOf(missing)).toBeInstanceOf(Errors.ConfigError)
    const short = await Effect.runPromiseExit(
      Effect.scoped(
        open({ encryption: { current: "k1", keys: { k1: Buffer.alloc(16).toString("base64") } } }),
      ),
    )
    expect(failureOf(short)?._tag).toBe("ConfigError")
  })
})

describe("RedisStore: in-process cache", () => {
  it("serves a fresh record from memory (write-through) and stays coherent with other processes' writes", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const a = yield* open({ prefix })
        const b = yield* open({ prefix })
        let reads = 0
        const hmget = a.client.hmget.bind(a.client)
        a.client.hmget = ((...args: Parameters<typeof hmget>) => {
          reads++
          return hmget(...args)
        }) as typeof a.client.hmget
        const first = record()
        yield* a.compareAndSet(key, undefined, first)
        for (let i = 0; i < 100; i++) expect((yield* a.get(key))?.revision).toBe(first.revision)
        expect(reads).toBe(0)
        // another process rotates: its invalidation message reaches us
        const second = record()
        expect(yield* b.compareAndSet(key, first, second)).toBe(true)
        const deadline = Date.now() + 1000
        let seen = first.revision
        while (seen !== second.revision && Date.now() < deadline) {
          yield* Effect.sleep("5 millis")
          seen = (yield* a.get(key))?.revision ?? ""
        }
        expect(seen).toBe(second.revision)
        expect(reads).toBeGreaterThan(0)
        // a lost compare-and-set drops the cached record
        yield* b.compareAndSet(key, second, record())
        expect(yield* a.compareAndSet(key, second, record())).toBe(false)
        const current = yield* b.get(key)
        expect((yield* a.get(key))?.revision).toBe(current?.revision)
      }),
    ))

  it("does not serve stale or unusable records from memory, and reads through while holding the refresh lock", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const a = yield* open({ prefix })
        const first = record()
        yield* a.compareAndSet(key, undefined, first)
        // a write that bypasses the store (no invalidation message): the cache still has `first`
        const sneaky = record()
        yield* Effect.promise(() =>
          redis.raw.hset(
            a.redisKey(key),
            "rev",
            sneaky.revision,
            "fmt",
            "json",
            "val",
            TokenStore.serialize(sneaky),
          ),
        )
        expect((yield* a.get(key))?.revision).toBe(first.revision)
        // inside the refresh lock, reads go to Redis
        const inside = yield* a.withRefreshLock(key, a.get(key))
        expect(inside?.revision).toBe(sneaky.revision)
        // near expiry: never from memory
        const expiring = record({ obtainedAt: Date.now() - 3_500_000, expiresAt: Date.now() + 10_000 })
        const c = yield* open({ prefix: freshPrefix() })
        yield* c.compareAndSet(key, undefined, expiring)
        let reads = 0
        const hmget = c.client.hmget.bind(c.client)
        c.client.hmget = ((...args: Parameters<typeof hmget>) => {
          reads++
          return hmget(...args)
        }) as typeof c.client.hmget
        yield* c.get(key)
        expect(reads).toBe(1)
      }),
    ))
})

describe("RedisStore: refresh lock messages", () => {
  it("a waiter wakes on the release message, not by polling", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const a = yield* open({ prefix, lockPollInterval: "2 seconds" })
        const b = yield* open({ prefix, lockPollInterval: "2 seconds" })
        const { holder, waiter } = yield* contend({
          holder: a,
          waiter: b,
          key,
          holding: Effect.sleep("1750 millis"),
          waiting: Effect.void,
          afterMs: 30,
        })
        expect(waiter.startedAt).toBeGreaterThanOrEqual(holder.endedAt)
        // The waiter's pauses (5 ms doubling, +-25 %) end between 1.0 and 1.65 s and then between
        // 1.95 and 3.2 s after it began: by polling alone it could not start within 150 ms of a
        // release at 1.75 s.
        expect(waiter.startedAt - holder.endedAt).toBeLessThan(150)
      }),
    ))
})
