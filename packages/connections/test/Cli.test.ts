import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { WebConsent } from "@keyway/auth-authorization-code"
import { TokenStore } from "@keyway/core"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { SqliteStore } from "@keyway/store-sqlite"
import { Effect, Redacted } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Cli } from "../src/index.ts"
import { configOf, consentAt, locationOf } from "./Helpers.ts"

let sb: Sandbox<"workable">
beforeAll(async () => {
  sb = await startSandbox("workable")
})
afterAll(() => sb?.stop())

const ioOf = (env: Record<string, string>, signal?: AbortSignal) => {
  const out: Array<string> = []
  const err: Array<string> = []
  return {
    out,
    err,
    io: {
      out: (l: string) => void out.push(l),
      err: (l: string) => void err.push(l),
      env,
      cwd: process.cwd(),
      signal,
    },
  }
}

describe("keyway keeper and keyway serve", () => {
  it("keeper --once refreshes, marks a revoked grant, prints events without tokens", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-keeper-cli-"))
    const storePath = Path.join(dir, "tokens.db")
    try {
      const handlers = WebConsent.make({
        config: configOf("workable", sb),
        redirectUri: "http://127.0.0.1:9/cb",
        tokenStore: SqliteStore.layer({ path: storePath }),
      })
      for (const connection of ["good", "bad"]) {
        const start = await handlers.start(new Request("http://127.0.0.1:9/s"), { connection })
        await handlers.callback(new Request(await consentAt(locationOf(start))))
      }
      await handlers.dispose()
      const records = await Effect.runPromise(
        Effect.flatMap(TokenStore.TokenStore, (s) => s.list!("workable")).pipe(
          Effect.provide(SqliteStore.layer({ path: storePath })),
        ),
      )
      const bad = records.find((r) => r.key.connection === "bad")!.token
      sb.control.revoke({ refreshToken: Redacted.value(bad.refreshToken!) })
      const { out, err, io } = ioOf({
        KEYWAY_WORKABLE_CLIENT_ID: sb.credentials.clientId,
        KEYWAY_WORKABLE_CLIENT_SECRET: sb.credentials.clientSecret,
        KEYWAY_WORKABLE_TOKEN_URL: sb.urls.tokenUrl!,
        KEYWAY_WORKABLE_REVOKE_URL: sb.urls.revokeUrl!,
      })
      const code = await Cli.runKeeperCli(
        ["--provider", "workable", "--store", storePath, "--once", "--refresh-ahead", "10800"],
        io,
      )
      assert.deepStrictEqual([code, err], [0, []])
      const lines = out
        .join("")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      const types = lines.filter((l) => "type" in l).map((l) => `${l.type}:${l.connection}`)
      assert.sameMembers(types, ["refreshed:good", "reauthorization_required:bad"])
      const report = lines.find((l) => "report" in l)?.report as {
        refreshed: number
        reauthorizationRequired: number
      }
      assert.deepStrictEqual([report.refreshed, report.reauthorizationRequired], [1, 1])
      const text = out.join("")
      for (const r of records) {
        assert.notInclude(text, Redacted.value(r.token.refreshToken!))
        assert.notInclude(text, Redacted.value(r.token.accessToken!))
      }
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("serve --sandbox serves the page until stopped", async () => {
    const controller = new AbortController()
    const { out, io } = ioOf({}, controller.signal)
    const running = Cli.runServeCli(["--sandbox", "--port", "0"], io)
    while (!out.join("").includes("keyway serve: http")) await new Promise((r) => setImmediate(r))
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(out.join(""))![0]
    const page = await fetch(url)
    assert.strictEqual(page.status, 200)
    const html = await page.text()
    assert.include(html, "workable (sandbox)")
    assert.include(html, "cch (sandbox)")
    controller.abort()
    assert.strictEqual(await running, 0)
  })

  it("keeper without a provider says what is missing", async () => {
    const { err, io } = ioOf({})
    assert.strictEqual(await Cli.runKeeperCli([], io), 1)
    assert.include(err.join(""), "--provider")
  })
})
