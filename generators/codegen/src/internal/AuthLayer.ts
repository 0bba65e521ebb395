/**
 * `authLayer` of a generated client, as a ts-morph structure in the package's `src/auth.ts`: the
 * auth plugin layer for the options' `auth` (a layer given as `auth` is used as is), one plugin
 * call per strategy, built from the descriptor's strategy (read from `descriptor.ts` at run time,
 * named by its index) and the options. The plugins' types come with Effect's, so this module is
 * not part of the Promise entry: `client.ts` calls it, `effect.ts` re-exports it. Part of
 * `keyway:client` (`plugins/ClientPlugin.ts`).
 *
 * @since 0.1.0
 */
import type { StatementStructures } from "ts-morph"
import * as Emit from "../Emit.ts"
import type { ProviderModel } from "../Model.ts"
import type { ClientContext } from "../Plugin.ts"
import * as ConsentHelpers from "../plugins/ConsentHelpers.ts"
import type { ClientPlan, StrategyPlan } from "../plugins/ProviderPlan.ts"
import { arrow, block, indent } from "./Structures.ts"
import * as Usage from "./Usage.ts"

const strategyLayer = (model: ProviderModel, plan: ClientPlan, s: StrategyPlan): string => {
  const base = `descriptor.auth[${s.index}]`
  const ns = Emit.identifier(s.ns)
  const urls: Array<string> = []
  for (const k of ["tokenUrl", "authorizeUrl", "revokeUrl"] as const)
    if (typeof (s.strategy as Record<string, unknown>)[k] === "string")
      urls.push(
        `${k}: options.${k} ?? ${block("Descriptor.resolveUrl(", [`${base}.${k}`, "settings.variables", "settings.baseUrl", ...(model.descriptor.variables ? ["descriptor.variables"] : [])], ")", 80)}`,
      )
  const withVariables = s.strategy.type === "oauth2-client-credentials"
  const withConnection = s.strategy.type !== "permanent-token"
  const common = [
    `...${base}`,
    "provider",
    ...urls,
    ...(withVariables ? ["variables: settings.variables"] : []),
    ...(withConnection ? ["connection: options.connection"] : []),
  ]
  switch (s.strategy.type) {
    case "oauth2-client-credentials":
      return block(
        `${ns}.layer({`,
        [
          ...common,
          "clientId: auth.clientId",
          "clientSecret: Auth.redact(auth.clientSecret)",
          "requestScopes: auth.scopes",
        ],
        "})",
      )
    case "oauth2-authorization-code":
      // One way to build the config from the descriptor: the plugin's StrategyConfig (ConsentHelpers).
      return `${ns}.layer(${ConsentHelpers.layerConfig(plan)})`
    case "permanent-token": {
      const token = s.basic
        ? // biome-ignore lint/suspicious/noTemplateCurlyInString: generated code, a template literal of the package
          'Redacted.make(Buffer.from(`${auth.username}:${Redacted.value(Auth.redact(auth.password))}`).toString("base64"))'
        : "Auth.redact(auth.token)"
      const extra = [`token: ${token}`]
      if (!s.basic && s.strategy.expires) extra.push("expiresAt: auth.expiresAt")
      return block(`${ns}.layer({`, [...common, ...extra], "})")
    }
    case "custom":
      return block(
        `Auth.layerCustom(${ns}[${Emit.string(s.custom!.export)}], {`,
        [
          "provider",
          `options: ${base}.options`,
          "credentials: auth",
          "baseUrl: settings.baseUrl",
          "variables: settings.variables",
          "connection: options.connection",
        ],
        "})",
      )
    case "session-login": {
      const extras = s.fields.filter((f) => f.name !== "username" && f.name !== "password")
      const credentials = [
        "username: auth.username",
        "password: Auth.redact(auth.password)",
        ...extras.map((f) => `${Emit.propertyName(f.name)}: auth.${Emit.identifier(f.name)}`),
      ]
      return block(
        `${ns}.layer({`,
        [
          ...common.filter((c) => !c.startsWith("variables")),
          "baseUrl: settings.baseUrl",
          `credentials: ${block("{", credentials, "}", 80)}`,
        ],
        "})",
      )
    }
  }
}

/**
 * The statements of `authLayer` (and the consent helpers it shares its config with), and their
 * imports.
 *
 * @example
 * ```ts
 * // AuthLayer.add(ctx, plan) — in keyway:client's hook
 * ```
 *
 * @since 0.1.0
 */
export const add = (ctx: ClientContext, plan: ClientPlan): void => {
  const model = ctx.model
  const T = model.typeName
  const pkgs = [...new Map(plan.strategies.map((s) => [s.pkg, s])).values()].sort((a, b) =>
    a.pkg.localeCompare(b.pkg),
  )
  const to = "auth"
  for (const s of pkgs)
    if (s.custom !== undefined) ctx.addImport({ from: s.pkg, namespace: Emit.identifier(s.ns) }, to)
    else if (s.strategy.type === "oauth2-authorization-code")
      ctx.addImport({ from: s.pkg, values: ["AuthorizationCode", "StrategyConfig", "WebConsent"] }, to)
    else ctx.addImport({ from: s.pkg, values: [Emit.identifier(s.ns)] }, to)
  ctx.addImport({ from: "@keyway/core/Auth", namespace: "Auth" }, to)
  ctx.addImport({ from: "@keyway/core/Descriptor", namespace: "Descriptor" }, to)
  ctx.addImport({ from: "@keyway/core/Provider", namespace: "Provider", typeOnly: true }, to)
  ctx.addImport({ from: "./descriptor.ts", values: ["descriptor"] }, to)
  ctx.addImport(
    {
      from: "./client.ts",
      values: ["provider", "resolveSettings"],
      types: [`${T}Auth`, `${T}ClientOptions`, `${T}CommonOptions`, `${T}Settings`],
    },
    to,
  )
  const body =
    plan.strategies.length === 1
      ? [`return ${strategyLayer(model, plan, plan.strategies[0]!)}`]
      : [
          "switch (auth.type) {",
          ...plan.strategies.flatMap((s) => [
            `  case ${Emit.string(s.key)}:`,
            indent(indent(`return ${strategyLayer(model, plan, s)}`)),
          ]),
          "}",
        ]
  // `Redacted` only where a strategy builds one itself (a basic-auth session login).
  ctx.addImport(
    { from: "effect", values: body.some((l) => l.includes("Redacted.")) ? ["Layer", "Redacted"] : ["Layer"] },
    to,
  )
  const statements: Array<StatementStructures> = [
    arrow("isCredentials", `auth: ${T}CommonOptions["auth"]`, `auth is ${T}Auth`, "!Layer.isLayer(auth)", {
      exported: false,
    }),
    arrow(
      "authLayer",
      `options: ${T}ClientOptions, settings: ${T}Settings = resolveSettings(options)`,
      "Provider.AuthLayer",
      `{\n${indent(["const auth = options.auth", "if (!isCredentials(auth)) return auth", ...body].join("\n"))}\n}`,
      {
        doc: "The auth plugin layer for the options' `auth` (a layer given as `auth` is used as is).",
        example: Usage.withOptions(model, { effect: ["authLayer"] }, "const auth = authLayer(options)"),
      },
    ),
  ]
  ctx.addStatements(statements, to)
  ConsentHelpers.add(ctx, plan)
}
