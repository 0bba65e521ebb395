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
export * as Keyring from "./Keyring.ts"
export * as RedisStore from "./RedisStore.ts"
