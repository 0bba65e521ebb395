/**
 * The options and vocabulary of the TokenStore conformance suite: how the suite opens a store,
 * what a refresh lock looks like to the lock probe, what a store can do, and the check names.
 *
 * @example
 * ```ts
 * import type { Capabilities } from "@keyway/store-testkit/Conformance"
 * const caps: Partial<Capabilities> = { durable: false, refreshLock: false }
 * ```
 *
 * @since 0.1.0
 */
import type { TokenStore } from "@keyway/core"
import type { Effect, Scope } from "effect"
import type * as Scenarios from "../Scenarios.ts"

/**
 * How the suite wants a store opened.
 *
 * @example
 * ```ts
 * import type { TokenStore } from "@keyway/core"
 * import type { StoreSettings } from "@keyway/store-testkit/Conformance"
 * const settings: StoreSettings<TokenStore.TokenStoreShape> = { lockTtlMs: 500 }
 * ```
 *
 * @since 0.1.0
 */
export interface StoreSettings<S> {
  /**
   * Open on the same records and locks as this store (the same file, the same key prefix); it
   * may have been closed already. Without it: on a fresh, empty space.
   */
  readonly sameAs?: S | undefined
  /** The refresh lock's TTL; the store's default when undefined. */
  readonly lockTtlMs?: number | undefined
  /** How long `withRefreshLock` waits for another holder; the store's default when undefined. */
  readonly lockWaitTimeoutMs?: number | undefined
}

/**
 * A refresh lock as the store keeps it.
 *
 * @example
 * ```ts
 * import type { Lock } from "@keyway/store-testkit/Conformance"
 * const lock: Lock = { holder: "a1b2", fence: 7, expiresAt: Date.now() + 10_000 }
 * ```
 *
 * @since 0.1.0
 */
export interface Lock {
  /** Who holds it: an id unique to one acquisition. */
  readonly holder: string
  /** The fencing number of that acquisition. */
  readonly fence: number
  /** When it expires unless renewed, epoch ms. */
  readonly expiresAt: number
}

/**
 * Direct access to a store's refresh locks, past the store's API (raw SQL, raw Redis commands),
 * for the checks that look at the lock itself or play another process.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { TokenStore } from "@keyway/core"
 * import type { Locks } from "@keyway/store-testkit/Conformance"
 * const locks: Locks<TokenStore.TokenStoreShape> = { read: () => Effect.succeed(undefined), plant: () => Effect.void }
 * ```
 *
 * @since 0.1.0
 */
export interface Locks<S> {
  /** The lock of `key` as stored, `undefined` when nobody took it or its holder released it. */
  readonly read: (store: S, key: TokenStore.TokenKey) => Effect.Effect<Lock | undefined, unknown>
  /**
   * Writes the lock of `key` as another process holding it would have (whatever is there): held
   * by `holder` with fencing number `fence` (later acquisitions must number above it), expiring
   * in `ttlMs`.
   */
  readonly plant: (
    store: S,
    key: TokenStore.TokenKey,
    lock: { readonly holder: string; readonly fence: number; readonly ttlMs: number },
  ) => Effect.Effect<void, unknown>
}

/**
 * What a store can do; checks that do not apply are registered as skipped.
 *
 * @example
 * ```ts
 * import type { Capabilities } from "@keyway/store-testkit/Conformance"
 * const caps: Capabilities = { durable: true, refreshLock: true, idempotentRetry: true, releaseWakeMs: 100 }
 * ```
 *
 * @since 0.1.0
 */
export interface Capabilities {
  /** Records outlive the store: a store opened later with `sameAs` reads them. Default true. */
  readonly durable: boolean
  /** `withRefreshLock` excludes the other stores opened on the same data. Default true. */
  readonly refreshLock: boolean
  /** A compare-and-set retried after its reply was lost reports success. Default false. */
  readonly idempotentRetry: boolean
  /** A waiter starts within this many milliseconds of the holder's release. Default 100. */
  readonly releaseWakeMs: number
}

/**
 * Options of {@link runStoreConformance}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import type { Options } from "@keyway/store-testkit/Conformance"
 * const options: Options<TokenStore.TokenStoreShape> = { name: "memory", makeStore: () => Effect.sync(TokenStore.makeMemory) }
 * ```
 *
 * @since 0.1.0
 */
export interface Options<S extends TokenStore.TokenStoreShape> {
  /** Names the `describe` block and the log lines. */
  readonly name: string
  /** Opens a store (closed with the scope). */
  readonly makeStore: (settings: StoreSettings<S>) => Effect.Effect<S, unknown, Scope.Scope>
  /** Lock access for the checks that need it; they are skipped without it. */
  readonly locks?: Locks<S> | undefined
  /** The multi-process checks; skipped without it. */
  readonly multiProcess?:
    | {
        /** The package's worker script (absolute), two lines around `Worker.run`. */
        readonly script: string
        /** The workers' store options for a fresh space, and how to open it here. */
        readonly workerStore: (space: Scenarios.Space) => Scenarios.WorkerStore
      }
    | undefined
  readonly capabilities?: Partial<Capabilities> | undefined
  /**
   * For testing the kit itself: checks registered as expected to fail (a deliberately broken
   * store must be caught). A store's own conformance test never sets this.
   */
  readonly expectFailures?: ReadonlyArray<CheckName> | undefined
}

/**
 * The names of the checks, for {@link Options.expectFailures}.
 *
 * @example
 * ```ts
 * import type { CheckName } from "@keyway/store-testkit/Conformance"
 * const expected: ReadonlyArray<CheckName> = ["lock-renewal"]
 * ```
 *
 * @since 0.1.0
 */
export type CheckName =
  | "compare-and-set"
  | "list"
  | "retry-write"
  | "delete"
  | "durable"
  | "redacted"
  | "keys"
  | "lock-exclusion"
  | "lock-release"
  | "lock-takeover"
  | "lock-renewal"
  | "lock-fencing"
  | "lock-wait-fresh"
  | "lock-wait-take"
  | "lock-wait-timeout"
  | "lock-single-flight"
  | "mp-burst"
  | "mp-crash"
  | "mp-soak"
