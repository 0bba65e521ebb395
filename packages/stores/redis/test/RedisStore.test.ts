import { Errors, TokenLifecycle, TokenStore } from "@keyway/core"
import { RedisServer } from "@keyway/store-testkit"
import { Effect, Exit, Fiber, Redacted, type Scope } from "effect"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Keyring, RedisStore } from "../src/index.ts"

let redis: RedisServer.RedisServer
let raw: Redis
beforeAll(async () => {
  redis = await RedisServer.start()
  raw = new Redis(redis.url)
})
afterAll(async () => {
  raw?.disconnect()
  await redis?.dispose()
})

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
  it("names keys {prefix}:{provider}:{connection}:{scopes}", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const store = yield* open({ prefix })
        expect(store.redisKey(key)).toBe(`${prefix}:workable:acme:r_jobs%20w_jobs`)
        yield* store.compareAndSet(key, undefined, record())
        expect(yield* Effect.promise(() => raw.exists(`${prefix}:workable:acme:r_jobs%20w_jobs`))).toBe(1)
        expect(
          RedisStore.redisKey("keyway", TokenStore.key({ provider: "a:b", connection: "c", scopes: [] })),
        ).toBe("keyway:a%3Ab:c:")
      }),
    ))

  it("compare-and-set writes only over the expected revision, only-if-absent when none is expected", () =>
    run(
      Effect.gen(function* () {
        const store = yield* open({ prefix: freshPrefix() })
        const first = record()
        expect(yield* store.compareAndSet(key, undefined, first)).toBe(true)
        expect(yield* store.compareAndSet(key, undefined, record())).toBe(false)
        const second = record()
        expect(yield* store.compareAndSet(key, first, second)).toBe(true)
        expect(yield* store.compareAndSet(key, first, record())).toBe(false)
        // a write whose reply was lost can be retried: it reports success without writing twice
        expect(yield* store.compareAndSet(key, first, second)).toBe(true)
        const read = yield* store.get(key)
        expect(read?.revision).toBe(second.revision)
        expect(read?.refreshToken && Redacted.value(read.refreshToken)).toBe("refresh-SECRET-456")
        expect(yield* store.compareAndSet(key, first, undefined)).toBe(false)
        expect(yield* store.compareAndSet(key, second, undefined)).toBe(true)
        expect(yield* store.get(key)).toBeUndefined()
        yield* store.compareAndSet(key, undefined, record())
        yield* store.delete(key)
        expect(yield* store.get(key)).toBeUndefined()
      }),
    ))

  it("expires records with the grant: refreshExpiresAt with a refresh token, expiresAt without, never when unknown", () =>
    run(
      Effect.gen(function* () {
        const store = yield* open({ prefix: freshPrefix(), expiryGrace: "10 seconds" })
        const now = Date.now()
        const pttl = () => Effect.promise(() => raw.pttl(store.redisKey(key)))
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
        const hash = yield* Effect.promise(() => raw.hgetall(store.redisKey(key)))
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
        const hash = yield* Effect.promise(() => raw.hgetall(after.redisKey(key)))
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
        const hash = yield* Effect.promise(() => raw.hgetall(store.redisKey(key)))
        yield* Effect.promise(() => raw.hset(store.redisKey(other), hash))
        expect(failureOf(yield* Effect.exit(store.get(other)))?._tag).toBe("TokenStoreUnavailable")
        const envelope = JSON.parse(hash.val!) as Keyring.Envelope
        const flipped = Buffer.from(envelope.ct, "base64")
        flipped[0] = flipped[0]! ^ 1
        yield* Effect.promise(() =>
          raw.hset(
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
          raw.hset(
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

describe("RedisStore: refresh lock", () => {
  it("excludes another store until released, and the waiter wakes on the release message", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const a = yield* open({ prefix, lockPollInterval: "2 seconds" })
        const b = yield* open({ prefix, lockPollInterval: "2 seconds" })
        const events: Array<string> = []
        let releasedAt = 0
        const first = yield* Effect.forkChild(
          a.withRefreshLock(
            key,
            Effect.sync(() => events.push("a:start")).pipe(
              Effect.andThen(Effect.sleep("300 millis")),
              Effect.andThen(
                Effect.sync(() => {
                  events.push("a:end")
                  releasedAt = Date.now()
                }),
              ),
            ),
          ),
        )
        yield* Effect.sleep("30 millis")
        const startedAt = yield* b.withRefreshLock(
          key,
          Effect.sync(() => {
            events.push("b:start")
            return Date.now()
          }),
        )
        yield* Fiber.join(first)
        expect(events).toEqual(["a:start", "a:end", "b:start"])
        // polling alone would take up to 2 s here: the pub/sub release message woke the waiter
        expect(startedAt - releasedAt).toBeLessThan(150)
      }),
    ))

  it("releases the lock when the refresh fails or is interrupted", () =>
    run(
      Effect.gen(function* () {
        const store = yield* open({ prefix: freshPrefix() })
        const lockKey = `${store.prefix}:lock:workable:acme:r_jobs%20w_jobs`
        expect((yield* Effect.result(store.withRefreshLock(key, Effect.fail("boom" as const))))._tag).toBe(
          "Failure",
        )
        expect(yield* Effect.promise(() => raw.exists(lockKey))).toBe(0)
        const fiber = yield* Effect.forkChild(store.withRefreshLock(key, Effect.never))
        yield* Effect.sleep("50 millis")
        expect(yield* Effect.promise(() => raw.exists(lockKey))).toBe(1)
        yield* Fiber.interrupt(fiber)
        expect(yield* Effect.promise(() => raw.exists(lockKey))).toBe(0)
      }),
    ))

  it("takes over a lock whose holder vanished once it expires; fencing numbers grow", () =>
    run(
      Effect.gen(function* () {
        const store = yield* open({ prefix: freshPrefix() })
        const lockKey = `${store.prefix}:lock:workable:acme:r_jobs%20w_jobs`
        const first = yield* store.withRefreshLock(
          key,
          Effect.promise(() => raw.get(lockKey)),
        )
        yield* Effect.promise(() => raw.set(lockKey, "ghost", "PX", 300))
        const started = Date.now()
        const second = yield* store.withRefreshLock(
          key,
          Effect.promise(() => raw.get(lockKey)),
        )
        expect(Date.now() - started).toBeGreaterThanOrEqual(250)
        expect(Date.now() - started).toBeLessThan(700)
        expect(Number(second!.split(":")[0])).toBeGreaterThan(Number(first!.split(":")[0]))
      }),
    ))

  it("renews the lock while a slow refresh runs, and releases only its own lock", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const a = yield* open({ prefix, lockTtl: "150 millis" })
        const b = yield* open({ prefix, lockTtl: "150 millis" })
        const lockKey = `${prefix}:lock:workable:acme:r_jobs%20w_jobs`
        let aEnded = 0
        const slow = yield* Effect.forkChild(
          a.withRefreshLock(
            key,
            Effect.sleep("600 millis").pipe(Effect.andThen(Effect.sync(() => (aEnded = Date.now())))),
          ),
        )
        yield* Effect.sleep("20 millis")
        const bStarted = yield* b.withRefreshLock(
          key,
          Effect.sync(() => Date.now()),
        )
        yield* Fiber.join(slow)
        expect(bStarted).toBeGreaterThanOrEqual(aEnded)
        // taken over while held: the release leaves the new holder's lock alone
        yield* a.withRefreshLock(
          key,
          Effect.promise(() => raw.set(lockKey, "other", "PX", 60_000)),
        )
        expect(yield* Effect.promise(() => raw.get(lockKey))).toBe("other")
      }),
    ))

  it("a waiter returns what another process just stored without queueing for the lock", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const a = yield* open({ prefix })
        const b = yield* open({ prefix })
        const lockKey = `${prefix}:lock:workable:acme:r_jobs%20w_jobs`
        const old = record()
        yield* a.compareAndSet(key, undefined, old)
        const fresh = record()
        let aReleasing = 0
        let aLock: string | null = null
        const holder = yield* Effect.forkChild(
          a.withRefreshLock(
            key,
            Effect.gen(function* () {
              aLock = yield* Effect.promise(() => raw.get(lockKey))
              yield* Effect.sleep("100 millis")
              yield* a.compareAndSet(key, old, fresh)
              yield* Effect.sleep("300 millis")
              aReleasing = Date.now()
            }),
          ),
        )
        yield* Effect.sleep("20 millis")
        const seen = yield* b.withRefreshLock(
          key,
          Effect.gen(function* () {
            return {
              at: Date.now(),
              record: yield* b.get(key),
              lock: yield* Effect.promise(() => raw.get(lockKey)),
            }
          }),
        )
        yield* Fiber.join(holder)
        expect(seen.record?.revision).toBe(fresh.revision)
        // b's refresh ran while a still held the lock: woken by a's write, not by its release
        expect(seen.lock).toBe(aLock)
        expect(seen.at).toBeLessThan(aReleasing)
      }),
    ))

  it("a waiter takes the lock itself when the holder stored nothing usable", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        const a = yield* open({ prefix })
        const b = yield* open({ prefix })
        const lockKey = `${prefix}:lock:workable:acme:r_jobs%20w_jobs`
        const old = record()
        yield* a.compareAndSet(key, undefined, old)
        let aLock: string | null = null
        const holder = yield* Effect.forkChild(
          Effect.result(
            a.withRefreshLock(
              key,
              Effect.promise(() => raw.get(lockKey)).pipe(
                Effect.tap((v) => Effect.sync(() => (aLock = v))),
                Effect.andThen(Effect.sleep("100 millis")),
                Effect.andThen(
                  a.compareAndSet(key, old, {
                    ...old,
                    accessToken: undefined,
                    needsReauthorization: "invalid_grant",
                    revision: "x",
                  }),
                ),
                Effect.andThen(Effect.fail("refused" as const)),
              ),
            ),
          ),
        )
        yield* Effect.sleep("20 millis")
        const bLock = yield* b.withRefreshLock(
          key,
          Effect.promise(() => raw.get(lockKey)),
        )
        yield* Fiber.join(holder)
        expect(bLock).not.toBeNull()
        expect(bLock).not.toBe(aLock)
      }),
    ))

  it("two lifecycles on two stores (two connections) obtain one token between them", () =>
    run(
      Effect.gen(function* () {
        const prefix = freshPrefix()
        let fetches = 0
        const fetch = () =>
          Effect.sleep("100 millis").pipe(
            Effect.andThen(
              Effect.sync(() => ({
                accessToken: Redacted.make(`at-${++fetches}`),
                refreshToken: Redacted.make("rt"),
                expiresIn: 3600,
              })),
            ),
          )
        const lifecycle = (store: TokenStore.TokenStoreShape) =>
          TokenLifecycle.make({ provider: "workable", connection: "acme", fetch }).pipe(
            Effect.provideService(TokenStore.TokenStore, store),
          )
        const one = yield* lifecycle(yield* open({ prefix }))
        const two = yield* lifecycle(yield* open({ prefix }))
        const tokens = yield* Effect.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).get(["w_jobs", "r_jobs"])),
          { concurrency: "unbounded" },
        )
        expect(fetches).toBe(1)
        expect(new Set(tokens.map((t) => Redacted.value(t.accessToken!))).size).toBe(1)
      }),
    ))
})
