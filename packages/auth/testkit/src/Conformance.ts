/**
 * The auth plugin conformance suite: a few lines in a plugin's test file register vitest checks
 * that every Keyway auth plugin must pass, built-in or third-party.
 *
 * | check | what it proves | skipped when |
 * | --- | --- | --- |
 * | authenticates | a decorated request is accepted by the resource | never |
 * | varied requests | every method, bodies of several types (JSON, form, bytes, multipart, text), queries, and a retry of each signed afresh later are accepted | never |
 * | signature coverage | for a plugin that declares what it `signs`: the same request at the same instant (same `Clock`, same seeded `Random`) gets the same credential, and changing each declared part (method, path, query, each header, body, time) changes it | no `signs` |
 * | single flight | 100 concurrent `authenticate` calls on a cold credential cause exactly one credential request | `credentialEndpoint: false` |
 * | refresh on expiry | past the credential's lifetime (TestClock, no sleeping) the next `authenticate` obtains a new one | `credentialEndpoint` or `expires` false |
 * | one recovery from 401 | `onUnauthorized` answers `"retry"` once and the re-authenticated attempt uses a new credential; when that one is refused too, the call ends with one extra credential request, no loop. Plugins that cannot recover must not answer `"retry"` | never (the check flips with `refreshOn401`) |
 * | rotation persisted | a rotated refresh token is in the TokenStore, never only in memory | `rotation: false` |
 * | bad credentials | a typed error (`InvalidClient`, `CredentialsExpired`, ...) carrying the call's correlation id | never |
 * | token endpoint down | 503 and connection refused are `TokenEndpointError` | `credentialEndpoint: false` |
 * | release | after calls with several scope sets, `release` leaves nothing in the store | never |
 * | no secret leaks | no secret in logs (all levels), error messages, `JSON.stringify` or `util.inspect` | never |
 *
 * The kit drives the plugin like the runtime does (authenticate, send, at most one
 * `onUnauthorized` per call, re-authenticate once), against a loopback `FakeCredentialServer`
 * it can count and control, with a fresh in-memory TokenStore per check and a `TestClock` set to
 * `kitEpoch` (not epoch 0). A check whose server's handler threw fails with that stack.
 *
 * @example
 * ```ts
 * // test/Conformance.test.ts of a plugin package
 * import { Redacted } from "effect"
 * import { runAuthConformance } from "@keyway/auth-testkit"
 * import { ClientCredentials } from "@keyway/auth-client-credentials"
 *
 * runAuthConformance({
 *   name: "client credentials",
 *   makeLayer: (server) =>
 *     ClientCredentials.layer({
 *       provider: "kit", tokenUrl: `${server.url}/token`,
 *       clientId: server.clientId, clientSecret: Redacted.make(server.clientSecret),
 *     }),
 *   secrets: (server) => [server.clientSecret],
 * })
 * ```
 *
 * @since 0.1.0
 */
import { describe } from "@effect/vitest"
import type { Options } from "./conformance/Options.ts"
import type * as FakeCredentialServer from "./FakeCredentialServer.ts"
import { failureChecks } from "./internal/conformance/FailureChecks.ts"
import { makeHarness } from "./internal/conformance/Harness.ts"
import { lifecycleChecks } from "./internal/conformance/LifecycleChecks.ts"
import { requestChecks } from "./internal/conformance/RequestChecks.ts"

export {
  type CallOutcome,
  call,
  makeRecordingStore,
  type RecordingStore,
} from "./conformance/Driver.ts"
export {
  type Capabilities,
  type CheckName,
  kitEpoch,
  type Options,
  type Signs,
} from "./conformance/Options.ts"
export { addedBy, variedRequests } from "./conformance/Requests.ts"

/**
 * Registers the conformance checks for one plugin (call it at the top level of a test file).
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { Auth, Http } from "@keyway/core"
 * import { runAuthConformance } from "@keyway/auth-testkit"
 *
 * runAuthConformance({
 *   name: "static bearer",
 *   makeLayer: (server) => {
 *     const token = server.issueStaticToken()
 *     return Layer.succeed(Auth.Auth, Auth.make({ name: "static", authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", `Bearer ${token}`)) }))
 *   },
 *   capabilities: { credentialEndpoint: false, expires: false, refreshOn401: false, badCredentials: ["CredentialsExpired"] },
 * })
 * ```
 *
 * @since 0.1.0
 */
export const runAuthConformance = <
  S extends FakeCredentialServer.CredentialServer = FakeCredentialServer.FakeCredentialServer,
>(
  options: Options<S>,
): void => {
  const harness = makeHarness(options)
  describe(`auth conformance: ${options.name}`, () => {
    requestChecks(harness)
    lifecycleChecks(harness)
    failureChecks(harness)
  })
}
