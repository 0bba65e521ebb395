/**
 * `@keyway/store-testkit` (private): fixtures the Keyway token stores share in their tests and
 * benchmarks — a loopback token server with rotating refresh tokens, a private redis-server, a
 * worker process running a TokenLifecycle over a store, a pool of such processes, and the
 * rotation soak.
 *
 * @example
 * ```ts
 * import { TokenServer } from "@keyway/store-testkit"
 * const server = await TokenServer.start({ delayMs: 100 })
 * ```
 *
 * @since 0.1.0
 */
export * as Bench from "./Bench.ts"
export * as Pool from "./Pool.ts"
export * as RedisServer from "./RedisServer.ts"
export * as Scenarios from "./Scenarios.ts"
export * as Soak from "./Soak.ts"
export * as TokenServer from "./TokenServer.ts"
export * as Worker from "./Worker.ts"
