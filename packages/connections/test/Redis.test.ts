// The same flows on Redis (a private redis-server, or KEYWAY_REDIS_URL as CI provides it): listing,
// consent started on one store client and completed on another, two keepers on one Redis.
import { execFile } from "node:child_process"
import * as Path from "node:path"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { WebConsent } from "@keyway/auth-authorization-code"
import type { TokenStore } from "@keyway/core"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { RedisStore } from "@keyway/store-redis"
import { RedisServer } from "@keyway/store-testkit"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Connections, Keeper } from "../src/index.ts"
import { configOf, consentAt, locationOf } from "./Helpers.ts"

let sb: Sandbox<"workable">
let redis: RedisServer.RedisServer
beforeAll(async () => {
  sb = await startSandbox("workable")
  redis = await RedisServer.start()
})
afterAll(async () => {
  await sb?.stop()
  await redis?.dispose()
})

const prefix = `keyway-connections-test-${process.pid}`
const storeLayer = () => RedisStore.layer({ url: redis.url, prefix })
const run = <A>(effect: Effect.Effect<A, unknown, TokenStore.TokenStore>) =>
  Effect.runPromise(effect.pipe(Effect.provide(storeLayer())))

describe("connections on Redis", () => {
  it("consent across two store clients, listing, two keepers: one refresh per connection", async () => {
    // start on one client, callback on another (as two processes would)
    const starter = WebConsent.make({
      config: configOf("workable", sb),
      redirectUri: "http://127.0.0.1:9/cb",
      tokenStore: storeLayer(),
    })
    const finisher = WebConsent.make({
      config: configOf("workable", sb),
      redirectUri: "http://127.0.0.1:9/cb",
      tokenStore: storeLayer(),
    })
    sb.control.setLifetimes({ access: 120 })
    for (let i = 0; i < 8; i++) {
      const start = await starter.start(new Request("http://127.0.0.1:9/s"), { connection: `r${i}` })
      assert.strictEqual(start.status, 302)
      const done = await finisher.callback(new Request(await consentAt(locationOf(start))))
      assert.strictEqual(done.status, 200)
    }
    sb.control.setLifetimes({ access: 7200 })
    await starter.dispose()
    await finisher.dispose()

    const listed = await run(Connections.list("workable"))
    assert.deepStrictEqual(
      listed.map((c) => [c.connection, c.status, c.scopes.join(" ")]),
      Array.from({ length: 8 }, (_, i) => [`r${i}`, "active", "r_candidates r_jobs w_candidates"]),
    )
    assert.strictEqual((await run(Connections.records(WebConsent.pendingProvider))).length, 0)

    // two keeper processes on this Redis
    const before = sb.counters().totals.refreshes
    sb.control.setTokenLatency(50)
    const fixture = Path.join(import.meta.dirname, "fixtures", "keeper-sweep.ts")
    const args = [
      "--conditions=@keyway/source",
      fixture,
      redis.url,
      JSON.stringify({
        authorizeUrl: sb.urls.authorizeUrl,
        tokenUrl: sb.urls.tokenUrl,
        revokeUrl: sb.urls.revokeUrl,
      }),
      JSON.stringify({ clientId: sb.credentials.clientId, clientSecret: sb.credentials.clientSecret }),
    ]
    const spawnKeeper = () =>
      promisify(execFile)(process.execPath, args, {
        env: { ...process.env, KEYWAY_TEST_PREFIX: prefix },
      }).then(({ stdout }) => JSON.parse(stdout) as Keeper.SweepReport)
    const [one, two] = await Promise.all([spawnKeeper(), spawnKeeper()])
    sb.control.setTokenLatency(0)
    assert.strictEqual(sb.counters().totals.refreshes - before, 8)
    assert.strictEqual(one.refreshed + two.refreshed, 8)

    // two keepers in this process, each with its own Redis clients: nothing is due any more
    const again = sb.counters().totals.refreshes
    const sweep = () =>
      run(
        Effect.flatMap(
          Keeper.make({ providers: [configOf("workable", sb)], concurrency: 2 }),
          (k) => k.sweep,
        ),
      )
    const [three, four] = await Promise.all([sweep(), sweep()])
    assert.strictEqual(sb.counters().totals.refreshes - again, 0)
    assert.deepStrictEqual([three.due, four.due, three.connections], [0, 0, 8])

    // a revoked one turns needs_reauthorization, seen in the listing
    const record = (await run(Connections.records("workable"))).find((r) => r.key.connection === "r3")!.token
    sb.control.revoke({ refreshToken: Redacted.value(record.refreshToken!) })
    const forced = await run(
      Effect.flatMap(Keeper.make({ providers: [configOf("workable", sb)], refreshAhead: "3 hours" }), (k) =>
        k.refreshNow("workable", "r3"),
      ),
    )
    assert.strictEqual(forced, "reauthorization-required")
    const after = await run(Connections.get(configOf("workable", sb), "r3"))
    assert.strictEqual(after?.status, "needs_reauthorization")
  })
})
