/**
 * The conformance checks of records: compare-and-set, list, a retried write, delete, durability, redaction of secrets and key normalization.
 *
 * @example
 * ```ts
 * describe("TokenStore conformance: mine", () => recordChecks(makeSuite(options)))
 * ```
 *
 * @since 0.1.0
 */
import { inspect } from "node:util"
import { TokenStore } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { describe, expect } from "vitest"
import { ACCESS, KEY, plainFields, REFRESH, record, reveal, run, SCOPES, type Suite } from "./Suite.ts"

/**
 * Registers the checks (inside the suite's `describe`).
 *
 * @example
 * ```ts
 * recordChecks(suite)
 * ```
 */
export const recordChecks = <S extends TokenStore.TokenStoreShape>(suite: Suite<S>): void => {
  const { caps, open, rotated, check } = suite
  describe("records", () => {
    check("compare-and-set")(
      "compare-and-set writes only over the expected revision, and only-if-absent when none is expected",
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* open()
            expect(yield* store.get(KEY)).toBeUndefined()
            const first = record()
            expect(yield* store.compareAndSet(KEY, undefined, first)).toBe(true)
            expect(yield* store.compareAndSet(KEY, undefined, record())).toBe(false)
            expect((yield* store.get(KEY))?.revision).toBe(first.revision)
            const second = record()
            expect(yield* store.compareAndSet(KEY, first, second)).toBe(true)
            // the old record lost: an older writer cannot overwrite the rotated one
            expect(yield* store.compareAndSet(KEY, first, record())).toBe(false)
            const read = yield* store.get(KEY)
            expect(read?.revision).toBe(second.revision)
            expect(reveal(read?.refreshToken)).toBe(REFRESH)
          }),
        ),
    )

    check("list")(
      "list gives every record of one provider with its key, and only that provider's (when the store lists)",
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* open()
            if (store.list === undefined) return
            const other = TokenStore.key({ provider: "workable-2", connection: "acme", scopes: SCOPES })
            const spaced = TokenStore.key({
              provider: "workable",
              connection: "a:b c/d",
              scopes: ["x y", "z"],
            })
            for (const k of [KEY, other, spaced])
              expect(yield* store.compareAndSet(k, undefined, record())).toBe(true)
            const listed = yield* store.list("workable")
            const keys = listed.map((l) => TokenStore.keyString(l.key)).sort()
            expect(keys).toEqual([KEY, spaced].map((k) => TokenStore.keyString(k)).sort())
            expect(reveal(listed[0]?.token.refreshToken)).toBe(REFRESH)
            yield* store.delete(spaced)
            expect((yield* store.list("workable")).length).toBe(1)
          }),
        ),
    )

    check("retry-write", caps.idempotentRetry)(
      "a compare-and-set retried after its reply was lost reports success without writing twice",
      () =>
        run(
          Effect.gen(function* () {
            const { store, first, second } = yield* rotated
            expect(yield* store.compareAndSet(KEY, first, second)).toBe(true)
            expect((yield* store.get(KEY))?.revision).toBe(second.revision)
            // the retry of a write that lost stays lost
            expect(yield* store.compareAndSet(KEY, first, record())).toBe(false)
            expect((yield* store.get(KEY))?.revision).toBe(second.revision)
          }),
        ),
    )

    check("delete")(
      "deletes under a condition (compare-and-set to undefined) and unconditionally (delete)",
      () =>
        run(
          Effect.gen(function* () {
            const { store, first, second } = yield* rotated
            expect(yield* store.compareAndSet(KEY, first, undefined)).toBe(false)
            expect((yield* store.get(KEY))?.revision).toBe(second.revision)
            expect(yield* store.compareAndSet(KEY, second, undefined)).toBe(true)
            expect(yield* store.get(KEY)).toBeUndefined()
            // deleting what is absent, only if absent: nothing to do, and it says so
            expect(yield* store.compareAndSet(KEY, undefined, undefined)).toBe(true)
            expect(yield* store.compareAndSet(KEY, second, undefined)).toBe(false)
            yield* store.compareAndSet(KEY, undefined, record())
            yield* store.delete(KEY)
            expect(yield* store.get(KEY)).toBeUndefined()
            yield* store.delete(KEY)
            expect(yield* store.get(KEY)).toBeUndefined()
          }),
        ),
    )

    check("durable", caps.durable)(
      "keeps records across reopening, secrets as Redacted, and deletes unconditionally",
      async () => {
        const written = record({ refreshExpiresAt: Date.now() + 1000, scope: "r_jobs" })
        const first = await run(
          Effect.gen(function* () {
            const store = yield* open()
            expect(yield* store.compareAndSet(KEY, undefined, written)).toBe(true)
            return store
          }),
        )
        const reopen = () => open({ sameAs: first })
        const read = await run(Effect.flatMap(reopen(), (store) => store.get(KEY)))
        expect(read?.revision).toBe(written.revision)
        expect(plainFields(read)).toEqual(plainFields(written))
        expect(Redacted.isRedacted(read?.accessToken)).toBe(true)
        expect(reveal(read?.accessToken)).toBe(ACCESS)
        expect(reveal(read?.refreshToken)).toBe(REFRESH)
        expect(read?.refreshExpiresAt).toBe(written.refreshExpiresAt)
        expect(String(read?.accessToken)).not.toContain(ACCESS)
        await run(Effect.flatMap(reopen(), (store) => store.delete(KEY)))
        expect(await run(Effect.flatMap(reopen(), (store) => store.get(KEY)))).toBeUndefined()
      },
    )

    check("redacted")(
      "hands out secrets only as Redacted values and keeps every other field, with or without an access token",
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* open()
            const written = record({ refreshExpiresAt: Date.now() + 86_400_000, scope: "r_jobs w_jobs" })
            yield* store.compareAndSet(KEY, undefined, written)
            const read = yield* store.get(KEY)
            expect(Redacted.isRedacted(read?.accessToken)).toBe(true)
            expect(Redacted.isRedacted(read?.refreshToken)).toBe(true)
            expect(reveal(read?.accessToken)).toBe(ACCESS)
            expect(reveal(read?.refreshToken)).toBe(REFRESH)
            expect(plainFields(read)).toEqual(plainFields(written))
            const shown = [
              String(read?.accessToken),
              String(read?.refreshToken),
              JSON.stringify(read),
              inspect(read, { depth: 10 }),
            ]
            for (const text of shown) {
              expect(text).not.toContain(ACCESS)
              expect(text).not.toContain(REFRESH)
            }
            // a refused refresh keeps the grant, marked, without an access token
            const marked: TokenStore.StoredToken = {
              ...written,
              accessToken: undefined,
              needsReauthorization: "invalid_grant",
              revision: TokenStore.newRevision(),
            }
            expect(yield* store.compareAndSet(KEY, read, marked)).toBe(true)
            const again = yield* store.get(KEY)
            expect(again?.accessToken).toBeUndefined()
            expect(again?.needsReauthorization).toBe("invalid_grant")
            expect(reveal(again?.refreshToken)).toBe(REFRESH)
            expect(plainFields(again)).toEqual(plainFields(marked))
          }),
        ),
    )

    check("keys")(
      "names a record by its normalized key: scope order and duplicates do not matter, separators never collide",
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* open()
            const written = record()
            yield* store.compareAndSet(KEY, undefined, written)
            // the key as a caller may build it, without TokenStore.key
            const unnormalized = {
              provider: "workable",
              connection: "acme",
              scopes: ["r_jobs", "w_jobs", "r_jobs"],
            }
            expect((yield* store.get(unnormalized))?.revision).toBe(written.revision)
            const next = record()
            expect(yield* store.compareAndSet(unnormalized, written, next)).toBe(true)
            expect((yield* store.get(KEY))?.revision).toBe(next.revision)
            // keys that differ only in where a separator stands are different records
            const keys = [
              { provider: "a:b", connection: "c", scopes: [] },
              { provider: "a", connection: "b:c", scopes: [] },
              { provider: "a/b", connection: "c", scopes: [] },
              { provider: "a", connection: "b/c", scopes: [] },
              { provider: "a%3Ab", connection: "c", scopes: [] },
              { provider: "a", connection: "b", scopes: ["c"] },
              { provider: "a", connection: "b", scopes: [] },
              { provider: "a", connection: "b", scopes: ["c:d"] },
              { provider: "a", connection: "b:c", scopes: ["d"] },
              { provider: "ä", connection: "ü ß", scopes: ["x/y"] },
            ].map(TokenStore.key)
            const records = keys.map(() => record())
            for (const [i, k] of keys.entries()) {
              expect(yield* store.compareAndSet(k, undefined, records[i])).toBe(true)
            }
            for (const [i, k] of keys.entries()) {
              expect((yield* store.get(k))?.revision).toBe(records[i]!.revision)
            }
            yield* store.delete(keys[0]!)
            expect(yield* store.get(keys[0]!)).toBeUndefined()
            expect((yield* store.get(keys[1]!))?.revision).toBe(records[1]!.revision)
          }),
        ),
    )
  })
}
