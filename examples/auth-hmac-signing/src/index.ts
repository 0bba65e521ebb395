/**
 * `@keyway/example-auth-hmac-signing`: an example third-party Keyway auth plugin that signs
 * every request with HMAC-SHA256.
 *
 * @since 0.2.0
 */

/**
 * The plugin's `Auth.Definition`, for `type: custom` in a provider descriptor.
 *
 * @since 0.2.0
 */
export { definition as hmacSigning } from "./Definition.ts"
export * as HmacSigning from "./HmacSigning.ts"
