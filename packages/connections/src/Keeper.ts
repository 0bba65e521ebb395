/**
 * The keeper: a long-running service that keeps every stored grant of its providers usable.
 *
 * Each sweep lists the providers' connections from the TokenStore and refreshes those that are
 * due: the access token expires within `refreshAhead` (default 10 minutes), or the tokens are
 * older than `maxAge` (default 24 hours: some APIs revoke refresh tokens left unused). A refresh
 * is the plugin's own (`AuthorizationCode.refresher`) run through `TokenLifecycle` with the
 * revision the sweep saw, so it takes **the same cross-process refresh lock as calls** and
 * re-reads under it: several keepers and many app processes cause one token request per
 * connection; whoever comes second finds the new record and uses it.
 *
 * Failures: a refused refresh (`invalid_grant`, revoked) marks the grant `needs_reauthorization`
 * (the runtime does that); any other failure is recorded on the grant (`failing`, with the error
 * and since when) and retried on later sweeps with exponential backoff (`backoff`, shared by all
 * keepers because it is computed from the stored failure count), until the failures have lasted
 * `giveUpAfter` (default 24 hours): then the grant is marked `needs_reauthorization`.
 *
 * Events (to the {@link Events.ConnectionEvents} in context, if any): `refreshed`, `recovered`,
 * `refresh_failed`, `reauthorization_required`. Each sweep also removes web consents that were
 * started and never completed past their TTL (`WebConsent.purgeExpired`).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { StrategyConfig } from "@keyway/auth-authorization-code"
 * import { Events, Keeper } from "@keyway/connections"
 * import { RedisStore } from "@keyway/store-redis"
 * import { descriptor } from "@keyway/provider-workable/descriptor"
 *
 * const keeper = Keeper.layer({
 *   providers: [StrategyConfig.make(descriptor.auth[0], { provider: "workable", clientId: "id", clientSecret: "secret" })],
 *   interval: "1 minute",
 * }).pipe(Layer.provide([RedisStore.layer({ url: process.env.KEYWAY_REDIS_URL }), Events.layer]))
 * // Layer.launch(keeper) runs it until interrupted
 * ```
 *
 * @since 0.1.0
 */
import { AuthorizationCode, StrategyConfig, WebConsent } from "@keyway/auth-authorization-code"
import { type Errors, Origin, Telemetry, TokenLifecycle, TokenStore } from "@keyway/core"
import { Cause, Clock, Context, Duration, Effect, Layer, Schedule } from "effect"
import * as Connections from "./Connections.ts"
import * as Events from "./Events.ts"

/**
 * Options of a keeper.
 *
 * @example
 * ```ts
 * import type { Keeper } from "@keyway/connections"
 * const options: Keeper.Options = { providers: [], refreshAhead: "15 minutes", interval: "30 seconds" }
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  /** One plugin config per provider (build them with `StrategyConfig.make`); connections vary. */
  readonly providers: ReadonlyArray<AuthorizationCode.Config>
  /** Refresh when the access token expires within this; default 10 minutes. */
  readonly refreshAhead?: Duration.Input | undefined
  /** Refresh tokens older than this even when the access token is still good; default 24 hours. */
  readonly maxAge?: Duration.Input | undefined
  /** Time between two sweeps; default 1 minute. */
  readonly interval?: Duration.Input | undefined
  /** Refreshes running at once; default 16. */
  readonly concurrency?: number | undefined
  /** Backoff of a failing connection: `base * 2^(failures-1)`, at most `max`; default 30 s and 30 min. */
  readonly backoff?:
    | { readonly base?: Duration.Input | undefined; readonly max?: Duration.Input | undefined }
    | undefined
  /** After failing this long, a connection is marked `needs_reauthorization`; default 24 hours. */
  readonly giveUpAfter?: Duration.Input | undefined
}

/**
 * What one sweep did.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Keeper } from "@keyway/connections"
 * const once = Effect.gen(function* () {
 *   const keeper = yield* Keeper.Keeper
 *   const report: Keeper.SweepReport = yield* keeper.sweep
 *   yield* Effect.log(`refreshed ${report.refreshed}, failed ${report.failed}`)
 * })
 * ```
 *
 * @since 0.1.0
 */
export type SweepReport = Omit<Telemetry.SweepEvent, "provider">

/**
 * A keeper: one sweep on demand, or the loop.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Keeper } from "@keyway/connections"
 * const refresh = Effect.gen(function* () {
 *   const keeper: Keeper.KeeperShape = yield* Keeper.Keeper
 *   return yield* keeper.refreshNow("workable", "acme") // "refreshed", "failed", ...
 * })
 * ```
 *
 * @since 0.1.0
 */
export interface KeeperShape {
  readonly sweep: Effect.Effect<SweepReport, Errors.TokenStoreUnavailable | Connections.NotListable>
  /** Refreshes one connection now (a page's "Refresh" button), whatever its due time. */
  readonly refreshNow: (
    provider: string,
    connection: string,
  ) => Effect.Effect<Outcome, Errors.TokenStoreUnavailable | Connections.NotListable>
  /** Sweeps every `interval` until interrupted; a failed sweep is logged and the next one runs. */
  readonly run: Effect.Effect<never>
}

/**
 * The keeper service.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { Events, Keeper } from "@keyway/connections"
 * const report = Keeper.Keeper.use((keeper) => keeper.sweep).pipe(
 *   Effect.provide(Keeper.layer({ providers: [] }).pipe(Layer.provide([TokenStore.layerMemory, Events.layer]))),
 * )
 * ```
 *
 * @since 0.1.0
 */
export class Keeper extends Context.Service<Keeper, KeeperShape>()("@keyway/connections/Keeper") {}

/**
 * What happened to one connection.
 *
 * @example
 * ```ts
 * import type { Keeper } from "@keyway/connections"
 * const worked = (outcome: Keeper.Outcome) => outcome === "refreshed" || outcome === "already-fresh"
 * ```
 *
 * @since 0.1.0
 */
export type Outcome =
  | "refreshed"
  | "already-fresh"
  | "failed"
  | "reauthorization-required"
  | "skipped"
  | "missing"

const ms = (input: Duration.Input | undefined, fallback: Duration.Input) =>
  Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))

/**
 * The backoff before the next attempt after `failures` failures in a row.
 *
 * @example
 * ```ts
 * import { Keeper } from "@keyway/connections"
 * Keeper.backoffMs(3, 30_000, 1_800_000) // 120000
 * ```
 *
 * @since 0.1.0
 */
export const backoffMs = (failures: number, baseMs: number, maxMs: number): number =>
  Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1))

/**
 * Whether a record is due at `now`, and if not why it is skipped.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Keeper } from "@keyway/connections"
 * Keeper.dueness(
 *   { accessToken: Redacted.make("a"), refreshToken: Redacted.make("r"), expiresAt: 60_000, obtainedAt: 0, revision: "1" },
 *   0,
 *   { aheadMs: 600_000, maxAgeMs: 86_400_000, backoffBaseMs: 30_000, backoffMaxMs: 1_800_000 },
 * ) // "due"
 * ```
 *
 * @since 0.1.0
 */
export const dueness = (
  token: TokenStore.StoredToken,
  now: number,
  policy: {
    readonly aheadMs: number
    readonly maxAgeMs: number
    readonly backoffBaseMs: number
    readonly backoffMaxMs: number
  },
): "due" | "not-yet" | "backoff" | "unrefreshable" => {
  const status = Connections.statusOf(token, now)
  if (status === "revoked" || status === "expired" || status === "needs_reauthorization")
    return "unrefreshable"
  if (token.refreshToken === undefined) return "unrefreshable"
  if (token.failure !== undefined) {
    const next =
      token.failure.lastAttemptAt +
      backoffMs(token.failure.attempts, policy.backoffBaseMs, policy.backoffMaxMs)
    return now >= next ? "due" : "backoff"
  }
  if (token.accessToken === undefined) return "due"
  if (token.expiresAt !== undefined && token.expiresAt - now <= policy.aheadMs) return "due"
  if (now - token.obtainedAt >= policy.maxAgeMs) return "due"
  return "not-yet"
}

/**
 * Builds a keeper on the TokenStore (and the events service, if any) in context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { Keeper } from "@keyway/connections"
 * const report = Effect.flatMap(Keeper.make({ providers: [] }), (keeper) => keeper.sweep).pipe(
 *   Effect.provide(TokenStore.layerMemory),
 * )
 * ```
 *
 * @since 0.1.0
 */
export const make = Effect.fn("Keeper.make")(function* (options: Options) {
  // The same rule as the plugin's: https, or http to loopback, unless the config allows it.
  for (const config of options.providers) {
    if (config.allowInsecureHttp) continue
    yield* Origin.requireSecure({ tokenUrl: config.tokenUrl, revokeUrl: config.revokeUrl })
  }
  const store = yield* TokenStore.TokenStore
  const context = yield* Effect.context<TokenStore.TokenStore>()
  const policy = {
    aheadMs: ms(options.refreshAhead, "10 minutes"),
    maxAgeMs: ms(options.maxAge, "24 hours"),
    backoffBaseMs: ms(options.backoff?.base, "30 seconds"),
    backoffMaxMs: ms(options.backoff?.max, "30 minutes"),
  }
  const giveUpMs = ms(options.giveUpAfter, "24 hours")
  const intervalMs = ms(options.interval, "1 minute")
  const concurrency = Math.max(1, options.concurrency ?? 16)
  const configs = new Map(options.providers.map((config) => [config.provider, config]))
  const publish = (event: Events.NewEvent) => Events.publish(event)

  const refreshOne = (
    config: AuthorizationCode.Config,
    key: TokenStore.TokenKey,
    seen: TokenStore.StoredToken,
  ): Effect.Effect<Outcome, Errors.TokenStoreUnavailable> =>
    Effect.gen(function* () {
      const scoped = StrategyConfig.forConnection(config, key.connection)
      const refresh = AuthorizationCode.refresher(scoped)
      let requested = false
      const lifecycle = yield* TokenLifecycle.make(
        AuthorizationCode.lifecycleOptions(scoped, (current, scopes) => {
          requested = true
          return refresh(current, scopes)
        }),
      ).pipe(Effect.provideService(TokenStore.TokenStore, store))
      const base = { provider: key.provider, connection: key.connection }
      const result = yield* Effect.result(lifecycle.refreshRevision(key.scopes, seen.revision))
      if (result._tag === "Success") {
        if (!requested) return "already-fresh" as const
        const expiresAt = result.success.expiresAt
        yield* publish({
          ...base,
          type: "refreshed",
          data: { expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt).toISOString() },
        })
        if (seen.failure !== undefined) {
          yield* publish({
            ...base,
            type: "recovered",
            data: {
              attempts: seen.failure.attempts,
              failingSince: new Date(seen.failure.since).toISOString(),
            },
          })
        }
        return "refreshed" as const
      }
      const error = result.failure
      if (error._tag === "ReauthorizationRequired") {
        yield* publish({ ...base, type: "reauthorization_required", data: { reason: error.reason } })
        return "reauthorization-required" as const
      }
      if (error._tag === "TokenStoreUnavailable") return yield* Effect.fail(error)
      // The lifecycle recorded the failure on the grant; give up when it has lasted too long.
      const now = yield* Clock.currentTimeMillis
      const after = yield* store.get(key)
      const failure = after?.failure
      yield* publish({
        ...base,
        type: "refresh_failed",
        data: {
          reason: `${error._tag}: ${error.message}`.slice(0, 300),
          attempts: failure?.attempts,
          failingSince: failure === undefined ? undefined : new Date(failure.since).toISOString(),
        },
      })
      if (after !== undefined && failure !== undefined && now - failure.since >= giveUpMs) {
        const reason = `refreshes failed for ${Math.round((now - failure.since) / 60_000)} minutes (last: ${failure.error})`
        const marked = yield* store.compareAndSet(key, after, {
          ...after,
          accessToken: undefined,
          needsReauthorization: reason,
          revision: TokenStore.newRevision(),
        })
        if (marked) {
          yield* publish({ ...base, type: "reauthorization_required", data: { reason } })
          return "reauthorization-required" as const
        }
      }
      return "failed" as const
    }).pipe(Effect.provide(context))

  const sweep = Effect.gen(function* () {
    const started = yield* Clock.currentTimeMillis
    const work: Array<{
      config: AuthorizationCode.Config
      key: TokenStore.TokenKey
      token: TokenStore.StoredToken
    }> = []
    let connections = 0
    let skipped = 0
    for (const config of options.providers) {
      const grantScopes = TokenStore.key({
        provider: config.provider,
        connection: "",
        scopes: AuthorizationCode.grantScopesOf(config),
      }).scopes.join(" ")
      const listed = yield* Connections.records(config.provider)
      for (const { key, token } of listed) {
        if (key.scopes.join(" ") !== grantScopes) continue
        connections++
        if (dueness(token, started, policy) === "due") work.push({ config, key, token })
        else skipped++
      }
    }
    const counts = {
      refreshed: 0,
      "already-fresh": 0,
      failed: 0,
      "reauthorization-required": 0,
      skipped: 0,
      missing: 0,
    }
    yield* Effect.forEach(
      work,
      ({ config, key, token }) =>
        refreshOne(config, key, token).pipe(
          Effect.tap((outcome) => Effect.sync(() => void counts[outcome]++)),
        ),
      { concurrency, discard: true },
    )
    const report: SweepReport = {
      connections,
      due: work.length,
      refreshed: counts.refreshed,
      alreadyFresh: counts["already-fresh"],
      failed: counts.failed,
      reauthorizationRequired: counts["reauthorization-required"],
      skipped: skipped + counts.skipped,
      durationMs: (yield* Clock.currentTimeMillis) - started,
    }
    // Housekeeping: consents started and never completed (Redis drops them by itself).
    yield* WebConsent.purgeExpired.pipe(Effect.ignore)
    yield* Effect.logDebug("keeper sweep").pipe(Effect.annotateLogs({ ...report }))
    const sink = yield* Telemetry.Telemetry
    sink?.keeperSweep?.({ provider: options.providers.map((c) => c.provider).join(","), ...report })
    return report
  }).pipe(Effect.provide(context), Effect.withSpan("Keeper.sweep"))

  const refreshNow = (provider: string, connection: string) =>
    Effect.gen(function* () {
      const config = configs.get(provider)
      if (config === undefined) return "missing" as const
      const key = TokenStore.key({ provider, connection, scopes: AuthorizationCode.grantScopesOf(config) })
      const token = yield* store.get(key)
      if (token === undefined) return "missing" as const
      const now = yield* Clock.currentTimeMillis
      if (dueness(token, now, policy) === "unrefreshable") return "skipped" as const
      return yield* refreshOne(config, key, token)
    }).pipe(Effect.provide(context))

  const run: Effect.Effect<never> = sweep.pipe(
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.interrupt
        : Effect.logWarning("keeper sweep failed; the next one runs on schedule", Cause.squash(cause)),
    ),
    Effect.repeat(Schedule.spaced(Duration.millis(intervalMs))),
    Effect.andThen(Effect.never),
  )

  return { sweep, refreshNow, run } satisfies KeeperShape
})

/**
 * The keeper as a layer: builds it and runs its loop in the layer's scope (first sweep at once).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { Events, Keeper } from "@keyway/connections"
 * const live = Keeper.layer({ providers: [] }).pipe(Layer.provide([TokenStore.layerMemory, Events.layer]))
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<Keeper, Errors.ConfigError, TokenStore.TokenStore> =>
  Layer.effect(
    Keeper,
    Effect.gen(function* () {
      const keeper = yield* make(options)
      yield* Effect.forkScoped(keeper.run)
      return keeper
    }),
  )
