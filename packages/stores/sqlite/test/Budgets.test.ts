// The call budgets the SQLite store keeps for core's Throttle: two stores on one file (as two
// processes would have) share one budget.
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { SqliteStore } from "../src/index.ts"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-sqlite-budgets-"))
afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))

describe("SqliteStore: call budgets", () => {
  it("two stores on one file reserve from one budget; a hold delays both", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const path = Path.join(dir, "budgets.db")
          const a = (yield* SqliteStore.make({ path })).budgets!
          const b = (yield* SqliteStore.make({ path })).budgets!
          const request = { intervalMs: 50, burst: 2, now: 10_000, maxWaitMs: 120 }
          const waits = [
            yield* a.reserve("cultureamp", request),
            yield* b.reserve("cultureamp", request),
            yield* a.reserve("cultureamp", request),
            yield* b.reserve("cultureamp", request),
            yield* a.reserve("cultureamp", request),
          ].map((r) => (r.granted ? r.waitMs : -r.waitMs))
          expect(waits).toEqual([0, 0, 50, 100, -150])
          yield* b.hold("ccw", 20_000, { intervalMs: 100, burst: 1, now: 10_000 })
          expect(
            yield* a.reserve("ccw", { intervalMs: 100, burst: 1, now: 15_000, maxWaitMs: 10_000 }),
          ).toEqual({
            granted: true,
            waitMs: 5_000,
          })
        }),
      ),
    ))

  it("leases the budget's concurrency between stores on one file: a limit, release, expiry", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const path = Path.join(dir, "leases.db")
          const one = (yield* SqliteStore.make({ path })).budgets!
          const two = (yield* SqliteStore.make({ path })).budgets!
          const lease = (store: typeof one, id: string, now: number) =>
            store.lease!("ccw/inflight", { id, limit: 1, leaseMs: 5_000, now })
          expect(yield* lease(one, "a", 1_000)).toEqual({ acquired: true, retryInMs: 0 })
          expect(yield* lease(two, "b", 2_000)).toEqual({ acquired: false, retryInMs: 4_000 })
          yield* one.release!("ccw/inflight", "a")
          expect((yield* lease(two, "b", 2_000)).acquired).toBe(true)
          expect((yield* lease(one, "c", 6_999)).acquired).toBe(false)
          expect((yield* lease(one, "c", 7_000)).acquired).toBe(true)
        }),
      ),
    ))
})
