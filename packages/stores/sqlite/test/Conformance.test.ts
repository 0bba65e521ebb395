// The TokenStore conformance suite on SQLite files: records, the refresh lock (its rows read and
// written with raw SQL), and several Node processes, each with its own TokenLifecycle over one
// file, against a slow loopback token endpoint with rotating refresh tokens.
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { fileURLToPath } from "node:url"
import { TokenStore } from "@keyway/core"
import { runStoreConformance } from "@keyway/store-testkit/Conformance"
import { Effect } from "effect"
import { afterAll } from "vitest"
import { SqliteStore } from "../src/index.ts"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-sqlite-conformance-"))
afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))
let n = 0
const millis = (ms: number | undefined) => (ms === undefined ? undefined : (`${ms} millis` as const))

/** Runs `f` on a connection of its own to the store's file, as another process would. */
const withDb = <A>(store: SqliteStore.SqliteTokenStore, f: (db: DatabaseSync) => A) =>
  Effect.sync(() => {
    const db = new DatabaseSync(store.path)
    try {
      return f(db)
    } finally {
      db.close()
    }
  })

runStoreConformance<SqliteStore.SqliteTokenStore>({
  name: "sqlite",
  makeStore: ({ sameAs, lockTtlMs, lockWaitTimeoutMs }) =>
    SqliteStore.make({
      path: sameAs?.path ?? Path.join(dir, `tokens-${++n}.db`),
      lockTtl: millis(lockTtlMs),
      lockWaitTimeout: millis(lockWaitTimeoutMs),
    }),
  locks: {
    // A released lock keeps its row with expires_at = 0.
    read: (store, key) =>
      withDb(store, (db) => {
        const row = db
          .prepare("SELECT holder, fence, expires_at FROM keyway_locks WHERE key = ?")
          .get(TokenStore.keyString(key))
        return row === undefined || Number(row.expires_at) === 0
          ? undefined
          : { holder: String(row.holder), fence: Number(row.fence), expiresAt: Number(row.expires_at) }
      }),
    plant: (store, key, lock) =>
      withDb(store, (db) => {
        db.prepare(
          `INSERT INTO keyway_locks (key, holder, fence, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, fence = excluded.fence,
             expires_at = excluded.expires_at`,
        ).run(TokenStore.keyString(key), lock.holder, lock.fence, Date.now() + lock.ttlMs)
      }),
  },
  multiProcess: {
    script: fileURLToPath(new URL("./worker.ts", import.meta.url)),
    workerStore: ({ name, lockTtlMs }) => {
      const path = Path.join(dir, `${name}.db`)
      return {
        config: { path, lockTtl: `${lockTtlMs} millis` } satisfies SqliteStore.Options,
        open: () => SqliteStore.make({ path }),
      }
    },
  },
  capabilities: { releaseWakeMs: 100 },
})
