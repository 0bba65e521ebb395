// The `keyway serve` page in a real headless Chromium (Debian's `chromium` package, driven by
// playwright-core; no browser download): Connect for Workable's and CCH's sandboxes, consent,
// status active, revoke from the sandbox's control API, needs_reauthorization after the next
// refresh, Reconnect, Disconnect.
import * as Fs from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { TokenStore } from "@keyway/core"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { Layer } from "effect"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll } from "vitest"
import { Events, Keeper, Serve } from "../src/index.ts"
import { configOf } from "./Helpers.ts"

const executablePath = process.env.KEYWAY_CHROMIUM ?? "/usr/bin/chromium"

let workable: Sandbox<"workable">
let cch: Sandbox<"cch">
let browser: Browser
let server: Awaited<ReturnType<typeof Serve.listen>>

beforeAll(async () => {
  if (!Fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium is missing at ${executablePath}: install Debian's package (apt-get install -y chromium) or set KEYWAY_CHROMIUM; the page test needs a real browser`,
    )
  }
  workable = await startSandbox("workable")
  cch = await startSandbox("cch")
  const configs = [configOf("workable", workable), configOf("cch", cch)]
  const base = Layer.mergeAll(Layer.sync(TokenStore.TokenStore, TokenStore.makeMemory), Events.layer)
  const live = Keeper.layer({ providers: configs, interval: "1 hour" }).pipe(Layer.provideMerge(base))
  server = await Serve.listen(
    {
      providers: [
        { config: configs[0]!, title: "Workable" },
        { config: configs[1]!, title: "CCH" },
      ],
    },
    live,
  )
  browser = await chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await workable?.stop()
  await cch?.stop()
})

const statusOf = (page: Page, provider: string, connection: string) =>
  page
    .locator(`tr[data-provider="${provider}"][data-connection="${connection}"] [data-status]`)
    .getAttribute("data-status")

const press = async (page: Page, provider: string, connection: string, label: string) => {
  await page
    .locator(`tr[data-provider="${provider}"][data-connection="${connection}"] button`, { hasText: label })
    .click()
  await page.waitForLoadState("load")
}

const revokeAll = async (sb: { readonly urls: { readonly controlUrl: string } }, user: string) => {
  const response = await fetch(sb.urls.controlUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ revoke: { user } }),
  })
  const result = (await response.json()) as { revoked: number }
  assert.isAbove(result.revoked, 0)
}

describe("keyway serve page", () => {
  it("connects, shows status, needs reauthorization after a revoke, reconnects, disconnects", async () => {
    const page = await browser.newPage()
    await page.goto(server.url)
    assert.strictEqual(await page.title(), "Keyway connections")

    for (const [provider, connection] of [
      ["workable", "acme"],
      ["cch", "alice"],
    ] as const) {
      const section = page.locator(`section[data-provider="${provider}"]`)
      await section.locator('input[name="connection"]').fill(connection)
      await section.locator("button", { hasText: "Connect" }).click()
      await page.waitForURL(`${server.url}/`)
      assert.strictEqual(await statusOf(page, provider, connection), "active")
    }
    assert.strictEqual(await page.locator('.events li[data-type="connected"]').count(), 2)

    // revoke at the providers (their control APIs), then the next refresh finds out
    await revokeAll(workable, workable.credentials.userId)
    await revokeAll(cch, String(cch.credentials.userId))
    await press(page, "workable", "acme", "Refresh")
    await press(page, "cch", "alice", "Refresh")
    assert.strictEqual(await statusOf(page, "workable", "acme"), "needs_reauthorization")
    assert.strictEqual(await statusOf(page, "cch", "alice"), "needs_reauthorization")
    assert.strictEqual(await page.locator('.events li[data-type="reauthorization_required"]').count(), 2)

    // reconnect through the same consent handlers
    await press(page, "workable", "acme", "Reconnect")
    await page.waitForURL(`${server.url}/`)
    await press(page, "cch", "alice", "Reconnect")
    await page.waitForURL(`${server.url}/`)
    assert.strictEqual(await statusOf(page, "workable", "acme"), "active")
    assert.strictEqual(await statusOf(page, "cch", "alice"), "active")

    // and a working refresh after the reconnect
    await press(page, "cch", "alice", "Refresh")
    assert.include(await page.locator(".flash").innerText(), "alice: refreshed")

    await press(page, "workable", "acme", "Disconnect")
    assert.strictEqual(await page.locator('tr[data-provider="workable"][data-connection="acme"]').count(), 0)
    assert.include(await page.locator(".flash").innerText(), "disconnected (revoked)")
    assert.strictEqual(await page.locator('.events li[data-type="disconnected"]').count(), 1)

    // a POST without the page's form token is refused
    const forged = await fetch(`${server.url}/connections/cch/alice/disconnect`, {
      method: "POST",
      body: new URLSearchParams({ csrf: "x" }),
    })
    assert.strictEqual(forged.status, 403)
    await page.close()
  })
})
