import { describe, expect, it } from "@effect/vitest"
import { Conformance, LoopbackServer } from "@keyway/auth-testkit"
import { Auth, Http, TokenStore } from "@keyway/core"
import { Context, Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as SessionLogin from "../src/SessionLogin.ts"

const password = "cca-password-never-shown"
const call: Auth.CallInfo = { correlationId: "cca-s-1", attempt: 1 }

/** CCA's session API: POST /CcaAPI/session, DELETE /CcaAPI/session, a resource that needs a live session. */
const ccaServer = (options: { readonly expiresIn?: number; readonly tokenIn?: "body" | "header" } = {}) =>
  Effect.gen(function* () {
    let n = 0
    const live = new Set<string>()
    const server = yield* LoopbackServer.make((r) => {
      if (r.path === "/CcaAPI/session" && r.method === "POST") {
        const body = r.json as Record<string, unknown>
        if (body.username !== "agent" || body.password !== password || body.module !== "supervisor")
          return { status: 401 }
        const token = `S-${++n}`
        live.add(token)
        const payload = {
          token,
          ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn }),
        }
        return options.tokenIn === "header"
          ? { status: 201, headers: { "x-session-token": token }, body: {} }
          : { status: 201, body: payload }
      }
      const token = (r.headers.authorization ?? "").replace(/^Bearer /, "")
      if (r.path === "/CcaAPI/session" && r.method === "DELETE") {
        live.delete(token)
        return { status: 204 }
      }
      return live.has(token) ? { status: 200, body: { agents: [] } } : { status: 401 }
    })
    return {
      server,
      logins: () => server.requests.filter((r) => r.method === "POST").length,
      logouts: () => server.requests.filter((r) => r.method === "DELETE"),
      endAll: () => live.clear(),
    }
  })

const configOf = (url: string, extra: Partial<SessionLogin.Config> = {}): SessionLogin.Config => ({
  provider: "cca",
  baseUrl: `${url}/CcaAPI`,
  login: {
    method: "POST",
    path: "/session",
    body: { username: "{username}", password: "{password}", module: "{module}" },
  },
  token: { json: "token" },
  logout: { method: "DELETE", path: "/session" },
  credentials: { username: "agent", password: Redacted.make(password), module: "supervisor" },
  ...extra,
})

const build = (config: SessionLogin.Config, store = TokenStore.makeMemory()) =>
  Layer.build(
    SessionLogin.layer(config).pipe(Layer.provide(Layer.succeed(TokenStore.TokenStore, store))),
  ).pipe(Effect.map((context) => Context.get(context, Auth.Auth)))

describe("CCA session login", () => {
  it.effect("logs in with the JSON body template and sends the session as a bearer token", () =>
    Effect.gen(function* () {
      const cca = yield* ccaServer()
      const plugin = yield* build(configOf(cca.server.url))
      const outcome = yield* Conformance.call(plugin, `${cca.server.url}/CcaAPI/agents`)
      expect(outcome.status).toBe(200)
      const login = cca.server.requests[0]!
      expect(login.headers["content-type"]).toBe("application/json")
      expect(login.json).toEqual({ username: "agent", password, module: "supervisor" })
      expect(cca.server.requests[1]!.headers.authorization).toBe("Bearer S-1")
    }),
  )

  it.effect("logs in again when the 60 s default session runs out (TestClock)", () =>
    Effect.gen(function* () {
      const cca = yield* ccaServer()
      const plugin = yield* build(configOf(cca.server.url))
      const request = Http.makeRequest("GET", `${cca.server.url}/CcaAPI/agents`)
      expect((yield* plugin.authenticate(request, call)).headers.authorization).toBe("Bearer S-1")
      yield* TestClock.adjust("50 seconds")
      expect((yield* plugin.authenticate(request, call)).headers.authorization).toBe("Bearer S-1")
      expect(cca.logins()).toBe(1)
      yield* TestClock.adjust("6 seconds") // within the 5 s buffer before the minute is up
      expect((yield* plugin.authenticate(request, call)).headers.authorization).toBe("Bearer S-2")
      expect(cca.logins()).toBe(2)
    }),
  )

  it.effect("uses the response's expiresIn over the configured lifetime", () =>
    Effect.gen(function* () {
      const cca = yield* ccaServer({ expiresIn: 300 })
      const plugin = yield* build(configOf(cca.server.url, { sessionLifetime: 60 }))
      const request = Http.makeRequest("GET", `${cca.server.url}/CcaAPI/agents`)
      yield* plugin.authenticate(request, call)
      yield* TestClock.adjust("120 seconds")
      expect((yield* plugin.authenticate(request, call)).headers.authorization).toBe("Bearer S-1")
      yield* TestClock.adjust("180 seconds")
      expect((yield* plugin.authenticate(request, call)).headers.authorization).toBe("Bearer S-2")
    }),
  )

  it.effect("a session token in a response header", () =>
    Effect.gen(function* () {
      const cca = yield* ccaServer({ tokenIn: "header" })
      const plugin = yield* build(configOf(cca.server.url, { token: { header: "X-Session-Token" } }))
      expect((yield* Conformance.call(plugin, `${cca.server.url}/CcaAPI/agents`)).status).toBe(200)
    }),
  )

  it.effect("re-login once on 401, and no loop when the new session is refused too", () =>
    Effect.gen(function* () {
      const cca = yield* ccaServer()
      const plugin = yield* build(configOf(cca.server.url))
      const url = `${cca.server.url}/CcaAPI/agents`
      expect((yield* Conformance.call(plugin, url)).status).toBe(200)
      cca.endAll() // the server dropped the session early
      expect(yield* Conformance.call(plugin, url)).toMatchObject({
        status: 200,
        attempts: 2,
        decision: "retry",
      })
      expect(cca.logins()).toBe(2)
    }),
  )

  it.effect("20 concurrent calls on a cold session: one login", () =>
    Effect.gen(function* () {
      const cca = yield* ccaServer()
      const plugin = yield* build(configOf(cca.server.url))
      const request = Http.makeRequest("GET", `${cca.server.url}/CcaAPI/agents`)
      yield* Effect.forEach(Array.from({ length: 20 }), () => plugin.authenticate(request, call), {
        concurrency: "unbounded",
      })
      expect(cca.logins()).toBe(1)
    }),
  )

  it.effect("logs out when the layer's scope closes", () =>
    Effect.gen(function* () {
      const cca = yield* ccaServer()
      const store = TokenStore.makeMemory()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const plugin = yield* build(configOf(cca.server.url), store)
          yield* plugin.authenticate(Http.makeRequest("GET", `${cca.server.url}/CcaAPI/agents`), call)
          expect(cca.logouts()).toHaveLength(0)
        }),
      )
      expect(cca.logouts()).toHaveLength(1)
      expect(cca.logouts()[0]!.headers.authorization).toBe("Bearer S-1")
      expect(
        yield* store.get(TokenStore.key({ provider: "cca", connection: "default", scopes: [] })),
      ).toBeUndefined()
    }),
  )

  it.effect("release logs out and leaves nothing in the store", () =>
    Effect.gen(function* () {
      const cca = yield* ccaServer()
      const store = TokenStore.makeMemory()
      const plugin = yield* build(configOf(cca.server.url), store)
      yield* plugin.authenticate(Http.makeRequest("GET", `${cca.server.url}/CcaAPI/agents`), call)
      yield* plugin.release
      expect(cca.logouts()).toHaveLength(1)
      expect(
        yield* store.get(TokenStore.key({ provider: "cca", connection: "default", scopes: [] })),
      ).toBeUndefined()
    }),
  )

  it.effect(
    "a wrong password is InvalidClient with the call's correlation id, the password nowhere in it",
    () =>
      Effect.gen(function* () {
        const cca = yield* ccaServer()
        const plugin = yield* build(
          configOf(cca.server.url, {
            credentials: {
              username: "agent",
              password: Redacted.make("wrong-pass-123"),
              module: "supervisor",
            },
          }),
        )
        const error = yield* Effect.flip(
          plugin.authenticate(Http.makeRequest("GET", `${cca.server.url}/x`), call),
        )
        expect(error).toMatchObject({ _tag: "InvalidClient", status: 401, correlationId: "cca-s-1" })
        expect(JSON.stringify(error) + error.message + String(error)).not.toContain("wrong-pass-123")
      }),
  )

  it.effect("a template naming a credential that was not given is a ConfigError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        build(
          configOf("http://127.0.0.1:1", {
            credentials: { username: "agent", password: Redacted.make(password) },
          }),
        ),
      )
      expect(error).toMatchObject({ _tag: "ConfigError", path: "credentials" })
      expect(error.message).toContain("module")
    }),
  )
})
