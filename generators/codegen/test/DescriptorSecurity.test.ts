// The descriptor's run-time security settings reach the generated client: `limits` (the largest
// response body) and `origins` (where a credential may go besides the base URL's origin), against
// a loopback server, through the generated package.
import { cpSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fixtures, project, run } from "./helpers.ts"

let base: string
let close: () => Promise<void>
const seen: Array<{ url: string; authorization: string | undefined }> = []
let out: string

beforeAll(async () => {
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", authorization: req.headers.authorization })
    res.writeHead(200, { "content-type": "application/json" })
    // 400 bytes of items: over the descriptor's 200-byte limit on /things, small elsewhere.
    res.end(JSON.stringify(req.url === "/things" ? { items: ["x".repeat(400)] } : { items: [] }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  close = () => new Promise<void>((resolve) => server.close(() => resolve()))

  const dir = project("descriptor-security", [])
  cpSync(join(fixtures, "minimal"), join(dir, "specs", "x"), { recursive: true })
  const yaml = join(dir, "specs", "x", "provider.yaml")
  writeFileSync(
    yaml,
    `${readFileSync(yaml, "utf8")}limits: { maxResponseBytes: 200 }\norigins: ["https://files.x.test"]\n`,
  )
  const r = await run(["generate"], dir)
  expect(r.err).toBe("")
  out = join(dir, "packages", "x", "src")
}, 120_000)
afterAll(() => close())

const load = async () => import(join(out, "index.ts"))

describe("descriptor security settings in the generated client", () => {
  it("emits the descriptor's limits and origins into the provider definition", () => {
    const client = readFileSync(join(out, "client.ts"), "utf8")
    expect(client).toContain("limits: descriptor.limits")
    expect(client).toContain("origins: descriptor.origins")
  })

  it("a response over the descriptor's maxResponseBytes fails with ResponseTooLarge", async () => {
    const X = await load()
    const client = X.createClient({ baseUrl: base, auth: { token: "secret-token" } })
    await expect(client.GET("/things")).rejects.toMatchObject({ _tag: "ResponseTooLarge" })
    const small = await client.GET("/things/{id}", { params: { path: { id: "1" } } })
    expect(small.response.status).toBe(200)
  })
})
