/**
 * `@keyway/auth-client-credentials`: OAuth 2.0 client credentials for Keyway clients.
 *
 * @since 0.1.0
 */
export * as ClientCredentials from "./ClientCredentials.ts"
