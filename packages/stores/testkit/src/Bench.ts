/**
 * Measurements for `bench/token-stores.ts`: calls per second of `TokenLifecycle.get` with a fresh
 * token and of a store's own `get`, over any store. Stores are opened from their `make` effects
 * and closed together.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import { Bench } from "@keyway/store-testkit"
 *
 * const stores = await Bench.open({ memory: TokenStore.makeMemory() })
 * const perSecond = await Bench.lifecycleGets(stores.get("memory")!, 100_000)
 * await stores.close()
 * ```
 *
 * @since 0.1.0
 */
import { TokenLifecycle, TokenStore } from "@keyway/core"
import { Effect, Exit, Redacted, Scope } from "effect"

/**
 * Opened stores by name.
 *
 * @since 0.1.0
 */
export interface Stores {
  readonly get: (name: string) => TokenStore.TokenStoreShape | undefined
  readonly close: () => Promise<void>
}

/**
 * Opens every store in one scope.
 *
 * @example
 * ```ts
 * import { Bench } from "@keyway/store-testkit"
 * const stores = await Bench.open({ sqlite: SqliteStore.make({ path: "/tmp/b.db" }) })
 * ```
 *
 * @since 0.1.0
 */
export const open = async (
  makers: Record<
    string,
    TokenStore.TokenStoreShape | Effect.Effect<TokenStore.TokenStoreShape, unknown, Scope.Scope>
  >,
): Promise<Stores> => {
  const scope = Effect.runSync(Scope.make())
  const opened = new Map<string, TokenStore.TokenStoreShape>()
  for (const [name, make] of Object.entries(makers)) {
    opened.set(
      name,
      Effect.isEffect(make)
        ? await Effect.runPromise(
            Scope.provide(scope)(make as Effect.Effect<TokenStore.TokenStoreShape, unknown, Scope.Scope>),
          )
        : make,
    )
  }
  return {
    get: (name) => opened.get(name),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}

const scopes = ["bench"]

/**
 * A lifecycle over `store` holding a fresh token (obtained once, before measuring).
 *
 * @since 0.1.0
 */
const freshLifecycle = (store: TokenStore.TokenStoreShape, connection: string) =>
  Effect.gen(function* () {
    const tokens = yield* TokenLifecycle.make({
      provider: "bench",
      connection,
      fetch: () => Effect.succeed({ accessToken: Redacted.make("bench-token"), expiresIn: 3600 }),
    }).pipe(Effect.provideService(TokenStore.TokenStore, store))
    yield* tokens.get(scopes)
    return tokens
  })

let connections = 0

/**
 * Calls per second of `TokenLifecycle.get` with a fresh token, `iterations` calls in a row.
 *
 * @example
 * ```ts
 * import { Bench } from "@keyway/store-testkit"
 * await Bench.lifecycleGets(store, 100_000)
 * ```
 *
 * @since 0.1.0
 */
export const lifecycleGets = (store: TokenStore.TokenStoreShape, iterations: number): Promise<number> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const tokens = yield* freshLifecycle(store, `lifecycle-${++connections}`)
      const started = performance.now()
      for (let i = 0; i < iterations; i++) yield* tokens.get(scopes)
      return iterations / ((performance.now() - started) / 1000)
    }),
  )

/**
 * Calls per second of the store's own `get` on a fresh record, `iterations` calls in a row (what
 * a lifecycle without a warm cache of its own pays: a new process, a new client per request).
 *
 * @example
 * ```ts
 * import { Bench } from "@keyway/store-testkit"
 * await Bench.storeGets(store, 20_000)
 * ```
 *
 * @since 0.1.0
 */
export const storeGets = (store: TokenStore.TokenStoreShape, iterations: number): Promise<number> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const tokens = yield* freshLifecycle(store, `store-${++connections}`)
      const key = tokens.keyOf(scopes)
      const started = performance.now()
      for (let i = 0; i < iterations; i++) yield* store.get(key)
      return iterations / ((performance.now() - started) / 1000)
    }),
  )

/**
 * The median of `values`.
 *
 * @example
 * ```ts
 * import { Bench } from "@keyway/store-testkit"
 * Bench.median([3, 1, 2]) // 2
 * ```
 *
 * @since 0.1.0
 */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
