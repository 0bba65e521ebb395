import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Errors, TokenLifecycle, TokenStore } from "@keyway/core"
import { Effect, Exit, Fiber, Redacted, type Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { SqliteStore } from "../src/index.ts"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-sqlite-"))
afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))
let n = 0
const freshPath = () => Path.join(dir, `tokens-${++n}.db`)

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(effect))

const key = TokenStore.key({ provider: "workable", connection: "acme", scopes: ["r_jobs", "r_candidates"] })

const record = (over: Partial<TokenStore.StoredToken> = {}): TokenStore.StoredToken => ({
  accessToken: Redacted.make("access-secret"),
  refreshToken: Redacted.make("refresh-secret"),
  tokenType: "Bearer",
  expiresAt: Date.now() + 3_600_000,
  obtainedAt: Date.now(),
  revision: TokenStore.newRevision(),
  ...over,
})

const lockRow = (path: string) => {
  const db = new DatabaseSync(path)
  try {
    return db
      .prepare("SELECT holder, fence, expires_at FROM keyway_locks WHERE key = ?")
      .get(TokenStore.keyString(key))
  } finally {
    db.close()
  }
}

describe("SqliteStore: records", () => {
  it("compare-and-set writes only over the expected revision, and only-if-absent when none is expected", () =>
    run(
      Effect.gen(function* () {
        const store = yield* SqliteStore.make({ path: freshPath() })
        const first = record()
        expect(yield* store.compareAndSet(key, undefined, first)).toBe(true)
        expect(yield* store.compareAndSet(key, undefined, record())).toBe(false)
        const second = record()
        expect(yield* store.compareAndSet(key, first, second)).toBe(true)
        // the old record lost: an older writer cannot overwrite the rotated one
        expect(yield* store.compareAndSet(key, first, record())).toBe(false)
        expect((yield* store.get(key))?.revision).toBe(second.revision)
        expect(yield* store.compareAndSet(key, first, undefined)).toBe(false)
        expect(yield* store.compareAndSet(key, second, undefined)).toBe(true)
        expect(yield* store.get(key)).toBeUndefined()
        expect(yield* store.compareAndSet(key, undefined, undefined)).toBe(true)
      }),
    ))

  it("keeps records across reopening, secrets as Redacted, and deletes unconditionally", async () => {
    const path = freshPath()
    const written = record({ refreshExpiresAt: Date.now() + 1000, scope: "r_jobs" })
    await run(
      Effect.flatMap(SqliteStore.make({ path }), (store) => store.compareAndSet(key, undefined, written)),
    )
    const read = await run(Effect.flatMap(SqliteStore.make({ path }), (store) => store.get(key)))
    expect(read?.revision).toBe(written.revision)
    expect(Redacted.isRedacted(read?.accessToken)).toBe(true)
    expect(read?.refreshToken && Redacted.value(read.refreshToken)).toBe("refresh-secret")
    expect(read?.refreshExpiresAt).toBe(written.refreshExpiresAt)
    expect(String(read?.accessToken)).not.toContain("access-secret")
    await run(Effect.flatMap(SqliteStore.make({ path }), (store) => store.delete(key)))
    expect(await run(Effect.flatMap(SqliteStore.make({ path }), (store) => store.get(key)))).toBeUndefined()
  })

  it("creates the file 0600 in WAL mode", async () => {
    const path = Path.join(dir, "nested", "deeper", "tokens.db")
    await run(SqliteStore.make({ path }))
    expect(Fs.statSync(path).mode & 0o777).toBe(0o600)
    const db = new DatabaseSync(path)
    expect(db.prepare("PRAGMA journal_mode").get()?.journal_mode).toBe("wal")
    db.close()
  })

  it("fails with TokenStoreUnavailable when the file cannot be opened", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(SqliteStore.make({ path: dir })))
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    expect((error as { error?: unknown })?.error).toBeInstanceOf(Errors.TokenStoreUnavailable)
  })

  it("reports an unreadable record as TokenStoreUnavailable without its content", async () => {
    const path = freshPath()
    await run(SqliteStore.make({ path }))
    const db = new DatabaseSync(path)
    db.prepare("INSERT INTO keyway_tokens (key, revision, value, updated_at) VALUES (?, 'r', ?, 0)").run(
      TokenStore.keyString(key),
      "{not json secret-value",
    )
    db.close()
    const exit = await Effect.runPromiseExit(
      Effect.scoped(Effect.flatMap(SqliteStore.make({ path }), (s) => s.get(key))),
    )
    const error = Exit.isFailure(exit)
      ? (exit.cause.reasons[0] as { error?: Errors.TokenStoreUnavailable }).error
      : undefined
    expect(error?._tag).toBe("TokenStoreUnavailable")
    expect(error?.message).not.toContain("secret-value")
  })
})

describe("SqliteStore: refresh lock", () => {
  it("excludes a second store on the same file until the first releases", () =>
    run(
      Effect.gen(function* () {
        const path = freshPath()
        const a = yield* SqliteStore.make({ path })
        const b = yield* SqliteStore.make({ path })
        const events: Array<string> = []
        let releasedAt = 0
        const first = yield* Effect.forkChild(
          a.withRefreshLock(
            key,
            Effect.sync(() => events.push("a:start")).pipe(
              Effect.andThen(Effect.sleep("200 millis")),
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
        // the waiter noticed the release promptly (polling every <= 20 ms)
        expect(startedAt - releasedAt).toBeLessThan(100)
      }),
    ))

  it("releases the lock when the refresh fails or is interrupted", () =>
    run(
      Effect.gen(function* () {
        const path = freshPath()
        const store = yield* SqliteStore.make({ path })
        const failed = yield* Effect.result(store.withRefreshLock(key, Effect.fail("boom" as const)))
        expect(failed._tag).toBe("Failure")
        expect(Number(lockRow(path)?.expires_at)).toBe(0)

        const fiber = yield* Effect.forkChild(store.withRefreshLock(key, Effect.never))
        yield* Effect.sleep("50 millis")
        expect(Number(lockRow(path)?.expires_at)).toBeGreaterThan(Date.now())
        yield* Fiber.interrupt(fiber)
        expect(Number(lockRow(path)?.expires_at)).toBe(0)
        // and the next one gets it at once
        const started = Date.now()
        yield* store.withRefreshLock(key, Effect.void)
        expect(Date.now() - started).toBeLessThan(50)
      }),
    ))

  it("takes over a lock whose holder vanished once it expires, with a higher fencing number", () =>
    run(
      Effect.gen(function* () {
        const path = freshPath()
        const store = yield* SqliteStore.make({ path })
        const db = new DatabaseSync(path)
        db.prepare("INSERT INTO keyway_locks (key, holder, fence, expires_at) VALUES (?, 'ghost', 7, ?)").run(
          TokenStore.keyString(key),
          Date.now() + 300,
        )
        db.close()
        const started = Date.now()
        const fence = yield* store.withRefreshLock(
          key,
          Effect.sync(() => Number(lockRow(path)?.fence)),
        )
        expect(Date.now() - started).toBeGreaterThanOrEqual(280)
        expect(Date.now() - started).toBeLessThan(600)
        expect(fence).toBe(8)
      }),
    ))

  it("renews the lock while a slow refresh runs, so nobody takes it over", () =>
    run(
      Effect.gen(function* () {
        const path = freshPath()
        const a = yield* SqliteStore.make({ path, lockTtl: "150 millis" })
        const b = yield* SqliteStore.make({ path, lockTtl: "150 millis" })
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
      }),
    ))

  it("releases only its own lock (fencing): a holder whose lock was taken over leaves the new holder's row alone", () =>
    run(
      Effect.gen(function* () {
        const path = freshPath()
        const store = yield* SqliteStore.make({ path })
        yield* store.withRefreshLock(
          key,
          Effect.sync(() => {
            // another process takes the lock over (as if ours had expired while we were frozen)
            const db = new DatabaseSync(path)
            db.prepare(
              "UPDATE keyway_locks SET holder = 'other', fence = fence + 1, expires_at = ? WHERE key = ?",
            ).run(Date.now() + 60_000, TokenStore.keyString(key))
            db.close()
          }),
        )
        const row = lockRow(path)
        expect(row?.holder).toBe("other")
        expect(Number(row?.expires_at)).toBeGreaterThan(Date.now())
      }),
    ))

  it("a waiter returns what another process just stored without queueing for the lock", () =>
    run(
      Effect.gen(function* () {
        const path = freshPath()
        const a = yield* SqliteStore.make({ path })
        const b = yield* SqliteStore.make({ path })
        const old = record()
        yield* a.compareAndSet(key, undefined, old)
        const fresh = record()
        let aReleasing = 0
        const holder = yield* Effect.forkChild(
          a.withRefreshLock(
            key,
            Effect.gen(function* () {
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
            const row = lockRow(path)
            return {
              at: Date.now(),
              record: yield* b.get(key),
              lockFence: Number(row?.fence),
              lockLive: Number(row?.expires_at) > Date.now(),
            }
          }),
        )
        yield* Fiber.join(holder)
        // b's refresh ran (and read the new record) while a still held the lock
        expect(seen.record?.revision).toBe(fresh.revision)
        expect(seen.lockLive).toBe(true)
        expect(seen.lockFence).toBe(1)
        expect(seen.at).toBeLessThan(aReleasing)
      }),
    ))

  it("a waiter takes the lock itself when the holder stored nothing usable", () =>
    run(
      Effect.gen(function* () {
        const path = freshPath()
        const a = yield* SqliteStore.make({ path })
        const b = yield* SqliteStore.make({ path })
        const old = record()
        yield* a.compareAndSet(key, undefined, old)
        // the holder fails after marking the grant for reauthorization: nothing fresh was stored
        const holder = yield* Effect.forkChild(
          Effect.result(
            a.withRefreshLock(
              key,
              Effect.sleep("100 millis").pipe(
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
        const fence = yield* b.withRefreshLock(
          key,
          Effect.sync(() => Number(lockRow(path)?.fence)),
        )
        yield* Fiber.join(holder)
        expect(fence).toBe(2)
      }),
    ))

  it("gives up waiting after lockWaitTimeout with TokenStoreUnavailable", () =>
    run(
      Effect.gen(function* () {
        const path = freshPath()
        const store = yield* SqliteStore.make({ path, lockWaitTimeout: "200 millis" })
        const db = new DatabaseSync(path)
        db.prepare("INSERT INTO keyway_locks (key, holder, fence, expires_at) VALUES (?, 'ghost', 1, ?)").run(
          TokenStore.keyString(key),
          Date.now() + 60_000,
        )
        db.close()
        const result = yield* Effect.result(store.withRefreshLock(key, Effect.succeed("ran")))
        expect(result._tag).toBe("Failure")
        if (result._tag === "Failure") {
          expect(result.failure._tag).toBe("TokenStoreUnavailable")
        }
      }),
    ))

  it("two lifecycles on two connections to one file obtain one token between them", () =>
    run(
      Effect.gen(function* () {
        const path = freshPath()
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
        const one = yield* lifecycle(yield* SqliteStore.make({ path }))
        const two = yield* lifecycle(yield* SqliteStore.make({ path }))
        const tokens = yield* Effect.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).get(["r_jobs", "r_candidates"])),
          { concurrency: "unbounded" },
        )
        expect(fetches).toBe(1)
        expect(new Set(tokens.map((t) => Redacted.value(t.accessToken!))).size).toBe(1)
      }),
    ))
})
