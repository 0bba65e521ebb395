/**
 * `@keyway/example-auth-query-key`: an example third-party Keyway auth plugin.
 *
 * @since 0.1.0
 */
export * as QueryKey from "./QueryKey.ts"
