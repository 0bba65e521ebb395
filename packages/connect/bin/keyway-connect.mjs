#!/usr/bin/env node
// The `keyway-connect` command (`keyway connect` runs the same function). Built (dist/ present):
// runs the compiled CLI. In the monorepo without a build: runs the TypeScript sources (Node 24
// strips types), with the `@keyway/source` export condition so that @keyway/* packages resolve to
// their sources too.
import { existsSync } from "node:fs"
import module from "node:module"

const dist = new URL("../dist/Cli.js", import.meta.url)
let entry = dist
if (!existsSync(dist)) {
  entry = new URL("../src/Cli.ts", import.meta.url)
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
const { runConnectCli } = await import(entry.href)
const controller = new AbortController()
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => controller.abort())
process.exitCode = await runConnectCli(process.argv.slice(2), { signal: controller.signal })
