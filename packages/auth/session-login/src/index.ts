/**
 * `@keyway/auth-session-login`: session login (CCA's `POST /session`) for Keyway clients.
 *
 * @since 0.1.0
 */
export * as SessionLogin from "./SessionLogin.ts"
