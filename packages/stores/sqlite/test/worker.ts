// A worker process for the multi-process tests: a TokenLifecycle over a SqliteStore.
import { Worker } from "@keyway/store-testkit"
import { SqliteStore } from "../src/index.ts"

Worker.run((options) => SqliteStore.layer(options as SqliteStore.Options))
