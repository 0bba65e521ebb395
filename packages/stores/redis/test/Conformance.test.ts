// The TokenStore conformance suite on a private redis-server: records, the refresh lock (its keys
// read and written with raw Redis commands), and several Node processes, each with its own
// TokenLifecycle over one Redis (records encrypted), against a slow loopback token endpoint with
// rotating refresh tokens.
import { fileURLToPath } from "node:url"
import { runStoreConformance } from "@keyway/store-testkit/Conformance"
import { Effect } from "effect"
import { Keyring, RedisStore } from "../src/index.ts"
import { useRedis } from "./redis.ts"

const redis = useRedis()

let n = 0
const millis = (ms: number | undefined) => (ms === undefined ? undefined : (`${ms} millis` as const))
const encryption = { current: "k1", keys: { k1: Keyring.generateKey() } }

/** The lock and fencing-counter keys of a token key: `{prefix}:lock:...` and `{prefix}:fence:...`. */
const lockKeys = (
  store: RedisStore.RedisTokenStore,
  key: Parameters<RedisStore.RedisTokenStore["redisKey"]>[0],
) => {
  const suffix = store.redisKey(key).slice(store.prefix.length + 1)
  return { lock: `${store.prefix}:lock:${suffix}`, fence: `${store.prefix}:fence:${suffix}` }
}

runStoreConformance<RedisStore.RedisTokenStore>({
  name: "redis",
  makeStore: ({ sameAs, lockTtlMs, lockWaitTimeoutMs }) =>
    RedisStore.make({
      url: redis.url,
      prefix: sameAs?.prefix ?? `kwconf${process.pid}x${++n}`,
      lockTtl: millis(lockTtlMs),
      lockWaitTimeout: millis(lockWaitTimeoutMs),
      // Waiters back off up to 2 s between polls: their waits in these checks end on the release
      // and write messages (pub/sub) rather than on polls.
      lockPollInterval: "2 seconds",
    }),
  locks: {
    // The lock's value is `{fence}:{holder}`; released, the key is gone.
    read: (store, key) =>
      Effect.promise(async () => {
        const { lock } = lockKeys(store, key)
        const [[, value], [, pttl]] = (await redis.raw.multi().get(lock).pttl(lock).exec()) as [
          [unknown, string | null],
          [unknown, number],
        ]
        if (value === null) return undefined
        const at = value.indexOf(":")
        return {
          fence: Number(value.slice(0, at)),
          holder: value.slice(at + 1),
          expiresAt: Date.now() + pttl,
        }
      }),
    plant: (store, key, lock) =>
      Effect.promise(async () => {
        const keys = lockKeys(store, key)
        await redis.raw.set(keys.fence, lock.fence)
        await redis.raw.set(keys.lock, `${lock.fence}:${lock.holder}`, "PX", lock.ttlMs)
      }),
  },
  multiProcess: {
    script: fileURLToPath(new URL("./worker.ts", import.meta.url)),
    workerStore: ({ name, lockTtlMs }) => {
      const options = {
        url: redis.url,
        prefix: `kwmp${process.pid}${name}`,
        lockTtl: `${lockTtlMs} millis`,
        encryption,
      } satisfies RedisStore.Options
      return { config: options, open: () => RedisStore.make({ ...options, cache: false }) }
    },
  },
  // The script reports success when the stored revision already is the new one.
  capabilities: { idempotentRetry: true, releaseWakeMs: 150 },
})
