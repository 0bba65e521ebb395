/**
 * The Redis store's settings and connections: the options resolved to milliseconds, channel names
 * and this process's origin id; the command connection (no offline queue, one command timeout) and
 * the pub/sub connection (its own, queueing its resubscription while reconnecting), both closed
 * with the scope; and the failure every operation reports, `TokenStoreUnavailable`, whose reason
 * is the client's message, never a command's arguments.
 *
 * @example
 * ```ts
 * import { RedisStore } from "@keyway/store-redis"
 * // fails with TokenStoreUnavailable within 500 ms of a lost reply, 2 s when Redis is down at start
 * const layer = RedisStore.layer({ url: "redis://127.0.0.1:6379", commandTimeout: "500 millis", connectTimeout: "2 seconds" })
 * ```
 *
 * @since 0.1.0
 */
import { Errors } from "@keyway/core"
import { Duration, Effect, type Scope } from "effect"
import { Redis, type RedisOptions } from "ioredis"
import type { Options } from "../RedisStore.ts"

/**
 * The options of a store, resolved.
 *
 * @example
 * ```ts
 * const { prefix, lockTtlMs } = settingsOf({})
 * ```
 */
export interface Settings {
  readonly prefix: string
  readonly url: string
  readonly lockTtlMs: number
  readonly maxPollMs: number
  readonly waitTimeoutMs: number
  readonly commandTimeoutMs: number
  readonly connectTimeoutMs: number
  readonly graceMs: number
  /** 0: no in-process cache. */
  readonly cacheMaxAgeMs: number
  readonly clientOptions: RedisOptions
  /** Lock releases are published here (the message is the key id). */
  readonly releasedChannel: string
  /** Record writes are published here (`{origin}|{key id}`). */
  readonly invalidateChannel: string
  /** This store's id in invalidation messages, so that it skips its own. */
  readonly origin: string
}

const millis = (input: Duration.Input | undefined, fallback: Duration.Input): number =>
  Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))

/**
 * Resolves the options with their defaults.
 *
 * @example
 * ```ts
 * settingsOf({ lockTtl: "5 seconds" }).lockTtlMs // 5000
 * ```
 */
export const settingsOf = (options: Options): Settings => {
  const prefix = options.prefix ?? "keyway"
  const commandTimeoutMs = millis(options.commandTimeout, "1 second")
  const connectTimeoutMs = millis(options.connectTimeout, "2 seconds")
  return {
    prefix,
    url: options.url ?? "redis://127.0.0.1:6379",
    lockTtlMs: millis(options.lockTtl, "10 seconds"),
    maxPollMs: Math.max(1, millis(options.lockPollInterval, "100 millis")),
    waitTimeoutMs: millis(options.lockWaitTimeout, "60 seconds"),
    commandTimeoutMs,
    connectTimeoutMs,
    graceMs: millis(options.expiryGrace, "1 minute"),
    cacheMaxAgeMs: options.cache === false ? 0 : millis(options.cache?.maxAge, "30 seconds"),
    clientOptions: {
      ...options.redis,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: commandTimeoutMs,
      connectTimeout: connectTimeoutMs,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    },
    releasedChannel: `${prefix}:released`,
    invalidateChannel: `${prefix}:invalidate`,
    origin: crypto.randomUUID(),
  }
}

/**
 * A failure reason fit for an error: the client's message (first line, at most 200 characters),
 * never a command's arguments.
 *
 * @example
 * ```ts
 * reasonOf(new Error("NOSCRIPT No matching script")) // "NOSCRIPT No matching script"
 * ```
 */
export const reasonOf = (cause: unknown): string => {
  const message =
    typeof cause === "object" &&
    cause !== null &&
    typeof (cause as { message?: unknown }).message === "string"
      ? (cause as { message: string }).message
      : String(cause)
  return message.split("\n")[0]!.slice(0, 200)
}

/**
 * The error of a failed operation.
 *
 * @example
 * ```ts
 * unavailable("get", new Error("Connection is closed.")).reason // "Connection is closed."
 * ```
 */
export const unavailable = (operation: string, cause: unknown): Errors.TokenStoreUnavailable =>
  new Errors.TokenStoreUnavailable({ store: "redis", operation, reason: reasonOf(cause) })

/**
 * What the pub/sub connection reports.
 *
 * @example
 * ```ts
 * const listeners: Listeners = { onReleased: (id) => {}, onInvalidated: (from, id) => {}, onResubscribed: () => {} }
 * ```
 */
export interface Listeners {
  /** A refresh lock was released (any process). */
  readonly onReleased: (id: string) => void
  /** A record was written or deleted by the process `from`. */
  readonly onInvalidated: (from: string, id: string) => void
  /** The subscription is back after a disconnection (messages may have been missed). */
  readonly onResubscribed: () => void
}

/**
 * The open connections.
 *
 * @example
 * ```ts
 * if (connection.listening()) serveFromCache()
 * ```
 */
export interface Connection {
  /** The command connection. */
  readonly client: Redis
  /** Whether the invalidation channel is subscribed (the cache is only used while it is). */
  readonly listening: () => boolean
}

const splitOnce = (message: string): [string, string] => {
  const at = message.indexOf("|")
  return at < 0 ? ["", message] : [message.slice(0, at), message.slice(at + 1)]
}

/**
 * Connects the command and pub/sub connections and subscribes; both close with the scope. Fails
 * with `TokenStoreUnavailable` when Redis cannot be reached within `connectTimeout`.
 *
 * @example
 * ```ts
 * const { client } = yield* open(settingsOf({}), listeners)
 * ```
 */
export const open = (
  settings: Settings,
  listeners: Listeners,
): Effect.Effect<Connection, Errors.TokenStoreUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const { url, clientOptions, connectTimeoutMs, releasedChannel, invalidateChannel } = settings
    let listening = false

    const connect = (client: Redis, operation: string) =>
      Effect.tryPromise({
        try: () => client.connect(),
        catch: (cause) => unavailable(operation, cause),
      }).pipe(
        Effect.timeoutOrElse({
          duration: Duration.millis(connectTimeoutMs + 100),
          orElse: () => Effect.fail(unavailable(operation, "connect timeout")),
        }),
        Effect.tapError(() => Effect.sync(() => client.disconnect())),
      )

    const close = (client: Redis) =>
      Effect.promise(() => client.quit().catch(() => undefined)).pipe(
        Effect.timeoutOrElse({ duration: Duration.millis(500), orElse: () => Effect.void }),
        Effect.ensuring(Effect.sync(() => client.disconnect())),
      )

    const client = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const c = new Redis(url, clientOptions)
        c.on("error", () => {})
        return c
      }).pipe(Effect.tap((c) => connect(c, "connect"))),
      close,
    )

    // Pub/sub needs its own connection. It queues its (re)subscription while reconnecting.
    const subscriber = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const s = new Redis(url, { ...clientOptions, enableOfflineQueue: true, maxRetriesPerRequest: null })
        s.on("error", () => {})
        s.on("close", () => {
          listening = false
        })
        s.on("message", (channel: string, message: string) => {
          if (channel === releasedChannel) {
            listeners.onReleased(message)
          } else if (channel === invalidateChannel) {
            const [from, id] = splitOnce(message)
            listeners.onInvalidated(from, id)
          }
        })
        return s
      }).pipe(Effect.tap((s) => connect(s, "subscribe"))),
      close,
    )
    const subscribe = () =>
      subscriber.subscribe(releasedChannel, invalidateChannel).then(
        () => {
          // Whatever was cached while the channel was down may have been rotated meanwhile.
          listeners.onResubscribed()
          listening = true
        },
        () => {},
      )
    subscriber.on("ready", () => void subscribe())
    yield* Effect.tryPromise({
      try: () => subscriber.subscribe(releasedChannel, invalidateChannel),
      catch: (cause) => unavailable("subscribe", cause),
    })
    listening = true

    return { client, listening: () => listening }
  })
