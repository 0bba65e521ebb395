/**
 * Keyway outside its repository, as a new user meets it: the public packages packed into
 * tarballs (scripts/packages.ts, as `bash scripts/pack.sh` does), a plain npm project in the
 * system's temporary folder (`npm init -y`), `npm install` of the tarballs the generator needs
 * (their dependencies from the registry), `npx keyway generate --spec api.yaml --name acme --out
 * ./acme`, `npm install ./acme`, `tsc --noEmit` of a consumer (nodenext and bundler resolution),
 * a wrong path that does not compile, and plain `node` making a typed, authenticated call against
 * a loopback server. Then: the same inputs through the repository's generator, from its sources
 * and from its build, give byte-identical packages, and the built CLI's `--check` agrees with
 * the repository.
 *
 * npm and node are the toolchain's (Node 24 first on PATH: the machine's own Node 20 is too old).
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, dirname, join, relative, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "..", "..", "..")
const codegenBin = join(repo, "generators", "codegen", "bin", "keyway.mjs")
const version = (
  JSON.parse(readFileSync(join(repo, "generators", "codegen", "package.json"), "utf8")) as { version: string }
).version

/**
 * The environment of a user's shell: the toolchain's node first, nothing of pnpm's run (but the
 * registry and cache settings). turbo passes the machine's CA and proxy settings through
 * (tooling/adoption/turbo.json): without NODE_EXTRA_CA_CERTS, npm's requests fail and retry.
 */
const userEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env))
    if (
      !/^(npm_|pnpm_|INIT_CWD$|NODE_OPTIONS$|VITEST|TURBO_)/i.test(k) ||
      /^npm_config_(registry|cache)$/.test(k)
    )
      env[k] = v
  env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`
  env.CI = "1"
  env.npm_config_fund = "false"
  env.npm_config_audit = "false"
  env.npm_config_update_notifier = "false"
  return env
}

const sh = (
  command: string,
  args: ReadonlyArray<string>,
  cwd: string,
  env: NodeJS.ProcessEnv = userEnv(),
) => {
  const r = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
  return {
    code: r.status,
    out: r.stdout ?? "",
    err: r.stderr ?? "",
    all: `${r.stdout ?? ""}${r.stderr ?? ""}`,
  }
}

/** `sh` without blocking this process (whose loopback server the child calls). */
const shAsync = (command: string, args: ReadonlyArray<string>, cwd: string, env: NodeJS.ProcessEnv) =>
  new Promise<ReturnType<typeof sh>>((done) => {
    const child = spawn(command, args, { cwd, env })
    let out = ""
    let err = ""
    child.stdout.on("data", (c) => (out += c))
    child.stderr.on("data", (c) => (err += c))
    child.on("close", (code) => done({ code, out, err, all: out + err }))
  })

let last = performance.now()
const must = (r: ReturnType<typeof sh>, what: string) => {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.all.slice(-4000)}`)
  const now = performance.now()
  console.log(`outside: ${what} (${((now - last) / 1000).toFixed(1)} s)`)
  last = now
  return r
}

const files = (dir: string, base = dir): Array<string> =>
  readdirSync(dir)
    .filter((f) => f !== "node_modules")
    .flatMap((f) => {
      const p = join(dir, f)
      return statSync(p).isDirectory() ? files(p, base) : [relative(base, p)]
    })
    .sort()

const snapshot = (dir: string) =>
  Object.fromEntries(files(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]))

const spec = `openapi: 3.1.0
info: { title: Acme API, version: "1.0.0" }
servers:
  - url: https://api.acme.example/v1
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Item:
      type: object
      required: [id, name]
      properties:
        id: { type: string }
        name: { type: string }
security:
  - bearer: []
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - { name: limit, in: query, required: true, schema: { type: integer } }
      responses:
        "200":
          description: The items.
          content:
            application/json:
              schema: { type: array, items: { $ref: "#/components/schemas/Item" } }
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: One item.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Item" }
`

// A typed consumer: the checker must accept it, and reject `wrong.ts`.
const consumerTs = `import { Client } from "@keyway/core"
import { type AcmeClientOptions, createClient, type paths } from "@keyway/provider-acme"

const options: AcmeClientOptions = {
  baseUrl: process.env.ACME_URL!,
  auth: { token: process.env.ACME_TOKEN! },
}
const client = createClient(options)
const { data, error } = await client.op.listItems({ params: { query: { limit: 2 } } })
if (error !== undefined) throw new Error("listItems failed")
const names: Array<string> = data.map((item) => item.name)
const one = await client.GET("/items/{id}", { params: { path: { id: "a1" } } })
const item: paths["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"] | undefined = one.data
console.log(JSON.stringify({ names, item, correlationId: Client.callInfo(one.response)?.correlationId }))
await client.close()
`
const wrongTs = `import { createClient } from "@keyway/provider-acme"

const client = createClient({ baseUrl: "http://127.0.0.1:1", auth: { token: "t" } })
await client.GET("/itemz", {})
`
// The same consumer in plain JavaScript, for plain node.
const consumerMjs = consumerTs
  .replace(/import \{ type AcmeClientOptions, createClient, type paths \}/, "import { createClient }")
  .replace("const options: AcmeClientOptions = {", "const options = {")
  .replaceAll("process.env.ACME_URL!", "process.env.ACME_URL")
  .replaceAll("process.env.ACME_TOKEN!", "process.env.ACME_TOKEN")
  .replace("const names: Array<string> =", "const names =")
  .replace(/const item: .* = one\.data/, "const item = one.data")

const tsconfig = (compilerOptions: Record<string, unknown>, include: ReadonlyArray<string>) =>
  JSON.stringify({
    compilerOptions: {
      target: "es2023",
      lib: ["es2023", "dom"],
      types: ["node"],
      strict: true,
      noEmit: true,
      ...compilerOptions,
    },
    include,
  })

let work: string
let packs: string
let seen: Array<{ url: string; headers: IncomingHttpHeaders }> = []
const server = createServer((req, res) => {
  seen.push({ url: req.url ?? "", headers: req.headers })
  if (req.headers.authorization !== "Bearer secret-token") {
    res.writeHead(401, { "content-type": "application/json" }).end('{"message":"no"}')
    return
  }
  const url = new URL(req.url ?? "/", "http://x")
  const items = [
    { id: "a1", name: "anvil" },
    { id: "r2", name: "rocket" },
  ]
  res.writeHead(200, { "content-type": "application/json" })
  if (url.pathname === "/items")
    res.end(JSON.stringify(items.slice(0, Number(url.searchParams.get("limit")))))
  else res.end(JSON.stringify(items.find((i) => url.pathname === `/items/${i.id}`) ?? null))
})

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "keyway-outside-"))
  packs = mkdtempSync(join(tmpdir(), "keyway-packs-"))
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
})
afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()))
  if (process.env.KEYWAY_KEEP_OUTSIDE !== "1") {
    rmSync(work, { recursive: true, force: true })
    rmSync(packs, { recursive: true, force: true })
  }
})

/** The tarballs of `name` and of every @keyway/* package it depends on, transitively. */
const closure = (name: string): Array<string> => {
  const byName = new Map<string, string>()
  for (const f of readdirSync(packs).filter((f) => f.endsWith(".tgz"))) {
    const manifest = JSON.parse(
      must(sh("tar", ["-xzOf", join(packs, f), "package/package.json"], packs), `reading ${f}`).out,
    ) as { name: string; dependencies?: Record<string, string> }
    byName.set(manifest.name, f)
    Object.assign(deps, { [manifest.name]: Object.keys(manifest.dependencies ?? {}) })
  }
  const out = new Set<string>()
  const visit = (n: string) => {
    if (out.has(n)) return
    if (!byName.has(n)) throw new Error(`no tarball for ${n} in ${packs}`)
    out.add(n)
    for (const d of deps[n] ?? []) if (d.startsWith("@keyway/")) visit(d)
  }
  visit(name)
  return [...out].sort().map((n) => join(packs, byName.get(n)!))
}
const deps: Record<string, ReadonlyArray<string>> = {}

describe("outside the repository: a plain npm project", () => {
  it("installs the packed tarballs, generates a client with npx keyway, type-checks and calls it with plain node", async () => {
    // pack: the workspace's public packages, built (by `pnpm test`'s turbo, or here)
    const built = ["packages/core", "generators/codegen", "packages/auth/permanent-token"].every((p) =>
      existsSync(join(repo, p, "dist", "index.js")),
    )
    if (built) must(sh(process.execPath, [join(repo, "scripts", "packages.ts"), "pack", packs], repo), "pack")
    else must(sh("bash", [join(repo, "scripts", "pack.sh"), packs], repo), "bash scripts/pack.sh")
    const tarballs = closure("@keyway/codegen")
    expect(tarballs.map((t) => t.slice(packs.length + 1))).toEqual(
      expect.arrayContaining([`keyway-codegen-${version}.tgz`, `keyway-core-${version}.tgz`]),
    )

    // npm init -y; npm install the tarballs (their dependencies come from the registry)
    must(sh("npm", ["init", "-y"], work), "npm init -y")
    must(sh("npm", ["pkg", "set", "type=module"], work), "npm pkg set type=module")
    must(
      sh(
        "npm",
        [
          "install",
          "--prefer-offline",
          "--no-audit",
          "--no-fund",
          // as the README says: the tarballs only (typescript and @types/node come with the generator)
          ...tarballs,
        ],
        work,
      ),
      "npm install the tarballs",
    )

    // npx keyway generate --spec ... --out ./acme
    writeFileSync(join(work, "api.yaml"), spec)
    const g = must(
      sh("npx", ["keyway", "generate", "--spec", "api.yaml", "--name", "acme", "--out", "./acme"], work),
      "npx keyway generate",
    )
    expect(g.out).toContain("1 provider: 1 generated")
    const pkg = JSON.parse(readFileSync(join(work, "acme", "package.json"), "utf8"))
    expect(pkg.dependencies["@keyway/core"]).toBe(`^${version}`)
    expect(pkg.dependencies["@keyway/auth-permanent-token"]).toBe(`^${version}`)
    expect(JSON.stringify(pkg.exports)).not.toContain("@keyway/source")
    expect(existsSync(join(work, "acme", "dist", "index.js"))).toBe(true)
    expect(existsSync(join(work, "acme", "dist", "client.d.ts"))).toBe(true)
    // the installed CLI agrees with what it wrote
    must(
      sh(
        "npx",
        ["keyway", "generate", "--check", "--spec", "api.yaml", "--name", "acme", "--out", "./acme"],
        work,
      ),
      "--check",
    )

    // install the generated package
    must(
      sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "./acme"], work),
      "npm install ./acme",
    )

    // tsc --noEmit: nodenext and bundler resolution, no custom condition
    writeFileSync(join(work, "consumer.ts"), consumerTs)
    writeFileSync(join(work, "wrong.ts"), wrongTs)
    const tsc = join(work, "node_modules", "typescript", "bin", "tsc")
    writeFileSync(
      join(work, "tsconfig.json"),
      // every declaration file checked too (ours and the dependencies'): no skipLibCheck here
      tsconfig({ module: "nodenext", moduleResolution: "nodenext", skipLibCheck: false }, ["consumer.ts"]),
    )
    writeFileSync(
      join(work, "tsconfig.bundler.json"),
      tsconfig({ module: "preserve", moduleResolution: "bundler", skipLibCheck: true }, ["consumer.ts"]),
    )
    writeFileSync(
      join(work, "tsconfig.wrong.json"),
      tsconfig({ module: "nodenext", moduleResolution: "nodenext", skipLibCheck: true }, ["wrong.ts"]),
    )
    const nodenext = sh(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.json"], work)
    console.log(`outside: tsc --noEmit, nodenext (${((performance.now() - last) / 1000).toFixed(1)} s)`)
    expect(nodenext.all).toBe("")
    expect(nodenext.code).toBe(0)
    const bundler = sh(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.bundler.json"], work)
    expect(bundler.all).toBe("")
    expect(bundler.code).toBe(0)
    // a wrong path does not compile
    const wrong = sh(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.wrong.json"], work)
    expect(wrong.code).not.toBe(0)
    expect(wrong.all).toMatch(/wrong\.ts\(4,\d+\): error TS2345: Argument of type '"\/itemz"'/)

    // plain node: a typed, authenticated call against the loopback server
    writeFileSync(join(work, "consumer.mjs"), consumerMjs)
    seen = []
    const port = (server.address() as AddressInfo).port
    const env = { ...userEnv(), ACME_URL: `http://127.0.0.1:${port}`, ACME_TOKEN: "secret-token" }
    const call = must(await shAsync(process.execPath, ["consumer.mjs"], work, env), "node consumer.mjs")
    const printed = JSON.parse(call.out.trim()) as {
      names: Array<string>
      item: unknown
      correlationId: string
    }
    expect(printed.names).toEqual(["anvil", "rocket"])
    expect(printed.item).toEqual({ id: "a1", name: "anvil" })
    expect(seen.map((s) => s.url)).toEqual(["/items?limit=2", "/items/a1"])
    expect(seen.every((s) => s.headers.authorization === "Bearer secret-token")).toBe(true)
    expect(printed.correlationId).toMatch(/^[0-9a-f-]{36}$/)
  }, 600_000)

  it("the repository's generator, from its sources and from its build, writes the same bytes; the built CLI's --check passes", () => {
    const installed = snapshot(join(work, "acme"))
    expect(Object.keys(installed)).toContain("dist/client.js")
    const dist = existsSync(join(repo, "generators", "codegen", "dist", "cli", "Main.js"))
    for (const fromSource of dist ? ["1", "0"] : ["1"]) {
      const other = mkdtempSync(join(tmpdir(), "keyway-same-"))
      try {
        writeFileSync(join(other, "api.yaml"), spec)
        const env = { ...userEnv(), KEYWAY_FROM_SOURCE: fromSource }
        must(
          sh(
            process.execPath,
            [codegenBin, "generate", "--spec", "api.yaml", "--name", "acme", "--out", "./acme"],
            other,
            env,
          ),
          `the repository's keyway (${fromSource === "1" ? "sources" : "dist"})`,
        )
        expect(snapshot(join(other, "acme"))).toEqual(installed)
      } finally {
        rmSync(other, { recursive: true, force: true })
      }
    }
    // after a build (dist/ present), --check in the repository still agrees with the committed output
    if (dist)
      must(sh(process.execPath, [codegenBin, "generate", "--check"], repo), "keyway generate --check (built)")
    expect(dist || process.env.CI !== "1").toBe(true)
  }, 120_000)
})
