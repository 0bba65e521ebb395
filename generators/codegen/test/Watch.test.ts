import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { project, run, spawnBin } from "./helpers.ts"

const waitFor = (read: () => string, pattern: RegExp, from: number, timeoutMs: number) =>
  new Promise<number>((resolve, reject) => {
    const started = performance.now()
    const tick = () => {
      if (pattern.test(read().slice(from))) return resolve(performance.now() - started)
      if (performance.now() - started > timeoutMs)
        return reject(new Error(`timed out waiting for ${pattern}; output:\n${read()}`))
      setTimeout(tick, 20)
    }
    tick()
  })

describe("keyway generate --watch", () => {
  it("regenerates within a second of an edit to a $ref'ed file, reports a bad edit and recovers", async () => {
    const dir = project("watch", ["petstore"])
    expect((await run(["generate"], dir)).code).toBe(0) // warm: the watch run starts unchanged
    const child = spawnBin(["generate", "--watch"], dir)
    let out = ""
    let err = ""
    child.stdout.on("data", (c) => (out += c))
    child.stderr.on("data", (c) => (err += c))
    try {
      await waitFor(() => out, /watching \d+ files/, 0, 30_000)
      const owner = join(dir, "specs/petstore/schemas/Owner.yaml")
      const original = readFileSync(owner, "utf8")
      // A good edit of a file only the bundle loaded: regenerated within a second.
      let mark = out.length
      writeFileSync(
        owner,
        original.replace("name: { type: string }", "name: { type: string }\n  phone: { type: string }"),
      )
      const first = await waitFor(() => out, /petstore generated/, mark, 15_000) // first regeneration loads openapi-typescript
      expect(readFileSync(join(dir, "packages/petstore/src/types.ts"), "utf8")).toContain("phone?: string")
      mark = out.length
      writeFileSync(
        owner,
        original.replace("name: { type: string }", "name: { type: string }\n  fax: { type: string }"),
      )
      const second = await waitFor(() => out, /petstore generated/, mark, 5_000)
      expect(second).toBeLessThan(1_000)
      // A bad edit: the error is reported (file:line), the process keeps running.
      mark = out.length
      const errMark = err.length
      writeFileSync(owner, "type: object\nproperties:\n  name: { type: string\n")
      await waitFor(() => out, /petstore failed; watching for a fix/, mark, 5_000)
      expect(err.slice(errMark)).toMatch(/specs\/petstore\/schemas\/Owner\.yaml:\d+:\d+: invalid YAML\/JSON/)
      expect(child.exitCode).toBeNull()
      // The fix: it recovers.
      mark = out.length
      writeFileSync(owner, original)
      const recovered = await waitFor(() => out, /petstore fixed, generated/, mark, 5_000)
      expect(recovered).toBeLessThan(1_000)
      expect(readFileSync(join(dir, "packages/petstore/src/types.ts"), "utf8")).not.toContain("fax?: string")
      // A bad edit undone: the output is as before, and the last line still says it is fixed.
      mark = out.length
      writeFileSync(owner, "type: object\nproperties:\n  name: [\n")
      await waitFor(() => out, /petstore failed; watching for a fix/, mark, 5_000)
      mark = out.length
      writeFileSync(owner, original)
      await waitFor(() => out, /petstore fixed, unchanged/, mark, 5_000)
      // A descriptor edit is watched too.
      mark = out.length
      const descriptor = join(dir, "specs/petstore/provider.yaml")
      writeFileSync(
        descriptor,
        readFileSync(descriptor, "utf8").replace("title: Petstore", "title: Pet Store"),
      )
      await waitFor(() => out, /petstore generated/, mark, 5_000)
      expect(readFileSync(join(dir, "packages/petstore/src/descriptor.ts"), "utf8")).toContain(
        'title: "Pet Store"',
      )
      // A new overlays folder with an overlay file is watched too.
      mark = out.length
      mkdirSync(join(dir, "specs/petstore/overlays"))
      writeFileSync(
        join(dir, "specs/petstore/overlays/10-owner.yaml"),
        "overlay: 1.0.0\ninfo: { title: t, version: '1' }\nactions:\n  - target: $.components.schemas.Owner.properties\n    update: { email: { type: string } }\n",
      )
      await waitFor(() => out, /petstore generated/, mark, 5_000)
      expect(readFileSync(join(dir, "packages/petstore/src/types.ts"), "utf8")).toContain("email?: string")
      // and a second overlay file in it
      mark = out.length
      writeFileSync(
        join(dir, "specs/petstore/overlays/20-owner.yaml"),
        "overlay: 1.0.0\ninfo: { title: t, version: '1' }\nactions:\n  - target: $.components.schemas.Owner.properties\n    update: { phone2: { type: string } }\n",
      )
      await waitFor(() => out, /petstore generated/, mark, 5_000)
      expect(readFileSync(join(dir, "packages/petstore/src/types.ts"), "utf8")).toContain("phone2?: string")
      void first
    } finally {
      child.kill("SIGTERM")
    }
  }, 60_000)
})
