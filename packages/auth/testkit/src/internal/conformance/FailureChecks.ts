/**
 * The auth conformance checks of failures and hygiene: rejected credentials, a failing and a dead token endpoint, `release`, and no secret in logs, errors, JSON or `inspect`.
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
 *   // the plugin's own secrets, besides everything the server minted, must never leak
 *   secrets: (server) => [server.clientSecret],
 *   capabilities: { credentialEndpoint: false, expires: false, refreshOn401: false, badCredentials: ["CredentialsExpired"] },
 * })
 * ```
 *
 * @since 0.1.0
 */
import { inspect } from "node:util"
import { expect } from "@effect/vitest"
import { Http } from "@keyway/core"
import { Cause, Effect, Logger, References } from "effect"
import type * as FakeCredentialServer from "../../FakeCredentialServer.ts"
import type { Harness } from "./Harness.ts"

/**
 * Registers the checks (inside the suite's `describe`).
 *
 * @example
 * ```ts
 * failureChecks(harness)
 * ```
 */
export const failureChecks = <S extends FakeCredentialServer.CredentialServer>(harness: Harness<S>): void => {
  const { options, caps, check, setup } = harness
  check("bad-credentials")(
    "fails with a typed error carrying the correlation id when credentials are rejected",
    () =>
      Effect.gen(function* () {
        const { server, call } = yield* setup()
        server.setMode("reject")
        const error = yield* Effect.flip(call("kit-correlation-bad-credentials"))
        expect(caps.badCredentials).toContain(error._tag)
        if ("correlationId" in error) expect(error.correlationId).toBe("kit-correlation-bad-credentials")
      }),
  )

  check("endpoint-unavailable", caps.credentialEndpoint)(
    "a failing token endpoint (503) is a TokenEndpointError",
    () =>
      Effect.gen(function* () {
        const { server, call } = yield* setup()
        server.setMode("unavailable")
        const error = yield* Effect.flip(call())
        expect(error._tag).toBe("TokenEndpointError")
        if (error._tag === "TokenEndpointError") expect(error.status).toBe(503)
      }),
  )

  check("endpoint-dead", caps.credentialEndpoint)(
    "a dead token endpoint (connection refused) is a TokenEndpointError",
    () =>
      Effect.gen(function* () {
        const { call } = yield* setup({ dead: true })
        const error = yield* Effect.flip(call())
        expect(error._tag).toBe("TokenEndpointError")
        expect(error.message).toMatch(/ECONNREFUSED|refused/i)
      }),
  )

  check("release")("release leaves nothing in the store", () =>
    Effect.gen(function* () {
      const { server, store, plugin, call } = yield* setup()
      expect((yield* call()).status).toBe(200)
      // Tokens of other scope sets too: a plugin keeps one per scope set.
      for (const scopes of options.releaseScopes ?? [["kit.release-a"], ["kit.release-b", "kit.release-c"]]) {
        const base = Http.makeRequest("GET", server.resourceUrl)
        yield* plugin.authenticate(base, { correlationId: "kit-release", attempt: 1, scopes })
      }
      yield* plugin.release
      const left = (yield* store.records()).filter(
        (r) => r.accessToken !== undefined || r.refreshToken !== undefined,
      )
      expect(left).toHaveLength(0)
    }),
  )

  check("no-leaks")("no secret reaches logs, error messages, JSON.stringify or util.inspect", () => {
    const lines: Array<string> = []
    const capture = Logger.make((entry) => {
      lines.push(inspect(entry.message, { depth: 10 }), Cause.pretty(entry.cause))
    })
    const structured = Logger.map(Logger.formatLogFmt, (line) => void lines.push(line))
    return Effect.gen(function* () {
      const texts: Array<string> = []
      const show = (value: unknown) => {
        texts.push(
          inspect(value, { depth: 10, showHidden: true }),
          JSON.stringify(value) ?? "",
          String(value),
        )
        if (value instanceof Error) texts.push(value.message, value.stack ?? "")
      }
      const failureOf = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.flip(effect).pipe(Effect.catchCause(() => Effect.succeed(undefined)))
      const { server, store, plugin, call } = yield* setup()
      // The decorated requests are the kit's own data (they must hold the credential); what is
      // inspected is everything a plugin hands out: errors, stored records, the plugin itself.
      expect((yield* call()).status).toBe(200)
      server.invalidateIssued()
      show(yield* failureOf(call()))
      for (const record of yield* store.records()) show(record)
      show(plugin)
      server.setMode("reject")
      show(yield* failureOf(call()))
      server.setMode("unavailable")
      show(yield* failureOf(call()))
      show(yield* failureOf(plugin.release))
      if (caps.credentialEndpoint) {
        const dead = yield* setup({ dead: true })
        show(yield* failureOf(dead.call()))
      }
      const secrets = [...(options.secrets?.(server) ?? []), ...server.issued()].filter((s) => s.length >= 6)
      expect(secrets.length).toBeGreaterThan(0)
      const everything = [...lines, ...texts]
      for (const secret of secrets) {
        const leaks = everything.filter((text) => text.includes(secret))
        expect(leaks, `secret ${secret.slice(0, 6)}… leaked`).toEqual([])
      }
    }).pipe(
      Effect.provide(Logger.layer([capture, structured])),
      Effect.provideService(References.MinimumLogLevel, "All"),
    )
  })
}
