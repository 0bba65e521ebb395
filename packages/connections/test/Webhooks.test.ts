import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { TokenStore } from "@keyway/core"
import { Effect, Layer, Redacted } from "effect"
import { Events, Webhooks } from "../src/index.ts"

interface Received {
  readonly body: string
  readonly headers: Record<string, string | string[] | undefined>
}

/** A loopback receiver that answers `statuses` in turn (then 200) and keeps what it got. */
const receiver = async (statuses: ReadonlyArray<number>) => {
  const received: Array<Received> = []
  let i = 0
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      received.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers })
      res.writeHead(statuses[i++] ?? 200)
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const secret = Redacted.make("whsec-test")

describe("Webhooks", () => {
  it("signs every event; the receiver verifies it; failures are retried until a 2xx", async () => {
    const hook = await receiver([503, 500])
    const deliveries: Array<Webhooks.Delivery> = []
    try {
      await Effect.runPromise(
        Effect.gen(function* () {
          const events = yield* Events.ConnectionEvents
          const sender = yield* Webhooks.Webhooks
          yield* events.publish({
            type: "refresh_failed",
            provider: "workable",
            connection: "acme",
            data: { reason: "HTTP 503", attempts: 1 },
          })
          while (deliveries.length < 1) yield* Effect.yieldNow
          assert.strictEqual(yield* sender.pending, 0)
        }).pipe(
          Effect.provide(
            Webhooks.layer({
              url: hook.url,
              secret,
              retryBase: "1 millis",
              onDelivery: (d) => deliveries.push(d),
            }).pipe(Layer.provideMerge(Events.layer)),
          ),
          Effect.timeout("10 seconds"),
        ),
      )
      assert.strictEqual(deliveries[0]?.delivered, true)
      assert.strictEqual(deliveries[0]?.attempts, 3)
      assert.strictEqual(hook.received.length, 3)
      const ids = new Set(hook.received.map((r) => r.headers["keyway-event-id"]))
      assert.strictEqual(ids.size, 1) // the same event each time: receivers deduplicate on its id
      for (const r of hook.received) {
        assert.isTrue(
          Webhooks.verify({
            secret,
            body: r.body,
            timestamp: r.headers["keyway-timestamp"] as string,
            signature: r.headers["keyway-signature"] as string,
          }),
        )
      }
      const event = JSON.parse(hook.received[0]!.body) as Events.ConnectionEvent
      assert.strictEqual(event.type, "refresh_failed")
      assert.strictEqual(event.connection, "acme")
      assert.strictEqual(event.id, hook.received[0]!.headers["keyway-event-id"])
    } finally {
      await hook.close()
    }
  })

  it("verify refuses a changed body, a wrong secret, a bad header and an old timestamp", () => {
    const now = 1_800_000_000_000
    const timestamp = Math.floor(now / 1000)
    const body = JSON.stringify({ id: "e1" })
    const signature = Webhooks.sign(secret, timestamp, body)
    const ok = { secret, body, timestamp: String(timestamp), signature, now }
    assert.isTrue(Webhooks.verify(ok))
    assert.isFalse(Webhooks.verify({ ...ok, body: `${body} ` }))
    assert.isFalse(Webhooks.verify({ ...ok, secret: "other" }))
    assert.isFalse(Webhooks.verify({ ...ok, signature: "v0=abc" }))
    assert.isFalse(Webhooks.verify({ ...ok, timestamp: undefined }))
    assert.isFalse(Webhooks.verify({ ...ok, now: now + 301_000 }))
    assert.isTrue(Webhooks.verify({ ...ok, now: now + 299_000 }))
  })

  it("an outbox in the token store: what a previous process left is delivered at start, then removed", async () => {
    const hook = await receiver([])
    const store = TokenStore.makeMemory()
    const left: Events.ConnectionEvent = {
      id: "evt-left-behind",
      type: "reauthorization_required",
      provider: "cch",
      connection: "alice",
      occurredAt: new Date(0).toISOString(),
      data: { reason: "invalid_grant" },
    }
    await Effect.runPromise(
      store.compareAndSet(
        TokenStore.key({ provider: Webhooks.outboxProvider, connection: left.id, scopes: [] }),
        undefined,
        {
          accessToken: Redacted.make(JSON.stringify(left)),
          obtainedAt: 0,
          revision: "r1",
        },
      ),
    )
    const deliveries: Array<Webhooks.Delivery> = []
    try {
      await Effect.runPromise(
        Effect.gen(function* () {
          const events = yield* Events.ConnectionEvents
          yield* events.publish({ type: "refreshed", provider: "cch", connection: "bob" })
          // delivered, and removed from the outbox (or the timeout fails the test)
          while (deliveries.length < 2 || (yield* store.list!(Webhooks.outboxProvider)).length > 0)
            yield* Effect.yieldNow
        }).pipe(
          Effect.provide(
            Webhooks.layer({
              url: hook.url,
              secret,
              retryBase: "1 millis",
              onDelivery: (d) => deliveries.push(d),
            }).pipe(
              Layer.provideMerge(Layer.mergeAll(Events.layer, Layer.succeed(TokenStore.TokenStore, store))),
            ),
          ),
          Effect.timeout("10 seconds"),
        ),
      )
      assert.sameMembers(
        hook.received.map((r) => r.headers["keyway-event-id"]),
        ["evt-left-behind", deliveries.find((d) => d.event.type === "refreshed")?.event.id],
      )
      assert.deepStrictEqual(await Effect.runPromise(store.list!(Webhooks.outboxProvider)), [])
    } finally {
      await hook.close()
    }
  })

  it("refuses plain http to a non-loopback host", async () => {
    const exit = await Effect.runPromiseExit(Webhooks.make({ url: "http://hooks.example/keyway", secret }))
    assert.isTrue(exit._tag === "Failure")
    const loopback = await Effect.runPromiseExit(Webhooks.make({ url: "http://127.0.0.1:1/hooks", secret }))
    assert.isTrue(loopback._tag === "Success")
  })

  it("gives up after maxAttempts and says so", async () => {
    const hook = await receiver([500, 500, 500, 500])
    const deliveries: Array<Webhooks.Delivery> = []
    try {
      await Effect.runPromise(
        Effect.gen(function* () {
          const events = yield* Events.ConnectionEvents
          yield* events.publish({ type: "revoked", provider: "cch", connection: "x" })
          while (deliveries.length < 1) yield* Effect.yieldNow
        }).pipe(
          Effect.provide(
            Webhooks.layer({
              url: hook.url,
              secret,
              retryBase: "1 millis",
              maxAttempts: 2,
              onDelivery: (d) => deliveries.push(d),
            }).pipe(Layer.provideMerge(Events.layer)),
          ),
          Effect.timeout("10 seconds"),
        ),
      )
      assert.deepStrictEqual(
        [deliveries[0]?.delivered, deliveries[0]?.attempts, deliveries[0]?.error],
        [false, 2, "HTTP 500"],
      )
      assert.strictEqual(hook.received.length, 2)
    } finally {
      await hook.close()
    }
  })
})
