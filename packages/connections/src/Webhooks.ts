/**
 * Connection events delivered as signed webhooks: every event of the
 * {@link Events.ConnectionEvents} in context is POSTed to a configured URL as JSON (the event:
 * `id`, `type`, `provider`, `connection`, `occurredAt`, `data`; never a token), with
 *
 * - `keyway-event-id`: the event id (receivers deduplicate on it: delivery is at least once);
 * - `keyway-timestamp`: Unix seconds of this attempt;
 * - `keyway-signature`: `v1=` + hex HMAC-SHA256, keyed with the shared secret, of
 *   `` `${timestamp}.${body}` `` (the raw body bytes as sent).
 *
 * A delivery that gets no 2xx (or no answer within `timeout`) is retried with exponential backoff
 * and jitter (default 1 s doubling to 5 min, 12 attempts, about an hour); a 2xx ends it. With a
 * listing TokenStore in context (SQLite, Redis) events wait in an outbox in the store until
 * delivered, and a restarted sender delivers what was left: at least once across restarts.
 * Without one they wait in memory (at least once while the process runs).
 *
 * **Verifying** (receiver side), with {@link verify} or by hand: recompute the HMAC of
 * `timestamp + "." + rawBody` with the secret, compare it in constant time with the header's hex
 * after `v1=`, and refuse a timestamp more than 5 minutes from your clock (replays).
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { Events, Webhooks } from "@keyway/connections"
 *
 * const webhooks = Webhooks.layer({
 *   url: "https://app.example/hooks/keyway",
 *   secret: Redacted.make(process.env.KEYWAY_WEBHOOK_SECRET!),
 * }).pipe(Layer.provide(Events.layer))
 *
 * // receiver:
 * // Webhooks.verify({ secret, body: rawBody, timestamp: req.headers["keyway-timestamp"], signature: req.headers["keyway-signature"] })
 * ```
 *
 * @since 0.1.0
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Auth, type Errors, Origin, TokenStore } from "@keyway/core"
import { Clock, Context, Data, Duration, Effect, Layer, Option, Redacted, Schedule, Stream } from "effect"
import * as Events from "./Events.ts"

/**
 * Options of the webhook sender.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Webhooks } from "@keyway/connections"
 * const options: Webhooks.Options = {
 *   url: "https://hooks.example/keyway",
 *   secret: Redacted.make(process.env.WEBHOOK_SECRET!),
 *   types: ["reauthorization_required", "disconnected"],
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  /** Where to POST. */
  readonly url: string
  /** The shared HMAC secret. */
  readonly secret: Redacted.Redacted<string>
  /** Attempts per event; default 12. */
  readonly maxAttempts?: number | undefined
  /** First retry delay (doubling, jittered); default 1 second. */
  readonly retryBase?: Duration.Input | undefined
  /** Longest retry delay; default 5 minutes. */
  readonly retryMax?: Duration.Input | undefined
  /** Per-attempt timeout; default 10 seconds. */
  readonly timeout?: Duration.Input | undefined
  /** Deliveries in flight at once; default 8. */
  readonly concurrency?: number | undefined
  /** Only these event types; default all. */
  readonly types?: ReadonlyArray<Events.EventType> | undefined
  /** Allow plain http to a non-loopback host (the events and their signatures would travel in clear). */
  readonly allowInsecureHttp?: boolean | undefined
  /** Called for each outcome (tests, metrics). */
  readonly onDelivery?: ((delivery: Delivery) => void) | undefined
}

/**
 * The outcome of one event's delivery.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Webhooks } from "@keyway/connections"
 * const live = Webhooks.layer({
 *   url: "https://hooks.example/keyway",
 *   secret: Redacted.make(process.env.WEBHOOK_SECRET!),
 *   onDelivery: (d: Webhooks.Delivery) => {
 *     if (!d.delivered) console.error(`event ${d.event.id} not delivered after ${d.attempts}: ${d.error}`)
 *   },
 * })
 * ```
 *
 * @since 0.1.0
 */
export interface Delivery {
  readonly event: Events.ConnectionEvent
  readonly delivered: boolean
  readonly attempts: number
  /** The last failure, when not delivered. */
  readonly error: string | undefined
}

/**
 * One attempt did not get a 2xx.
 *
 * @example
 * ```ts
 * import { Webhooks } from "@keyway/connections"
 * new Webhooks.DeliveryFailed({ reason: "HTTP 503" }).message // "webhook delivery failed: HTTP 503"
 * ```
 *
 * @since 0.1.0
 */
export class DeliveryFailed extends Data.TaggedError("DeliveryFailed")<{ readonly reason: string }> {
  override get message(): string {
    return `webhook delivery failed: ${this.reason}`
  }
}

/**
 * The signature header value of a body at a timestamp: `v1=<hex HMAC-SHA256(secret, ts + "." + body)>`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Webhooks } from "@keyway/connections"
 * Webhooks.sign(Redacted.make("s"), 1700000000, "{}").startsWith("v1=") // true
 * ```
 *
 * @since 0.1.0
 */
export const sign = (secret: Redacted.Redacted<string>, timestamp: number, body: string): string =>
  `v1=${createHmac("sha256", Redacted.value(secret)).update(`${timestamp}.${body}`, "utf8").digest("hex")}`

/**
 * Checks a received webhook: the signature matches (constant time) and the timestamp is within
 * `toleranceSeconds` (default 300) of `now` (default the clock).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Webhooks } from "@keyway/connections"
 * const secret = Redacted.make("s")
 * const body = "{}"
 * const timestamp = Math.floor(Date.now() / 1000)
 * Webhooks.verify({ secret, body, timestamp: String(timestamp), signature: Webhooks.sign(secret, timestamp, body) }) // true
 * ```
 *
 * @since 0.1.0
 */
export const verify = (input: {
  readonly secret: Redacted.Redacted<string> | string
  readonly body: string
  readonly timestamp: string | null | undefined
  readonly signature: string | null | undefined
  readonly toleranceSeconds?: number | undefined
  readonly now?: number | undefined
}): boolean => {
  if (typeof input.timestamp !== "string" || !/^\d{1,12}$/.test(input.timestamp)) return false
  if (typeof input.signature !== "string" || !input.signature.startsWith("v1=")) return false
  const timestamp = Number(input.timestamp)
  const now = Math.floor((input.now ?? Date.now()) / 1000)
  if (Math.abs(now - timestamp) > (input.toleranceSeconds ?? 300)) return false
  const secret = Auth.redact(input.secret)
  const expected = Buffer.from(sign(secret, timestamp, input.body).slice(3), "hex")
  const given = Buffer.from(input.signature.slice(3), "hex")
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * The sender service: deliveries waiting or being retried.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Webhooks } from "@keyway/connections"
 * const waiting = Effect.gen(function* () {
 *   const sender: Webhooks.WebhooksShape = yield* Webhooks.Webhooks
 *   return yield* sender.pending
 * })
 * ```
 *
 * @since 0.1.0
 */
export interface WebhooksShape {
  /** Delivers one event now (with retries); the layer calls it for every event. */
  readonly deliver: (event: Events.ConnectionEvent) => Effect.Effect<Delivery>
  /** Events accepted and not yet delivered or given up. */
  readonly pending: Effect.Effect<number>
}

/**
 * The webhook sender service.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { Events, Webhooks } from "@keyway/connections"
 * const pending = Webhooks.Webhooks.use((sender) => sender.pending).pipe(
 *   Effect.provide(
 *     Webhooks.layer({ url: "https://hooks.example/keyway", secret: Redacted.make("s") }).pipe(
 *       Layer.provideMerge(Events.layer),
 *     ),
 *   ),
 * )
 * ```
 *
 * @since 0.1.0
 */
export class Webhooks extends Context.Service<Webhooks, WebhooksShape>()("@keyway/connections/Webhooks") {}

/**
 * Builds a sender (it does not subscribe: {@link layer} does).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Webhooks } from "@keyway/connections"
 * const sender = Webhooks.make({ url: "http://127.0.0.1:8080/hooks", secret: Redacted.make("s") })
 * ```
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<WebhooksShape, Errors.ConfigError> =>
  Effect.suspend(() => {
    const insecure = Origin.checkUrl("url", options.url, options.allowInsecureHttp ?? false)
    if (insecure !== undefined) return Effect.fail(insecure)
    return Effect.succeed(sender(options))
  })

const sender = (options: Options): WebhooksShape => {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 12)
  const timeoutMs = Duration.toMillis(Duration.fromInputUnsafe(options.timeout ?? "10 seconds"))
  const maxDelay = Duration.fromInputUnsafe(options.retryMax ?? "5 minutes")
  let inFlight = 0
  const schedule = Schedule.exponential(options.retryBase ?? "1 second", 2).pipe(
    Schedule.jittered,
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, maxDelay))),
  )

  const attempt = (event: Events.ConnectionEvent, body: string) =>
    Effect.tryPromise({
      try: async (signal) => {
        const timestamp = Math.floor(Date.now() / 1000)
        const response = await fetch(options.url, {
          method: "POST",
          redirect: "manual",
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          headers: {
            "content-type": "application/json",
            "user-agent": "keyway-webhooks/0.1",
            "keyway-event-id": event.id,
            "keyway-event-type": event.type,
            "keyway-timestamp": String(timestamp),
            "keyway-signature": sign(options.secret, timestamp, body),
          },
          body,
        })
        await response.body?.cancel().catch(() => undefined)
        return response.status
      },
      catch: (cause) => new DeliveryFailed({ reason: cause instanceof Error ? cause.name : "network error" }),
    }).pipe(
      Effect.flatMap((status) =>
        status >= 200 && status < 300
          ? Effect.void
          : Effect.fail(new DeliveryFailed({ reason: `HTTP ${status}` })),
      ),
    )

  const deliver = (event: Events.ConnectionEvent): Effect.Effect<Delivery> =>
    Effect.suspend(() => {
      inFlight++
      const body = JSON.stringify(event)
      let attempts = 0
      return Effect.suspend(() => {
        attempts++
        return attempt(event, body)
      }).pipe(
        Effect.retry({ schedule, times: maxAttempts - 1 }),
        Effect.match({
          onSuccess: (): Delivery => ({ event, delivered: true, attempts, error: undefined }),
          onFailure: (error): Delivery => ({ event, delivered: false, attempts, error: error.reason }),
        }),
        Effect.tap((delivery) =>
          Effect.sync(() => options.onDelivery?.(delivery)).pipe(
            Effect.andThen(
              delivery.delivered
                ? Effect.void
                : Effect.logWarning("webhook not delivered; giving up").pipe(
                    Effect.annotateLogs({
                      eventId: event.id,
                      type: event.type,
                      attempts,
                      error: delivery.error,
                    }),
                  ),
            ),
          ),
        ),
        Effect.ensuring(Effect.sync(() => void inFlight--)),
      )
    })

  return { deliver, pending: Effect.sync(() => inFlight) }
}

/**
 * The provider name under which undelivered events wait in the TokenStore (the outbox).
 *
 * @example
 * ```ts
 * import { Webhooks } from "@keyway/connections"
 * Webhooks.outboxProvider // "keyway.webhooks"
 * ```
 *
 * @since 0.1.0
 */
export const outboxProvider = "keyway.webhooks"

const outboxKey = (event: Events.ConnectionEvent) =>
  TokenStore.key({ provider: outboxProvider, connection: event.id, scopes: [] })

/**
 * The sender as a layer: subscribes to the {@link Events.ConnectionEvents} in context when built
 * and delivers every event (concurrently, up to `concurrency`) until the layer's scope closes.
 *
 * With a TokenStore in context that can list (SQLite, Redis), every event is first written to an
 * outbox in the store and removed once delivered or given up; when the layer starts it delivers
 * what a previous process left there (a crash, a restart). So delivery is at least once across
 * restarts too; receivers deduplicate on `keyway-event-id`. Outbox records hold the event only
 * (no secret) and expire after a day (Redis drops them; elsewhere they are delivered and removed).
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { Events, Webhooks } from "@keyway/connections"
 * const live = Webhooks.layer({ url: "http://127.0.0.1:8080/hooks", secret: Redacted.make("s") }).pipe(
 *   Layer.provideMerge(Events.layer),
 * )
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<Webhooks, Errors.ConfigError, Events.ConnectionEvents> =>
  Layer.effect(
    Webhooks,
    Effect.gen(function* () {
      const sender = yield* make(options)
      const events = yield* Events.ConnectionEvents
      const found = yield* Effect.serviceOption(TokenStore.TokenStore)
      const store = Option.isSome(found) && found.value.list !== undefined ? found.value : undefined
      const subscription = yield* events.subscribe
      const wanted = options.types === undefined ? undefined : new Set(options.types)
      const keep = (event: Events.ConnectionEvent) =>
        store === undefined
          ? Effect.void
          : Effect.flatMap(Clock.currentTimeMillis, (now) =>
              store.compareAndSet(outboxKey(event), undefined, {
                accessToken: Redacted.make(JSON.stringify(event)),
                obtainedAt: now,
                expiresAt: now + 86_400_000,
                revision: TokenStore.newRevision(),
              }),
            ).pipe(Effect.ignore)
      const done = (event: Events.ConnectionEvent) =>
        store === undefined ? Effect.void : store.delete(outboxKey(event)).pipe(Effect.ignore)
      const deliver = (event: Events.ConnectionEvent) =>
        sender.deliver(event).pipe(Effect.tap(() => done(event)))
      // What a previous process left undelivered.
      const leftovers =
        store === undefined
          ? []
          : yield* store.list!(outboxProvider).pipe(
              Effect.map((records) =>
                records.flatMap(({ token }) => {
                  try {
                    return token.accessToken === undefined
                      ? []
                      : [JSON.parse(Redacted.value(token.accessToken)) as Events.ConnectionEvent]
                  } catch {
                    return []
                  }
                }),
              ),
              Effect.orElseSucceed(() => []),
            )
      yield* Stream.concat(
        Stream.fromIterable(leftovers),
        Stream.fromSubscription(subscription).pipe(
          Stream.filter((event) => wanted === undefined || wanted.has(event.type)),
          Stream.tap(keep),
        ),
      ).pipe(
        Stream.mapEffect(deliver, { concurrency: Math.max(1, options.concurrency ?? 8) }),
        Stream.runDrain,
        Effect.forkScoped,
      )
      return sender
    }),
  )
