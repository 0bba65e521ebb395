/**
 * The steps of `TokenLifecycle` that decide something, as plain functions of their inputs (no
 * store, no cache, no clock): whether a token is usable, what is stored from a token response,
 * how refusals in a row are counted and gate the next token request, what a failed refresh
 * writes on the grant, when refresh-ahead wakes. `TokenLifecycle.make` wires them to the store,
 * the in-process cache and single flight; each is tested on its own.
 */
import { Redacted } from "effect"
import { type AuthError, CredentialsExpired, ReauthorizationRequired } from "../Errors.ts"
import type { Obtained } from "../TokenLifecycle.ts"
import * as TokenStore from "../TokenStore.ts"

/** The durations a lifecycle works with, in ms. */
export interface Timing {
  readonly bufferMs: number
  readonly defaultLifetimeMs: number
  readonly refreshLifetimeMs: number | undefined
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

/** How long a new token must survive before a refusal of it no longer counts as "in a row". */
export const REFUSAL_WINDOW_MS = 60_000

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

/** When a token counts as stale: `bufferMs` before expiry, at most half its lifetime. */
const staleAt = (token: TokenStore.StoredToken, bufferMs: number): number | undefined =>
  token.expiresAt === undefined
    ? undefined
    : token.expiresAt - Math.min(bufferMs, (token.expiresAt - token.obtainedAt) / 2)

/**
 * Step "is the token usable": present, not waiting for reauthorization, not the one the server
 * rejected (`rejected`, its value), and not stale.
 */
export const isUsable = (
  token: TokenStore.StoredToken | undefined,
  now: number,
  bufferMs: number,
  rejected: string | undefined,
): token is TokenStore.StoredToken => {
  if (token === undefined || token.accessToken === undefined || token.needsReauthorization !== undefined)
    return false
  if (rejected === Redacted.value(token.accessToken)) return false
  const stale = staleAt(token, bufferMs)
  return stale === undefined || now < stale
}

/** Step "refresh ahead": how long to sleep before refreshing this token. */
export const refreshDelay = (token: TokenStore.StoredToken, now: number, timing: Timing): number => {
  const stale = staleAt(token, timing.bufferMs)
  return stale === undefined ? timing.defaultLifetimeMs : Math.max(0, stale - now)
}

/**
 * Step "what is stored": the record of a token response. The refresh token is kept when none
 * came; its clock starts at the grant, and a rotated refresh token inherits the grant's deadline
 * unless the provider says otherwise (CCH: two weeks from authorization).
 */
export const toStored = (
  obtained: Obtained,
  previous: TokenStore.StoredToken | undefined,
  now: number,
  timing: Timing,
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
        timing.defaultLifetimeMs,
      ),
    refreshExpiresAt:
      refreshToken === undefined || timing.refreshLifetimeMs === undefined
        ? undefined
        : grantStart || (rotated && previous?.refreshExpiresAt === undefined)
          ? now + timing.refreshLifetimeMs
          : previous?.refreshExpiresAt,
    scope: obtained.scope,
    obtainedAt: now,
    revision: TokenStore.newRevision(),
  }
}

/** Refusals in a row of one key: how many fresh tokens the server refused, and when the last was. */
export interface Refusals {
  readonly count: number
  readonly at: number
}

/**
 * Step "count a refusal": a token refused within a minute of being obtained, and obtained after
 * the previous refusal, is one more refusal in a row; otherwise (it served for a while, or we do
 * not know when it was obtained) the count starts afresh.
 */
export const countRefusal = (
  previous: Refusals | undefined,
  obtainedAt: number | undefined,
  now: number,
): Refusals => {
  const inARow =
    previous !== undefined &&
    obtainedAt !== undefined &&
    obtainedAt >= previous.at &&
    now - obtainedAt < REFUSAL_WINDOW_MS
  return { count: inARow ? previous.count + 1 : 1, at: now }
}

/**
 * Step "may we ask again": while the rejected token is still the stored one and the back-off
 * after its refusals in a row has not passed, no token request is sent: `CredentialsExpired`.
 */
export const refusalGate = (
  provider: string,
  refusals: Refusals | undefined,
  current: TokenStore.StoredToken | undefined,
  rejected: string | undefined,
  now: number,
): CredentialsExpired | undefined => {
  if (refusals === undefined || current?.accessToken === undefined) return undefined
  if (rejected !== Redacted.value(current.accessToken)) return undefined
  const until = refusals.at + refusalBackoffMs(refusals.count)
  if (now >= until) return undefined
  return new CredentialsExpired({
    provider,
    reason: `the provider keeps refusing fresh tokens (${refusals.count} in a row answered 401); next token request in ${Math.ceil((until - now) / 1000)} s`,
  })
}

/** Step "is the grant dead": a stored record marked for reauthorization and holding no token. */
export const needsReauthorization = (
  provider: string,
  connection: string,
  current: TokenStore.StoredToken | undefined,
): ReauthorizationRequired | undefined =>
  current?.needsReauthorization !== undefined && current.accessToken === undefined
    ? new ReauthorizationRequired({ provider, connection, reason: current.needsReauthorization })
    : undefined

/** Step "mark the grant": the record written when the token endpoint says reauthorize. */
export const markedForReauthorization = (
  current: TokenStore.StoredToken,
  reason: string,
): TokenStore.StoredToken => ({
  ...current,
  accessToken: undefined,
  needsReauthorization: reason,
  revision: TokenStore.newRevision(),
})

/** Step "record a failure": the record written after a transient refresh failure (status `failing`). */
export const markedFailing = (
  current: TokenStore.StoredToken,
  error: AuthError,
  now: number,
): TokenStore.StoredToken => {
  const previous = current.failure
  return {
    ...current,
    failure: {
      error: `${error._tag}: ${error.message}`.slice(0, 300),
      since: previous?.since ?? now,
      attempts: (previous?.attempts ?? 0) + 1,
      lastAttemptAt: now,
    },
    revision: TokenStore.newRevision(),
  }
}
