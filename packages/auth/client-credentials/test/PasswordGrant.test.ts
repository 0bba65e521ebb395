/**
 * The client credentials plugin configured for the password grant (a thin configuration: a grant
 * and a client-authentication method) against the CCA sandbox's OAuth endpoint.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Auth, ClientAuth, Grant, Http, Retry, TokenStore } from "@keyway/core"
import { startCcaSandbox } from "@keyway/sandbox"
import { Effect, Redacted } from "effect"
import * as ClientCredentials from "../src/ClientCredentials.ts"

const call: Auth.CallInfo = { correlationId: "cca-password-1", attempt: 1 }

const setup = (password?: string) =>
  Effect.gen(function* () {
    const sb = yield* Effect.acquireRelease(
      Effect.promise(() => startCcaSandbox()),
      (sandbox) => Effect.promise(() => sandbox.stop()),
    )
    const plugin = yield* ClientCredentials.make({
      provider: "cca",
      tokenUrl: sb.urls.tokenUrl!,
      clientId: sb.credentials.oauthClientId,
      clientAuthentication: ClientAuth.none,
      grant: (scope) =>
        Grant.password({
          username: sb.credentials.username,
          password: Redacted.make(password ?? sb.credentials.password),
          scope,
        }),
      requestScopes: [sb.credentials.module],
    }).pipe(Effect.provide(TokenStore.layerMemory))
    return { sb, plugin }
  }).pipe(Effect.provideService(Retry.Retry, { ...Retry.defaults, maxAttempts: 1 }))

describe("password grant against the CCA sandbox", () => {
  it.live("obtains a token for the module and calls the API with it", () =>
    Effect.gen(function* () {
      const { sb, plugin } = yield* setup()
      const signed = yield* plugin.authenticate(Http.makeRequest("GET", `${sb.baseUrl}/agents`), call)
      const response = yield* Effect.promise(() =>
        fetch(signed.url, { headers: signed.headers as Record<string, string> }),
      )
      expect(response.status).toBe(200)
    }),
  )

  it.live("a wrong password is InvalidCredentials with the call's correlation id, no password in it", () =>
    Effect.gen(function* () {
      const { sb, plugin } = yield* setup("not-the-password")
      const error = yield* Effect.flip(
        plugin.authenticate(Http.makeRequest("GET", `${sb.baseUrl}/agents`), call),
      )
      expect(error._tag).toBe("InvalidCredentials")
      expect(error).toMatchObject({
        status: 400,
        grant: "password",
        oauthError: "invalid_grant",
        correlationId: "cca-password-1",
      })
      expect(JSON.stringify(error)).not.toContain("not-the-password")
      expect(error.message).not.toContain(sb.credentials.password)
    }),
  )
})
