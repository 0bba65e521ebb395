/**
 * The connections of a provider as the TokenStore holds them, with a status the runtime keeps
 * current as it works (no keeper needed for that):
 *
 * - `active`: a grant that can be used or refreshed;
 * - `failing`: the last refresh failed for a reason that may pass (network, timeout, 5xx); with
 *   the last error and since when (the runtime writes it, the next successful refresh clears it);
 * - `needs_reauthorization`: a refresh was refused (`invalid_grant`, revoked at the provider) or
 *   the keeper gave up after its configured time of failures: the user must consent again;
 * - `expired`: the refresh token is past its lifetime (CCH: two weeks), or there is no refresh
 *   token and the access token has expired;
 * - `revoked`: revoked by {@link revoke}, which keeps a record without any secret (a reconnect
 *   replaces it; {@link disconnect} revokes and deletes).
 *
 * {@link disconnect} revokes the grant at the provider, then deletes it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenStore } from "@keyway/core"
 * import { Connections } from "@keyway/connections"
 *
 * const program = Effect.gen(function*() {
 *   const connections = yield* Connections.list("workable")
 *   for (const c of connections) console.log(c.connection, c.status, c.reason)
 * }).pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
import { AuthorizationCode, StrategyConfig } from "@keyway/auth-authorization-code"
import { type Errors, TokenStore } from "@keyway/core"
import { Cause, Clock, Data, Effect, Exit } from "effect"
import * as Events from "./Events.ts"

/**
 * A connection's status.
 *
 * @example
 * ```ts
 * import type { Connections } from "@keyway/connections"
 * const mustConsentAgain = (s: Connections.Status) => s === "needs_reauthorization" || s === "expired"
 * ```
 *
 * @since 0.1.0
 */
export type Status = "active" | "failing" | "needs_reauthorization" | "expired" | "revoked"

/**
 * One connection, as listed (no secret in it).
 *
 * @example
 * ```ts
 * import type { Connections } from "@keyway/connections"
 * const line = (c: Connections.Connection) => `${c.connection}: ${c.status}${c.reason ? ` (${c.reason})` : ""}`
 * ```
 *
 * @since 0.1.0
 */
export interface Connection {
  readonly provider: string
  readonly connection: string
  /** The grant's scope set (the TokenStore key's). */
  readonly scopes: ReadonlyArray<string>
  /** The scope the provider granted, as it said it. */
  readonly grantedScope: string | undefined
  readonly status: Status
  /** Why (`needs_reauthorization`), or the last error (`failing`). */
  readonly reason: string | undefined
  /** Since when the refreshes fail (epoch ms), when `failing`. */
  readonly failingSince: number | undefined
  readonly failedAttempts: number | undefined
  /** When the access token expires (epoch ms). */
  readonly expiresAt: number | undefined
  /** When the refresh token stops working (epoch ms). */
  readonly refreshExpiresAt: number | undefined
  /** When the tokens were last obtained (consent or refresh), epoch ms. */
  readonly lastRefreshAt: number
  readonly refreshable: boolean
}

/**
 * The store cannot list its records (a custom store without `list`).
 *
 * @example
 * ```ts
 * import { Connections } from "@keyway/connections"
 * new Connections.NotListable({ store: "custom" }).message
 * ```
 *
 * @since 0.1.0
 */
export class NotListable extends Data.TaggedError("NotListable")<{ readonly store: string }> {
  override get message(): string {
    return `the ${this.store} token store cannot list its records (it has no list operation)`
  }
}

/**
 * The status of a stored record at `now`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Connections } from "@keyway/connections"
 * Connections.statusOf({ accessToken: Redacted.make("a"), refreshToken: Redacted.make("r"), obtainedAt: 0, revision: "1" }, 0) // "active"
 * ```
 *
 * @since 0.1.0
 */
export const statusOf = (token: TokenStore.StoredToken, now: number): Status => {
  if (token.revokedAt !== undefined) return "revoked"
  if (
    token.refreshToken !== undefined &&
    token.refreshExpiresAt !== undefined &&
    now >= token.refreshExpiresAt
  )
    return "expired"
  if (token.refreshToken === undefined && token.expiresAt !== undefined && now >= token.expiresAt)
    return "expired"
  if (token.needsReauthorization !== undefined) return "needs_reauthorization"
  if (token.failure !== undefined) return "failing"
  return "active"
}

/**
 * A listed connection of a record.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { type Errors, TokenStore } from "@keyway/core"
 * import { Connections } from "@keyway/connections"
 * const c = Connections.describe(
 *   TokenStore.key({ provider: "cch", connection: "alice", scopes: ["read"] }),
 *   { accessToken: Redacted.make("a"), obtainedAt: 0, revision: "1" },
 *   0,
 * )
 * c.status // "active"
 * ```
 *
 * @since 0.1.0
 */
export const describe = (
  key: TokenStore.TokenKey,
  token: TokenStore.StoredToken,
  now: number,
): Connection => {
  const status = statusOf(token, now)
  return {
    provider: key.provider,
    connection: key.connection,
    scopes: key.scopes,
    grantedScope: token.scope,
    status,
    reason:
      status === "needs_reauthorization"
        ? token.needsReauthorization
        : status === "failing"
          ? token.failure?.error
          : status === "expired"
            ? token.refreshToken === undefined
              ? "the access token expired and there is no refresh token"
              : "the refresh token is past its lifetime"
            : undefined,
    failingSince: token.failure?.since,
    failedAttempts: token.failure?.attempts,
    expiresAt: token.expiresAt,
    refreshExpiresAt: token.refreshExpiresAt,
    lastRefreshAt: token.obtainedAt,
    refreshable: token.refreshToken !== undefined,
  }
}

/**
 * Every stored record of a provider, with its key (for the keeper).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { type Errors, TokenStore } from "@keyway/core"
 * import { Connections } from "@keyway/connections"
 * const records = Connections.records("workable").pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const records = Effect.fn("Connections.records")(function* (provider: string) {
  const store = yield* TokenStore.TokenStore
  if (store.list === undefined) return yield* new NotListable({ store: store.name })
  return yield* store.list(provider)
})

/**
 * A provider's connections with their status, sorted by connection id.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { type Errors, TokenStore } from "@keyway/core"
 * import { Connections } from "@keyway/connections"
 * const listed = Connections.list("cch").pipe(Effect.provide(TokenStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const list = Effect.fn("Connections.list")(function* (provider: string) {
  const listed = yield* records(provider)
  const now = yield* Clock.currentTimeMillis
  return listed
    .map(({ key, token }) => describe(key, token, now))
    .sort((a, b) => (a.connection < b.connection ? -1 : a.connection > b.connection ? 1 : 0))
})

/**
 * One connection, or `undefined`.
 *
 * @example
 * ```ts
 * import { Connections } from "@keyway/connections"
 * // const alice = yield* Connections.get(config, "alice")
 * ```
 *
 * @since 0.1.0
 */
export const get = Effect.fn("Connections.get")(function* (
  config: AuthorizationCode.Config,
  connection: string,
) {
  const store = yield* TokenStore.TokenStore
  const key = TokenStore.key({
    provider: config.provider,
    connection,
    scopes: AuthorizationCode.grantScopesOf(config),
  })
  const token = yield* store.get(key)
  return token === undefined ? undefined : describe(key, token, yield* Clock.currentTimeMillis)
})

/**
 * What {@link disconnect} did.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { AuthorizationCode } from "@keyway/auth-authorization-code"
 * import { Connections } from "@keyway/connections"
 * declare const config: AuthorizationCode.Config
 * const program = Effect.gen(function* () {
 *   const done: Connections.Disconnected = yield* Connections.disconnect(config, "alice")
 *   if (!done.revoked) console.log("revocation failed:", done.revokeError)
 * })
 * ```
 *
 * @since 0.1.0
 */
export interface Disconnected {
  /** Whether the provider accepted the revocation (false: no revoke URL, or it failed). */
  readonly revoked: boolean
  /** Why the revocation failed, when it did. */
  readonly revokeError: string | undefined
  /** Whether there was a record to delete. */
  readonly existed: boolean
}

/**
 * Revokes a connection's grant at the provider (RFC 7009 or the provider's style, with the
 * refresh token) and then deletes the record, whatever the provider answered; with
 * `keep: true` a record without any secret is left instead, in status `revoked` (an app that
 * wants to show what was revoked). Publishes `revoked` (when the provider accepted) and
 * `disconnected` (unless kept) to the {@link Events.ConnectionEvents} in context, if any.
 */
const revokeThen = (keep: boolean) =>
  Effect.fn(keep ? "Connections.revoke" : "Connections.disconnect")(function* (
    config: AuthorizationCode.Config,
    connection: string,
  ) {
    const store = yield* TokenStore.TokenStore
    const scoped = StrategyConfig.forConnection({ ...config, refreshAhead: false }, connection)
    const key = TokenStore.key({
      provider: config.provider,
      connection,
      scopes: AuthorizationCode.grantScopesOf(config),
    })
    const before = yield* store.get(key)
    if (before === undefined)
      return { revoked: false, revokeError: undefined, existed: false } satisfies Disconnected
    const canRevoke =
      config.revokeUrl !== undefined && (before.refreshToken ?? before.accessToken) !== undefined
    let revokeError: string | undefined
    if (canRevoke) {
      // The plugin's own release: revoke with the refresh token, then clear the record.
      const exit = yield* Effect.exit(
        Effect.scoped(Effect.flatMap(AuthorizationCode.make(scoped), (plugin) => plugin.release)),
      )
      if (Exit.isFailure(exit)) {
        const error = Cause.squash(exit.cause)
        revokeError = (error instanceof Error ? error.message : "revocation failed").slice(0, 300)
      }
    }
    yield* store.delete(key)
    const revoked = canRevoke && revokeError === undefined
    if (keep) {
      const now = yield* Clock.currentTimeMillis
      yield* store.compareAndSet(key, undefined, {
        accessToken: undefined,
        scope: before.scope,
        obtainedAt: before.obtainedAt,
        revokedAt: now,
        needsReauthorization: revoked
          ? undefined
          : `the revocation failed: ${revokeError ?? "no revoke URL"}`,
        revision: TokenStore.newRevision(),
      })
    }
    if (revoked) yield* Events.publish({ type: "revoked", provider: config.provider, connection })
    if (!keep)
      yield* Events.publish({
        type: "disconnected",
        provider: config.provider,
        connection,
        data: { revoked },
      })
    return { revoked, revokeError, existed: true } satisfies Disconnected
  })

/**
 * Revokes a connection's grant at the provider, then deletes the record (whatever the provider
 * answered). Publishes `revoked` (when the provider accepted) and `disconnected` to the
 * {@link Events.ConnectionEvents} in context, if any.
 *
 * @example
 * ```ts
 * import { Connections } from "@keyway/connections"
 * // const result = yield* Connections.disconnect(config, "alice") // { revoked: true, existed: true, ... }
 * ```
 *
 * @since 0.1.0
 */
export const disconnect: (
  config: AuthorizationCode.Config,
  connection: string,
) => Effect.Effect<Disconnected, Errors.TokenStoreUnavailable, TokenStore.TokenStore> = revokeThen(false)

/**
 * Revokes a connection's grant at the provider and keeps a record without any secret in status
 * `revoked` (until a reconnect replaces it or `disconnect` deletes it). Publishes `revoked`.
 *
 * @example
 * ```ts
 * import { Connections } from "@keyway/connections"
 * // yield* Connections.revoke(config, "alice"); (yield* Connections.get(config, "alice"))?.status // "revoked"
 * ```
 *
 * @since 0.1.0
 */
export const revoke: (
  config: AuthorizationCode.Config,
  connection: string,
) => Effect.Effect<Disconnected, Errors.TokenStoreUnavailable, TokenStore.TokenStore> = revokeThen(true)
