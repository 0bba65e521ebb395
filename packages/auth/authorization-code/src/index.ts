/**
 * `@keyway/auth-authorization-code`: OAuth 2.0 authorization code with refresh for Keyway clients.
 *
 * @since 0.1.0
 */
export * as AuthorizationCode from "./AuthorizationCode.ts"
export * as StrategyConfig from "./StrategyConfig.ts"
export * as WebConsent from "./WebConsent.ts"
