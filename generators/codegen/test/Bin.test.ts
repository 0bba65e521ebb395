/**
 * The `keyway` bin picks what to run: the compiled CLI when `dist/` is there and no source file is
 * newer than it, and always when installed under node_modules; the TypeScript sources otherwise (no build, a build older
 * than an edit, or `KEYWAY_FROM_SOURCE=1`), so that an edit in the monorepo never generates with
 * old code.
 */
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const bin = fileURLToPath(new URL("../bin/keyway.mjs", import.meta.url))
const root = mkdtempSync(join(tmpdir(), "keyway-bin-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// A package laid out as codegen is, whose two CLIs say which one ran.
const layout = (name: string, { dist = true, src = true } = {}) => {
  const dir = join(root, name)
  mkdirSync(join(dir, "bin"), { recursive: true })
  copyFileSync(bin, join(dir, "bin", "keyway.mjs"))
  const main = (which: string) => `export const main = async () => { console.log("${which}"); return 0 }\n`
  if (src) {
    mkdirSync(join(dir, "src", "cli"), { recursive: true })
    writeFileSync(join(dir, "src", "cli", "Main.ts"), main("src"))
  }
  if (dist) {
    mkdirSync(join(dir, "dist", "cli"), { recursive: true })
    writeFileSync(join(dir, "dist", "cli", "Main.js"), main("dist"))
  }
  return dir
}
const at = (dir: string, path: string, seconds: number) => utimesSync(join(dir, path), seconds, seconds)
const run = (dir: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(dir, "bin", "keyway.mjs")], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  }).stdout.trim()

describe("the keyway bin", () => {
  it("runs dist when it is newer than every source file, and always when installed (under node_modules)", () => {
    const built = layout("built")
    at(built, "src/cli/Main.ts", 1_000)
    at(built, "dist/cli/Main.js", 2_000)
    expect(run(built)).toBe("dist")
    // Installed: under node_modules, whatever the extracted files' times say.
    const installed = layout("node_modules/@keyway/codegen")
    at(installed, "dist/cli/Main.js", 1_000)
    at(installed, "src/cli/Main.ts", 2_000)
    expect(run(installed)).toBe("dist")
  })

  it("runs the sources when a source file is newer than the build, when there is no build, or when asked", () => {
    const stale = layout("stale")
    at(stale, "dist/cli/Main.js", 1_000)
    at(stale, "src/cli/Main.ts", 2_000)
    expect(run(stale)).toBe("src")
    expect(run(layout("unbuilt", { dist: false }))).toBe("src")
    const asked = layout("asked")
    at(asked, "src/cli/Main.ts", 1_000)
    at(asked, "dist/cli/Main.js", 2_000)
    expect(run(asked, { KEYWAY_FROM_SOURCE: "1" })).toBe("src")
  })
})
