/**
 * What the fake credential server has issued and still honours: its mode, every secret it minted
 * (for the leak check), the credentials the resource accepts, the refresh tokens (rotating), codes
 * and subject tokens it will redeem, and the newest refresh token.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FakeCredentialServer } from "@keyway/auth-testkit"
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const fake = yield* FakeCredentialServer.make({ clientAuthMethods: ["client_secret_basic", "private_key_jwt"] })
 *   const refresh = fake.issueRefreshToken() // redeemable once (rotation)
 *   return fake.latestRefreshToken() === refresh // true
 * }))
 * ```
 *
 * @since 0.1.0
 */
import type { Mode } from "../../FakeCredentialServer.ts"

/**
 * The fake's issued credentials.
 *
 * @example
 * ```ts
 * const refresh = ledger.issueRefreshToken()
 * ledger.latestRefresh() === refresh // true
 * ```
 */
export interface Ledger {
  readonly mode: () => Mode
  /** Sets the mode; `reject` also invalidates every credential and refresh token issued. */
  readonly setMode: (mode: Mode) => void
  /** Every secret minted. */
  readonly minted: ReadonlyArray<string>
  /** The credentials the resource accepts. */
  readonly valid: Set<string>
  readonly refreshTokens: Set<string>
  readonly codes: Set<string>
  readonly subjectTokens: Set<string>
  /** Mints a secret, accepted by the resource when `usable` (unless the mode is `issue-dead`). */
  readonly mint: (prefix: string, usable?: boolean) => string
  /** Mints a refresh token, the newest. */
  readonly issueRefreshToken: () => string
  readonly latestRefresh: () => string | undefined
}

/**
 * A random id (32 hex digits), for secrets.
 *
 * @example
 * ```ts
 * `kit-secret-${randomId()}`
 * ```
 */
export const randomId = (): string => crypto.randomUUID().replace(/-/g, "")

/**
 * An empty ledger in mode `ok`.
 *
 * @example
 * ```ts
 * const ledger = makeLedger()
 * ```
 */
export const makeLedger = (): Ledger => {
  let mode: Mode = "ok"
  const minted: Array<string> = []
  const valid = new Set<string>()
  const refreshTokens = new Set<string>()
  const codes = new Set<string>()
  let latestRefresh: string | undefined
  const mint = (prefix: string, usable = true) => {
    const value = `${prefix}-${randomId()}`
    minted.push(value)
    if (usable && mode !== "issue-dead") valid.add(value)
    return value
  }
  const issueRefreshToken = () => {
    const value = mint("kit-rt", false)
    refreshTokens.add(value)
    latestRefresh = value
    return value
  }
  return {
    mode: () => mode,
    setMode: (next) => {
      mode = next
      if (next === "reject") {
        valid.clear()
        refreshTokens.clear()
      }
    },
    minted,
    valid,
    refreshTokens,
    codes,
    subjectTokens: new Set<string>(),
    mint,
    issueRefreshToken,
    latestRefresh: () => latestRefresh,
  }
}
