/**
 * The option types of a generated client and how they resolve, as ts-morph structures: the
 * provider's name, its error envelope, environments and scopes, the secret type, one credentials
 * type per auth strategy, the options (a missing credential or required variable does not
 * compile), where the servers are (a named environment, the variables, or explicit URLs), and
 * `resolveSettings`. Part of `keyway:client` (`plugins/ClientPlugin.ts`).
 *
 * @since 0.1.0
 */
import type { OptionalKind, PropertySignatureStructure, StatementStructures, WriterFunction } from "ts-morph"
import { Writers } from "ts-morph"
import * as Emit from "../Emit.ts"
import type { ProviderModel } from "../Model.ts"
import type { ClientContext } from "../Plugin.ts"
import type { ClientPlan, VariablePlan } from "../plugins/ProviderPlan.ts"
import { arrow, block, constant, iface, indent, typeAlias } from "./Structures.ts"
import * as Usage from "./Usage.ts"

/**
 * The headers every operation requires that nothing else sets: the client's options must give
 * them. The descriptor's fixed headers, the correlation header, the auth strategies' headers and
 * Content-Type (set per body) are only dropped from the call types.
 */
export const clientHeaders = (model: ProviderModel): ReadonlyArray<string> => {
  const d = model.descriptor
  const set = [
    ...Object.keys(d.headers ?? {}),
    ...(d.correlation ? [d.correlation.header] : []),
    "Content-Type",
    ...d.auth.map((a) => ("placement" in a && a.placement ? a.placement.name : "Authorization")),
  ]
  const fixed = new Set(set.map((h) => h.toLowerCase()))
  return (model.clientHeaders ?? []).filter((h) => !fixed.has(h.toLowerCase()))
}

/** The type name of the provider's error envelope. */
export const errorTypeOf = (model: ProviderModel, plan: ClientPlan): string =>
  plan.errorType ?? `${model.typeName}ErrorEnvelope`

const variableField = (v: VariablePlan, optional: boolean): OptionalKind<PropertySignatureStructure> =>
  Emit.property(v.name, optional ? "string | undefined" : "string", {
    optional,
    doc: `${(v.description ?? `The \`{${v.name}}\` placeholder`).replace(/\.?$/, ".")}${v.default !== undefined ? ` Default \`${v.default}\`.` : ""}`,
  })

const field = (
  name: string,
  type: string | WriterFunction,
  doc: string,
  optional = false,
): OptionalKind<PropertySignatureStructure> => Emit.property(name, type, { optional, doc })

const location = (model: ProviderModel, plan: ClientPlan): StatementStructures => {
  const T = model.typeName
  const exposed = plan.variables.filter((v) => v.exposed)
  const always = exposed.filter((v) => !v.envCovered).map((v) => variableField(v, !v.required))
  const covered = exposed.filter((v) => v.envCovered)
  const baseUrl = plan.baseUrlRequired
    ? [field("baseUrl", "string", "The API's base URL (the spec names no server).")]
    : []
  const doc = `Where the servers are${plan.environments.length ? ": a named environment, the variables, or explicit URLs" : ""}.`
  if (plan.environments.length === 0)
    return typeAlias(`${T}Location`, Writers.objectType({ properties: [...always, ...baseUrl] }), { doc })
  const noEnvironment = field("environment", "undefined", "No named environment.", true)
  const branches = [
    [
      field("environment", `${T}Environment`, "A named environment: its values for the variables."),
      ...covered.map((v) => variableField(v, true)),
      ...always,
      ...baseUrl,
    ],
    [noEnvironment, ...covered.map((v) => variableField(v, v.default !== undefined)), ...always, ...baseUrl],
    [
      noEnvironment,
      field("baseUrl", "string", "The API's base URL."),
      ...plan.urlOptionsRequiredWithoutEnvironment.map((k) => field(k, "string", `The strategy's \`${k}\`.`)),
      ...covered.map((v) => variableField(v, true)),
      ...always,
    ],
  ]
  return typeAlias(
    `${T}Location`,
    Emit.unionType(
      branches.map((b) => Writers.objectType({ properties: b })),
      0,
    ),
    {
      doc,
    },
  )
}

const credentials = (_model: ProviderModel, plan: ClientPlan): Array<StatementStructures> =>
  plan.strategies.map((s) => {
    const doc = `Credentials for the \`${s.strategy.type}\` strategy${s.strategy.id ? ` (\`${s.strategy.id}\`)` : ""}.`
    const type = field("type", Emit.string(s.key), "The strategy.", plan.strategies.length === 1)
    if (s.custom !== undefined)
      // The plugin's own credentials type, from the definition it exports.
      return typeAlias(
        s.typeName,
        Writers.intersectionType(
          `Auth.CredentialsOf<(typeof ${Emit.identifier(s.ns)})[${Emit.string(s.custom.export)}]>`,
          Writers.objectType({ properties: [type] }),
        ),
        { doc },
      )
    return iface(
      s.typeName,
      [
        type,
        ...s.fields.map((f) =>
          Emit.property(Emit.identifier(f.name), f.type, { optional: f.optional, doc: f.doc }),
        ),
      ],
      { doc },
    )
  })

const settings = (model: ProviderModel, plan: ClientPlan): Array<StatementStructures> => {
  const T = model.typeName
  const exposed = plan.variables.filter((v) => v.exposed).map((v) => Emit.identifier(v.name))
  const defaults = Object.fromEntries(
    plan.variables.filter((v) => v.default !== undefined).map((v) => [v.name, v.default!]),
  )
  const body: Array<string> = []
  if (plan.environments.length) {
    body.push(
      "const environments: Readonly<Record<string, Readonly<Record<string, string>>>> = descriptor.environments",
      "const environment = options.environment === undefined ? {} : environments[options.environment]",
      "if (environment === undefined)",
      `  throw new Error(\`${Emit.templateText(model.name)}: unknown environment "\${options.environment}"\`)`,
    )
  } else body.push("const environment = {}")
  body.push("const given: Record<string, string> = {}")
  for (const name of exposed) body.push(`if (options.${name} !== undefined) given.${name} = options.${name}`)
  body.push(
    "const variables = { ...variableDefaults, ...environment, ...given, ...options.variables }",
    // Each variable is checked against its definition (a hostname by default, or its pattern or enum).
    `const baseUrl =\n  options.baseUrl ??\n  ${block("Descriptor.resolveUrl(", model.descriptor.variables ? ["descriptor.baseUrl", "variables", "undefined", "descriptor.variables"] : ["descriptor.baseUrl", "variables"], ")", 80)}`,
    "return { variables, baseUrl }",
  )
  return [
    constant("variableDefaults", Emit.valueWriter(defaults), {
      exported: false,
      type: "Readonly<Record<string, string>>",
    }),
    iface(
      `${T}Settings`,
      [
        field(
          "variables",
          "Readonly<Record<string, string>>",
          "The values of the URL and scope template variables.",
        ),
        field("baseUrl", "string", "The API's base URL."),
      ],
      { doc: "The variables and the base URL a client is built with." },
    ),
    typeAlias(
      `${T}SettingsOptions`,
      `${T}Location & Pick<${T}ClientOptions, "baseUrl" | "variables"> & Partial<Pick<${T}CommonOptions, "auth">>`,
      {
        doc: "What {@link resolveSettings} reads of the options: where the servers are (and `auth`, which it ignores, so that a client's options can be given as they are).",
      },
    ),
    arrow(
      "resolveSettings",
      `options: ${T}SettingsOptions`,
      `${T}Settings`,
      `{\n${indent(body.join("\n"))}\n}`,
      {
        doc: "Resolves the options: the environment's values, then the given variables, then the base URL.",
        example: Usage.withOptions(
          model,
          { main: ["resolveSettings"] },
          "console.log(resolveSettings(options).baseUrl)",
        ),
      },
    ),
  ]
}

/**
 * The statements of the option types and `resolveSettings`, and their imports.
 *
 * @example
 * ```ts
 * // ClientTypes.add(ctx, plan) — in keyway:client's hook
 * ```
 *
 * @since 0.1.0
 */
export const add = (ctx: ClientContext, plan: ClientPlan): void => {
  const model = ctx.model
  const T = model.typeName
  const d = model.descriptor
  const custom = plan.strategies.some((s) => s.custom !== undefined)
  // The Promise entry's types come from core's Effect-free modules only.
  ctx.addImport({ from: "@keyway/core/Descriptor", namespace: "Descriptor" })
  ctx.addImport({ from: "@keyway/core/Provider", namespace: "Provider", typeOnly: true })
  ctx.addImport({ from: "@keyway/core/Secret", namespace: "Secret", typeOnly: true })
  ctx.addImport({ from: "./descriptor.ts", values: ["descriptor"] })
  ctx.addImport({ from: "./types.ts", types: plan.errorTypeExpr ? ["components", "paths"] : ["paths"] })
  if (custom) {
    // a custom plugin's credentials type comes with its definition (and its Effect types)
    ctx.addImport({ from: "@keyway/core/Auth", namespace: "Auth", typeOnly: true })
    for (const s of plan.strategies)
      if (s.custom !== undefined)
        ctx.addImport({ from: s.pkg, namespace: Emit.identifier(s.ns), typeOnly: true })
  }
  const required = clientHeaders(model)
  const statements: Array<StatementStructures> = [
    constant("provider", Emit.string(model.name), {
      doc: "The provider's name: token store keys, logs and spans use it.",
    }),
    plan.errorType
      ? typeAlias(plan.errorType, plan.errorTypeExpr!, {
          doc: Emit.docText(`The error body ${d.title} answers with (\`${d.errors!.envelope}\`).`),
        })
      : typeAlias(`${T}ErrorEnvelope`, "unknown", {
          doc: "The error body: the descriptor declares no envelope.",
        }),
    typeAlias(`${T}Environment`, Emit.literalUnion(plan.environments), {
      doc: "The named environments of the descriptor.",
    }),
    typeAlias(`${T}Scope`, Emit.literalUnion(plan.scopes), {
      doc: "The scopes the provider knows (from the descriptor and the operations' `security`).",
    }),
    typeAlias(`${T}Secret`, "Secret.Secret", {
      doc: "A secret: a plain string, or an `effect` `Redacted` that never prints (typed without importing effect).",
    }),
    ...credentials(model, plan),
    typeAlias(`${T}Auth`, Emit.unionType(plan.strategies.map((s) => s.typeName)), {
      doc: `How the client authenticates${plan.strategies.length > 1 ? ": one of the strategies, by `type`" : ""}.`,
    }),
    iface(
      `${T}CommonOptions`,
      [
        field(
          "auth",
          `${T}Auth | Provider.AuthLayer`,
          "Credentials for one of the descriptor's strategies, or any auth plugin layer.",
        ),
        ...plan.urlOptions.map((k) =>
          field(k, "string | undefined", `Overrides the strategy's \`${k}\`.`, true),
        ),
        ...(required.length > 0
          ? [
              field(
                "headers",
                Writers.intersectionType(
                  Writers.objectType({ properties: required.map((h) => Emit.property(h, "string")) }),
                  "Readonly<Record<string, string>>",
                ),
                `Headers sent on every call; every operation requires ${required.join(", ")}, set here once.`,
              ),
            ]
          : []),
      ],
      {
        doc: "Options of both APIs, besides where the servers are (the shared ones: `Provider.Options`).",
        extends: ["Provider.Options"],
      },
    ),
    location(model, plan),
    typeAlias(`${T}ClientOptions`, `${T}CommonOptions & ${T}Location`, {
      doc: "The options of `createClient` and `layer`.",
    }),
    ...settings(model, plan),
  ]
  ctx.addStatements(statements)
}
