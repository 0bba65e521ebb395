/**
 * Grants and the tokens issued under them: access and refresh tokens, sessions, authorization
 * codes and static (permanent) tokens. A grant is what a user (or a client, for client
 * credentials) authorized; revoking it kills every token issued under it.
 *
 * @example
 * ```ts
 * const store = new TokenStore()
 * const grant = store.grant("client-1|alice", { clientId: "client-1", user: "alice", scopes: ["read"] })
 * const access = store.issue("access", grant, 3600, clock.now())
 * store.check(access.token, clock.now(), "access") // { ok: true, record }
 * ```
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"

/**
 * What a user or a client authorized.
 *
 * @example
 * ```ts
 * grant.revoked = true // every token under it stops working
 * ```
 */
export interface Grant {
  readonly id: string
  /** The counters' key: client id and user, `clientId|user`. */
  readonly connection: string
  readonly clientId: string
  readonly user: string
  scopes: readonly string[]
  revoked: boolean
  /** Provider-specific extras (module, entity id, redirect URI, …). */
  readonly data: Record<string, unknown>
}

/**
 * The kinds of token a store holds.
 *
 * @example
 * ```ts
 * const type: TokenType = "refresh"
 * ```
 */
export type TokenType = "access" | "refresh" | "session" | "static" | "code"

/**
 * An issued token.
 *
 * @example
 * ```ts
 * record.expiresAt // seconds on the sandbox clock, or null for never
 * ```
 */
export interface TokenRecord {
  readonly token: string
  readonly type: TokenType
  readonly grant: Grant
  readonly issuedAt: number
  readonly expiresAt: number | null
  /** The scopes this token carries (a client-credentials token carries those it asked for). */
  readonly scopes: readonly string[]
  /** Used (a code), rotated (a refresh token), logged out (a session) or revoked. */
  revoked: boolean
  /** For codes: the redirect URI the code was issued for. */
  readonly redirectUri?: string | undefined
}

/**
 * The result of checking a presented token.
 *
 * @example
 * ```ts
 * const r: TokenCheck = store.check(token, now, "access")
 * if (!r.ok && r.reason === "expired") // …
 * ```
 */
export type TokenCheck =
  | { readonly ok: true; readonly record: TokenRecord }
  | { readonly ok: false; readonly reason: "invalid" | "expired" | "revoked"; readonly record?: TokenRecord }

/** Past this many tokens, issuing prunes the dead ones. */
const PRUNE_AT = 100_000

/**
 * The store.
 *
 * @example
 * ```ts
 * const store = new TokenStore()
 * ```
 */
export class TokenStore {
  readonly #tokens = new Map<string, TokenRecord>()
  readonly #grants = new Map<string, Grant>()
  /** The live grant per connection, reused by client-credentials flows. */
  readonly #current = new Map<string, Grant>()
  #nextGrant = 1
  #pruneAt = PRUNE_AT

  /**
   * The live grant for a connection, made when there is none (or the last one was revoked).
   *
   * @example
   * ```ts
   * store.grant("client|client", { clientId: "client", user: "client", scopes: [] })
   * ```
   */
  grant(
    connection: string,
    init: { clientId: string; user: string; scopes: readonly string[]; data?: Record<string, unknown> },
  ): Grant {
    const existing = this.#current.get(connection)
    if (existing && !existing.revoked) return existing
    return this.newGrant(connection, init)
  }

  /**
   * A new grant, even when the connection has a live one (each authorization-code consent is
   * a new grant).
   *
   * @example
   * ```ts
   * store.newGrant("client|alice", { clientId: "client", user: "alice", scopes: ["read"] })
   * ```
   */
  newGrant(
    connection: string,
    init: { clientId: string; user: string; scopes: readonly string[]; data?: Record<string, unknown> },
  ): Grant {
    const grant: Grant = {
      id: `g${this.#nextGrant++}`,
      connection,
      clientId: init.clientId,
      user: init.user,
      scopes: init.scopes,
      revoked: false,
      data: init.data ?? {},
    }
    this.#grants.set(grant.id, grant)
    this.#current.set(connection, grant)
    return grant
  }

  /**
   * Issues a token under a grant. `lifetime` in seconds, `null` for never expiring; `token`
   * when the value is given (static tokens, JWTs), otherwise random hex.
   *
   * @example
   * ```ts
   * store.issue("refresh", grant, 1_209_600, clock.now())
   * ```
   */
  issue(
    type: TokenType,
    grant: Grant,
    lifetime: number | null,
    now: number,
    options?: {
      token?: string
      scopes?: readonly string[]
      redirectUri?: string | undefined
      expiresAt?: number | null
    },
  ): TokenRecord {
    if (this.#tokens.size >= this.#pruneAt) {
      this.prune(now)
      // when most tokens are alive, wait for the store to double before scanning again
      this.#pruneAt = Math.max(PRUNE_AT, this.#tokens.size * 2)
    }
    const record: TokenRecord = {
      token: options?.token ?? randomBytes(32).toString("hex"),
      type,
      grant,
      issuedAt: now,
      expiresAt:
        options?.expiresAt !== undefined ? options.expiresAt : lifetime === null ? null : now + lifetime,
      scopes: options?.scopes ?? grant.scopes,
      revoked: false,
      redirectUri: options?.redirectUri,
    }
    this.#tokens.set(record.token, record)
    return record
  }

  /**
   * The record of a token, whatever its state.
   *
   * @example
   * ```ts
   * store.get("abc")?.type // "refresh"
   * ```
   */
  get(token: string): TokenRecord | undefined {
    return this.#tokens.get(token)
  }

  /**
   * Checks a presented token: known, of one of the given types, not revoked (nor its grant),
   * not expired at `now`.
   *
   * @example
   * ```ts
   * store.check(token, clock.now(), "access", "static")
   * ```
   */
  check(token: string | undefined, now: number, ...types: TokenType[]): TokenCheck {
    const record = token === undefined ? undefined : this.#tokens.get(token)
    if (!record || !types.includes(record.type)) return { ok: false, reason: "invalid" }
    if (record.revoked || record.grant.revoked) return { ok: false, reason: "revoked", record }
    if (record.expiresAt !== null && now >= record.expiresAt) return { ok: false, reason: "expired", record }
    return { ok: true, record }
  }

  /**
   * Revokes every grant the predicate selects; returns how many.
   *
   * @example
   * ```ts
   * store.revokeGrants((g) => g.user === "alice")
   * ```
   */
  revokeGrants(select: (grant: Grant) => boolean): number {
    let n = 0
    for (const grant of this.#grants.values()) {
      if (!grant.revoked && select(grant)) {
        grant.revoked = true
        n++
      }
    }
    return n
  }

  /**
   * Drops dead tokens (used, revoked, or expired more than a day ago) and revoked grants.
   *
   * @example
   * ```ts
   * store.prune(clock.now())
   * ```
   */
  prune(now: number): void {
    for (const [key, record] of this.#tokens) {
      if (record.revoked || (record.expiresAt !== null && record.expiresAt < now - 86_400))
        this.#tokens.delete(key)
    }
    for (const [key, grant] of this.#grants) if (grant.revoked) this.#grants.delete(key)
  }
}
