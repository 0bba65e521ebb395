#!/usr/bin/env node
// The `keyway-connections serve|keeper` command (`keyway serve` and `keyway keeper` run the same functions). Built (dist/ present):
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
const { runServeCli, runKeeperCli } = await import(entry.href)
const controller = new AbortController()
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => controller.abort())
const [command, ...rest] = process.argv.slice(2)
const run = command === "serve" ? runServeCli : command === "keeper" ? runKeeperCli : undefined
if (run === undefined) {
  process.stderr.write("usage: keyway-connections serve|keeper [--help]\n")
  process.exitCode = 2
} else {
  const io = {
    out: (l) => process.stdout.write(l),
    err: (l) => process.stderr.write(l),
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  }
  process.exitCode = await run(rest, io)
}
