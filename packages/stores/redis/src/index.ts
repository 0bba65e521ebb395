/**
 * `@keyway/store-redis`: a Keyway TokenStore on Redis, shared by processes on several hosts.
 *
 * @example
 * ```ts
 * import { RedisStore } from "@keyway/store-redis"
 * const layer = RedisStore.layer({ url: "redis://127.0.0.1:6379" })
 * ```
 *
 * @since 0.1.0
 */
/** The AES-256-GCM keyring, shared with every durable store: `Keyring` of `@keyway/core`. */
export { Keyring } from "@keyway/core"
export * as RedisStore from "./RedisStore.ts"
