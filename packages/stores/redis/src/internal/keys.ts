/**
 * How the Redis store names things: the Redis key of a token key, the key suffix its lock and
 * fence keys share, the in-process id of a key (for the cache, the lock bookkeeping and the
 * pub/sub messages), and when Redis should drop a record.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import { RedisStore } from "@keyway/store-redis"
 * RedisStore.redisKey("keyway", TokenStore.key({ provider: "workable", connection: "acme", scopes: ["w", "r"] })) // "keyway:workable:acme:r%20w"
 * ```
 *
 * @since 0.1.0
 */
import { TokenStore } from "@keyway/core"

/**
 * The Redis key of a token key: `{prefix}:{provider}:{connection}:{scopes}` with each part
 * URI-encoded (so `:` never appears inside a part) and the scopes sorted and space-joined.
 *
 * @example
 * ```ts
 * import { TokenStore } from "@keyway/core"
 * import { RedisStore } from "@keyway/store-redis"
 * RedisStore.redisKey("keyway", TokenStore.key({ provider: "workable", connection: "acme", scopes: ["w", "r"] }))
 * // "keyway:workable:acme:r%20w"
 * ```
 *
 * @since 0.1.0
 */
export const redisKey = (prefix: string, key: TokenStore.TokenKey): string => `${prefix}:${suffix(key)}`

/**
 * The key parts after the prefix: provider, connection and scopes, URI-encoded.
 *
 * @example
 * ```ts
 * suffix(TokenStore.key({ provider: "ccw", connection: "default", scopes: [] })) // "ccw:default:"
 * ```
 */
export const suffix = (key: TokenStore.TokenKey): string => {
  const k = TokenStore.key(key)
  return `${encodeURIComponent(k.provider)}:${encodeURIComponent(k.connection)}:${encodeURIComponent(k.scopes.join(" "))}`
}

/**
 * The in-process and message id of a key: provider, connection and the normalized scopes joined by
 * NUL (cheaper than `TokenStore.keyString`, which URI-encodes; this runs on every cached `get`).
 * Parts that contain NUL fall back to `keyString`, so two keys never share an id.
 *
 * @example
 * ```ts
 * idOf(TokenStore.key({ provider: "ccw", connection: "default", scopes: ["b", "a"] })) // "ccw\0default\0a b"
 * ```
 */
export const idOf = (key: TokenStore.TokenKey): string => {
  const scopes = key.scopes
  let normalized = true
  for (let i = 1; i < scopes.length; i++) {
    if (scopes[i - 1]! >= scopes[i]!) {
      normalized = false
      break
    }
  }
  const joined = normalized ? scopes.join(" ") : TokenStore.key(key).scopes.join(" ")
  return key.provider.includes("\0") || key.connection.includes("\0") || joined.includes("\0")
    ? `\u0001${TokenStore.keyString(key)}`
    : `${key.provider}\0${key.connection}\0${joined}`
}

/**
 * When Redis should drop a record, in epoch ms (0: never): the refresh token's expiry when the
 * record has a refresh token, else the access token's, plus `graceMs`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { RedisStore } from "@keyway/store-redis"
 * RedisStore.expireAt({ accessToken: Redacted.make("a"), refreshToken: Redacted.make("r"), expiresAt: 10, refreshExpiresAt: 1000, obtainedAt: 0, revision: "1" }, 0) // 1000
 * ```
 *
 * @since 0.1.0
 */
export const expireAt = (token: TokenStore.StoredToken, graceMs: number): number => {
  const until = token.refreshToken !== undefined ? token.refreshExpiresAt : token.expiresAt
  return until === undefined ? 0 : until + graceMs
}
