// The full rotation soak: `pnpm --filter @keyway/store-redis soak [cycles]`. Four worker
// processes refresh one grant in a loop over a private redis-server (records encrypted) while
// random workers are killed with SIGKILL; prints the counts and exits non-zero on any
// invalid_grant or lost grant.
import { fileURLToPath } from "node:url"
import { TokenStore } from "@keyway/core"
import { Pool, RedisServer, Soak, TokenServer } from "@keyway/store-testkit"
import { Effect, Redacted } from "effect"
import { Keyring, RedisStore } from "../src/index.ts"

const cycles = Number(process.argv[2] ?? 1000)
const scopes = ["r_jobs"]
const key = TokenStore.key({ provider: "soak", connection: "default", scopes })
const redis = await RedisServer.start()
const server = await TokenServer.start({ delayMs: 15, expiresIn: 3600 })
const store: RedisStore.Options = {
  url: redis.url,
  prefix: `soak${process.pid}`,
  lockTtl: "500 millis",
  encryption: { current: "k1", keys: { k1: Keyring.generateKey() } },
}
const pool = await Pool.start({
  script: fileURLToPath(new URL("./worker.ts", import.meta.url)),
  size: 4,
  config: { tokenUrl: server.url, provider: "soak", connection: "default", scopes, store },
})
const readStored = () =>
  Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(RedisStore.make({ ...store, cache: false }), (s) => s.get(key)).pipe(
        Effect.map((t) => (t?.refreshToken === undefined ? undefined : Redacted.value(t.refreshToken))),
      ),
    ),
  )
let failed = true
try {
  console.log(`redis soak: ${cycles} refresh cycles, 4 processes, random SIGKILLs`)
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
  await redis.dispose()
}
console.log(failed ? "SOAK FAILED" : "soak passed")
process.exit(failed ? 1 : 0)
