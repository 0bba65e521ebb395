/**
 * Test helpers: throw-away projects under `test/fixtures/out/` (inside the package, so that generated
 * code resolves `@keyway/core`, `effect` and `openapi-fetch` from its node_modules), the CLI run
 * in-process or as a child process, and tsc7.
 */
import { spawn, spawnSync } from "node:child_process"
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { main } from "../src/cli/Main.ts"

export const here = dirname(fileURLToPath(import.meta.url))
export const pkgDir = dirname(here)
export const fixtures = join(here, "fixtures")
export const outRoot = join(here, "fixtures", "out")
export const bin = join(pkgDir, "bin", "keyway.mjs")
export const tsc7 = join(pkgDir, "..", "..", "tooling", "tsc7", "tsc7.mjs")

/** A fresh project folder with a copy of the named fixture providers under `specs/`. */
export const project = (
  name: string,
  providers: ReadonlyArray<string> = [],
  config: Record<string, unknown> = {},
) => {
  const dir = join(outRoot, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, "specs"), { recursive: true })
  for (const p of providers) cpSync(join(fixtures, p), join(dir, "specs", p), { recursive: true })
  writeFileSync(join(dir, "keyway.config.json"), JSON.stringify({ output: "packages", ...config }, null, 2))
  return dir
}

/** Runs the CLI in-process. */
export const run = async (args: ReadonlyArray<string>, cwd: string) => {
  let out = ""
  let err = ""
  const code = await main(args, {
    cwd,
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    interactive: false,
  })
  return { code, out, err }
}

/** Runs the real bin as a child process. */
export const runBin = (args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "1", ...env },
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** Spawns the bin (for --watch). */
export const spawnBin = (args: ReadonlyArray<string>, cwd: string) =>
  spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  })

/** Type-checks a folder's tsconfig with TypeScript 7 (the one definition, shared with `tooling/examples`). */
export { typecheck } from "@keyway/tsc7/Blocks"
