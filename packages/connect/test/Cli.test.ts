/**
 * The CLI's argument handling, in process, and `connect()` itself with an in-memory store.
 */
import { AuthorizationCode } from "@keyway/auth-authorization-code"
import { TokenStore } from "@keyway/core"
import * as Cch from "@keyway/provider-cch"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { Effect, Layer, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Browser, Cli, Connect, ConnectError, connect, ProviderLookup, runConnectCli } from "../src/index.ts"
import { authorize, visit } from "./Helpers.ts"

const capture = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  return {
    out,
    err,
    io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), env: {} },
  }
}

describe("Cli.options", () => {
  it("reads the provider, the flags, and the client credentials from the environment", () => {
    const options = Cli.options(
      ["workable", "--scopes", "r_jobs+r_candidates w_candidates", "--port", "8765", "--open"],
      {
        KEYWAY_WORKABLE_CLIENT_ID: "id",
        KEYWAY_WORKABLE_CLIENT_SECRET: "s3cret",
      },
    )
    expect(options.provider).toBe("workable")
    expect(options.clientId).toBe("id")
    expect(Redacted.isRedacted(options.clientSecret)).toBe(true)
    expect(String(options.clientSecret)).not.toContain("s3cret")
    expect(options.scopes).toEqual(["r_jobs", "r_candidates", "w_candidates"])
    expect(options.port).toBe(8765)
    expect(options.open).toBe(true)
    expect(options.connection).toBeUndefined()
  })

  it("prefers the flags to the environment", () => {
    const options = Cli.options(["cch", "--client-id", "flag-id"], { KEYWAY_CCH_CLIENT_ID: "env-id" })
    expect(options.clientId).toBe("flag-id")
    expect(options.clientSecret).toBeUndefined()
  })

  it.each([
    [[], "name exactly one provider"],
    [["cch", "workable", "--client-id", "x"], "name exactly one provider"],
    [["cch"], "KEYWAY_CCH_CLIENT_ID"],
    [["cch", "--client-id", "x", "--port", "70000"], "--port must be an integer"],
    [["cch", "--client-id", "x", "--token-url", "not a url"], "--token-url is not a URL"],
    [["cch", "--client-id", "x", "--bogus"], "Unknown option"],
  ])("exits 2 on a usage error: %j", async (argv, message) => {
    const { err, io } = capture()
    expect(await runConnectCli(argv, io)).toBe(2)
    expect(err.join("\n")).toContain(message)
  })

  it("prints the help", async () => {
    const { out, io } = capture()
    expect(await runConnectCli(["--help"], io)).toBe(0)
    expect(out.join("\n")).toContain("--client-secret")
  })

  it("names the environment variables after the provider", () => {
    expect(Cli.envPrefix("cultureamp")).toBe("KEYWAY_CULTUREAMP")
    expect(Cli.envPrefix("my-provider")).toBe("KEYWAY_MY_PROVIDER")
  })

  it("exits 1 for a provider without an authorization code strategy", async () => {
    const { err, io } = capture()
    expect(await runConnectCli(["nosuchprovider", "--client-id", "x"], io)).toBe(1)
    expect(err.join("\n")).toContain("no generated package @keyway/provider-nosuchprovider")
  })
})

describe("ProviderLookup and Browser", () => {
  it("finds the authorization code strategies of the generated packages", async () => {
    const workable = await ProviderLookup.authorizationCode("workable")
    expect(workable.authorizeParams).toEqual({ resource: "user" })
    expect(workable.scopeSeparator).toBe("+")
    const cch = await ProviderLookup.authorizationCode("cch")
    expect(cch.tokenUrl).toBe(Cch.descriptor.auth[0].tokenUrl)
    await expect(ProviderLookup.authorizationCode("../etc")).rejects.toBeInstanceOf(ConnectError)
  })

  it("picks the opener of each platform", () => {
    expect(Browser.command("https://x.example/?a=1&b=2", "darwin")).toEqual([
      "open",
      ["https://x.example/?a=1&b=2"],
    ])
    expect(Browser.command("https://x.example/", "linux")[0]).toBe("xdg-open")
    expect(Browser.command("https://x.example/?a=1&b=2", "win32")[1]).toContain("https://x.example/?a=1^&b=2")
  })
})

describe("connect()", () => {
  let sb: Sandbox<"cch">
  beforeAll(async () => {
    sb = await startSandbox("cch")
  })
  afterAll(() => sb.stop())

  it("stores the grant in the TokenStore layer it is given", async () => {
    const store = TokenStore.makeMemory()
    let printed: string | undefined
    const result = await connect({
      provider: "cch",
      clientId: sb.credentials.clientId,
      clientSecret: sb.credentials.clientSecret,
      authorizeUrl: sb.urls.authorizeUrl,
      tokenUrl: sb.urls.tokenUrl,
      connection: "bob",
      tokenStore: Layer.succeed(TokenStore.TokenStore, store),
      onAuthorizeUrl: (url) => {
        printed = url
        // The browser, once the URL is out.
        void authorize(url).then((callback) => visit(callback))
      },
    })
    expect(printed).toContain(sb.urls.authorizeUrl)
    expect(result).toMatchObject({
      provider: "cch",
      connection: "bob",
      scopes: ["read"],
      store: "custom",
      refreshable: true,
    })
    expect(result.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)
    const record = await Effect.runPromise(
      store.get(TokenStore.key({ provider: "cch", connection: "bob", scopes: ["read"] })),
    )
    expect(record?.accessToken).toBeDefined()
  })

  it("builds the plugin settings from the descriptor with the overrides", () => {
    const config = Connect.pluginConfig(Cch.descriptor.auth[0], {
      provider: "cch",
      clientId: "id",
      clientSecret: "s",
    })
    expect(config.requestScopes).toEqual(["read"])
    expect(config.tokenHeaders).toEqual({ Accept: "application/vnd.ucf.v1+json" })
    expect(config.connection).toBe("default")
    expect(Redacted.isRedacted(config.clientSecret)).toBe(true)
  })

  it("asks for the descriptor's defaultScopes, not every scope it knows", async () => {
    const strategy = await ProviderLookup.authorizationCode("workable")
    const config = Connect.pluginConfig(strategy, { provider: "workable", clientId: "id" })
    expect(config.scopes?.length).toBeGreaterThan(strategy.defaultScopes?.length ?? 0)
    expect(config.requestScopes).toEqual(strategy.defaultScopes)
    const { url } = AuthorizationCode.consent(config).authorizeUrl({ redirectUri: "http://127.0.0.1:1/cb" })
    expect(url).toContain(`scope=${strategy.defaultScopes!.join("+")}`)
    expect(url).not.toContain("w_timeoff")
  })

  it("rejects when aborted", async () => {
    const controller = new AbortController()
    const pending = connect({
      provider: "cch",
      clientId: "id",
      // CCH turns PKCE off: only a confidential client may connect.
      clientSecret: "s",
      authorizeUrl: sb.urls.authorizeUrl,
      tokenUrl: sb.urls.tokenUrl,
      tokenStore: TokenStore.layerMemory,
      signal: controller.signal,
      onAuthorizeUrl: () => controller.abort(),
    })
    await expect(pending).rejects.toMatchObject({ _tag: "ConnectError", reason: "aborted" })
  })
})

describe("connect refuses what would leak a grant (issue 12)", () => {
  it("a public client of a provider without PKCE, before listening or sending anything", async () => {
    let printed = false
    const refused = await connect({
      provider: "cch",
      clientId: "id",
      authorizeUrl: "https://auth.example/authorize",
      tokenUrl: "https://auth.example/token",
      tokenStore: TokenStore.layerMemory,
      onAuthorizeUrl: () => {
        printed = true
      },
    }).catch((e: unknown) => e)
    expect(refused).toMatchObject({ _tag: "ConfigError", path: "pkce" })
    expect(printed).toBe(false)
  })

  it.each([
    ["authorizeUrl", { authorizeUrl: "http://auth.example/authorize" }],
    ["tokenUrl", { tokenUrl: "http://auth.example/token" }],
    ["revokeUrl", { revokeUrl: "http://auth.example/revoke" }],
  ])("plain http to a non-loopback host for %s, unless --allow-insecure-http", async (field, urls) => {
    const base = {
      provider: "cch",
      clientId: "id",
      clientSecret: "s",
      authorizeUrl: "https://auth.example/authorize",
      tokenUrl: "https://auth.example/token",
      tokenStore: TokenStore.layerMemory,
      ...urls,
    }
    const refused = await connect(base).catch((e: unknown) => e)
    expect(refused).toMatchObject({ _tag: "ConfigError", path: field })
    // Allowed, the check passes: the config is accepted (nothing is listened on or sent here).
    expect(
      Connect.checkConfig(
        Connect.pluginConfig(await ProviderLookup.authorizationCode("cch", process.cwd()), {
          ...base,
          allowInsecureHttp: true,
        }),
      ),
    ).toBeUndefined()
    expect(Cli.options(["cch", "--client-id", "x", "--allow-insecure-http"]).allowInsecureHttp).toBe(true)
  })
})

describe("what already held: the callback page (issue 12)", () => {
  it("listens on 127.0.0.1 only and escapes what it prints", async () => {
    const { Loopback } = await import("../src/index.ts")
    const listener = await Loopback.listen()
    expect(new URL(listener.redirectUri).hostname).toBe("127.0.0.1")
    const waiting = listener.wait(async () => ({
      status: 400,
      title: "<script>alert(1)</script>",
      text: `"quoted" & <b>bold</b>`,
      error: new Error("refused"),
    }))
    waiting.catch(() => {})
    const page = await (await fetch(`${listener.redirectUri}?state=x`)).text()
    expect(page).not.toContain("<script>")
    expect(page).not.toContain("<b>")
    expect(page).toContain("&#60;script&#62;")
    await listener.close()
  })
})
