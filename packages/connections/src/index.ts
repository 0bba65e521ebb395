/**
 * `@keyway/connections`: connections in production. Listing with statuses and `disconnect`
 * ({@link Connections}), a keeper that refreshes every grant ahead of expiry ({@link Keeper}),
 * typed events ({@link Events}) and signed webhooks ({@link Webhooks}), and the `keyway serve`
 * page ({@link Serve}). The web consent handlers are the authorization-code plugin's
 * `WebConsent`, bound to each provider by its generated package (`Workable.consent(...)`).
 *
 * @example
 * ```ts
 * import { Connections, Events, Keeper, Serve, Webhooks } from "@keyway/connections"
 * ```
 *
 * @since 0.1.0
 */

export * as Cli from "./Cli.ts"
export * as Connections from "./Connections.ts"
export * as Events from "./Events.ts"
export * as Keeper from "./Keeper.ts"
export * as Serve from "./Serve.ts"
export * as Webhooks from "./Webhooks.ts"
