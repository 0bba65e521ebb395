// The full rotation soak: `pnpm --filter @keyway/store-sqlite soak [cycles]`. Four worker
// processes refresh one grant in a loop over one SQLite file while random workers are killed
// with SIGKILL; prints the counts and exits non-zero on any invalid_grant or lost grant.
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { TokenStore } from "@keyway/core"
import { Pool, Soak, TokenServer } from "@keyway/store-testkit"
import { Effect, Redacted } from "effect"
import { SqliteStore } from "../src/index.ts"

const cycles = Number(process.argv[2] ?? 1000)
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-sqlite-soak-"))
const path = Path.join(dir, "tokens.db")
const scopes = ["r_jobs"]
const key = TokenStore.key({ provider: "soak", connection: "default", scopes })
const server = await TokenServer.start({ delayMs: 15, expiresIn: 3600 })
const pool = await Pool.start({
  script: fileURLToPath(new URL("./worker.ts", import.meta.url)),
  size: 4,
  config: {
    tokenUrl: server.url,
    provider: "soak",
    connection: "default",
    scopes,
    store: { path, lockTtl: "500 millis" },
  },
})
const readStored = () =>
  Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(SqliteStore.make({ path }), (s) => s.get(key)).pipe(
        Effect.map((t) => (t?.refreshToken === undefined ? undefined : Redacted.value(t.refreshToken))),
      ),
    ),
  )
let failed = true
try {
  console.log(`sqlite soak: ${cycles} refresh cycles, 4 processes, random SIGKILLs`)
  const report = await Soak.run({
    pool,
    server,
    cycles,
    readStored,
    killIntervalMs: [400, 1200],
    timeoutMs: 600_000,
    log: (line) => process.stdout.write(`${line}\r`),
  })
  console.log(`\n${Soak.format(report)}`)
  failed =
    report.invalidGrant > 0 || report.lostGrants > 0 || !report.storedIsNewest || report.cycles < cycles
} finally {
  await pool.close()
  await server.close()
  Fs.rmSync(dir, { recursive: true, force: true })
}
console.log(failed ? "SOAK FAILED" : "soak passed")
process.exit(failed ? 1 : 0)
