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
import { type AuthError, CredentialsExpired, ReauthorizationRequired } from "./Errors.ts"
import * as TokenStore from "./TokenStore.ts"

/**
 * What a plugin's token request produced, before it is stored.
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

/**
 * The longest lifetime a token is believed to have: one year. A longer `expires_in` (a provider
 * printing `1e12`) is clamped to it, so a token is refreshed at least once a year and an expiry
 * never overflows a date.
 *
 * @example
 * ```ts
 * import { TokenLifecycle } from "@keyway/core"
 * TokenLifecycle.maxLifetimeSeconds // 31536000
 * ```
 *
 * @since 0.1.0
 */
export const maxLifetimeSeconds = 365 * 24 * 3600

/**
 * When a token expires, in epoch ms: from `expires_in` (seconds, clamped to
 * {@link maxLifetimeSeconds}), else the JWT `exp` claim of the access token, else
 * `now + defaultLifetimeMs`. A zero, negative or non-finite `expires_in` is ignored.
 *
 * @example
 * ```ts
 * import { TokenLifecycle } from "@keyway/core"
 * TokenLifecycle.expiryFrom({ expiresIn: 3600, accessToken: "opaque" }, 0, 60_000) // 3_600_000
 * ```
 *
 * @since 0.1.0
 */
export const expiryFrom = (
  input: { readonly expiresIn?: number | undefined; readonly accessToken: string },
  now: number,
  defaultLifetimeMs: number,
): number => {
  if (typeof input.expiresIn === "number" && Number.isFinite(input.expiresIn) && input.expiresIn > 0) {
    return now + Math.min(input.expiresIn, maxLifetimeSeconds) * 1000
  }
  const exp = jwtExpiry(input.accessToken)
  return exp ?? now + defaultLifetimeMs
}

/**
 * How long a new token must survive before a refusal of it no longer counts as "refused in a
 * row" (one minute), and the back-off before the next token request after `n` refusals in a row
 * (none for the first; then 1 s doubling, at most 5 minutes).
 *
 * @example
 * ```ts
 * import { TokenLifecycle } from "@keyway/core"
 * TokenLifecycle.refusalBackoffMs(1) // 0
 * TokenLifecycle.refusalBackoffMs(3) // 2000
 * ```
 *
 * @since 0.1.0
 */
export const refusalBackoffMs = (refusalsInARow: number): number =>
  refusalsInARow < 2 ? 0 : Math.min(1000 * 2 ** (refusalsInARow - 2), 300_000)

const REFUSAL_WINDOW_MS = 60_000

/**
 * The `exp` claim of a JWT in epoch ms, or `undefined` when the token is not a JWT.
 *
 * @example
 * ```ts
 * import { TokenLifecycle } from "@keyway/core"
 * TokenLifecycle.jwtExpiry("not-a-jwt") // undefined
 * ```
 *
 * @since 0.1.0
 */
export const jwtExpiry = (token: string): number | undefined => {
  const parts = token.split(".")
  if (parts.length !== 3) return undefined
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as { exp?: unknown }
    return typeof payload.exp === "number" ? payload.exp * 1000 : undefined
  } catch {
    return undefined
  }
}

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
  const bufferMs = Duration.toMillis(Duration.fromInputUnsafe(options.refreshBuffer ?? "60 seconds"))
  const defaultLifetimeMs = Duration.toMillis(Duration.fromInputUnsafe(options.defaultLifetime ?? "1 hour"))
  const refreshLifetimeMs =
    options.refreshTokenLifetime === undefined
      ? undefined
      : Duration.toMillis(Duration.fromInputUnsafe(options.refreshTokenLifetime))

  const cache = new Map<string, TokenStore.StoredToken>()
  const rejected = new Map<string, string>()
  // Refusals in a row per key: how many fresh tokens the server refused, and when the last was.
  const refusals = new Map<string, { readonly count: number; readonly at: number }>()
  const inflight = new Map<string, Deferred.Deferred<TokenStore.StoredToken, AuthError>>()

  const keyOf = (scopes: ReadonlyArray<string>) =>
    TokenStore.key({ provider: options.provider, connection, scopes })

  const usable = (
    id: string,
    token: TokenStore.StoredToken | undefined,
    now: number,
  ): token is TokenStore.StoredToken => {
    if (token === undefined || token.accessToken === undefined || token.needsReauthorization !== undefined)
      return false
    if (rejected.get(id) === Redacted.value(token.accessToken)) return false
    if (token.expiresAt === undefined) return true
    const buffer = Math.min(bufferMs, (token.expiresAt - token.obtainedAt) / 2)
    return now < token.expiresAt - buffer
  }

  const toStored = (
    obtained: Obtained,
    previous: TokenStore.StoredToken | undefined,
    now: number,
  ): TokenStore.StoredToken => {
    const rotated = obtained.refreshToken !== undefined
    const refreshToken = obtained.refreshToken ?? previous?.refreshToken
    const grantStart = obtained.newGrant || previous?.refreshExpiresAt === undefined
    return {
      accessToken: obtained.accessToken,
      refreshToken,
      tokenType: obtained.tokenType,
      expiresAt:
        obtained.expiresAt ??
        expiryFrom(
          { expiresIn: obtained.expiresIn, accessToken: Redacted.value(obtained.accessToken) },
          now,
          defaultLifetimeMs,
        ),
      // The refresh token's clock starts at the grant; a rotated refresh token inherits the
      // grant's deadline unless the provider says otherwise (CCH: two weeks from authorization).
      refreshExpiresAt:
        refreshToken === undefined || refreshLifetimeMs === undefined
          ? undefined
          : grantStart || (rotated && previous?.refreshExpiresAt === undefined)
            ? now + refreshLifetimeMs
            : previous?.refreshExpiresAt,
      scope: obtained.scope,
      obtainedAt: now,
      revision: TokenStore.newRevision(),
    }
  }

  const remember = (id: string, token: TokenStore.StoredToken) => {
    cache.set(id, token)
    if (token.accessToken !== undefined && rejected.get(id) !== Redacted.value(token.accessToken))
      rejected.delete(id)
    return token
  }

  // Every scope set a token was obtained or stored for, for `clearAll`.
  const seen = new Map<string, ReadonlyArray<string>>()

  /** Obtain a token under the store's lock; `force` = the revision we must not accept as fresh. */
  const obtain = (scopes: ReadonlyArray<string>, force: string | undefined) =>
    Effect.gen(function* () {
      const k = keyOf(scopes)
      const id = TokenStore.keyString(k)
      seen.set(id, scopes)
      const fresh = (t: TokenStore.StoredToken | undefined, now: number): boolean =>
        usable(id, t, now) && t.revision !== force
      const before = yield* store.get(k)
      if (fresh(before, yield* Clock.currentTimeMillis)) return remember(id, before!)
      return yield* store.withRefreshLock(
        k,
        Effect.gen(function* () {
          for (let round = 0; ; round++) {
            const current = yield* store.get(k)
            const now = yield* Clock.currentTimeMillis
            if (fresh(current, now)) return remember(id, current!)
            if (current?.needsReauthorization !== undefined && current.accessToken === undefined) {
              return yield* new ReauthorizationRequired({
                provider: options.provider,
                connection,
                reason: current.needsReauthorization,
              })
            }
            const refusal = refusals.get(id)
            if (
              refusal !== undefined &&
              current?.accessToken !== undefined &&
              rejected.get(id) === Redacted.value(current.accessToken) &&
              now < refusal.at + refusalBackoffMs(refusal.count)
            ) {
              const waitS = Math.ceil((refusal.at + refusalBackoffMs(refusal.count) - now) / 1000)
              return yield* new CredentialsExpired({
                provider: options.provider,
                reason: `the provider keeps refusing fresh tokens (${refusal.count} in a row answered 401); next token request in ${waitS} s`,
              })
            }
            const obtained = yield* options
              .fetch(current, k.scopes)
              .pipe(
                Effect.tapError((error) =>
                  current === undefined
                    ? Effect.void
                    : error._tag === "ReauthorizationRequired"
                      ? markReauthorization(k, current, error.reason)
                      : markFailure(k, current, error),
                ),
              )
            const next = toStored(obtained, current, yield* Clock.currentTimeMillis)
            if (yield* store.compareAndSet(k, current, next)) return remember(id, next)
            // Another writer rotated first. Its record is the truth: go round and read it. A
            // second loss in a row means the store is being written in a loop: give up loudly.
            if (round >= 2) {
              return yield* new ReauthorizationRequired({
                provider: options.provider,
                connection,
                reason: "the stored grant kept changing during refresh",
              })
            }
          }
        }),
      )
    })

  const markReauthorization = (k: TokenStore.TokenKey, current: TokenStore.StoredToken, reason: string) =>
    store
      .compareAndSet(k, current, {
        ...current,
        accessToken: undefined,
        needsReauthorization: reason,
        revision: TokenStore.newRevision(),
      })
      .pipe(Effect.ignore)

  /** Records a transient refresh failure on the grant (the connection's `failing` status). */
  const markFailure = (k: TokenStore.TokenKey, current: TokenStore.StoredToken, error: AuthError) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const previous = current.failure
      yield* store.compareAndSet(k, current, {
        ...current,
        failure: {
          error: `${error._tag}: ${error.message}`.slice(0, 300),
          since: previous?.since ?? now,
          attempts: (previous?.attempts ?? 0) + 1,
          lastAttemptAt: now,
        },
        revision: TokenStore.newRevision(),
      })
    }).pipe(Effect.ignore)

  /** Runs `obtain` once per key at a time, detached from any single caller. */
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

  // The hot path asks for the same scope arrays again and again (an operation's scopes are a
  // constant): remember their key strings instead of sorting and encoding on every call.
  const ids = new WeakMap<ReadonlyArray<string>, string>()
  const idOf = (scopes: ReadonlyArray<string>) => {
    let id = ids.get(scopes)
    if (id === undefined) ids.set(scopes, (id = TokenStore.keyString(keyOf(scopes))))
    return id
  }

  const get = (scopes: ReadonlyArray<string>): Effect.Effect<TokenStore.StoredToken, AuthError> =>
    Effect.clockWith((clock) => {
      const id = idOf(scopes)
      const cached = cache.get(id)
      if (usable(id, cached, clock.currentTimeMillisUnsafe())) return Effect.succeed(cached)
      return singleFlight(scopes, undefined)
    })

  const refresh = (scopes: ReadonlyArray<string>) =>
    Effect.suspend(() => {
      const id = TokenStore.keyString(keyOf(scopes))
      return singleFlight(scopes, cache.get(id)?.revision)
    })

  const refreshRevision = (scopes: ReadonlyArray<string>, revision: string) => singleFlight(scopes, revision)

  const invalidate = (scopes: ReadonlyArray<string>, accessToken: Redacted.Redacted<string>) =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        const id = TokenStore.keyString(keyOf(scopes))
        const now = clock.currentTimeMillisUnsafe()
        const cached = cache.get(id)
        const value = Redacted.value(accessToken)
        if (rejected.get(id) !== value) {
          // A token refused soon after it was obtained, and obtained after the previous refusal:
          // one more refusal in a row. Otherwise (it served for a while) the count starts afresh.
          const previous = refusals.get(id)
          const obtainedAt =
            cached?.accessToken !== undefined && Redacted.value(cached.accessToken) === value
              ? cached.obtainedAt
              : undefined
          const inARow =
            previous !== undefined &&
            obtainedAt !== undefined &&
            obtainedAt >= previous.at &&
            now - obtainedAt < REFUSAL_WINDOW_MS
          refusals.set(id, { count: inARow ? previous.count + 1 : 1, at: now })
        }
        rejected.set(id, value)
        if (
          cached?.accessToken !== undefined &&
          Redacted.value(cached.accessToken) === Redacted.value(accessToken)
        ) {
          cache.delete(id)
        }
      }),
    )

  const accepted = (scopes: ReadonlyArray<string>) =>
    Effect.sync(() => {
      refusals.delete(idOf(scopes))
    })

  const put = (scopes: ReadonlyArray<string>, obtained: Obtained) =>
    Effect.gen(function* () {
      const k = keyOf(scopes)
      const id = TokenStore.keyString(k)
      seen.set(id, scopes)
      const next = toStored(
        { ...obtained, newGrant: obtained.newGrant ?? true },
        undefined,
        yield* Clock.currentTimeMillis,
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

  const refreshAhead = (scopes: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const loop = Effect.gen(function* () {
        const token = yield* get(scopes)
        const now = yield* Clock.currentTimeMillis
        if (token.expiresAt !== undefined) {
          const buffer = Math.min(bufferMs, (token.expiresAt - token.obtainedAt) / 2)
          const wait = Math.max(0, token.expiresAt - buffer - now)
          yield* Effect.sleep(Duration.millis(wait))
        } else {
          yield* Effect.sleep(Duration.millis(defaultLifetimeMs))
        }
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
