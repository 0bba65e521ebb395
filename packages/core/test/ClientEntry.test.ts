/**
 * The Promise entry's types load no Effect: the declarations the build emits for
 * `@keyway/core/Client` and the other modules a generated package's Promise entry needs
 * (`Operation`, `Provider`, `Pagination`, `Secret`, `Options`), and everything they import, are
 * type-checked from a consumer file that imports only those, and the compiler's `--listFiles`
 * must name no file of `effect`.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const tsc7 = join(root, "node_modules", "@keyway", "tsc7", "tsc7.mjs")
const work = join(root, "node_modules", ".cache", "keyway-client-entry")

const tsc = (...args: Array<string>) => {
  const run = spawnSync(process.execPath, [tsc7, ...args], { cwd: root, encoding: "utf8" })
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}

const consumer = `import * as Client from "./dts/Client.ts"
import type * as Operation from "./dts/Operation.ts"
import * as Pagination from "./dts/Pagination.ts"
import type * as Provider from "./dts/Provider.ts"
import type * as Secret from "./dts/Secret.ts"
interface paths {
  "/pets": { get: { parameters: { query?: { limit?: number } }; responses: { 200: { content: { "application/json": Array<{ name: string }> } } } } }
}
declare const auth: Client.Options["auth"]
const client = Client.make<paths>({ provider: "p", baseUrl: "https://pets.example", auth, retry: { maxAttempts: 2 } })
export const names = client.GET("/pets", { params: { query: { limit: 2 } }, keyway: { correlationId: "c-1" } }).then(({ data, response }) => {
  Client.callInfo(response)?.correlationId
  return data?.map((pet) => pet.name)
})
export type Listed = Operation.Data<paths, "/pets", "get">
export const options: Provider.Options = { connection: "tenant-1" }
export const token: Secret.Secret = "plain"
declare const listPets: Pagination.Paginator<paths, "/pets", "get", "">
export const pages = Pagination.bind(client, [["listPets", "GET", "/pets", { style: "offset", items: "" }]])
export const first = listPets().next()
`

describe("the Promise entry (@keyway/core/Client)", () => {
  it("its declarations and everything they import load no file of effect", { timeout: 60_000 }, () => {
    rmSync(work, { recursive: true, force: true })
    mkdirSync(work, { recursive: true })
    // The declarations exactly as the build emits them to dist/.
    const build = tsc(
      "-p",
      "tsconfig.build.json",
      "--outDir",
      join(work, "dts"),
      "--emitDeclarationOnly",
      "--declarationMap",
      "false",
    )
    assert.strictEqual(build.status, 0, build.output)
    writeFileSync(join(work, "consumer.ts"), consumer)
    writeFileSync(
      join(work, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2023",
          lib: ["esnext", "dom"],
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          types: [],
        },
        files: ["consumer.ts"],
      }),
    )
    const check = tsc("-p", join(work, "tsconfig.json"), "--listFiles")
    assert.strictEqual(check.status, 0, check.output)
    const files = check.output
      .split("\n")
      .filter((line) => line.trim() !== "" && !/[/\\]lib\.[\w.]+\.d\.ts$/.test(line))
    assert.isTrue(
      files.some((file) => file.endsWith(join("dts", "Client.d.ts"))),
      `the consumer loads the Client declarations:\n${files.join("\n")}`,
    )
    const effect = files.filter((file) => /[/\\]effect[/\\]/.test(file))
    assert.deepStrictEqual(effect, [], `files of effect loaded:\n${files.join("\n")}`)
  })
})
