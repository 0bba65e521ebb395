/**
 * `@keyway/auth-permanent-token`: long-lived tokens (CCA permanent tokens, CCH API keys, Workable
 * API tokens) for Keyway clients.
 *
 * @since 0.1.0
 */
export * as PermanentToken from "./PermanentToken.ts"
