/**
 * Imported first by a bench script run with plain `node bench/<script>.ts`: the workspace
 * packages resolve to their TypeScript sources only under the `@keyway/source` export condition,
 * so without it the script runs itself again with it (and exits with that run's status). The
 * script then imports the packages dynamically, after this module has run.
 */
import { spawnSync } from "node:child_process"

if (!`${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`.includes("@keyway/source")) {
  const again = spawnSync(
    process.execPath,
    ["--conditions=@keyway/source", ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)],
    { stdio: "inherit" },
  )
  process.exit(again.status ?? 1)
}
