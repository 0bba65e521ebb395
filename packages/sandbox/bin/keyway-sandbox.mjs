#!/usr/bin/env node
// Runs the sandboxes from the build when there is one, else from the TypeScript sources
// (Node >= 22.18 strips types; the sources use erasable syntax only).
import { existsSync } from "node:fs"

const dist = new URL("../dist/Cli.js", import.meta.url)
const mod = existsSync(dist)
  ? await import(dist.href)
  : await import(new URL("../src/Cli.ts", import.meta.url).href)
try {
  await mod.runCli(process.argv.slice(2))
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 2
}
