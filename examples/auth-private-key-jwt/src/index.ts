/**
 * `@keyway/example-auth-private-key-jwt`: an example third-party Keyway auth plugin, OAuth 2.0
 * client credentials authenticated with a `private_key_jwt` client assertion.
 *
 * @since 0.2.0
 */
export * as PrivateKeyJwt from "./PrivateKeyJwt.ts"
