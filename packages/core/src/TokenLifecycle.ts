/**
 * The token lifecycle every token-based plugin shares (client credentials, authorization code,
 * session login), so that none of them re-implements caching or concurrency:
 *
 * - **Single flight**: N concurrent callers that find no usable token cause exactly one token
 *   request; they all wait for it. The request runs detached from any one caller, so a caller
 *   that is interrupted does not fail the others.
 * - **Proactive refresh**: a token counts as stale `refreshBuffer` before it expires (at most
 *   half its lifetime, so a one-minute session is not refreshed on every call).
 * - **Refresh once on 401**: `invalidate` marks the rejected access token; the next `get` refreshes
 *   even if the clock says the token is still good.
 * - **Bounded when the provider keeps refusing**: a token refused within a minute of being
 *   obtained counts as a refusal in a row. From the second in a row, a new token is requested at
 *   most once per back-off window (1 s, 2 s, 4 s, ... up to 5 minutes); in between, `get` fails
 *   at once with `CredentialsExpired` ("the provider keeps refusing fresh tokens") and sends
 *   nothing. A token the server accepts after a refresh (`accepted`), or one that lasts longer
 *   than a minute, starts the count afresh.
 * - **Expiry** from `expires_in`, else a JWT `exp`, else the configured default lifetime
 *   ({@link expiryFrom}).
 * - **Rotation safety**: a new token set is written to the {@link TokenStore} with
 *   compare-and-set against the record that was used, inside the store's refresh lock, before it
 *   is returned. A lost write means another process rotated first: its tokens are used.
 * - **Hot path**: a fresh token is served from an in-process cache without touching the store.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenLifecycle, TokenStore } from "@keyway/core"
 *
 * const program = Effect.gen(function*() {
 *   const tokens = yield* TokenLifecycle.make({
 *     provider: "example",
 *     fetch: () => Effect.succeed({ accessToken: Redacted.make("t"), expiresIn: 3600 }),
 *   })
 *   const token = yield* tokens.get([])
 * }).pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Clock, Deferred, Duration, Effect, Redacted, Schedule, type Scope } from "effect"
import { type AuthError, ReauthorizationRequired } from "./Errors.ts"
import * as Steps from "./internal/lifecycleSteps.ts"
import * as TokenStore from "./TokenStore.ts"

/**
 * What a plugin's token request produced, before it is stored.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { TokenLifecycle } from "@keyway/core"
 * const obtained: TokenLifecycle.Obtained = { accessToken: Redacted.make("at"), refreshToken: Redacted.make("rt"), expiresIn: 3600 }
 * ```
 *
 * @since 0.1.0
 */
export interface Obtained {
  readonly accessToken: Redacted.Redacted<string>
  /** A new refresh token; when absent, the previous one is kept. */
  readonly refreshToken?: Redacted.Redacted<string> | undefined
  readonly tokenType?: string | undefined
  /** Seconds, from the token response. */
  readonly expiresIn?: number | undefined
  /** Absolute expiry in epoch ms, when the plugin knows it some other way (a session header). */
  readonly expiresAt?: number | undefined
  readonly scope?: string | undefined
  /** Whether this was a new grant (authorization code exchange): restarts the refresh-token clock. */
  readonly newGrant?: boolean | undefined
}

/**
 * Options of a lifecycle.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import type { TokenLifecycle } from "@keyway/core"
 * const options: TokenLifecycle.Options = {
 *   provider: "example",
 *   connection: "acme",
 *   fetch: (current, scopes) => Effect.succeed({ accessToken: Redacted.make(`token for ${scopes.join(" ")}`) }),
 *   refreshBuffer: "5 minutes",
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  readonly provider: string
  /** The connection id; default `default`. */
  readonly connection?: string | undefined
  /**
   * Obtains a token set. `current` is the stored record, if any (holding the refresh token to
   * use); `scopes` the scope set the token is for.
   */
  readonly fetch: (
    current: TokenStore.StoredToken | undefined,
    scopes: ReadonlyArray<string>,
  ) => Effect.Effect<Obtained, AuthError>
  /** Refresh this long before expiry; default 60 seconds. */
  readonly refreshBuffer?: Duration.Input | undefined
  /** Lifetime of a token with neither `expires_in` nor a JWT `exp`; default one hour. */
  readonly defaultLifetime?: Duration.Input | undefined
  /** Lifetime of a refresh token from its grant (CCH: two weeks); default unlimited. */
  readonly refreshTokenLifetime?: Duration.Input | undefined
}

/**
 * A running lifecycle.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { TokenLifecycle } from "@keyway/core"
 * declare const tokens: TokenLifecycle.TokenLifecycle
 * const bearer = tokens.get(["r_jobs"]).pipe(Effect.map((t) => t.accessToken))
 * ```
 *
 * @since 0.1.0
 */
export interface TokenLifecycle {
  readonly provider: string
  readonly connection: string
  /** A usable token for this scope set; obtains or refreshes one when needed (single flight). */
  readonly get: (scopes: ReadonlyArray<string>) => Effect.Effect<TokenStore.StoredToken, AuthError>
  /** Marks `accessToken` as rejected by the server: the next `get` refreshes. */
  readonly invalidate: (
    scopes: ReadonlyArray<string>,
    accessToken: Redacted.Redacted<string>,
  ) => Effect.Effect<void>
  /**
   * The server accepted the token of this scope set after a refresh (`Auth.onAccepted`): ends a
   * run of refused tokens, so the next refusal is a first one again.
   */
  readonly accepted: (scopes: ReadonlyArray<string>) => Effect.Effect<void>
  /** Refreshes now, whatever the expiry says (single flight with concurrent `get`s). */
  readonly refresh: (scopes: ReadonlyArray<string>) => Effect.Effect<TokenStore.StoredToken, AuthError>
  /**
   * Refreshes unless the stored record is no longer the one of `revision` (someone else refreshed
   * meanwhile: that record is returned, no token request). Under the store's refresh lock, like
   * every refresh: N processes asking for the same revision cause one token request.
   */
  readonly refreshRevision: (
    scopes: ReadonlyArray<string>,
    revision: string,
  ) => Effect.Effect<TokenStore.StoredToken, AuthError>
  /** Stores a token set obtained outside `fetch` (an authorization code exchange). */
  readonly put: (
    scopes: ReadonlyArray<string>,
    obtained: Obtained,
  ) => Effect.Effect<TokenStore.StoredToken, AuthError>
  /** Forgets the in-process cache and deletes the stored record. */
  readonly clear: (scopes: ReadonlyArray<string>) => Effect.Effect<void, AuthError>
  /**
   * {@link clear} for every scope set this lifecycle obtained or stored a token for: what a
   * plugin's `release` calls, so that scoped tokens go too (not only the empty scope set).
   */
  readonly clearAll: Effect.Effect<void, AuthError>
  /**
   * Keeps the token of this scope set fresh in a background fiber that lives as long as the
   * enclosing scope: it wakes `refreshBuffer` before expiry and refreshes. It stops when the
   * grant needs reauthorization; other failures are retried with backoff.
   */
  readonly refreshAhead: (scopes: ReadonlyArray<string>) => Effect.Effect<void, never, Scope.Scope>
  /** The key of a scope set in the store. */
  readonly keyOf: (scopes: ReadonlyArray<string>) => TokenStore.TokenKey
}

// The pure steps of the lifecycle (and these public helpers) live in internal/lifecycleSteps.ts.
export {
  expiryFrom,
  jwtExpiry,
  maxLifetimeSeconds,
  refusalBackoffMs,
} from "./internal/lifecycleSteps.ts"

/**
 * Builds a lifecycle on the {@link TokenStore} in context.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { TokenLifecycle, TokenStore } from "@keyway/core"
 * const make = TokenLifecycle.make({ provider: "p", fetch: () => Effect.succeed({ accessToken: Redacted.make("t") }) })
 * const run = make.pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function* (options: Options) {
  const store = yield* TokenStore.TokenStore
  const connection = options.connection ?? "default"
  const timing: Steps.Timing = {
    bufferMs: Duration.toMillis(Duration.fromInputUnsafe(options.refreshBuffer ?? "60 seconds")),
    defaultLifetimeMs: Duration.toMillis(Duration.fromInputUnsafe(options.defaultLifetime ?? "1 hour")),
    refreshLifetimeMs:
      options.refreshTokenLifetime === undefined
        ? undefined
        : Duration.toMillis(Duration.fromInputUnsafe(options.refreshTokenLifetime)),
  }

  // In-process state, per key string: the hot cache, the access token the server rejected,
  // refusals in a row, the token request under way, and every scope set seen (for `clearAll`).
  const cache = new Map<string, TokenStore.StoredToken>()
  const rejected = new Map<string, string>()
  const refusals = new Map<string, Steps.Refusals>()
  const inflight = new Map<string, Deferred.Deferred<TokenStore.StoredToken, AuthError>>()
  const seen = new Map<string, ReadonlyArray<string>>()

  const keyOf = (scopes: ReadonlyArray<string>) =>
    TokenStore.key({ provider: options.provider, connection, scopes })

  // The hot path asks for the same scope arrays again and again (an operation's scopes are a
  // constant): remember their key strings instead of sorting and encoding on every call.
  const ids = new WeakMap<ReadonlyArray<string>, string>()
  const idOf = (scopes: ReadonlyArray<string>) => {
    let id = ids.get(scopes)
    if (id === undefined) ids.set(scopes, (id = TokenStore.keyString(keyOf(scopes))))
    return id
  }

  const usable = (id: string, token: TokenStore.StoredToken | undefined, now: number) =>
    Steps.isUsable(token, now, timing.bufferMs, rejected.get(id))

  /** Step: keep a token in the hot cache (a new access token ends its key's rejection). */
  const remember = (id: string, token: TokenStore.StoredToken) => {
    cache.set(id, token)
    if (token.accessToken !== undefined && rejected.get(id) !== Redacted.value(token.accessToken))
      rejected.delete(id)
    return token
  }

  /** Step: write on the grant what a failed refresh means (reauthorize, or `failing`). */
  const markRefreshFailure = (k: TokenStore.TokenKey, current: TokenStore.StoredToken, error: AuthError) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      store.compareAndSet(
        k,
        current,
        error._tag === "ReauthorizationRequired"
          ? Steps.markedForReauthorization(current, error.reason)
          : Steps.markedFailing(current, error, now),
      ),
    ).pipe(Effect.ignore)

  /**
   * Step: one round under the refresh lock. Re-read the record (another process may have
   * refreshed while we waited for the lock); a dead grant or the refusal back-off fails; else
   * fetch a token set and compare-and-set it against the record used. `undefined` = the write
   * was lost to another writer: read again.
   */
  const refreshRound = (k: TokenStore.TokenKey, id: string, force: string | undefined) =>
    Effect.gen(function* () {
      const current = yield* store.get(k)
      const now = yield* Clock.currentTimeMillis
      if (usable(id, current, now) && current.revision !== force) return remember(id, current)
      const dead = Steps.needsReauthorization(options.provider, connection, current)
      if (dead !== undefined) return yield* dead
      const gated = Steps.refusalGate(options.provider, refusals.get(id), current, rejected.get(id), now)
      if (gated !== undefined) return yield* gated
      const obtained = yield* options
        .fetch(current, k.scopes)
        .pipe(
          Effect.tapError((error) =>
            current === undefined ? Effect.void : markRefreshFailure(k, current, error),
          ),
        )
      const next = Steps.toStored(obtained, current, yield* Clock.currentTimeMillis, timing)
      return (yield* store.compareAndSet(k, current, next)) ? remember(id, next) : undefined
    })

  /**
   * Step: obtain a token for a scope set. The store first (a fresh record another process wrote);
   * else rounds under the store's refresh lock. `force` is a revision not to accept as fresh. A
   * third lost write in a row means the store is being written in a loop: give up loudly.
   */
  const obtain = (scopes: ReadonlyArray<string>, force: string | undefined) =>
    Effect.gen(function* () {
      const k = keyOf(scopes)
      const id = TokenStore.keyString(k)
      seen.set(id, scopes)
      const before = yield* store.get(k)
      if (usable(id, before, yield* Clock.currentTimeMillis) && before.revision !== force)
        return remember(id, before)
      return yield* store.withRefreshLock(
        k,
        Effect.gen(function* () {
          for (let round = 0; round < 3; round++) {
            const token = yield* refreshRound(k, id, force)
            if (token !== undefined) return token
          }
          return yield* new ReauthorizationRequired({
            provider: options.provider,
            connection,
            reason: "the stored grant kept changing during refresh",
          })
        }),
      )
    })

  /** Step: run `obtain` once per key at a time, detached from any single caller. */
  const singleFlight = (scopes: ReadonlyArray<string>, force: string | undefined) =>
    Effect.suspend(() => {
      const id = TokenStore.keyString(keyOf(scopes))
      const running = inflight.get(id)
      if (running !== undefined) return Deferred.await(running)
      const deferred = Deferred.makeUnsafe<TokenStore.StoredToken, AuthError>()
      inflight.set(id, deferred)
      return obtain(scopes, force).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => {
            inflight.delete(id)
            Deferred.doneUnsafe(deferred, exit)
          }),
        ),
        Effect.forkDetach,
        Effect.andThen(Deferred.await(deferred)),
      )
    })

  /** The hot path: the cached token when usable, else single flight. */
  const get = (scopes: ReadonlyArray<string>): Effect.Effect<TokenStore.StoredToken, AuthError> =>
    Effect.clockWith((clock) => {
      const id = idOf(scopes)
      const cached = cache.get(id)
      if (usable(id, cached, clock.currentTimeMillisUnsafe())) return Effect.succeed(cached)
      return singleFlight(scopes, undefined)
    })

  const refresh = (scopes: ReadonlyArray<string>) =>
    Effect.suspend(() => singleFlight(scopes, cache.get(TokenStore.keyString(keyOf(scopes)))?.revision))

  const refreshRevision = (scopes: ReadonlyArray<string>, revision: string) => singleFlight(scopes, revision)

  /** Step: the server rejected `accessToken`: count the refusal, drop it from the cache. */
  const invalidate = (scopes: ReadonlyArray<string>, accessToken: Redacted.Redacted<string>) =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        const id = TokenStore.keyString(keyOf(scopes))
        const cached = cache.get(id)
        const value = Redacted.value(accessToken)
        const isCached = cached?.accessToken !== undefined && Redacted.value(cached.accessToken) === value
        if (rejected.get(id) !== value) {
          const obtainedAt = isCached ? cached!.obtainedAt : undefined
          refusals.set(id, Steps.countRefusal(refusals.get(id), obtainedAt, clock.currentTimeMillisUnsafe()))
        }
        rejected.set(id, value)
        if (isCached) cache.delete(id)
      }),
    )

  const accepted = (scopes: ReadonlyArray<string>) =>
    Effect.sync(() => {
      refusals.delete(idOf(scopes))
    })

  /** Stores a token set obtained outside `fetch` (a new grant): compare-and-set, a few rounds. */
  const put = (scopes: ReadonlyArray<string>, obtained: Obtained) =>
    Effect.gen(function* () {
      const k = keyOf(scopes)
      const id = TokenStore.keyString(k)
      seen.set(id, scopes)
      const next = Steps.toStored(
        { ...obtained, newGrant: obtained.newGrant ?? true },
        undefined,
        yield* Clock.currentTimeMillis,
        timing,
      )
      for (let round = 0; round < 5; round++) {
        const current = yield* store.get(k)
        if (yield* store.compareAndSet(k, current, next)) return remember(id, next)
      }
      return yield* new ReauthorizationRequired({
        provider: options.provider,
        connection,
        reason: "could not store the new grant: the record kept changing",
      })
    })

  const clear = (scopes: ReadonlyArray<string>) =>
    Effect.suspend(() => {
      const k = keyOf(scopes)
      cache.delete(TokenStore.keyString(k))
      return store.delete(k)
    })

  const clearAll = Effect.suspend(() =>
    Effect.forEach([[], ...seen.values()], (scopes) => clear(scopes), { discard: true }),
  )

  /** Step: sleep until the token is stale (`Steps.refreshDelay`), refresh; forever, with backoff. */
  const refreshAhead = (scopes: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const loop = Effect.gen(function* () {
        const token = yield* get(scopes)
        yield* Effect.sleep(
          Duration.millis(Steps.refreshDelay(token, yield* Clock.currentTimeMillis, timing)),
        )
        yield* Effect.logDebug("refreshing ahead of expiry").pipe(
          Effect.annotateLogs({ provider: options.provider, connection }),
        )
        yield* refresh(scopes)
      }).pipe(
        Effect.retry({
          while: (error: AuthError) =>
            error._tag !== "ReauthorizationRequired" && error._tag !== "InvalidClient",
          schedule: Schedule.exponential("1 second", 2).pipe(
            Schedule.modifyDelay(({ duration }) =>
              Effect.succeed(Duration.min(duration, Duration.minutes(5))),
            ),
          ),
        }),
        Effect.forever,
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.interrupt
            : Effect.logWarning("background refresh stopped", Cause.squash(cause)).pipe(
                Effect.annotateLogs({ provider: options.provider, connection }),
              ),
        ),
      )
      yield* Effect.forkScoped(loop)
    })

  return {
    provider: options.provider,
    connection,
    get,
    invalidate,
    accepted,
    refresh,
    refreshRevision,
    put,
    clear,
    clearAll,
    refreshAhead,
    keyOf,
  } satisfies TokenLifecycle
})
