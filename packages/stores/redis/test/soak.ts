// The full rotation soak: `pnpm --filter @keyway/store-redis soak [cycles]`. Four worker
// processes refresh one grant in a loop over a private redis-server (records encrypted) while
// random workers are killed with SIGKILL; prints the counts and exits non-zero on any
// invalid_grant or lost grant.
import { fileURLToPath } from "node:url"
import { RedisServer, Soak } from "@keyway/store-testkit"
import { Keyring, RedisStore } from "../src/index.ts"

const redis = await RedisServer.start()
const encryption = { current: "k1", keys: { k1: Keyring.generateKey() } }
await Soak.main({
  store: "redis",
  script: fileURLToPath(new URL("./worker.ts", import.meta.url)),
  workerStore: ({ lockTtlMs }) => {
    const options = {
      url: redis.url,
      prefix: `soak${process.pid}`,
      lockTtl: `${lockTtlMs} millis`,
      encryption,
    } satisfies RedisStore.Options
    return { config: options, open: () => RedisStore.make({ ...options, cache: false }) }
  },
  dispose: () => redis.dispose(),
})
