import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { AuthorizationCode, WebConsent } from "@keyway/auth-authorization-code"
import { Telemetry, TokenStore } from "@keyway/core"
import * as Workable from "@keyway/provider-workable"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { SqliteStore } from "@keyway/store-sqlite"
import { Effect, Fiber, Layer, Redacted, Stream } from "effect"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { Connections, Events, Keeper } from "../src/index.ts"
import { configOf, consentAt, locationOf } from "./Helpers.ts"

let sb: Sandbox<"workable">
beforeAll(async () => {
  sb = await startSandbox("workable")
})
afterAll(() => sb?.stop())
beforeEach(() => {
  sb.control.reset()
  sb.control.clearFaults()
})

const connect = async (store: TokenStore.TokenStoreShape, connection: string) => {
  const handlers = WebConsent.make({
    config: configOf("workable", sb),
    redirectUri: "http://127.0.0.1:9/cb",
    tokenStore: store,
  })
  const start = await handlers.start(new Request("http://127.0.0.1:9/start"), { connection })
  const done = await handlers.callback(new Request(await consentAt(locationOf(start))))
  if (done.status !== 200) throw new Error(`consent failed: ${await done.text()}`)
}

const refreshOf = (token: TokenStore.StoredToken | undefined): string => {
  if (token?.refreshToken === undefined) throw new Error("no refresh token stored")
  return Redacted.value(token.refreshToken)
}

const keyOf = (connection: string) =>
  TokenStore.key({
    provider: "workable",
    connection,
    scopes: AuthorizationCode.grantScopesOf(configOf("workable", sb)),
  })

/** Runs `f` with a keeper and an events collector on `store`; returns f's value and the events. */
const withKeeper = async <A>(
  store: TokenStore.TokenStoreShape,
  options: Partial<Keeper.Options>,
  f: (
    keeper: Keeper.KeeperShape,
  ) => Effect.Effect<A, unknown, TokenStore.TokenStore | Events.ConnectionEvents>,
) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const events = yield* Events.ConnectionEvents
        const seen: Array<Events.ConnectionEvent> = []
        const subscription = yield* events.subscribe
        const collector = yield* Stream.fromSubscription(subscription).pipe(
          Stream.runForEach((event) => Effect.sync(() => void seen.push(event))),
          Effect.forkScoped,
        )
        const keeper = yield* Keeper.make({ providers: [configOf("workable", sb)], ...options })
        const value = yield* f(keeper)
        yield* Effect.yieldNow
        yield* Fiber.interrupt(collector)
        return { value, events: seen }
      }),
    ).pipe(Effect.provide(Layer.merge(Layer.succeed(TokenStore.TokenStore, store), Events.layer))),
  )

describe("Keeper", () => {
  it("refreshes what is due, leaves the rest, and marks a revoked grant needs_reauthorization", async () => {
    const store = TokenStore.makeMemory()
    for (const c of ["a", "b", "c"]) await connect(store, c)
    // nothing is due with a 10-minute horizon: Workable tokens live 2 hours
    const idle = await withKeeper(store, {}, (k) => k.sweep)
    assert.strictEqual(idle.value.connections, 3)
    assert.strictEqual(idle.value.due, 0)
    assert.strictEqual(sb.counters().totals.refreshes, 0)

    // revoke c at the provider (its refresh token), then sweep with everything due
    const c = await Effect.runPromise(store.get(keyOf("c")))
    sb.control.revoke({ refreshToken: refreshOf(c) })
    const swept = await withKeeper(store, { refreshAhead: "3 hours" }, (k) => k.sweep)
    assert.strictEqual(swept.value.due, 3)
    assert.strictEqual(swept.value.refreshed, 2)
    assert.strictEqual(swept.value.reauthorizationRequired, 1)
    assert.strictEqual(sb.counters().totals.refreshes, 3)
    assert.deepStrictEqual(swept.events.map((e) => `${e.type}:${e.connection}`).sort(), [
      "reauthorization_required:c",
      "refreshed:a",
      "refreshed:b",
    ])
    const listed = await Effect.runPromise(
      Connections.list("workable").pipe(Effect.provideService(TokenStore.TokenStore, store)),
    )
    assert.deepStrictEqual(
      listed.map((x) => [x.connection, x.status]),
      [
        ["a", "active"],
        ["b", "active"],
        ["c", "needs_reauthorization"],
      ],
    )
    // a grant needing reauthorization is not tried again
    const again = await withKeeper(store, { refreshAhead: "3 hours" }, (k) => k.sweep)
    assert.strictEqual(again.value.due, 2)
    assert.strictEqual(sb.counters().totals.refreshes, 5)
    // and no event carries a token
    const secrets = [...(await Effect.runPromise(store.list!("workable")))].flatMap(({ token }) =>
      [token.accessToken, token.refreshToken].filter((t) => t !== undefined).map((t) => Redacted.value(t!)),
    )
    const text = JSON.stringify([...swept.events, ...again.events])
    for (const secret of secrets) assert.notInclude(text, secret)
  })

  it("reports each sweep to the installed telemetry sink (keeper sweep metrics)", async () => {
    const store = TokenStore.makeMemory()
    for (const c of ["s1", "s2"]) await connect(store, c)
    const sweeps: Array<Telemetry.SweepEvent> = []
    const sink: Telemetry.Sink = { ...Telemetry.noop, keeperSweep: (e) => void sweeps.push(e) }
    const report = await withKeeper(store, { maxAge: "0 millis" }, (k) =>
      Effect.provideService(k.sweep, Telemetry.Telemetry, sink),
    )
    assert.strictEqual(sweeps.length, 1)
    assert.deepStrictEqual(sweeps[0], { provider: "workable", ...report.value })
    assert.strictEqual(sweeps[0]!.refreshed, 2)
  })

  it("refreshes a grant older than maxAge even when its access token is still good", async () => {
    const store = TokenStore.makeMemory()
    await connect(store, "old")
    const report = await withKeeper(store, { maxAge: "0 millis" }, (k) => k.sweep)
    assert.strictEqual(report.value.refreshed, 1)
  })

  it("records transient failures, backs off, recovers, and gives up after giveUpAfter", async () => {
    const store = TokenStore.makeMemory()
    await connect(store, "flaky")
    await connect(store, "doomed")
    sb.control.injectFault({ type: "5xx", status: 503, route: "/oauth/token" })
    const failed = await withKeeper(
      store,
      { refreshAhead: "3 hours", backoff: { base: "1 hour" } },
      (k) => k.sweep,
    )
    assert.strictEqual(failed.value.failed, 2)
    assert.deepStrictEqual(
      failed.events.map((e) => e.type),
      ["refresh_failed", "refresh_failed"],
    )
    const listed = await Effect.runPromise(
      Connections.list("workable").pipe(Effect.provideService(TokenStore.TokenStore, store)),
    )
    for (const c of listed) {
      assert.strictEqual(c.status, "failing")
      assert.isDefined(c.failingSince)
      assert.include(c.reason ?? "", "503")
    }
    // in backoff: the next sweep does not try
    const backoff = await withKeeper(
      store,
      { refreshAhead: "3 hours", backoff: { base: "1 hour" } },
      (k) => k.sweep,
    )
    assert.strictEqual(backoff.value.due, 0)
    // the provider recovers: "flaky" refreshes (a zero backoff), "doomed" gives up first (zero give-up time)
    sb.control.clearFaults()
    const recovered = await withKeeper(
      store,
      { refreshAhead: "3 hours", backoff: { base: "0 millis" } },
      (k) => k.refreshNow("workable", "flaky"),
    )
    assert.strictEqual(recovered.value, "refreshed")
    assert.deepStrictEqual(
      recovered.events.map((e) => e.type),
      ["refreshed", "recovered"],
    )
    sb.control.injectFault({ type: "5xx", status: 503, route: "/oauth/token" })
    const gaveUp = await withKeeper(
      store,
      { refreshAhead: "3 hours", backoff: { base: "0 millis" }, giveUpAfter: "0 millis" },
      (k) => k.refreshNow("workable", "doomed"),
    )
    assert.strictEqual(gaveUp.value, "reauthorization-required")
    assert.deepStrictEqual(
      gaveUp.events.map((e) => e.type),
      ["refresh_failed", "reauthorization_required"],
    )
    const final = await Effect.runPromise(
      Connections.list("workable").pipe(Effect.provideService(TokenStore.TokenStore, store)),
    )
    assert.deepStrictEqual(
      final.map((c) => [c.connection, c.status]),
      [
        ["doomed", "needs_reauthorization"],
        ["flaky", "active"],
      ],
    )
  })

  it("the runtime sets statuses as it works: a call whose refresh is refused marks the connection", async () => {
    const store = TokenStore.makeMemory()
    await connect(store, "app")
    const record = await Effect.runPromise(store.get(keyOf("app")))
    sb.control.revoke({ refreshToken: refreshOf(record) })
    sb.control.advanceClock(7300) // the access token is past its lifetime: the call refreshes
    // expire the stored access token on Keyway's side too
    await Effect.runPromise(
      store.compareAndSet(keyOf("app"), record, { ...record!, expiresAt: Date.now() - 1, revision: "r-old" }),
    )
    const client = Workable.createClient({
      baseUrl: sb.baseUrl,
      tokenUrl: sb.urls.tokenUrl,
      connection: "app",
      tokenStore: Layer.succeed(TokenStore.TokenStore, store),
      auth: { type: "oauth", clientId: sb.credentials.clientId, clientSecret: sb.credentials.clientSecret },
    })
    const failure = await client.op.listJobs({}).then(
      () => undefined,
      (e: { _tag?: string }) => e,
    )
    await client.close()
    assert.strictEqual(failure?._tag, "ReauthorizationRequired")
    const listed = await Effect.runPromise(
      Connections.list("workable").pipe(Effect.provideService(TokenStore.TokenStore, store)),
    )
    assert.strictEqual(listed[0]?.status, "needs_reauthorization")
  })

  it("disconnect revokes at the provider, then deletes", async () => {
    const store = TokenStore.makeMemory()
    await connect(store, "gone")
    const before = sb.counters().totals.revocations
    const { value, events } = await withKeeper(store, {}, () =>
      Connections.disconnect(configOf("workable", sb), "gone"),
    )
    assert.deepStrictEqual(value, { revoked: true, revokeError: undefined, existed: true })
    assert.strictEqual(sb.counters().totals.revocations, before + 1)
    assert.isUndefined(await Effect.runPromise(store.get(keyOf("gone"))))
    assert.deepStrictEqual(
      events.map((e) => e.type),
      ["revoked", "disconnected"],
    )
  })

  it("revoke keeps a record without secrets in status revoked; the keeper leaves it; reconnect replaces it", async () => {
    const store = TokenStore.makeMemory()
    await connect(store, "kept")
    const { value, events } = await withKeeper(store, {}, () =>
      Connections.revoke(configOf("workable", sb), "kept"),
    )
    assert.strictEqual(value.revoked, true)
    assert.deepStrictEqual(
      events.map((e) => e.type),
      ["revoked"],
    )
    const record = await Effect.runPromise(store.get(keyOf("kept")))
    assert.isUndefined(record?.accessToken)
    assert.isUndefined(record?.refreshToken)
    const listed = await Effect.runPromise(
      Connections.list("workable").pipe(Effect.provideService(TokenStore.TokenStore, store)),
    )
    assert.deepStrictEqual(
      listed.map((c) => [c.connection, c.status]),
      [["kept", "revoked"]],
    )
    const sweep = await withKeeper(store, { refreshAhead: "3 hours" }, (k) => k.sweep)
    assert.deepStrictEqual([sweep.value.due, sweep.value.skipped], [0, 1])
    await connect(store, "kept")
    const after = await Effect.runPromise(
      Connections.list("workable").pipe(Effect.provideService(TokenStore.TokenStore, store)),
    )
    assert.deepStrictEqual(
      after.map((c) => [c.connection, c.status]),
      [["kept", "active"]],
    )
  })

  it("two keeper processes on one store: one refresh per connection", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-keepers-"))
    const storePath = Path.join(dir, "tokens.db")
    try {
      // grants whose access tokens expire within the keeper's 10-minute horizon; refreshed ones
      // live 2 hours, so a keeper that comes later finds nothing due
      sb.control.setLifetimes({ access: 120 })
      await Effect.runPromise(
        Effect.gen(function* () {
          const store = yield* TokenStore.TokenStore
          for (let i = 0; i < 12; i++) yield* Effect.promise(() => connect(store, `k${i}`))
        }).pipe(Effect.provide(SqliteStore.layer({ path: storePath }))),
      )
      sb.control.setLifetimes({ access: 7200 })
      const before = sb.counters().totals.refreshes
      const fixture = Path.join(import.meta.dirname, "fixtures", "keeper-sweep.ts")
      const args = [
        "--conditions=@keyway/source",
        fixture,
        storePath,
        JSON.stringify({
          authorizeUrl: sb.urls.authorizeUrl,
          tokenUrl: sb.urls.tokenUrl,
          revokeUrl: sb.urls.revokeUrl,
        }),
        JSON.stringify({ clientId: sb.credentials.clientId, clientSecret: sb.credentials.clientSecret }),
      ]
      sb.control.setTokenLatency(100) // the two sweeps overlap: they meet at the refresh lock
      const run = () =>
        promisify(execFile)(process.execPath, args).then(
          ({ stdout }) => JSON.parse(stdout) as Keeper.SweepReport,
        )
      const [one, two] = await Promise.all([run(), run()])
      assert.strictEqual(sb.counters().totals.refreshes - before, 12)
      assert.strictEqual(one.refreshed + two.refreshed, 12)
      assert.strictEqual(
        one.due + two.due - one.refreshed - two.refreshed,
        one.alreadyFresh + two.alreadyFresh,
      )
      assert.strictEqual(
        one.failed + two.failed + one.reauthorizationRequired + two.reauthorizationRequired,
        0,
      )
      const listed = await Effect.runPromise(
        Connections.list("workable").pipe(Effect.provide(SqliteStore.layer({ path: storePath }))),
      )
      assert.strictEqual(listed.filter((c) => c.status === "active").length, 12)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
