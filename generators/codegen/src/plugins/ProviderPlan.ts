/**
 * What the emitters derive from a descriptor: the variables a client needs (and which of them a
 * caller must give), the auth strategies with their option fields and plugin packages, the URL
 * overrides, the scopes. Shared by the client module and the README so both say the same.
 *
 * @example
 * ```ts
 * import { ProviderPlan } from "@keyway/codegen"
 * import type { Model } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * const plan = ProviderPlan.make(model)
 * plan.variables.filter((v) => v.required).map((v) => v.name) // ["subdomain"]
 * ```
 *
 * @since 0.1.0
 */
import type { AuthStrategy, ProviderDescriptor } from "@keyway/core/Descriptor"
import * as Emit from "../Emit.ts"
import type { ProviderModel } from "../Model.ts"

/**
 * A variable of the base URL, an auth URL or the scope template.
 *
 * @example
 * ```ts
 * import type { ProviderPlan } from "@keyway/codegen"
 * declare const variablePlan: ProviderPlan.VariablePlan
 * console.log(variablePlan.name)
 * ```
 *
 * @since 0.1.0
 */
export interface VariablePlan {
  readonly name: string
  readonly description?: string | undefined
  readonly default?: string | undefined
  /** Every named environment gives it a value. */
  readonly envCovered: boolean
  /** A caller must always give it (no default, no environment). */
  readonly required: boolean
  /** It is a top-level option (its name clashes with no other option). */
  readonly exposed: boolean
}

/**
 * An option field of an auth strategy.
 *
 * @example
 * ```ts
 * import type { ProviderPlan } from "@keyway/codegen"
 * declare const fieldPlan: ProviderPlan.FieldPlan
 * console.log(fieldPlan.name)
 * ```
 *
 * @since 0.1.0
 */
export interface FieldPlan {
  readonly name: string
  readonly type: string
  readonly optional: boolean
  readonly doc: string
}

/**
 * An auth strategy as the client sees it.
 *
 * @example
 * ```ts
 * import type { ProviderPlan } from "@keyway/codegen"
 * declare const strategyPlan: ProviderPlan.StrategyPlan
 * console.log(strategyPlan.index)
 * ```
 *
 * @since 0.1.0
 */
export interface StrategyPlan {
  readonly index: number
  /** The `type` discriminator value of the `auth` option: the strategy's id, or its type. */
  readonly key: string
  readonly strategy: AuthStrategy
  /** The plugin package and its namespace export (for a custom strategy: the local name of `import * as`). */
  readonly pkg: string
  readonly ns: string
  /** A custom strategy (`type: custom`): the export holding its `Auth.Definition` and the package's dependency version. */
  readonly custom?: { readonly export: string; readonly version: string } | undefined
  readonly fields: ReadonlyArray<FieldPlan>
  /** The option type's name, e.g. `CcwClientCredentialsAuth`. */
  readonly typeName: string
  /** HTTP Basic from username and password (an inferred `http basic` scheme). */
  readonly basic: boolean
}

/**
 * Everything the emitters need.
 *
 * @example
 * ```ts
 * import type { ProviderPlan } from "@keyway/codegen"
 * declare const clientPlan: ProviderPlan.ClientPlan
 * console.log(clientPlan.variables)
 * ```
 *
 * @since 0.1.0
 */
export interface ClientPlan {
  readonly variables: ReadonlyArray<VariablePlan>
  readonly environments: ReadonlyArray<string>
  readonly strategies: ReadonlyArray<StrategyPlan>
  /** URL override options: `tokenUrl`, `authorizeUrl`, `revokeUrl` (those the strategies have). */
  readonly urlOptions: ReadonlyArray<"tokenUrl" | "authorizeUrl" | "revokeUrl">
  /** URL options a caller must give when choosing explicit URLs instead of an environment. */
  readonly urlOptionsRequiredWithoutEnvironment: ReadonlyArray<"tokenUrl" | "authorizeUrl" | "revokeUrl">
  /** The base URL has no scheme (an inferred spec without servers): `baseUrl` is required. */
  readonly baseUrlRequired: boolean
  readonly scopes: ReadonlyArray<string>
  /** The type name of the error envelope, when the descriptor declares one. */
  readonly errorType: string | undefined
  /** The TypeScript type of the envelope in terms of `components`, e.g. `components["schemas"]["CcwError"]`. */
  readonly errorTypeExpr: string | undefined
}

/**
 * Option names that variables cannot take.
 *
 * @example
 * ```ts
 * import { ProviderPlan } from "@keyway/codegen"
 * ProviderPlan.reservedOptions.has("baseUrl") // true
 * ```
 *
 * @since 0.1.0
 */
export const reservedOptions = new Set([
  "auth",
  "environment",
  "baseUrl",
  "tokenUrl",
  "authorizeUrl",
  "revokeUrl",
  "variables",
  "connection",
  "tokenStore",
  "headers",
  "retry",
  "throttle",
  "correlation",
  "layer",
])

const packages: Record<
  Exclude<AuthStrategy["type"], "custom">,
  { readonly pkg: string; readonly ns: string; readonly suffix: string }
> = {
  "oauth2-client-credentials": {
    pkg: "@keyway/auth-client-credentials",
    ns: "ClientCredentials",
    suffix: "ClientCredentials",
  },
  "oauth2-authorization-code": {
    pkg: "@keyway/auth-authorization-code",
    ns: "AuthorizationCode",
    suffix: "AuthorizationCode",
  },
  "permanent-token": { pkg: "@keyway/auth-permanent-token", ns: "PermanentToken", suffix: "Token" },
  "session-login": { pkg: "@keyway/auth-session-login", ns: "SessionLogin", suffix: "SessionLogin" },
}

const templateVars = (template: string | undefined): Array<string> =>
  template ? [...template.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!) : []

const isAbsolute = (url: string) => /^[a-z][a-z0-9+.-]*:/i.test(url)

const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("")

/**
 * Makes the plan of a model.
 *
 * @example
 * ```ts
 * import { ProviderPlan } from "@keyway/codegen"
 * import type { Model } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * ProviderPlan.make(model).strategies[0]?.key // "client-credentials"
 * ```
 *
 * @since 0.1.0
 */
export const make = (model: ProviderModel): ClientPlan => {
  const d: ProviderDescriptor = model.descriptor
  const envs = d.environments ?? {}
  const envNames = Object.keys(envs)
  const declared = d.variables ?? {}
  const used = new Set<string>(templateVars(d.baseUrl))
  const urlOptions = new Set<"tokenUrl" | "authorizeUrl" | "revokeUrl">()
  for (const s of d.auth) {
    for (const k of ["tokenUrl", "authorizeUrl", "revokeUrl"] as const) {
      const url = (s as Record<string, unknown>)[k]
      if (typeof url === "string") {
        urlOptions.add(k)
        for (const v of templateVars(url)) used.add(v)
      }
    }
    const scopeTemplate = (s as { scopeTemplate?: string }).scopeTemplate
    for (const v of templateVars(scopeTemplate)) if (v !== "permissions") used.add(v)
  }
  const names = [...new Set([...Object.keys(declared), ...used])]
  const variables: Array<VariablePlan> = names.map((name) => {
    const decl = declared[name]
    const envCovered = envNames.length > 0 && envNames.every((e) => envs[e]?.[name] !== undefined)
    return {
      name,
      description: decl?.description,
      default: decl?.default,
      envCovered,
      required: decl?.default === undefined && !envCovered && used.has(name),
      exposed: !reservedOptions.has(name) && Emit.isIdentifierName(name),
    }
  })
  const needsValue = (v: string) => {
    const p = variables.find((x) => x.name === v)
    return p !== undefined && p.default === undefined
  }
  const urlRequired = new Set<"tokenUrl" | "authorizeUrl" | "revokeUrl">()
  for (const s of d.auth)
    for (const k of ["tokenUrl", "authorizeUrl", "revokeUrl"] as const) {
      const url = (s as Record<string, unknown>)[k]
      if (
        typeof url === "string" &&
        isAbsolute(url) &&
        templateVars(url).some((v) => needsValue(v) && variables.find((x) => x.name === v)?.envCovered)
      )
        urlRequired.add(k)
    }
  const scopes = new Set<string>()
  for (const s of d.auth)
    for (const scope of (s as { scopes?: ReadonlyArray<string> }).scopes ?? []) scopes.add(scope)
  for (const op of model.operations) for (const scope of op.scopes) scopes.add(scope)
  const keys = new Map<string, number>()
  for (const s of d.auth) {
    const k = s.id ?? s.type
    keys.set(k, (keys.get(k) ?? 0) + 1)
  }
  const customPackages = [...new Set(d.auth.flatMap((s) => (s.type === "custom" ? [s.plugin.package] : [])))]
  const strategies = d.auth.map((strategy, index): StrategyPlan => {
    const info =
      strategy.type === "custom"
        ? {
            pkg: strategy.plugin.package,
            ns: `Custom${customPackages.indexOf(strategy.plugin.package)}`,
            suffix: "Custom",
          }
        : packages[strategy.type]
    let key = strategy.id ?? strategy.type
    if ((keys.get(key) ?? 0) > 1) key = `${key}-${index + 1}`
    const basic = strategy.type === "permanent-token" && strategy.placement?.scheme?.toLowerCase() === "basic"
    const fields: Array<FieldPlan> = []
    const secretType = `${model.typeName}Secret`
    const scopeType = scopes.size > 0 ? `ReadonlyArray<${model.typeName}Scope>` : "ReadonlyArray<string>"
    switch (strategy.type) {
      case "oauth2-client-credentials":
        fields.push({ name: "clientId", type: "string", optional: false, doc: "The OAuth client id." })
        fields.push({
          name: "clientSecret",
          type: secretType,
          optional: false,
          doc: "The OAuth client secret.",
        })
        fields.push({
          name: "scopes",
          type: scopeType,
          optional: true,
          doc: "Scopes requested when a call names none (default: the descriptor's defaultScopes).",
        })
        break
      case "oauth2-authorization-code":
        fields.push({ name: "clientId", type: "string", optional: false, doc: "The OAuth client id." })
        fields.push({
          name: "clientSecret",
          type: secretType,
          optional: true,
          doc: "The OAuth client secret (absent for a public PKCE client).",
        })
        fields.push({
          name: "scopes",
          type: scopeType,
          optional: true,
          doc: "The scopes of the stored grant (default: the descriptor's defaultScopes).",
        })
        fields.push({
          name: "refreshAhead",
          type: "boolean",
          optional: true,
          doc: "Refresh the access token in the background before it expires (default: refresh when a call finds it expired).",
        })
        break
      case "permanent-token":
        if (basic) {
          fields.push({ name: "username", type: "string", optional: false, doc: "The HTTP Basic user name." })
          fields.push({
            name: "password",
            type: secretType,
            optional: false,
            doc: "The HTTP Basic password.",
          })
        } else {
          fields.push({ name: "token", type: secretType, optional: false, doc: "The long-lived token." })
          if (strategy.expires)
            fields.push({
              name: "expiresAt",
              type: "Date | string",
              optional: true,
              doc: "When the token expires (ISO date).",
            })
        }
        break
      case "session-login": {
        fields.push({ name: "username", type: "string", optional: false, doc: "The login user name." })
        fields.push({ name: "password", type: secretType, optional: false, doc: "The login password." })
        const extra = new Set<string>()
        for (const value of Object.values(strategy.login.body ?? {}))
          for (const v of templateVars(value))
            if (v !== "username" && v !== "password" && !names.includes(v)) extra.add(v)
        for (const v of [...extra].sort())
          fields.push({ name: v, type: "string", optional: false, doc: `\`{${v}}\` of the login body.` })
        break
      }
    }
    return {
      index,
      key,
      strategy,
      pkg: info.pkg,
      ns: info.ns,
      custom:
        strategy.type === "custom"
          ? {
              export: strategy.plugin.export,
              version: model.customPlugins?.get(index)?.version ?? "*",
            }
          : undefined,
      fields,
      typeName: `${model.typeName}${pascal(key) || info.suffix}Auth`,
      basic,
    }
  })
  const envelope = d.errors?.envelope
  let errorTypeExpr: string | undefined
  if (envelope) {
    const segs = envelope
      .replace(/^#\/?/, "")
      .split("/")
      .map((s) => decodeURIComponent(s).replaceAll("~1", "/").replaceAll("~0", "~"))
    if (segs[0] === "components" && segs.length >= 3)
      errorTypeExpr = `components${segs
        .slice(1)
        .map((s) => `[${Emit.string(s)}]`)
        .join("")}`
  }
  return {
    variables,
    environments: envNames,
    strategies,
    urlOptions: [...urlOptions],
    urlOptionsRequiredWithoutEnvironment: [...urlRequired],
    baseUrlRequired: !isAbsolute(d.baseUrl.replace(/\{[^{}]+\}/g, "x")),
    scopes: [...scopes].sort(),
    errorType: errorTypeExpr ? `${model.typeName}ErrorEnvelope` : undefined,
    errorTypeExpr,
  }
}

/**
 * An entry of the operation table (see `OperationTable.Entry` of @keyway/core), with the name it
 * has on `client.op`.
 *
 * @example
 * ```ts
 * import type { ProviderPlan } from "@keyway/codegen"
 * const entry: ProviderPlan.OperationEntry = { name: "listPets", method: "GET", path: "/pets", operationId: "listPets" }
 * ```
 *
 * @since 0.1.0
 */
export interface OperationEntry {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly operationId: string
  readonly scopes?: ReadonlyArray<string> | undefined
  /** The descriptor's pagination entry naming the operation, without its operation list. */
  readonly pagination?: Readonly<Record<string, unknown>> | undefined
}

/**
 * The operation table of a model: every operation of the spec, in spec order, with its scopes and
 * its pagination (the descriptor's entry that names it).
 *
 * @example
 * ```ts
 * import { type Model, ProviderPlan } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * ProviderPlan.operationEntries(model)[0] // { name: "listPets", method: "GET", path: "/pets", operationId: "listPets" }
 * ```
 *
 * @since 0.1.0
 */
export const operationEntries = (model: ProviderModel): ReadonlyArray<OperationEntry> => {
  const paging = new Map<string, Readonly<Record<string, unknown>>>()
  for (const p of model.descriptor.pagination ?? []) {
    // Every field of the descriptor's entry but the operation list is the runtime's spec.
    const { operations, ...style } = p
    for (const id of operations) if (!paging.has(id)) paging.set(id, style)
  }
  return model.operations.map((op) => ({
    name: op.name,
    method: op.method.toUpperCase(),
    path: op.path,
    operationId: op.operationId,
    ...(op.scopes.length ? { scopes: op.scopes } : {}),
    ...(paging.has(op.operationId) ? { pagination: paging.get(op.operationId) } : {}),
  }))
}
