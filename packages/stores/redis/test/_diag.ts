import { TokenStore } from "@keyway/core"
import { Pool, RedisServer, Soak, TokenServer } from "@keyway/store-testkit"
import { Effect, Redacted } from "effect"
import { RedisStore } from "../src/index.ts"
const redis = await RedisServer.start()
const server = await TokenServer.start({ delayMs: 15 })
const scopes = ["a"]
const store = { url: redis.url, prefix: "diag", lockTtl: `${process.argv[5] ?? 500} millis` }
let t0 = Date.now()
const pool = await Pool.start({ script: "test/worker.ts", size: 4, config: { tokenUrl: server.url, provider: "p", connection: "c", scopes, store } })
console.log("pool start", Date.now() - t0)
const key = TokenStore.key({ provider: "p", connection: "c", scopes })
const readStored = () => Effect.runPromise(Effect.scoped(Effect.flatMap(RedisStore.make({ ...store, cache: false }), (s) => s.get(key)).pipe(Effect.map((t) => (t?.refreshToken === undefined ? undefined : Redacted.value(t.refreshToken))))))
t0 = Date.now()
const report = await Soak.run({ pool, server, cycles: Number(process.argv[2] ?? 150), readStored, killIntervalMs: [Number(process.argv[3] ?? 300), Number(process.argv[4] ?? 1000)], log: (l) => console.log(((Date.now() - t0) / 1000).toFixed(1), l) })
console.log(Soak.format(report))
t0 = Date.now()
await pool.close(); console.log("pool close", Date.now() - t0); await server.close(); await redis.dispose()
