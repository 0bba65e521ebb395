/**
 * `@keyway/auth-testkit`: the conformance suite every Keyway auth plugin runs, and the loopback
 * servers it runs against. The in-process OAuth server fixture (oidc-provider) is a separate entry:
 * `@keyway/auth-testkit/OidcServer`.
 *
 * @since 0.1.0
 */
export * as Certificates from "./Certificates.ts"
export * as Conformance from "./Conformance.ts"
export { runAuthConformance } from "./Conformance.ts"
export * as FakeCredentialServer from "./FakeCredentialServer.ts"
export * as LoopbackServer from "./LoopbackServer.ts"
