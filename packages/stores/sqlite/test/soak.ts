// The full rotation soak: `pnpm --filter @keyway/store-sqlite soak [cycles]`. Four worker
// processes refresh one grant in a loop over one SQLite file while random workers are killed
// with SIGKILL; prints the counts and exits non-zero on any invalid_grant or lost grant.
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Soak } from "@keyway/store-testkit"
import { SqliteStore } from "../src/index.ts"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-sqlite-soak-"))
const path = Path.join(dir, "tokens.db")
await Soak.main({
  store: "sqlite",
  script: fileURLToPath(new URL("./worker.ts", import.meta.url)),
  workerStore: ({ lockTtlMs }) => ({
    config: { path, lockTtl: `${lockTtlMs} millis` } satisfies SqliteStore.Options,
    open: () => SqliteStore.make({ path }),
  }),
  dispose: async () => Fs.rmSync(dir, { recursive: true, force: true }),
})
