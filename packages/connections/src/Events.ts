/**
 * Typed connection events, in process: a {@link ConnectionEvents} service (an unbounded PubSub)
 * that the consent handlers, `disconnect` and the keeper publish to, and that any number of
 * subscribers read as a `Stream` (the webhook sender is one of them). Events never hold a token:
 * their fields are ids, times and error messages (Keyway's errors never carry secrets).
 *
 * Types: `connected` (a consent stored a grant; `reconnected` says whether one was there
 * before), `refreshed`, `refresh_failed`, `recovered` (the first success after failures),
 * `reauthorization_required`, `revoked`, `disconnected`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Events } from "@keyway/connections"
 *
 * const program = Effect.gen(function*() {
 *   const events = yield* Events.ConnectionEvents
 *   yield* events.stream.pipe(
 *     Stream.runForEach((event) => Effect.log(`${event.type} ${event.provider}/${event.connection}`)),
 *     Effect.forkScoped,
 *   )
 * }).pipe(Effect.scoped, Effect.provide(Events.layer))
 * ```
 *
 * @since 0.1.0
 */
import type { WebConsent } from "@keyway/auth-authorization-code"
import { Clock, Context, Effect, Layer, Option, PubSub, type Scope, Stream } from "effect"

/**
 * The types of connection events.
 *
 * @example
 * ```ts
 * import type { Events } from "@keyway/connections"
 * const needsUser = (type: Events.EventType) => type === "reauthorization_required"
 * ```
 *
 * @since 0.1.0
 */
export type EventType =
  | "connected"
  | "refreshed"
  | "refresh_failed"
  | "recovered"
  | "reauthorization_required"
  | "revoked"
  | "disconnected"

/**
 * Every event type, in order of a connection's life.
 *
 * @example
 * ```ts
 * import { Events } from "@keyway/connections"
 * Events.eventTypes.includes("refreshed") // true
 * ```
 *
 * @since 0.1.0
 */
export const eventTypes: ReadonlyArray<EventType> = [
  "connected",
  "refreshed",
  "refresh_failed",
  "recovered",
  "reauthorization_required",
  "revoked",
  "disconnected",
]

/**
 * What an event says beyond its type (never a token).
 *
 * @example
 * ```ts
 * import type { Events } from "@keyway/connections"
 * const data: Events.EventData = { reason: "invalid_grant", attempts: 3 }
 * ```
 *
 * @since 0.1.0
 */
export interface EventData {
  /** `connected`: whether a grant was stored before. */
  readonly reconnected?: boolean | undefined
  /** When the new access token expires (ISO 8601). */
  readonly expiresAt?: string | undefined
  /** `refresh_failed`, `reauthorization_required`: why. */
  readonly reason?: string | undefined
  /** `refresh_failed`: failed attempts in a row; `recovered`: how many it took. */
  readonly attempts?: number | undefined
  /** `refresh_failed`, `recovered`: since when the refreshes failed (ISO 8601). */
  readonly failingSince?: string | undefined
  /** `disconnected`: whether the provider accepted the revocation. */
  readonly revoked?: boolean | undefined
}

/**
 * A connection event.
 *
 * @example
 * ```ts
 * import type { Events } from "@keyway/connections"
 * const seen = new Set<string>()
 * // webhook receivers deduplicate on the id (delivery is at least once)
 * const firstTime = (event: Events.ConnectionEvent) => !seen.has(event.id) && seen.add(event.id) !== undefined
 * ```
 *
 * @since 0.1.0
 */
export interface ConnectionEvent {
  /** Unique (a UUID): webhook receivers deduplicate on it (delivery is at least once). */
  readonly id: string
  readonly type: EventType
  readonly provider: string
  readonly connection: string
  /** When it happened (ISO 8601). */
  readonly occurredAt: string
  readonly data: EventData
}

/**
 * What {@link publish} takes: an event without its id and time.
 *
 * @example
 * ```ts
 * import { Events } from "@keyway/connections"
 * const event: Events.NewEvent = { type: "refreshed", provider: "workable", connection: "acme" }
 * const published = Events.publish(event)
 * ```
 *
 * @since 0.1.0
 */
export interface NewEvent {
  readonly type: EventType
  readonly provider: string
  readonly connection: string
  readonly data?: EventData | undefined
}

/**
 * The service: publish, and read as a stream (each `stream` run is its own subscription).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Events } from "@keyway/connections"
 * const firstTwo = Effect.gen(function* () {
 *   const events: Events.ConnectionEventsShape = yield* Events.ConnectionEvents
 *   return yield* events.stream.pipe(Stream.take(2), Stream.runCollect)
 * })
 * ```
 *
 * @since 0.1.0
 */
export interface ConnectionEventsShape {
  readonly publish: (event: NewEvent) => Effect.Effect<ConnectionEvent>
  /** Every event published from the moment the stream starts. */
  readonly stream: Stream.Stream<ConnectionEvent>
  /** A subscription taken now (events published after this call are kept for it). */
  readonly subscribe: Effect.Effect<PubSub.Subscription<ConnectionEvent>, never, Scope.Scope>
}

/**
 * The connection events service.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Events } from "@keyway/connections"
 * const logged = Effect.gen(function* () {
 *   const events = yield* Events.ConnectionEvents
 *   yield* events.stream.pipe(Stream.runForEach((e) => Effect.log(e.type, e.provider, e.connection)))
 * }).pipe(Effect.provide(Events.layer))
 * ```
 *
 * @since 0.1.0
 */
export class ConnectionEvents extends Context.Service<ConnectionEvents, ConnectionEventsShape>()(
  "@keyway/connections/ConnectionEvents",
) {}

/**
 * Builds the service on a fresh PubSub.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Events } from "@keyway/connections"
 * const events = Events.make
 * ```
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<ConnectionEventsShape> = Effect.gen(function* () {
  const pubsub = yield* PubSub.unbounded<ConnectionEvent>()
  return {
    publish: (event) =>
      Effect.gen(function* () {
        const full: ConnectionEvent = {
          id: crypto.randomUUID(),
          type: event.type,
          provider: event.provider,
          connection: event.connection,
          occurredAt: new Date(yield* Clock.currentTimeMillis).toISOString(),
          data: event.data ?? {},
        }
        yield* PubSub.publish(pubsub, full)
        return full
      }),
    stream: Stream.fromPubSub(pubsub),
    subscribe: PubSub.subscribe(pubsub),
  }
})

/**
 * A layer with a fresh events service.
 *
 * @example
 * ```ts
 * import { Events } from "@keyway/connections"
 * const layer = Events.layer
 * ```
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<ConnectionEvents> = Layer.effect(ConnectionEvents, make)

/**
 * Publishes to the {@link ConnectionEvents} in context; does nothing when there is none.
 *
 * @example
 * ```ts
 * import { Events } from "@keyway/connections"
 * const published = Events.publish({ type: "revoked", provider: "workable", connection: "acme" })
 * ```
 *
 * @since 0.1.0
 */
export const publish = (event: NewEvent): Effect.Effect<void> =>
  Effect.flatMap(Effect.serviceOption(ConnectionEvents), (events) =>
    Option.isSome(events) ? Effect.asVoid(events.value.publish(event)) : Effect.void,
  )

/**
 * The `onConnected` hook of the consent handlers (`WebConsent.make`, a generated package's
 * `consent`) that publishes `connected` to the {@link ConnectionEvents} in context, if any.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Events } from "@keyway/connections"
 * // Workable.consent({ ..., onConnected: (c) => Events.connected(c).pipe(Effect.provide(eventsContext)) })
 * const published = Events.connected({ provider: "workable", connection: "acme", scopes: [], reconnected: false, expiresAt: undefined, grantedScope: undefined })
 * ```
 *
 * @since 0.1.0
 */
export const connected = (event: WebConsent.Connected): Effect.Effect<void> =>
  publish({
    type: "connected",
    provider: event.provider,
    connection: event.connection,
    data: {
      reconnected: event.reconnected,
      expiresAt: event.expiresAt === undefined ? undefined : new Date(event.expiresAt).toISOString(),
    },
  })
