/**
 * `@keyway/store-sqlite`: a Keyway TokenStore on a SQLite file, shared by the processes of one host.
 *
 * @example
 * ```ts
 * import { SqliteStore } from "@keyway/store-sqlite"
 * const layer = SqliteStore.layer({ path: "./.keyway/tokens.db" })
 * ```
 *
 * @since 0.1.0
 */
export * as SqliteStore from "./SqliteStore.ts"
