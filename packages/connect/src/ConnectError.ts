/**
 * Why `keyway connect` could not store a grant, besides the authorization-code plugin's own
 * errors (`CallbackRejected` for a wrong `state` or a provider error, `InvalidClient`,
 * `TokenEndpointError`, …), which are passed through as they are.
 *
 * @example
 * ```ts
 * import { ConnectError } from "@keyway/connect"
 * new ConnectError({ reason: "timeout", detail: "no redirect within 300 s" }).message
 * // "connect failed (timeout): no redirect within 300 s"
 * ```
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * The reasons, by kind: a setting is missing or wrong (`config`), the listener could not start
 * (`listen`), nobody came back in time (`timeout`), or the caller gave up (`aborted`).
 *
 * @example
 * ```ts
 * import type { ConnectError } from "@keyway/connect"
 * const reason: ConnectError["reason"] = "timeout"
 * ```
 *
 * @since 0.1.0
 */
export type Reason = "config" | "listen" | "timeout" | "aborted"

/**
 * A connect failure of Keyway's own (not the provider's, not the plugin's).
 *
 * @example
 * ```ts
 * import { ConnectError } from "@keyway/connect"
 * new ConnectError({ reason: "aborted", detail: "Ctrl-C" })._tag // "ConnectError"
 * ```
 *
 * @since 0.1.0
 */
export class ConnectError extends Data.TaggedError("ConnectError")<{
  readonly reason: Reason
  readonly detail: string
}> {
  override get message(): string {
    return `connect failed (${this.reason}): ${this.detail}`
  }
}
