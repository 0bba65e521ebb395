/**
 * The records of the SQLite store: `get`, `compareAndSet` (the revision check and the write in one
 * `BEGIN IMMEDIATE` transaction, so two processes can never both win), `delete` and `list` (one
 * provider's key range).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { SqliteStore } from "@keyway/store-sqlite"
 *
 * const key = TokenStore.key({ provider: "ccw", connection: "default", scopes: [] })
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const store = yield* SqliteStore.make({ path: "/tmp/keyway-tokens.db" })
 *   return yield* store.get(key)
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { TokenStore } from "@keyway/core"
import type { Codec } from "./codec.ts"
import type { Db } from "./database.ts"

/**
 * The record operations of a store.
 *
 * @example
 * ```ts
 * const written: boolean = yield* records.compareAndSet(key, undefined, token)
 * ```
 */
export type Records = Pick<TokenStore.TokenStoreShape, "get" | "compareAndSet" | "delete"> & {
  readonly list: NonNullable<TokenStore.TokenStoreShape["list"]>
}

/**
 * The record operations over a database and a codec.
 *
 * @example
 * ```ts
 * const { get, compareAndSet } = makeRecords(db, codec)
 * ```
 */
export const makeRecords = (db: Db, codec: Codec): Records => {
  const { sql, run, transaction } = db
  const { decode, encode } = codec

  const get = (key: TokenStore.TokenKey) =>
    run("get", () => {
      const id = TokenStore.keyString(key)
      const row = sql("SELECT revision, value FROM keyway_tokens WHERE key = ?").get(id)
      return row === undefined ? undefined : decode(id, row.revision as string, row.value as string)
    })

  const compareAndSet = (
    key: TokenStore.TokenKey,
    expected: TokenStore.StoredToken | undefined,
    next: TokenStore.StoredToken | undefined,
  ) =>
    run("compareAndSet", () => {
      const id = TokenStore.keyString(key)
      return transaction(() => {
        const row = sql("SELECT revision FROM keyway_tokens WHERE key = ?").get(id)
        const stored = row === undefined ? undefined : (row.revision as string)
        const matches = stored === undefined ? expected === undefined : stored === expected?.revision
        if (!matches) return false
        if (next === undefined) {
          sql("DELETE FROM keyway_tokens WHERE key = ?").run(id)
        } else {
          sql(
            `INSERT INTO keyway_tokens (key, revision, value, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET revision = excluded.revision, value = excluded.value, updated_at = excluded.updated_at`,
          ).run(id, next.revision, encode(id, next), Date.now())
        }
        return true
      })
    })

  const del = (key: TokenStore.TokenKey) =>
    run("delete", () => {
      sql("DELETE FROM keyway_tokens WHERE key = ?").run(TokenStore.keyString(key))
    })

  // Keys are `provider/connection/scopes` with each part URI-encoded: one provider's records
  // are the key range [`provider/`, `provider0`) ("0" follows "/").
  const list = (provider: string) =>
    run("list", () => {
      const from = `${encodeURIComponent(provider)}/`
      const to = `${encodeURIComponent(provider)}0`
      return sql("SELECT key, revision, value FROM keyway_tokens WHERE key >= ? AND key < ? ORDER BY key")
        .all(from, to)
        .map((row) => ({
          key: TokenStore.parseKeyString(row.key as string),
          token: decode(row.key as string, row.revision as string, row.value as string),
        }))
    })

  return { get, compareAndSet, delete: del, list }
}
