/**
 * The keeper row set: on the Workable and CCH sandboxes, connections are made through the
 * generated packages' `consent` helpers (web consent handlers), one of them is revoked at the
 * provider and some expire soon; one keeper sweep refreshes the expiring ones, finds the revoked
 * one `needs_reauthorization`, leaves the fresh ones alone, and its events are delivered as
 * signed webhooks to a loopback receiver that verifies every signature. The rows count the
 * token requests; the delivered events are printed under the table.
 *
 * @example
 * ```ts
 * import * as KeeperScenario from "@keyway/demo/KeeperScenario"
 * // const { rows, delivered } = await KeeperScenario.run({ workable, cch })
 * ```
 *
 * @since 0.1.0
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import type { WebConsent } from "@keyway/auth-authorization-code"
import { Connections, Events, Keeper, Webhooks } from "@keyway/connections"
import { TokenStore } from "@keyway/core"
import * as CchEffect from "@keyway/provider-cch/effect"
import * as Workable from "@keyway/provider-workable"
import * as WorkableEffect from "@keyway/provider-workable/effect"
import type { Sandbox } from "@keyway/sandbox"
import { Effect, Layer, Redacted, References } from "effect"
import type * as Scenario from "./Scenario.ts"
import * as UserAgent from "./UserAgent.ts"

/**
 * What the row set gives: its rows, and the events the receiver got (verified).
 *
 * @since 0.1.0
 */
export interface Result {
  readonly rows: ReadonlyArray<Scenario.Row>
  readonly delivered: ReadonlyArray<Events.ConnectionEvent>
}

const redirectUri = "http://127.0.0.1:9/keyway/callback"

/** A loopback webhook receiver that verifies the signature of everything it gets. */
const receiver = async (secret: Redacted.Redacted<string>) => {
  const delivered: Array<Events.ConnectionEvent> = []
  let refused = 0
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      const ok = Webhooks.verify({
        secret,
        body,
        timestamp: req.headers["keyway-timestamp"] as string | undefined,
        signature: req.headers["keyway-signature"] as string | undefined,
      })
      if (ok) delivered.push(JSON.parse(body) as Events.ConnectionEvent)
      else refused++
      res.writeHead(ok ? 204 : 401)
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    delivered,
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const connect = async (handlers: WebConsent.Handlers, connection: string) => {
  const start = await handlers.start(new Request(`${redirectUri}/start`), { connection })
  const location = start.headers.get("location")
  if (location === null) throw new Error(`consent start answered ${start.status}`)
  const callback = await UserAgent.authorize(location)
  const done = await handlers.callback(new Request(callback))
  if (done.status !== 200) throw new Error(`consent callback answered ${done.status}: ${await done.text()}`)
}

/**
 * Runs the row set on running Workable and CCH sandboxes.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * import * as KeeperScenario from "@keyway/demo/KeeperScenario"
 * // const result = await KeeperScenario.run({ workable: await startSandbox("workable"), cch: await startSandbox("cch") })
 * ```
 *
 * @since 0.1.0
 */
export const run = async (sandboxes: {
  readonly workable: Sandbox<"workable">
  readonly cch: Sandbox<"cch">
}): Promise<Result> => {
  const store = TokenStore.makeMemory()
  const tokenStore = Layer.succeed(TokenStore.TokenStore, store)
  const { workable, cch } = sandboxes
  const workableConsent = WorkableEffect.consent({
    clientId: workable.credentials.clientId,
    clientSecret: workable.credentials.clientSecret,
    redirectUri,
    tokenStore,
    authorizeUrl: workable.urls.authorizeUrl,
    tokenUrl: workable.urls.tokenUrl,
    revokeUrl: workable.urls.revokeUrl,
  })
  const cchConsent = CchEffect.consent({
    clientId: cch.credentials.clientId,
    clientSecret: cch.credentials.clientSecret,
    redirectUri,
    tokenStore,
    authorizeUrl: cch.urls.authorizeUrl,
    tokenUrl: cch.urls.tokenUrl,
    revokeUrl: cch.urls.revokeUrl,
  })
  // Fresh connections (2-hour and 1-hour tokens: not due), then ones whose tokens expire in
  // 2 minutes (due within the keeper's 10-minute horizon); one of those is revoked at Workable.
  await connect(workableConsent, "demo-fresh")
  await connect(cchConsent, "demo-fresh")
  workable.control.setLifetimes({ access: 120 })
  cch.control.setLifetimes({ access: 120 })
  await connect(workableConsent, "demo-expiring")
  await connect(workableConsent, "demo-revoked")
  await connect(cchConsent, "demo-expiring")
  workable.control.setLifetimes({ access: 7200 })
  cch.control.setLifetimes({ access: 3600 })
  const revokedKey = TokenStore.key({
    provider: "workable",
    connection: "demo-revoked",
    scopes: [...(Workable.descriptor.auth[0].defaultScopes ?? [])],
  })
  const revoked = await Effect.runPromise(store.get(revokedKey))
  if (revoked?.refreshToken === undefined) throw new Error("the revoked connection has no grant")
  workable.control.revoke({ refreshToken: Redacted.value(revoked.refreshToken) })

  const secret = Redacted.make(`demo-${crypto.randomUUID()}`)
  const hook = await receiver(secret)
  const before = { workable: workable.counters().totals, cch: cch.counters().totals }
  const configs = [
    WorkableEffect.authorizationCodeConfig(
      {
        clientId: workable.credentials.clientId,
        clientSecret: workable.credentials.clientSecret,
        tokenUrl: workable.urls.tokenUrl,
        revokeUrl: workable.urls.revokeUrl,
      },
      { variables: {}, baseUrl: workable.baseUrl },
    ),
    CchEffect.authorizationCodeConfig(
      {
        clientId: cch.credentials.clientId,
        clientSecret: cch.credentials.clientSecret,
        tokenUrl: cch.urls.tokenUrl,
        revokeUrl: cch.urls.revokeUrl,
      },
      { variables: {}, baseUrl: cch.baseUrl },
    ),
  ]
  let expected = 0
  try {
    const { report, listed } = await Effect.runPromise(
      Effect.gen(function* () {
        const keeper = yield* Keeper.make({ providers: configs })
        const report = yield* keeper.sweep
        const sender = yield* Webhooks.Webhooks
        expected = report.refreshed + report.reauthorizationRequired
        while (hook.delivered.length + hook.refused() < expected || (yield* sender.pending) > 0)
          yield* Effect.yieldNow
        const listed = [...(yield* Connections.list("workable")), ...(yield* Connections.list("cch"))]
        return { report, listed }
      }).pipe(
        Effect.provide(
          Webhooks.layer({ url: hook.url, secret, retryBase: "10 millis" }).pipe(
            Layer.provideMerge(Events.layer),
            Layer.provideMerge(tokenStore),
          ),
        ),
        Effect.provideService(References.MinimumLogLevel, "Error"),
        Effect.timeout("20 seconds"),
      ),
    )
    const after = { workable: workable.counters().totals, cch: cch.counters().totals }
    const statusOf = (provider: string, connection: string) =>
      listed.find((c) => c.provider === provider && c.connection === connection)?.status
    const rowOf = (provider: "workable" | "cch", checks: ReadonlyArray<[boolean, string]>): Scenario.Row => {
      const failed = checks.find(([ok]) => !ok)
      return {
        provider,
        strategy: "keeper",
        phase: "keeper",
        calls: 0,
        tokenRequests: after[provider].tokenRequests - before[provider].tokenRequests,
        refreshes: after[provider].refreshes - before[provider].refreshes,
        retries: 0,
        correlationId: "-",
        result: failed === undefined ? "ok" : "FAIL CheckFailed",
        error: failed?.[1],
      }
    }
    const events = (type: string, provider: string, connection: string) =>
      hook.delivered.filter((e) => e.type === type && e.provider === provider && e.connection === connection)
        .length
    const rows = [
      rowOf("workable", [
        [statusOf("workable", "demo-fresh") === "active", "the fresh connection stays active"],
        [statusOf("workable", "demo-expiring") === "active", "the expiring connection is refreshed"],
        [
          statusOf("workable", "demo-revoked") === "needs_reauthorization",
          "the revoked one needs reauthorization",
        ],
        [events("refreshed", "workable", "demo-expiring") === 1, "a refreshed event was delivered"],
        [
          events("reauthorization_required", "workable", "demo-revoked") === 1,
          "a reauthorization event was delivered",
        ],
        [hook.refused() === 0, "every webhook signature verified"],
      ]),
      rowOf("cch", [
        [statusOf("cch", "demo-fresh") === "active", "the fresh connection stays active"],
        [statusOf("cch", "demo-expiring") === "active", "the expiring connection is refreshed"],
        [events("refreshed", "cch", "demo-expiring") === 1, "a refreshed event was delivered"],
        [report.skipped === 2, "the fresh connections were not refreshed"],
      ]),
    ]
    return { rows, delivered: [...hook.delivered] }
  } finally {
    await hook.close()
    await workableConsent.dispose()
    await cchConsent.dispose()
  }
}
