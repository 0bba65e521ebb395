/**
 * The auth conformance checks of requests: one request accepted, varied requests and their later retries, and what a signing plugin's signature covers.
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
 *   // what a signing plugin declares its signature covers turns the coverage check on
 *   signs: { headers: ["authorization"] },
 *   capabilities: { credentialEndpoint: false, expires: false, refreshOn401: false, badCredentials: ["CredentialsExpired"] },
 * })
 * ```
 *
 * @since 0.1.0
 */
import { expect } from "@effect/vitest"
import { type Http, Transport } from "@keyway/core"
import { Effect, Random } from "effect"
import { TestClock } from "effect/testing"
import { addedBy, variedRequests } from "../../conformance/Requests.ts"
import type * as FakeCredentialServer from "../../FakeCredentialServer.ts"
import { coverageBase, variantsOf } from "./Coverage.ts"
import type { Harness } from "./Harness.ts"

/**
 * Registers the checks (inside the suite's `describe`).
 *
 * @example
 * ```ts
 * requestChecks(harness)
 * ```
 */
export const requestChecks = <S extends FakeCredentialServer.CredentialServer>(harness: Harness<S>): void => {
  const { options, check, setup } = harness
  check("authenticates")("authenticates a request the resource accepts", () =>
    Effect.gen(function* () {
      const { call } = yield* setup()
      const outcome = yield* call()
      expect(outcome.status).toBe(200)
      expect(outcome.attempts).toBe(1)
    }),
  )

  check("varied-requests")(
    "varied requests (every method, several body types, queries) and a later retry of each are accepted",
    () =>
      Effect.gen(function* () {
        const { server, plugin } = yield* setup()
        const transport = yield* Transport.Transport
        for (const [i, base] of variedRequests(server.resourceUrl).entries()) {
          const correlationId = `kit-varied-${i}`
          const what = `${base.method} ${new URL(base.url).pathname}${new URL(base.url).search}`
          const send = (request: Http.HttpRequest) =>
            transport
              .send(request, {
                correlationId,
                timeoutMs: 10_000,
                secretQueryParams: plugin.secretQueryParams,
              })
              .pipe(Effect.orDie)
          const first = yield* plugin.authenticate(base, {
            correlationId,
            attempt: 1,
            scopes: options.scopes,
          })
          expect((yield* send(first)).status, `${what} was refused`).toBe(200)
          // The runtime re-authenticates a fresh copy for every retry (after a 503, a timeout).
          yield* TestClock.adjust("2 seconds")
          const retry = yield* plugin.authenticate(base, {
            correlationId,
            attempt: 2,
            scopes: options.scopes,
          })
          expect((yield* send(retry)).status, `the retry of ${what} was refused`).toBe(200)
          if (options.signs?.time) {
            expect(addedBy(base, retry), `the retry of ${what} was not signed afresh`).not.toBe(
              addedBy(base, first),
            )
          }
        }
      }),
  )

  check("signature-coverage", options.signs !== undefined)(
    "the signature covers every declared part: changing one changes the credential",
    () =>
      Effect.gen(function* () {
        const { server, plugin } = yield* setup()
        const signs = options.signs ?? {}
        const base = coverageBase(server.resourceUrl, signs)
        const sign = (request: Http.HttpRequest) =>
          plugin
            .authenticate(request, { correlationId: "kit-coverage", attempt: 1, scopes: options.scopes })
            .pipe(
              Random.withSeed("keyway-kit"),
              Effect.map((signed) => addedBy(request, signed)),
            )
        const reference = yield* sign(base)
        expect(
          yield* sign(base),
          "the same request at the same instant got another credential: take time and nonces from Effect's Clock and Random so signing is reproducible",
        ).toBe(reference)
        expect(JSON.parse(reference).headers, "the plugin added no credential").not.toEqual({})
        for (const [part, variant] of variantsOf(base, signs)) {
          expect(
            yield* sign(variant),
            `changing ${part} did not change the credential: the signature does not cover it`,
          ).not.toBe(reference)
        }
        if (signs.time) {
          yield* TestClock.adjust("1 second")
          expect(
            yield* sign(base),
            "a second later the credential is the same: the timestamp is not signed",
          ).not.toBe(reference)
        }
      }),
  )
}
