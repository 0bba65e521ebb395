// A worker process for the multi-process tests: a TokenLifecycle over a RedisStore.
import { Worker } from "@keyway/store-testkit"
import { RedisStore } from "../src/index.ts"

Worker.run((options) => RedisStore.layer(options as RedisStore.Options))
