/**
 * The conformance suite on the in-memory store (records only: it is neither durable nor locks
 * across stores), and on deliberately broken stores whose broken rule must be caught.
 */
import { TokenStore } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { runStoreConformance } from "../src/Conformance.ts"

const memory = { durable: false, refreshLock: false } as const

runStoreConformance({
  name: "memory",
  makeStore: () => Effect.sync(TokenStore.makeMemory),
  capabilities: memory,
})

/** Writes whatever it is given: compare-and-set without the compare. */
runStoreConformance({
  name: "broken: blind writes",
  makeStore: () =>
    Effect.sync(() => {
      const inner = TokenStore.makeMemory()
      return {
        ...inner,
        compareAndSet: (
          key: TokenStore.TokenKey,
          _expected: unknown,
          next: TokenStore.StoredToken | undefined,
        ) => inner.get(key).pipe(Effect.flatMap((current) => inner.compareAndSet(key, current, next))),
      }
    }),
  capabilities: memory,
  expectFailures: ["compare-and-set", "delete"],
})

/** Names records by the key as given, without normalizing the scopes. */
runStoreConformance({
  name: "broken: raw keys",
  makeStore: () =>
    Effect.sync((): TokenStore.TokenStoreShape => {
      const records = new Map<string, TokenStore.StoredToken>()
      const id = (key: TokenStore.TokenKey) => JSON.stringify([key.provider, key.connection, key.scopes])
      return {
        name: "raw",
        get: (key) => Effect.sync(() => records.get(id(key))),
        compareAndSet: (key, expected, next) =>
          Effect.sync(() => {
            if (!TokenStore.sameRevision(records.get(id(key)), expected)) return false
            if (next === undefined) records.delete(id(key))
            else records.set(id(key), next)
            return true
          }),
        delete: (key) => Effect.sync(() => void records.delete(id(key))),
        withRefreshLock: (_key, refresh) => refresh,
      }
    }),
  capabilities: memory,
  expectFailures: ["keys"],
})

/** Hands secrets out in clear (as if deserialized without wrapping them again). */
runStoreConformance({
  name: "broken: secrets in clear",
  makeStore: () =>
    Effect.sync(() => {
      const inner = TokenStore.makeMemory()
      const clear = (value: Redacted.Redacted<string> | undefined) =>
        (value === undefined ? undefined : Redacted.value(value)) as unknown as Redacted.Redacted<string>
      return {
        ...inner,
        get: (key: TokenStore.TokenKey) =>
          inner
            .get(key)
            .pipe(
              Effect.map((t) =>
                t === undefined
                  ? undefined
                  : { ...t, accessToken: clear(t.accessToken), refreshToken: clear(t.refreshToken) },
              ),
            ),
      }
    }),
  capabilities: memory,
  expectFailures: ["redacted"],
})
