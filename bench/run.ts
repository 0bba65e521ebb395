/**
 * `pnpm bench`: every runtime benchmark, one after the other, each in its own process so that
 * one's heap and pools do not disturb the next. Codegen has its own command (`pnpm bench:codegen`).
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"

const benches = ["http.ts", "token-stores.ts", "keeper.ts"].filter((f) =>
  Fs.existsSync(new URL(f, import.meta.url)),
)
let failed = 0
for (const file of benches) {
  const result = spawnSync(process.execPath, ["--conditions=@keyway/source", "--expose-gc", file], {
    cwd: import.meta.dirname,
    stdio: "inherit",
  })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
