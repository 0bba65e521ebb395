import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { AuthorizationCode, WebConsent } from "@keyway/auth-authorization-code"
import { TokenStore } from "@keyway/core"
import * as Cch from "@keyway/provider-cch"
import * as CchEffect from "@keyway/provider-cch/effect"
import * as Workable from "@keyway/provider-workable"
import * as WorkableEffect from "@keyway/provider-workable/effect"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { SqliteStore } from "@keyway/store-sqlite"
import { Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll } from "vitest"
import { Connections } from "../src/index.ts"
import { configOf, consentAt, locationOf } from "./Helpers.ts"

let sb: Sandbox<"workable">
beforeAll(async () => {
  sb = await startSandbox("workable")
})
afterAll(() => sb?.stop())

const redirectUri = "http://127.0.0.1:9/callback"
const secretOf = (secret: Redacted.Redacted<string> | undefined) =>
  secret === undefined ? undefined : Redacted.value(secret)
const handlersOn = (store: TokenStore.TokenStoreShape, extra: Partial<WebConsent.Options> = {}) =>
  WebConsent.make({ config: configOf("workable", sb), redirectUri, tokenStore: store, ...extra })

describe("WebConsent", () => {
  it("start redirects to consent, callback stores the grant where the generated client reads it", async () => {
    const store = TokenStore.makeMemory()
    const connected: Array<WebConsent.Connected> = []
    const handlers = handlersOn(store, { onConnected: (c) => Effect.sync(() => void connected.push(c)) })
    const start = await handlers.start(new Request("http://127.0.0.1:9/start"), {
      connection: "acme",
      returnTo: "/done",
    })
    assert.strictEqual(start.status, 302)
    const authorize = new URL(locationOf(start))
    assert.strictEqual(authorize.searchParams.get("resource"), "user")
    assert.include(authorize.search, "scope=r_jobs+r_candidates+w_candidates")
    // the state and verifier are in the store, not in a cookie
    const pending = await Effect.runPromise(store.list!(WebConsent.pendingProvider))
    assert.strictEqual(pending.length, 1)

    const callbackUrl = await consentAt(authorize.toString())
    const callback = await handlers.callback(new Request(callbackUrl))
    assert.strictEqual(callback.status, 303)
    assert.strictEqual(callback.headers.get("location"), "/done")
    assert.deepStrictEqual(
      connected.map((c) => [c.provider, c.connection, c.reconnected]),
      [["workable", "acme", false]],
    )
    assert.strictEqual((await Effect.runPromise(store.list!(WebConsent.pendingProvider))).length, 0)

    const client = Workable.createClient({
      baseUrl: sb.baseUrl,
      tokenUrl: sb.urls.tokenUrl,
      connection: "acme",
      tokenStore: Layer.succeed(TokenStore.TokenStore, store),
      auth: { type: "oauth", clientId: sb.credentials.clientId, clientSecret: sb.credentials.clientSecret },
    })
    const { data, error } = await client.op.listJobs({ params: { query: { limit: 2 } } })
    await client.close()
    assert.isUndefined(error)
    assert.strictEqual(data?.jobs?.length, 2)
    assert.strictEqual(sb.counters().totals.refreshes, 0)

    // single use: the same callback again is refused, nothing new stored
    const replay = await handlers.callback(new Request(callbackUrl))
    assert.strictEqual(replay.status, 400)
    assert.include(await replay.text(), "already used")
  })

  it("the generated package's consent helpers are bound to its descriptor (Workable and CCH)", async () => {
    const cchSandbox = await startSandbox("cch")
    try {
      const store = TokenStore.makeMemory()
      const tokenStore = Layer.succeed(TokenStore.TokenStore, store)
      const handlers = WorkableEffect.consent({
        clientId: sb.credentials.clientId,
        clientSecret: sb.credentials.clientSecret,
        redirectUri,
        tokenStore,
        authorizeUrl: sb.urls.authorizeUrl,
        tokenUrl: sb.urls.tokenUrl,
        revokeUrl: sb.urls.revokeUrl,
      })
      const start = await handlers.start(new Request("http://127.0.0.1:9/start"), { connection: "bound" })
      const authorize = new URL(locationOf(start))
      assert.strictEqual(authorize.searchParams.get("resource"), "user")
      assert.strictEqual(
        (await handlers.callback(new Request(await consentAt(authorize.toString())))).status,
        200,
      )
      const client = Workable.createClient({
        baseUrl: sb.baseUrl,
        tokenUrl: sb.urls.tokenUrl,
        connection: "bound",
        tokenStore,
        auth: { type: "oauth", clientId: sb.credentials.clientId, clientSecret: sb.credentials.clientSecret },
      })
      const jobs = await client.op.listJobs({ params: { query: { limit: 1 } } })
      await client.close()
      assert.strictEqual(jobs.data?.jobs?.length, 1)

      const cchHandlers = CchEffect.consent({
        clientId: cchSandbox.credentials.clientId,
        clientSecret: cchSandbox.credentials.clientSecret,
        redirectUri,
        tokenStore,
        authorizeUrl: cchSandbox.urls.authorizeUrl,
        tokenUrl: cchSandbox.urls.tokenUrl,
        revokeUrl: cchSandbox.urls.revokeUrl,
      })
      const cchStart = await cchHandlers.start(new Request("http://127.0.0.1:9/start"), {
        connection: "bound",
      })
      assert.strictEqual(new URL(locationOf(cchStart)).searchParams.get("scope"), "read")
      const cchDone = await cchHandlers.callback(new Request(await consentAt(locationOf(cchStart))))
      assert.strictEqual(cchDone.status, 200)
      const cchClient = Cch.createClient({
        baseUrl: cchSandbox.baseUrl,
        tokenUrl: cchSandbox.urls.tokenUrl,
        connection: "bound",
        tokenStore,
        auth: {
          type: "oauth",
          clientId: cchSandbox.credentials.clientId,
          clientSecret: cchSandbox.credentials.clientSecret,
        },
      })
      const account = await cchClient.GET("/my-account")
      await cchClient.close()
      assert.isUndefined(account.error)
      assert.strictEqual(cchSandbox.counters().totals.refreshes, 0)
    } finally {
      await cchSandbox.stop()
    }
  })

  it("refuses a forged state, an open redirect and a bad connection id", async () => {
    const store = TokenStore.makeMemory()
    const handlers = handlersOn(store)
    const forged = await handlers.callback(new Request("http://127.0.0.1:9/callback?code=x&state=forged"))
    assert.strictEqual(forged.status, 400)
    const open = await handlers.start(
      new Request("http://127.0.0.1:9/start?connection=a&returnTo=https://evil.example/"),
    )
    assert.strictEqual(open.status, 400)
    const slashes = await handlers.start(
      new Request("http://127.0.0.1:9/start?connection=a&returnTo=//evil.example/"),
    )
    assert.strictEqual(slashes.status, 400)
    const badId = await handlers.start(new Request("http://127.0.0.1:9/start?connection=../x"))
    assert.strictEqual(badId.status, 400)
    assert.strictEqual((await Effect.runPromise(store.list!(WebConsent.pendingProvider))).length, 0)
  })

  const ttlStore = TokenStore.makeMemory()
  it.effect("a started consent expires after its TTL (Effect API: the TokenStore in context)", () =>
    Effect.gen(function* () {
      const store = ttlStore
      const handlers = handlersOn(store, { stateTtl: "10 minutes" })
      const start = yield* handlers.startEffect(new Request("http://127.0.0.1:9/start?connection=late"))
      const callbackUrl = yield* Effect.promise(() => consentAt(locationOf(start)))
      yield* handlers.startEffect(new Request("http://127.0.0.1:9/start?connection=abandoned"))
      yield* TestClock.adjust("11 minutes")
      const callback = yield* handlers.callbackEffect(new Request(callbackUrl))
      assert.strictEqual(callback.status, 400)
      assert.include(yield* Effect.promise(() => callback.text()), "expired")
      // the abandoned one is removed by the keeper's housekeeping
      assert.strictEqual((yield* store.list!(WebConsent.pendingProvider)).length, 1)
      assert.strictEqual(
        yield* WebConsent.purgeExpired.pipe(Effect.provideService(TokenStore.TokenStore, store)),
        1,
      )
      assert.strictEqual((yield* store.list!(WebConsent.pendingProvider)).length, 0)
      const grant = yield* store.get(
        TokenStore.key({
          provider: "workable",
          connection: "late",
          scopes: ["r_jobs", "r_candidates", "w_candidates"],
        }),
      )
      assert.isUndefined(grant)
    }).pipe(Effect.provideService(TokenStore.TokenStore, ttlStore)),
  )

  it("reconnects a connection that needs reauthorization through the same handlers", async () => {
    const store = TokenStore.makeMemory()
    const handlers = handlersOn(store)
    const connectOnce = async () => {
      const start = await handlers.start(new Request("http://127.0.0.1:9/start?connection=beta"))
      return handlers.callback(new Request(await consentAt(locationOf(start))))
    }
    assert.strictEqual((await connectOnce()).status, 200)
    const config = configOf("workable", sb)
    const key = TokenStore.key({
      provider: "workable",
      connection: "beta",
      scopes: AuthorizationCode.grantScopesOf(config),
    })
    const first = await Effect.runPromise(store.get(key))
    await Effect.runPromise(
      store.compareAndSet(key, first, {
        ...first!,
        accessToken: undefined,
        needsReauthorization: "revoked",
        revision: "r-x",
      }),
    )
    const before = await Effect.runPromise(
      Connections.list("workable").pipe(Effect.provideService(TokenStore.TokenStore, store)),
    )
    assert.strictEqual(before[0]?.status, "needs_reauthorization")
    assert.strictEqual((await connectOnce()).status, 200)
    const after = await Effect.runPromise(
      Connections.list("workable").pipe(Effect.provideService(TokenStore.TokenStore, store)),
    )
    assert.deepStrictEqual(
      after.map((c) => [c.connection, c.status]),
      [["beta", "active"]],
    )
    const second = await Effect.runPromise(store.get(key))
    assert.notStrictEqual(secretOf(second?.refreshToken), secretOf(first?.refreshToken))
  })

  it("two processes: start in a child process, callback here, on one SQLite file", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-consent-"))
    const storePath = Path.join(dir, "tokens.db")
    try {
      const fixture = Path.join(import.meta.dirname, "fixtures", "start-consent.ts")
      const { stdout } = await promisify(execFile)(process.execPath, [
        "--conditions=@keyway/source",
        fixture,
        storePath,
        JSON.stringify({
          authorizeUrl: sb.urls.authorizeUrl,
          tokenUrl: sb.urls.tokenUrl,
          revokeUrl: sb.urls.revokeUrl,
        }),
        JSON.stringify({ clientId: sb.credentials.clientId, clientSecret: sb.credentials.clientSecret }),
        "two-process",
      ])
      const started = JSON.parse(stdout.trim()) as { status: number; location: string }
      assert.strictEqual(started.status, 302)
      const callbackUrl = await consentAt(started.location)
      const handlers = WebConsent.make({
        config: configOf("workable", sb),
        redirectUri,
        tokenStore: SqliteStore.layer({ path: storePath }),
      })
      const callback = await handlers.callback(new Request(callbackUrl))
      assert.strictEqual(callback.status, 303)
      assert.strictEqual(callback.headers.get("location"), "/done")
      const again = await handlers.callback(new Request(callbackUrl))
      assert.strictEqual(again.status, 400)
      await handlers.dispose()
      const listed = await Effect.runPromise(
        Connections.list("workable").pipe(Effect.provide(SqliteStore.layer({ path: storePath }))),
      )
      assert.deepStrictEqual(
        listed.map((c) => [c.connection, c.status, c.refreshable]),
        [["two-process", "active", true]],
      )
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
