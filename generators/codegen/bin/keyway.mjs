#!/usr/bin/env node
// The `keyway` command. Built (dist/ present and newer than src/, or installed): runs
// the compiled CLI.
// In the monorepo without a build: runs the TypeScript sources (Node 24 strips types), with the
// `@keyway/source` export condition so that @keyway/* packages resolve to their sources too.
import { existsSync, readdirSync, statSync } from "node:fs"
import module from "node:module"

// V8's code cache on disk (Node >= 22.1): the TypeScript compilers inside openapi-typescript and
// ts-morph load several times faster from the second run on.
module.enableCompileCache?.()

// KEYWAY_FROM_SOURCE=1 runs the sources even when built (tests compare both: same output).
const dist = new URL("../dist/cli/Main.js", import.meta.url)
const src = new URL("../src/", import.meta.url)
// A build older than a source file (an edit in the monorepo since the last build) would generate
// with old code: the sources run instead. Only outside node_modules: an installed package always
// runs dist/ (its extracted files carry no build order, and Node strips no types there).
const installed = import.meta.url.includes("/node_modules/")
const stale = () => {
  const built = statSync(dist).mtimeMs
  return readdirSync(src, { recursive: true }).some(
    (file) => String(file).endsWith(".ts") && statSync(new URL(String(file), src)).mtimeMs > built,
  )
}
let entry = dist
if (
  !existsSync(dist) ||
  process.env.KEYWAY_FROM_SOURCE === "1" ||
  (!installed && existsSync(src) && stale())
) {
  entry = new URL("../src/cli/Main.ts", import.meta.url)
  if (typeof module.registerHooks === "function") {
    module.registerHooks({
      resolve(specifier, context, nextResolve) {
        const conditions = context.conditions ?? []
        if (conditions.includes("@keyway/source")) return nextResolve(specifier, context)
        return nextResolve(specifier, { ...context, conditions: ["@keyway/source", ...conditions] })
      },
    })
  }
}
const { main } = await import(entry.href)
const code = await main(process.argv.slice(2))
process.exitCode = code
