/**
 * An in-process mutex per key: fibers of one process that want the same key's refresh lock queue
 * here, so only one of them at a time polls the cross-process lock. For TokenStore authors: the
 * SQLite and Redis stores put it in front of their `withRefreshLock`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KeyedMutex } from "@keyway/core"
 *
 * const mutex = KeyedMutex.make()
 * const program = mutex("ccw/default/", Effect.succeed(1))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Semaphore } from "effect"

/**
 * Runs an effect while holding the in-process permit of `key`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KeyedMutex } from "@keyway/core"
 * const mutex: KeyedMutex.KeyedMutex = KeyedMutex.make()
 * mutex("key", Effect.log("one fiber of this process at a time"))
 * ```
 *
 * @since 0.1.0
 */
export type KeyedMutex = <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * Makes a keyed mutex. Entries are removed when no fiber holds or waits for them.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KeyedMutex } from "@keyway/core"
 * const mutex = KeyedMutex.make()
 * Effect.runPromise(mutex("k", Effect.succeed("done")))
 * ```
 *
 * @since 0.1.0
 */
export const make = (): KeyedMutex => {
  const entries = new Map<string, { readonly semaphore: Semaphore.Semaphore; users: number }>()
  return (key, effect) =>
    Effect.suspend(() => {
      let entry = entries.get(key)
      if (entry === undefined) {
        entry = { semaphore: Semaphore.makeUnsafe(1), users: 0 }
        entries.set(key, entry)
      }
      const held = entry
      held.users++
      return held.semaphore.withPermit(effect).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            held.users--
            if (held.users === 0 && entries.get(key) === held) entries.delete(key)
          }),
        ),
      )
    })
}
