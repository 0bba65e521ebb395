/**
 * The conformance checks of the refresh lock: exclusion, release on failure or interruption, takeover of an expired lock, renewal, fencing, waiting (fresh record, taking the lock, timeout) and single flight across two lifecycles.
 *
 * @example
 * ```ts
 * describe("TokenStore conformance: mine", () => lockChecks(makeSuite(options)))
 * ```
 *
 * @since 0.1.0
 */
import { TokenLifecycle, TokenStore } from "@keyway/core"
import { Effect, Fiber, Option, Redacted } from "effect"
import { describe, expect } from "vitest"
import type { Lock } from "./Options.ts"
import { contend, KEY, record, reveal, run, SCOPES, type Suite } from "./Suite.ts"

/**
 * Registers the checks (inside the suite's `describe`).
 *
 * @example
 * ```ts
 * lockChecks(suite)
 * ```
 */
export const lockChecks = <S extends TokenStore.TokenStoreShape>(suite: Suite<S>): void => {
  const { caps, open, openPair, locks, check, withLocks } = suite
  describe("refresh lock", () => {
    check("lock-exclusion", caps.refreshLock)(
      "excludes a second store on the same data until the first releases, and the waiter starts promptly",
      () =>
        run(
          Effect.gen(function* () {
            const [a, b] = yield* openPair()
            const { holder, waiter } = yield* contend({
              holder: a,
              waiter: b,
              holding: Effect.sleep("300 millis"),
              waiting: Effect.void,
              afterMs: 30,
            })
            expect(holder.result._tag).toBe("Success")
            expect(waiter.startedAt).toBeGreaterThanOrEqual(holder.endedAt)
            // the waiter noticed the release promptly
            expect(waiter.startedAt - holder.endedAt).toBeLessThan(caps.releaseWakeMs)
          }),
        ),
    )

    check("lock-release", caps.refreshLock)(
      "releases the lock when the refresh fails or is interrupted, and the next one gets it at once",
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* open()
            const other = yield* open({ sameAs: store })
            const failed = yield* Effect.result(store.withRefreshLock(KEY, Effect.fail("boom" as const)))
            expect(failed._tag).toBe("Failure")
            if (locks) expect(yield* locks.read(store, KEY)).toBeUndefined()

            const fiber = yield* Effect.forkChild(store.withRefreshLock(KEY, Effect.never))
            yield* Effect.sleep("50 millis")
            if (locks) expect((yield* locks.read(store, KEY))?.expiresAt).toBeGreaterThan(Date.now())
            // held: another store cannot run meanwhile
            let ran = false
            const meanwhile = yield* other
              .withRefreshLock(
                KEY,
                Effect.sync(() => {
                  ran = true
                }),
              )
              .pipe(Effect.timeoutOption("100 millis"))
            expect(Option.isNone(meanwhile)).toBe(true)
            expect(ran).toBe(false)
            yield* Fiber.interrupt(fiber)
            if (locks) expect(yield* locks.read(store, KEY)).toBeUndefined()
            // and the next one gets it at once, in this store or another
            let started = Date.now()
            yield* store.withRefreshLock(KEY, Effect.void)
            expect(Date.now() - started).toBeLessThan(50)
            started = Date.now()
            yield* other.withRefreshLock(KEY, Effect.void)
            expect(Date.now() - started).toBeLessThan(50)
          }),
        ),
    )

    check("lock-takeover", locks !== undefined)(
      "takes over a lock whose holder vanished once it expires, with a higher fencing number",
      () =>
        run(
          withLocks((locks) =>
            Effect.gen(function* () {
              const store = yield* open()
              const first = yield* store.withRefreshLock(KEY, locks.read(store, KEY))
              expect(first).toBeDefined()
              const ghost = first!.fence + 6
              yield* locks.plant(store, KEY, { holder: "ghost", fence: ghost, ttlMs: 300 })
              const started = Date.now()
              const second = yield* store.withRefreshLock(KEY, locks.read(store, KEY))
              expect(Date.now() - started).toBeGreaterThanOrEqual(280)
              expect(Date.now() - started).toBeLessThan(600)
              expect(second?.fence).toBe(ghost + 1)
              expect(second?.holder).not.toBe(first!.holder)
            }),
          ),
        ),
    )

    check("lock-renewal", caps.refreshLock)(
      "renews the lock while a slow refresh runs, so nobody takes it over",
      () =>
        run(
          Effect.gen(function* () {
            const [a, b] = yield* openPair({ lockTtlMs: 150 })
            const { holder, waiter } = yield* contend({
              holder: a,
              waiter: b,
              holding: Effect.sleep("600 millis"),
              waiting: Effect.void,
            })
            expect(holder.result._tag).toBe("Success")
            expect(holder.endedAt - holder.startedAt).toBeGreaterThanOrEqual(590)
            expect(waiter.startedAt).toBeGreaterThanOrEqual(holder.endedAt)
          }),
        ),
    )

    check("lock-fencing", locks !== undefined)(
      "releases only its own lock (fencing): a holder whose lock was taken over leaves the new holder's lock alone",
      () =>
        run(
          withLocks((locks) =>
            Effect.gen(function* () {
              const store = yield* open()
              const mine = yield* store.withRefreshLock(
                KEY,
                Effect.gen(function* () {
                  const mine = yield* locks.read(store, KEY)
                  // another process takes the lock over (as if ours had expired while we were frozen)
                  yield* locks.plant(store, KEY, { holder: "other", fence: mine!.fence + 1, ttlMs: 60_000 })
                  return mine
                }),
              )
              const after = yield* locks.read(store, KEY)
              expect(after?.holder).toBe("other")
              expect(after?.fence).toBe(mine!.fence + 1)
              expect(after?.expiresAt).toBeGreaterThan(Date.now())
            }),
          ),
        ),
    )

    check("lock-wait-fresh", caps.refreshLock)(
      "a waiter returns what another process just stored without queueing for the lock",
      () =>
        run(
          Effect.gen(function* () {
            const old = record()
            const [a, b] = yield* openPair({}, old)
            const fresh = record()
            const { holder, waiter } = yield* contend({
              holder: a,
              waiter: b,
              holding: Effect.gen(function* () {
                const lock = locks ? yield* locks.read(a, KEY) : undefined
                yield* Effect.sleep("100 millis")
                yield* a.compareAndSet(KEY, old, fresh)
                yield* Effect.sleep("300 millis")
                return lock
              }),
              waiting: Effect.all({
                record: b.get(KEY),
                lock: locks ? locks.read(b, KEY) : Effect.undefined,
              }),
            })
            expect(holder.result._tag).toBe("Success")
            expect(waiter.value.record?.revision).toBe(fresh.revision)
            // b's refresh ran while a still held the lock: woken by a's write, not by its release
            if (locks && holder.result._tag === "Success") {
              const aLock = holder.result.success
              expect(aLock).toBeDefined()
              expect(waiter.value.lock?.holder).toBe(aLock?.holder)
              expect(waiter.value.lock?.fence).toBe(aLock?.fence)
              expect(waiter.value.lock?.expiresAt).toBeGreaterThan(waiter.startedAt)
            }
            expect(waiter.endedAt).toBeLessThan(holder.endedAt)
          }),
        ),
    )

    check("lock-wait-take", caps.refreshLock)(
      "a waiter takes the lock itself when the holder stored nothing usable",
      () =>
        run(
          Effect.gen(function* () {
            const old = record()
            const [a, b] = yield* openPair({}, old)
            let aLock: Lock | undefined
            // the holder fails after marking the grant for reauthorization: nothing fresh was stored
            const { holder, waiter } = yield* contend({
              holder: a,
              waiter: b,
              holding: Effect.gen(function* () {
                if (locks) aLock = yield* locks.read(a, KEY)
                yield* Effect.sleep("100 millis")
                yield* a.compareAndSet(KEY, old, {
                  ...old,
                  accessToken: undefined,
                  needsReauthorization: "invalid_grant",
                  revision: "x",
                })
                return yield* Effect.fail("refused" as const)
              }),
              waiting: locks ? locks.read(b, KEY) : Effect.undefined,
            })
            expect(holder.result._tag).toBe("Failure")
            expect(waiter.startedAt).toBeGreaterThanOrEqual(holder.endedAt)
            if (locks) {
              expect(aLock).toBeDefined()
              expect(waiter.value).toBeDefined()
              expect(waiter.value?.holder).not.toBe(aLock?.holder)
              expect(waiter.value?.fence).toBe(aLock!.fence + 1)
            }
          }),
        ),
    )

    check("lock-wait-timeout", locks !== undefined)(
      "gives up waiting after lockWaitTimeout with TokenStoreUnavailable",
      () =>
        run(
          withLocks((locks) =>
            Effect.gen(function* () {
              const store = yield* open({ lockWaitTimeoutMs: 200 })
              yield* locks.plant(store, KEY, { holder: "ghost", fence: 1, ttlMs: 60_000 })
              let ran = false
              const started = Date.now()
              const result = yield* Effect.result(
                store.withRefreshLock(
                  KEY,
                  Effect.sync(() => {
                    ran = true
                  }),
                ),
              )
              const waited = Date.now() - started
              expect(result._tag).toBe("Failure")
              if (result._tag === "Failure") expect(result.failure._tag).toBe("TokenStoreUnavailable")
              expect(ran).toBe(false)
              expect(waited).toBeGreaterThanOrEqual(190)
              expect(waited).toBeLessThan(2000)
            }),
          ),
        ),
    )

    check("lock-single-flight", caps.refreshLock)(
      "two lifecycles on two stores on the same data obtain one token between them",
      () =>
        run(
          Effect.gen(function* () {
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
            const first = yield* open()
            const one = yield* lifecycle(first)
            const two = yield* lifecycle(yield* open({ sameAs: first }))
            const tokens = yield* Effect.all(
              Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).get(SCOPES)),
              { concurrency: "unbounded" },
            )
            expect(fetches).toBe(1)
            expect(new Set(tokens.map((t) => reveal(t.accessToken))).size).toBe(1)
          }),
        ),
    )
  })
}
