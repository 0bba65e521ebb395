/**
 * The consent helpers of a generated package with an `oauth2-authorization-code` strategy:
 *
 * - `authorizationCodeConfig(options, settings)`: the plugin config, built by the plugin's
 *   `StrategyConfig.make` from the descriptor (the one way every Keyway tool builds it). The
 *   generated `authLayer` uses it, so a grant stored by `consent` is the one `createClient` reads.
 * - `consent({ clientId, clientSecret, redirectUri, tokenStore })`: the plugin's `WebConsent`
 *   handlers (`start`, `callback`: web-standard `Request → Response`) bound to the descriptor
 *   (URLs, `authorizeParams`, scope separator, PKCE).
 *
 * No descriptor text goes into the emitted code (not even a comment): it is read from
 * `descriptor.ts` at run time; the strategy is named by its index.
 *
 * @example
 * ```ts
 * import { ConsentHelpers } from "@keyway/codegen"
 * // ConsentHelpers.emit(model, plan) // "" when the provider has no authorization code strategy
 * ```
 *
 * @since 0.1.0
 */
import * as Emit from "../Emit.ts"
import { arrow, block, iface, typeAlias } from "../internal/Structures.ts"
import * as Usage from "../internal/Usage.ts"
import type { ClientContext } from "../Plugin.ts"
import type { ClientPlan, StrategyPlan } from "./ProviderPlan.ts"

/**
 * The provider's first authorization code strategy, if any.
 *
 * @example
 * ```ts
 * import { ConsentHelpers } from "@keyway/codegen"
 * // ConsentHelpers.strategyOf(plan)?.index // 0
 * ```
 *
 * @since 0.1.0
 */
export const strategyOf = (plan: ClientPlan): StrategyPlan | undefined =>
  plan.strategies.find((s) => s.strategy.type === "oauth2-authorization-code")

/**
 * The `authorizationCodeConfig(...)` call `authLayer` makes for strategy `s` (`auth` holds the
 * strategy's credentials).
 *
 * @example
 * ```ts
 * import { ConsentHelpers } from "@keyway/codegen"
 * // ConsentHelpers.layerConfig(plan) // "authorizationCodeConfig({ ...auth, connection: options.connection, ... }, settings)"
 * ```
 *
 * @since 0.1.0
 */
export const layerConfig = (plan: ClientPlan): string =>
  block(
    "authorizationCodeConfig(",
    [
      block(
        "{",
        ["...auth", "connection: options.connection", ...plan.urlOptions.map((k) => `${k}: options.${k}`)],
        "}",
        70,
      ),
      "settings",
    ],
    ")",
  )

/**
 * Adds the statements, the config builder and `consent` (nothing without an authorization code
 * strategy), to the `client` module.
 *
 * @example
 * ```ts
 * import { ConsentHelpers } from "@keyway/codegen"
 * // ConsentHelpers.add(ctx, plan) // Workable: authorizationCodeConfig and consent
 * ```
 *
 * @since 0.1.0
 */
export const add = (ctx: ClientContext, plan: ClientPlan): void => {
  const s = strategyOf(plan)
  if (s === undefined) return
  const T = ctx.model.typeName
  const scopeType = `${T}Scope`
  const urls = (["tokenUrl", "authorizeUrl", "revokeUrl"] as const).filter((k) => plan.urlOptions.includes(k))
  const fixedUrls = (["tokenUrl", "authorizeUrl", "revokeUrl"] as const).filter((k) => !urls.includes(k))
  const optional = (name: string, type: string, doc: string) =>
    Emit.property(name, `${type} | undefined`, { optional: true, doc })
  const config = block(
    `StrategyConfig.make(descriptor.auth[${s.index}], {`,
    [
      "provider",
      "clientId: input.clientId",
      "clientSecret: input.clientSecret",
      "connection: input.connection",
      "scopes: input.scopes",
      "refreshAhead: input.refreshAhead",
      "variables: settings.variables",
      "baseUrl: settings.baseUrl",
      ...urls.map((k) => `${k}: input.${k}`),
    ],
    "})",
  )
  ctx.addImport({ from: "./client.ts", types: [`${T}Location`, `${T}Scope`, `${T}Secret`] }, "auth")
  ctx.addStatements(
    [
      iface(
        `${T}AuthorizationCodeInput`,
        [
          Emit.property("clientId", "string", { doc: "The OAuth client id." }),
          optional(
            "clientSecret",
            `${T}Secret`,
            "The OAuth client secret (absent for a public PKCE client).",
          ),
          optional("scopes", `ReadonlyArray<${scopeType}>`, "The scopes of the grant."),
          optional(
            "refreshAhead",
            "boolean",
            "Refresh the access token in the background before it expires.",
          ),
          optional("connection", "string", "The connection id in the token store."),
          ...urls.map((k) => optional(k, "string", `Overrides the strategy's \`${k}\`.`)),
        ],
        {
          doc: "What {@link authorizationCodeConfig} takes: the authorization code credentials, the connection and URL overrides.",
        },
      ),
      arrow(
        "authorizationCodeConfig",
        `input: ${T}AuthorizationCodeInput, settings: ${T}Settings`,
        "AuthorizationCode.Config",
        config,
        {
          doc: `The authorization-code plugin's config for the authorization code strategy: \`StrategyConfig.make\` of the
descriptor's strategy, the URLs resolved with the settings. \`authLayer\` and {@link consent} both
build it here, so a grant stored by \`consent\` is found by \`createClient\` (same provider,
connection and scope set).`,
          example: Usage.withOptions(
            ctx.model,
            { main: ["resolveSettings"], effect: ["authorizationCodeConfig"] },
            `const config = authorizationCodeConfig({ clientId: "id", clientSecret: "secret" }, resolveSettings(options))`,
          ),
        },
      ),
      typeAlias(
        `${T}ConsentOptions`,
        `${fixedUrls.length ? `Omit<WebConsent.ProviderConsentOptions<${scopeType}>, ${fixedUrls.map((k) => Emit.string(k)).join(" | ")}>` : `WebConsent.ProviderConsentOptions<${scopeType}>`} & ${T}Location`,
        {
          doc: "Options of {@link consent}: the app's OAuth client, its registered callback URL and the token store `createClient` reads.",
        },
      ),
      arrow(
        "consent",
        `options: ${T}ConsentOptions`,
        "WebConsent.Handlers",
        "WebConsent.bind(authorizationCodeConfig(options, resolveSettings(options)), options)",
        {
          doc: `The web consent handlers bound to this provider's descriptor: \`start(request, { connection, returnTo })\`
redirects to the provider's consent (state and PKCE verifier kept in \`tokenStore\`, single use,
short TTL); \`callback(request)\` exchanges the code and stores the grant where \`createClient\`
with the same \`connection\` and \`tokenStore\` finds it. Reconnect = \`start\` again.`,
          example: Usage.withOptions(
            ctx.model,
            { effect: ["consent"] },
            `const handlers = consent(options)
// GET /connect:  return handlers.start(request, { connection: session.accountId, returnTo: "/settings" })
// GET /oauth/callback:  return handlers.callback(request)`,
            `${T}ConsentOptions`,
          ),
        },
      ),
    ],
    "auth",
  )
}
