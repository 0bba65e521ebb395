/**
 * `keyway connect` end to end: the CLI runs as a child process against a provider sandbox, the
 * test plays the user's browser (authorize → 302 → the CLI's loopback redirect), and the grant the
 * CLI stored is then used by the generated client for real typed calls.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { TokenStore } from "@keyway/core"
import * as Cch from "@keyway/provider-cch"
import * as Workable from "@keyway/provider-workable"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { SqliteStore } from "@keyway/store-sqlite"
import { Effect, Layer, Redacted, References } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { authorize, spawnCli, visit } from "./Helpers.ts"

const quiet = Layer.succeed(References.MinimumLogLevel, "Error")
let dir: string
beforeAll(() => {
  dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-connect-"))
})
afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))

const storedGrant = (path: string, provider: string, connection: string, scopes: ReadonlyArray<string>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* TokenStore.TokenStore
      return yield* store.get(TokenStore.key({ provider, connection, scopes }))
    }).pipe(Effect.provide(SqliteStore.layer({ path }))),
  )

type OAuthSandbox = Sandbox<"cch"> | Sandbox<"workable">

/** The CLI arguments that point it at the sandbox's endpoints and at a token store file. */
const endpointArgs = (sb: OAuthSandbox, store: string) => [
  "--authorize-url",
  sb.urls.authorizeUrl!,
  "--token-url",
  sb.urls.tokenUrl!,
  "--store",
  store,
]

/** The Workable client id and secret, given to the CLI through the environment. */
const workableEnv = (sb: Sandbox<"workable">) => ({
  KEYWAY_WORKABLE_CLIENT_ID: sb.credentials.clientId,
  KEYWAY_WORKABLE_CLIENT_SECRET: sb.credentials.clientSecret,
})

/** What a generated client needs to use the grant the CLI stored for `connection` in `store`. */
const storedGrantOptions = (sb: OAuthSandbox, store: string, connection: string) => ({
  baseUrl: sb.baseUrl,
  tokenUrl: sb.urls.tokenUrl,
  revokeUrl: sb.urls.revokeUrl,
  tokenStore: SqliteStore.layer({ path: store }),
  connection,
  layer: quiet,
})

describe("keyway connect cch", () => {
  let sb: Sandbox<"cch">
  beforeAll(async () => {
    sb = await startSandbox("cch")
  })
  afterAll(() => sb.stop())

  it("prints the authorize URL, takes the redirect, stores a grant the generated client uses", async () => {
    const store = Path.join(dir, "cch", ".keyway", "tokens.db")
    const cli = spawnCli(
      ["cch", "--client-id", sb.credentials.clientId, ...endpointArgs(sb, store), "--connection", "alice"],
      { KEYWAY_CCH_CLIENT_SECRET: sb.credentials.clientSecret },
    )
    const printed = new URL(await cli.authorizeUrl)
    expect(printed.origin).toBe(sb.urls.origin)
    expect(printed.searchParams.get("response_type")).toBe("code")
    expect(printed.searchParams.get("scope")).toBe("read")
    expect(printed.searchParams.get("state")?.length).toBeGreaterThanOrEqual(16)
    const redirectUri = new URL(printed.searchParams.get("redirect_uri")!)
    expect(redirectUri.hostname).toBe("127.0.0.1")
    expect(redirectUri.pathname).toBe("/callback")

    // The browser: consent at the provider, then follow the 302 to the CLI's listener.
    const callback = await authorize(printed)
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri.toString())
    expect(callback.searchParams.get("state")).toBe(printed.searchParams.get("state"))
    const landing = await visit(callback.toString())
    expect(landing.status).toBe(200)
    expect(landing.body).toContain("Connected to cch")

    expect(await cli.exit).toBe(0)
    expect(cli.stdout()).toContain(
      `Connected cch: connection "alice", scope read, refreshable; grant stored in ${store}`,
    )
    const output = cli.stdout() + cli.stderr()
    expect(output).not.toContain(sb.credentials.clientSecret)
    expect(output).not.toContain(callback.searchParams.get("code")!)
    expect(Fs.statSync(store).mode & 0o777).toBe(0o600)
    expect(Fs.statSync(Path.dirname(store)).mode & 0o777).toBe(0o700)
    expect(sb.counters().totals.tokenRequests).toBe(1)

    const grant = await storedGrant(store, "cch", "alice", ["read"])
    expect(grant?.refreshToken).toBeDefined()
    expect(grant?.needsReauthorization).toBeUndefined()

    // The generated client reads the grant from the same store: no token request of its own.
    await using client = Cch.createClient({
      ...storedGrantOptions(sb, store, "alice"),
      auth: {
        type: "oauth",
        clientId: sb.credentials.clientId,
        clientSecret: Redacted.make(sb.credentials.clientSecret),
      },
    })
    const me = await client.op.getMyAccount()
    expect(me.response.status).toBe(200)
    expect(me.data?.id).toBe(sb.credentials.accountId)
    expect(sb.counters().totals.tokenRequests).toBe(1)

    // An hour later the refresh (with rotation) is written back to the SQLite file.
    sb.control.advanceClock(3_601)
    const again = await client.op.getAccount({ params: { path: { id: String(sb.credentials.accountId) } } })
    expect(again.response.status).toBe(200)
    expect(sb.counters().totals.refreshes).toBe(1)
    const rotated = await storedGrant(store, "cch", "alice", ["read"])
    expect(rotated?.refreshToken).toBeDefined()
    expect(Redacted.value(rotated?.refreshToken ?? Redacted.make(""))).not.toBe(
      Redacted.value(grant?.refreshToken ?? Redacted.make("")),
    )
  })

  it("refuses a redirect whose state does not match, stores nothing and exits 1", async () => {
    const store = Path.join(dir, "cch-forged", "tokens.db")
    const before = sb.counters().totals.tokenRequests
    const cli = spawnCli([
      "cch",
      "--client-id",
      sb.credentials.clientId,
      "--client-secret",
      sb.credentials.clientSecret,
      ...endpointArgs(sb, store),
    ])
    const callback = await authorize(await cli.authorizeUrl)
    callback.searchParams.set("state", "forged-by-an-attacker")
    const landing = await visit(callback.toString())
    expect(landing.status).toBe(400)
    expect(landing.body).toContain("Connection refused")
    expect(await cli.exit).toBe(1)
    expect(cli.stderr()).toContain("CallbackRejected")
    expect(cli.stderr()).toContain("state-mismatch")
    expect(cli.stdout()).not.toContain("Connected")
    // The code was never exchanged, and nothing is in the store.
    expect(sb.counters().totals.tokenRequests).toBe(before)
    expect(await storedGrant(store, "cch", "default", ["read"])).toBeUndefined()
  })
})

describe("keyway connect workable", () => {
  let sb: Sandbox<"workable">
  beforeAll(async () => {
    sb = await startSandbox("workable")
  })
  afterAll(() => sb.stop())

  it("connects with chosen scopes and a fixed port; the generated client pages through jobs", async () => {
    const store = Path.join(dir, "workable", "tokens.db")
    // A free port, given explicitly (as a user does when the provider checks redirect URIs).
    const probe = await import("node:net").then(
      (net) =>
        new Promise<number>((resolve) => {
          const server = net.createServer().listen(0, "127.0.0.1", () => {
            const port = (server.address() as { port: number }).port
            server.close(() => resolve(port))
          })
        }),
    )
    const cli = spawnCli(
      [
        "workable",
        "--scopes",
        "r_jobs,r_candidates",
        "--connection",
        "acme",
        "--port",
        String(probe),
        ...endpointArgs(sb, store),
      ],
      workableEnv(sb),
    )
    const printed = new URL(await cli.authorizeUrl)
    expect(printed.searchParams.get("redirect_uri")).toBe(`http://127.0.0.1:${probe}/callback`)
    expect(printed.searchParams.get("resource")).toBe("user")
    expect(printed.search).toContain("scope=r_jobs+r_candidates")
    const landing = await visit((await authorize(printed)).toString())
    expect(landing.status).toBe(200)
    expect(await cli.exit).toBe(0)
    expect(cli.stdout()).toContain(`Connected workable: connection "acme", scope r_jobs r_candidates`)

    await using client = Workable.createClient({
      ...storedGrantOptions(sb, store, "acme"),
      auth: {
        type: "oauth",
        clientId: sb.credentials.clientId,
        clientSecret: sb.credentials.clientSecret,
        scopes: ["r_jobs", "r_candidates"],
      },
    })
    const jobs = await Array.fromAsync(client.paginate.listJobs({ params: { query: { limit: 50 } } }))
    expect(jobs).toHaveLength(130)
    expect(sb.counters().totals.calls).toBe(3)
    expect(sb.counters().totals.tokenRequests).toBe(1)
  })

  it("fails with the provider's error when the consent is refused (an unknown scope)", async () => {
    const store = Path.join(dir, "workable-refused", "tokens.db")
    const cli = spawnCli(
      ["workable", "--scopes", "r_everything", ...endpointArgs(sb, store)],
      workableEnv(sb),
    )
    const callback = await authorize(await cli.authorizeUrl)
    expect(callback.searchParams.get("error")).toBe("invalid_scope")
    expect((await visit(callback.toString())).status).toBe(400)
    expect(await cli.exit).toBe(1)
    expect(cli.stderr()).toContain("provider-error (invalid_scope)")
  })

  it("gives up after --timeout without a redirect", async () => {
    const cli = spawnCli(
      ["workable", "--timeout", "1", ...endpointArgs(sb, Path.join(dir, "timeout", "tokens.db"))],
      // Workable turns PKCE off: only a confidential client may connect.
      { KEYWAY_WORKABLE_CLIENT_ID: sb.credentials.clientId, KEYWAY_WORKABLE_CLIENT_SECRET: "s" },
    )
    await cli.authorizeUrl
    expect(await cli.exit).toBe(1)
    expect(cli.stderr()).toContain("connect failed (timeout)")
  })
})
