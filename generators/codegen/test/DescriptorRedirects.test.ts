// The descriptor's `redirects` reaches the generated client (as `limits` does): a redirect to
// another origin, refused by default, is followed without credentials when the descriptor says
// `crossOrigin: follow-without-credentials`; two loopback servers on two ports are two origins.
import { cpSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fixtures, project, run } from "./helpers.ts"

const seen: Array<{ server: string; url: string; authorization: string | undefined }> = []
const servers: Array<Server> = []
let api: string
let files: string
let out: string

const listen = async (
  name: string,
  handle: (url: string, res: import("node:http").ServerResponse) => void,
) => {
  const server = createServer((req, res) => {
    seen.push({ server: name, url: req.url ?? "", authorization: req.headers.authorization })
    handle(req.url ?? "", res)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

beforeAll(async () => {
  files = await listen("files", (_url, res) => {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ items: [] }))
  })
  api = await listen("api", (_url, res) => {
    res.writeHead(302, { location: `${files}/things` })
    res.end()
  })
  const dir = project("descriptor-redirects", [])
  cpSync(join(fixtures, "minimal"), join(dir, "specs", "x"), { recursive: true })
  const yaml = join(dir, "specs", "x", "provider.yaml")
  writeFileSync(
    yaml,
    `${readFileSync(yaml, "utf8")}redirects: { crossOrigin: follow-without-credentials, maxHops: 2 }\n`,
  )
  const r = await run(["generate"], dir)
  expect(r.err).toBe("")
  out = join(dir, "packages", "x", "src")
}, 120_000)
afterAll(async () => {
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe("the descriptor's redirects in the generated client", () => {
  it("emits the descriptor's redirects into the provider definition", () => {
    expect(readFileSync(join(out, "client.ts"), "utf8")).toContain("redirects: descriptor.redirects")
  })

  it("follows a redirect to another origin without the credential; the options can refuse it", async () => {
    const X = await import(join(out, "index.ts"))
    const client = X.createClient({ baseUrl: api, auth: { token: "secret-token" } })
    const { response } = await client.GET("/things")
    expect(response.status).toBe(200)
    expect(seen.map((s) => [s.server, s.authorization])).toEqual([
      ["api", "Bearer secret-token"],
      ["files", undefined],
    ])
    const refusing = X.createClient({
      baseUrl: api,
      auth: { token: "secret-token" },
      redirects: { crossOrigin: "refuse" },
    })
    await expect(refusing.GET("/things")).rejects.toMatchObject({ _tag: "OriginRefused" })
    expect(seen.filter((s) => s.server === "files")).toHaveLength(1)
  })
})
