/**
 * The auth conformance checks of the credential's lifecycle: single flight, refresh on expiry, one recovery from a 401 (or none), and rotated refresh tokens persisted.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Auth, Http } from "@keyway/core"
 * import { runAuthConformance } from "@keyway/auth-testkit"
 *
 * runAuthConformance({
 *   name: "static bearer",
 *   makeLayer: (server) => {
 *     const token = server.issueStaticToken()
 *     return Layer.succeed(Auth.Auth, Auth.make({ name: "static", authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", `Bearer ${token}`)) }))
 *   },
 *   // a plugin without a credential endpoint answers a 401 with "pass": the unauthorized check flips
 *   capabilities: { credentialEndpoint: false, expires: false, refreshOn401: false, badCredentials: ["CredentialsExpired"] },
 * })
 * ```
 *
 * @since 0.1.0
 */
import { expect } from "@effect/vitest"
import { type Auth, Http } from "@keyway/core"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { credentialOf } from "../../conformance/Driver.ts"
import type * as FakeCredentialServer from "../../FakeCredentialServer.ts"
import type { Harness } from "./Harness.ts"

const revealOf = (value: Redacted.Redacted<string> | undefined): string | undefined =>
  value === undefined ? undefined : Redacted.value(value)

/**
 * Registers the checks (inside the suite's `describe`).
 *
 * @example
 * ```ts
 * lifecycleChecks(harness)
 * ```
 */
export const lifecycleChecks = <S extends FakeCredentialServer.CredentialServer>(
  harness: Harness<S>,
): void => {
  const { options, caps, check, setup } = harness
  check("single-flight", caps.credentialEndpoint)(
    "single flight: 100 concurrent authenticate calls, one credential request",
    () =>
      Effect.gen(function* () {
        const { server, plugin } = yield* setup()
        const base = Http.makeRequest("GET", server.resourceUrl)
        const requests = yield* Effect.forEach(
          Array.from({ length: 100 }, (_, i) => i),
          (i) => plugin.authenticate(base, { correlationId: `kit-${i}`, attempt: 1, scopes: options.scopes }),
          { concurrency: "unbounded" },
        )
        expect(server.credentialRequests()).toBe(1)
        expect(new Set(requests.map(credentialOf)).size).toBe(1)
      }),
  )

  check("expiry", caps.credentialEndpoint && caps.expires)(
    "refreshes an expired credential (TestClock)",
    () =>
      Effect.gen(function* () {
        const { server, plugin, call } = yield* setup()
        const base = Http.makeRequest("GET", server.resourceUrl)
        const info: Auth.CallInfo = { correlationId: "kit-expiry", attempt: 1, scopes: options.scopes }
        const before = yield* plugin.authenticate(base, info)
        const again = yield* plugin.authenticate(base, info)
        expect(credentialOf(again)).toBe(credentialOf(before))
        expect(server.credentialRequests()).toBe(1)
        yield* TestClock.adjust(`${server.lifetimeSeconds + 1} seconds`)
        const after = yield* plugin.authenticate(base, info)
        expect(server.credentialRequests()).toBe(2)
        expect(credentialOf(after)).not.toBe(credentialOf(before))
        expect((yield* call()).status).toBe(200)
      }),
  )

  if (caps.refreshOn401) {
    check("unauthorized")("recovers from a 401 exactly once, and a second 401 does not loop", () =>
      Effect.gen(function* () {
        const { server, call } = yield* setup()
        expect((yield* call()).status).toBe(200)
        const before = server.credentialRequests()
        server.invalidateIssued()
        const recovered = yield* call()
        expect(recovered.decision).toBe("retry")
        expect(recovered.attempts).toBe(2)
        expect(recovered.status).toBe(200)
        expect(credentialOf(recovered.requests[1]!)).not.toBe(credentialOf(recovered.requests[0]!))
        expect(server.credentialRequests()).toBe(before + 1)

        server.setMode("issue-dead")
        server.invalidateIssued()
        const refused = yield* call()
        expect(refused.attempts).toBe(2)
        expect(refused.status).toBe(401)
        expect(server.credentialRequests()).toBe(before + 2)
      }),
    )
  } else {
    check("unauthorized")("does not answer a 401 with a retry", () =>
      Effect.gen(function* () {
        const { server, call } = yield* setup()
        expect((yield* call()).status).toBe(200)
        const before = server.credentialRequests()
        server.invalidateIssued()
        const outcome = yield* Effect.result(call())
        if (outcome._tag === "Success") {
          expect(outcome.success.decision).toBe("pass")
          expect(outcome.success.status).toBe(401)
        } else {
          expect(caps.badCredentials).toContain(outcome.failure._tag)
        }
        expect(server.credentialRequests()).toBe(before)
      }),
    )
  }

  check("rotation", caps.rotation)("persists every rotated refresh token in the TokenStore", () =>
    Effect.gen(function* () {
      const { server, store, call } = yield* setup()
      const seeded = server.latestRefreshToken()
      expect((yield* call()).status).toBe(200)
      const holding = (yield* store.records()).filter((r) => r.refreshToken !== undefined)
      expect(holding).toHaveLength(1)
      const first = server.latestRefreshToken()
      expect(first).not.toBe(seeded)
      expect(revealOf(holding[0]!.refreshToken)).toBe(first)

      server.invalidateIssued()
      expect((yield* call()).status).toBe(200)
      const second = server.latestRefreshToken()
      expect(second).not.toBe(first)
      const after = (yield* store.records()).filter((r) => r.refreshToken !== undefined)
      expect(after).toHaveLength(1)
      expect(revealOf(after[0]!.refreshToken)).toBe(second)
    }),
  )
}
