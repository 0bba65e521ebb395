/**
 * The TokenStore conformance suite: one call in a store's test file registers the vitest checks
 * every durable Keyway TokenStore must pass, so each store package keeps only the tests of what
 * is its own (file modes, encryption, expiry, caching, an unreachable server...).
 *
 * | check | what it proves | skipped when |
 * | --- | --- | --- |
 * | compare-and-set | writes only over the expected revision, only-if-absent when none is expected; an older writer never overwrites a rotated record | never |
 * | retry-write | a compare-and-set retried after its reply was lost reports success without writing twice | `idempotentRetry: false` |
 * | delete | compare-and-set to `undefined` deletes under the same condition; `delete` deletes unconditionally | never |
 * | durable | a store opened later on the same data reads every field back, secrets as `Redacted` | `durable: false` |
 * | redacted | secrets come back only as `Redacted` values (not in `String`, JSON or `inspect`), every other field intact, a record without access token too | never |
 * | keys | scope order and duplicates name the same record; separators inside provider or connection never make two keys collide | never |
 * | lock-exclusion | a second store on the same data waits for the holder's release and starts promptly after it | `refreshLock: false` |
 * | lock-release | the lock is released when the refresh fails or is interrupted; the next caller gets it at once | `refreshLock: false` |
 * | lock-takeover | the lock of a holder that vanished is taken over once it expires, with a higher fencing number | no `locks` probe |
 * | lock-renewal | a slow refresh keeps the lock (renewed), nobody takes it over | `refreshLock: false` |
 * | lock-fencing | a holder whose lock was taken over leaves the new holder's lock alone | no `locks` probe |
 * | lock-wait-fresh | a waiter returns what another store just wrote without queueing for the lock | `refreshLock: false` |
 * | lock-wait-take | a waiter takes the lock itself when the holder stored nothing usable | `refreshLock: false` |
 * | lock-wait-timeout | a waiter gives up after `lockWaitTimeout` with `TokenStoreUnavailable` | no `locks` probe |
 * | lock-single-flight | two lifecycles on two stores on the same data obtain one token between them | `refreshLock: false` |
 * | mp-burst | 4 processes x 50 concurrent `get`s: one token request cold, one refresh after expiry | no `multiProcess` |
 * | mp-crash | `kill -9` of the lock holder mid-request: another process refreshes within the lock TTL, newest token stored | no `multiProcess` |
 * | mp-soak | rotation soak with random kills: zero `invalid_grant`, zero lost grants | no `multiProcess` |
 *
 * The multi-process checks run a {@link Pool} of the package's worker script (see `Worker.run`)
 * against a loopback {@link TokenServer}. This module imports `vitest`, so it is not re-exported
 * from the package's index (worker processes and benchmarks import that): import it as
 * `@keyway/store-testkit/Conformance`.
 *
 * @example
 * ```ts
 * // test/Conformance.test.ts of a store package
 * import { fileURLToPath } from "node:url"
 * import { runStoreConformance } from "@keyway/store-testkit/Conformance"
 * import { SqliteStore } from "../src/index.ts"
 *
 * let n = 0
 * runStoreConformance({
 *   name: "sqlite",
 *   makeStore: ({ sameAs, lockTtlMs }) =>
 *     SqliteStore.make({ path: sameAs?.path ?? `/tmp/t-${++n}.db`, lockTtl: lockTtlMs && `${lockTtlMs} millis` }),
 *   multiProcess: {
 *     script: fileURLToPath(new URL("./worker.ts", import.meta.url)),
 *     workerStore: ({ name, lockTtlMs }) => {
 *       const options = { path: `/tmp/${name}.db`, lockTtl: `${lockTtlMs} millis` }
 *       return { config: options, open: () => SqliteStore.make(options) }
 *     },
 *   },
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { TokenStore } from "@keyway/core"
import { describe } from "vitest"
import { lockChecks } from "./conformance/Locks.ts"
import { multiProcessChecks } from "./conformance/MultiProcess.ts"
import type { Options } from "./conformance/Options.ts"
import { recordChecks } from "./conformance/Records.ts"
import { makeSuite } from "./conformance/Suite.ts"

export type {
  Capabilities,
  CheckName,
  Lock,
  Locks,
  Options,
  StoreSettings,
} from "./conformance/Options.ts"
export { contend, record } from "./conformance/Suite.ts"

/**
 * Registers the conformance checks for one store (call it at the top level of a test file).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { runStoreConformance } from "@keyway/store-testkit/Conformance"
 *
 * runStoreConformance({
 *   name: "memory",
 *   makeStore: () => Effect.sync(TokenStore.makeMemory),
 *   capabilities: { durable: false, refreshLock: false },
 * })
 * ```
 *
 * @since 0.1.0
 */
export const runStoreConformance = <S extends TokenStore.TokenStoreShape>(options: Options<S>): void => {
  const suite = makeSuite(options)
  describe(`TokenStore conformance: ${options.name}`, () => {
    recordChecks(suite)
    lockChecks(suite)
    multiProcessChecks(suite)
  })
}
