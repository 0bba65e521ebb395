/**
 * `pnpm bench [--quick]`: every runtime benchmark and the type-check cost, one after the other,
 * each in its own process so that one's heap and pools do not disturb the next. Flags are passed
 * on (`--quick`: fewer calls and rounds; `--profile`: the HTTP bench's CPU profile only). Codegen
 * has its own command (`pnpm bench:codegen`).
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"

const flags = process.argv.slice(2)
const benches = (
  flags.includes("--profile") ? ["http.ts"] : ["http.ts", "typecheck.ts", "token-stores.ts", "keeper.ts"]
).filter((f) => Fs.existsSync(new URL(f, import.meta.url)))
let failed = 0
const started = performance.now()
const times: Array<string> = []
for (const file of benches) {
  const begun = performance.now()
  const result = spawnSync(process.execPath, ["--conditions=@keyway/source", "--expose-gc", file, ...flags], {
    cwd: import.meta.dirname,
    stdio: "inherit",
  })
  if (result.status !== 0) failed++
  times.push(
    `${file} ${((performance.now() - begun) / 1000).toFixed(0)} s${result.status === 0 ? "" : " (failed)"}`,
  )
}
console.log(
  `\npnpm bench: ${benches.length} benchmarks in ${((performance.now() - started) / 1000).toFixed(0)} s (${times.join(", ")})`,
)
process.exit(failed === 0 ? 0 : 1)
