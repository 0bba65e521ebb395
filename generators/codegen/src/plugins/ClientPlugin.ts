/**
 * `keyway:client`, the built-in emitter of `src/client.ts`: the options type derived from the
 * descriptor (a missing credential or variable is a compile error), environments as a string
 * literal union or explicit URL overrides, the auth layer built from the plugin packages, the
 * error envelope type, the operation table, the Promise API (`createClient`) and the Effect API
 * (a `Context.Service` class and `layer(options)`), both built by `Client.defineProvider` of
 * `@keyway/core` from the provider's definition; the operation types are core's generics bound to
 * the provider's `paths`. Other plugins add properties to both clients with `ctx.extend` (see
 * `keyway:operations`, `keyway:pagination`).
 *
 * @example
 * ```ts
 * import { ClientPlugin } from "@keyway/codegen"
 * ClientPlugin.plugin.name // "keyway:client"
 * ```
 *
 * @since 0.1.0
 */

import * as Emit from "../Emit.ts"
import type { ProviderModel } from "../Model.ts"
import { operationKey } from "../Model.ts"
import type { ClientContext, Plugin } from "../Plugin.ts"
import * as ConsentHelpers from "./ConsentHelpers.ts"
import { type ClientPlan, make as makePlan, type StrategyPlan } from "./Plan.ts"

const { doc, union } = Emit

/**
 * The statements that open `client.ts` (imports, names, types, auth).
 *
 * @example
 * ```ts
 * import { ClientPlugin } from "@keyway/codegen"
 * ClientPlugin.header(model, plan).includes("export const provider") // true
 * ```
 *
 * @since 0.1.0
 */
export const header = (model: ProviderModel, plan: ClientPlan): string => {
  const T = model.typeName
  const out: Array<string> = []
  const pkgs = [
    ...new Map(plan.strategies.map((s) => [s.pkg, { ns: s.ns, custom: s.custom !== undefined }])).entries(),
  ].sort(([a], [b]) => a.localeCompare(b))
  const custom = plan.strategies.some((s) => s.custom !== undefined)
  const paged = (model.descriptor.pagination?.length ?? 0) > 0
  out.push(`import { Context, Layer, Redacted${paged ? ", type Stream" : ""} } from "effect"`)
  out.push(`import type { HttpMethod } from "openapi-typescript-helpers"`)
  out.push(
    `import { ${custom ? "Auth" : "type Auth"}, ${paged ? "type Call, " : ""}Client, Descriptor, ${paged ? "type Errors, Pagination, " : ""}type TokenStore } from "@keyway/core"`,
  )
  for (const [pkg, { ns, custom }] of pkgs)
    out.push(
      custom
        ? `import * as ${ns} from ${Emit.string(pkg)}`
        : `import { ${ns === "AuthorizationCode" ? "AuthorizationCode, StrategyConfig, WebConsent" : ns} } from ${Emit.string(pkg)}`,
    )
  out.push(`import { descriptor } from "./descriptor.ts"`)
  out.push(`import type { ${plan.errorTypeExpr ? "components, " : ""}paths } from "./types.ts"`)
  out.push("")
  out.push(`/** The provider's name: token store keys, logs and spans use it. */`)
  out.push(`export const provider = ${Emit.string(model.name)}`)
  out.push("")
  if (plan.errorType) {
    out.push(
      Emit.doc(
        `The error body ${model.descriptor.title} answers with (\`${model.descriptor.errors!.envelope}\`).`,
      ).trimEnd(),
    )
    out.push(`export type ${plan.errorType} = ${plan.errorTypeExpr}`)
  } else {
    out.push(`/** The error body: the descriptor declares no envelope. */`)
    out.push(`export type ${T}ErrorEnvelope = unknown`)
  }
  out.push("")
  out.push(`/** The named environments of the descriptor. */`)
  out.push(`export type ${T}Environment = ${union(plan.environments)}`)
  out.push("")
  out.push(`/** The scopes the provider knows (from the descriptor and the operations' \`security\`). */`)
  out.push(`export type ${T}Scope = ${union(plan.scopes)}`)
  out.push("")
  out.push(`/** A secret: a plain string, or an \`effect\` \`Redacted\` that never prints. */`)
  out.push(`export type Secret = string | Redacted.Redacted<string>`)
  out.push("")
  for (const s of plan.strategies) {
    out.push(
      Emit.doc(
        `Credentials for the \`${s.strategy.type}\` strategy${s.strategy.id ? ` (\`${s.strategy.id}\`)` : ""}.`,
      ).trimEnd(),
    )
    if (s.custom !== undefined) {
      // The plugin's own credentials type, from the definition it exports.
      out.push(
        `export type ${s.typeName} = Auth.CredentialsOf<(typeof ${s.ns})[${Emit.string(s.custom.export)}]> & {`,
      )
      out.push(`  readonly type${plan.strategies.length === 1 ? "?" : ""}: ${Emit.string(s.key)}`)
      out.push("}")
      out.push("")
      continue
    }
    out.push(`export interface ${s.typeName} {`)
    out.push(`  readonly type${plan.strategies.length === 1 ? "?" : ""}: ${Emit.string(s.key)}`)
    for (const f of s.fields)
      out.push(`${doc(f.doc, "  ")}  readonly ${Emit.identifier(f.name)}${f.optional ? "?" : ""}: ${f.type}`)
    out.push("}")
    out.push("")
  }
  out.push(
    `/** How the client authenticates${plan.strategies.length > 1 ? ": one of the strategies, by `type`" : ""}. */`,
  )
  out.push(`export type ${T}Auth = ${plan.strategies.map((s) => s.typeName).join(" | ")}`)
  out.push("")
  out.push(
    `/** Options of both APIs, besides where the servers are (the shared ones: \`Client.ProviderOptions\`). */`,
  )
  out.push(`export interface ${T}CommonOptions extends Client.ProviderOptions {`)
  out.push(`  /** Credentials for one of the descriptor's strategies, or any auth plugin layer. */`)
  out.push(`  readonly auth: ${T}Auth | Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore>`)
  for (const k of plan.urlOptions) {
    out.push(`  /** Overrides the strategy's \`${k}\`. */`)
    out.push(`  readonly ${k}?: string | undefined`)
  }
  const required = clientHeaders(model)
  if (required.length > 0) {
    out.push(
      `  /** ${Emit.docText(`Headers sent on every call; every operation requires ${required.join(", ")}, set here once.`)} */`,
    )
    out.push(
      `  readonly headers: { ${required.map((h) => `readonly ${Emit.string(h)}: string`).join("; ")} } & Readonly<Record<string, string>>`,
    )
  }
  out.push("}")
  out.push("")
  out.push(locationType(model, plan))
  out.push("")
  out.push(`/** The options of \`createClient\` and \`layer\`. */`)
  out.push(`export type ${T}ClientOptions = ${T}CommonOptions & ${T}Location`)
  out.push("")
  out.push(runtimeHelpers(model, plan))
  return out.join("\n")
}

const varField = (v: ClientPlan["variables"][number], optional: boolean): string =>
  `${doc(`${(v.description ?? `The \`{${v.name}}\` placeholder`).replace(/\.?$/, ".")}${v.default !== undefined ? ` Default \`${v.default}\`.` : ""}`, "  ")}  readonly ${Emit.identifier(v.name)}${optional ? "?" : ""}: string${optional ? " | undefined" : ""}`

const locationType = (model: ProviderModel, plan: ClientPlan): string => {
  const T = model.typeName
  const exposed = plan.variables.filter((v) => v.exposed)
  const always = exposed.filter((v) => !v.envCovered)
  const covered = exposed.filter((v) => v.envCovered)
  const lines: Array<string> = []
  lines.push(
    `/** Where the servers are${plan.environments.length ? ": a named environment, the variables, or explicit URLs" : ""}. */`,
  )
  const body = (fields: Array<string>, indent = "") =>
    fields.length
      ? `{\n${fields
          .join("\n")
          .split("\n")
          .map((l) => indent + l)
          .join("\n")}\n${indent}}`
      : "{}"
  const alwaysFields = always.map((v) => varField(v, !v.required))
  const baseUrlField = plan.baseUrlRequired
    ? [`  /** The API's base URL (the spec names no server). */\n  readonly baseUrl: string`]
    : []
  if (plan.environments.length === 0) {
    lines.push(`export type ${T}Location = ${body([...alwaysFields, ...baseUrlField])}`)
    return lines.join("\n")
  }
  const envBranch = [
    `  /** A named environment: its values for the variables. */\n  readonly environment: ${T}Environment`,
    ...covered.map((v) => varField(v, true)),
    ...alwaysFields,
    ...baseUrlField,
  ]
  const varsBranch = [
    `  readonly environment?: undefined`,
    ...covered.map((v) => varField(v, v.default !== undefined)),
    ...alwaysFields,
    ...baseUrlField,
  ]
  const urlBranch = [
    `  readonly environment?: undefined`,
    `  /** The API's base URL. */\n  readonly baseUrl: string`,
    ...plan.urlOptionsRequiredWithoutEnvironment.map(
      (k) => `  /** The strategy's \`${k}\`. */\n  readonly ${k}: string`,
    ),
    ...covered.map((v) => varField(v, true)),
    ...alwaysFields,
  ]
  lines.push(
    `export type ${T}Location =\n  | ${body(envBranch, "  ")}\n  | ${body(varsBranch, "  ")}\n  | ${body(urlBranch, "  ")}`,
  )
  return lines.join("\n")
}

const retryPolicy = (model: ProviderModel): string => {
  const r = model.descriptor.retry
  if (!r) return "{}"
  const map: Array<[string, unknown]> = [
    ["maxAttempts", r.maxAttempts],
    ["baseDelayMs", r.baseDelay],
    ["maxDelayMs", r.maxDelay],
    ["maxRetryAfterMs", r.maxRetryAfter],
    ["deadlineMs", r.deadline],
    ["attemptTimeoutMs", r.attemptTimeout],
    ["retryOn", r.retryOn],
  ]
  const fields = map.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${Emit.json(v)}`)
  return `{ ${fields.join(", ")} }`
}

const strategyLayer = (model: ProviderModel, plan: ClientPlan, s: StrategyPlan): string => {
  const base = `descriptor.auth[${s.index}]`
  const lines: Array<string> = []
  const urls: Array<string> = []
  for (const k of ["tokenUrl", "authorizeUrl", "revokeUrl"] as const) {
    if (typeof (s.strategy as Record<string, unknown>)[k] === "string")
      urls.push(
        `${k}: options.${k} ?? Descriptor.resolveUrl(${base}.${k}, settings.variables, settings.baseUrl${model.descriptor.variables ? ", descriptor.variables" : ""})`,
      )
  }
  const withVariables = s.strategy.type === "oauth2-client-credentials"
  const withConnection = s.strategy.type !== "permanent-token"
  const common = [
    `...${base}`,
    `provider`,
    ...urls,
    ...(withVariables ? [`variables: settings.variables`] : []),
    ...(withConnection ? [`connection: options.connection`] : []),
  ]
  switch (s.strategy.type) {
    case "oauth2-client-credentials":
      lines.push(
        `${s.ns}.layer({ ${[...common, `clientId: auth.clientId`, `clientSecret: secret(auth.clientSecret)`, `requestScopes: auth.scopes`].join(", ")} })`,
      )
      break
    case "oauth2-authorization-code":
      // One way to build the config from the descriptor: the plugin's StrategyConfig (ConsentHelpers).
      lines.push(`${s.ns}.layer(${ConsentHelpers.layerConfig(plan)})`)
      break
    case "permanent-token": {
      const token = s.basic
        ? `Redacted.make(Buffer.from(\`\${auth.username}:\${Redacted.value(secret(auth.password))}\`).toString("base64"))`
        : `secret(auth.token)`
      const extra = [`token: ${token}`]
      if (!s.basic && s.strategy.expires) extra.push(`expiresAt: auth.expiresAt`)
      lines.push(`${s.ns}.layer({ ${[...common, ...extra].join(", ")} })`)
      break
    }
    case "custom":
      lines.push(
        `Auth.layerCustom(${s.ns}[${Emit.string(s.custom!.export)}], { provider, options: (${base} as Descriptor.CustomStrategy).options, credentials: auth, baseUrl: settings.baseUrl, variables: settings.variables, connection: options.connection })`,
      )
      break
    case "session-login": {
      const extras = s.fields.filter((f) => f.name !== "username" && f.name !== "password")
      const credentials = [
        `username: auth.username`,
        `password: secret(auth.password)`,
        ...extras.map((f) => `${Emit.propertyName(f.name)}: auth.${Emit.identifier(f.name)}`),
      ]
      lines.push(
        `${s.ns}.layer({ ${[...common.filter((c) => !c.startsWith("variables")), `baseUrl: settings.baseUrl`, `credentials: { ${credentials.join(", ")} }`].join(", ")} })`,
      )
      break
    }
  }
  void model
  void plan
  return lines.join("\n")
}

const runtimeHelpers = (model: ProviderModel, plan: ClientPlan): string => {
  const T = model.typeName
  const out: Array<string> = []
  const exposed = plan.variables.filter((v) => v.exposed).map((v) => v.name)
  const defaults = Object.fromEntries(
    plan.variables.filter((v) => v.default !== undefined).map((v) => [v.name, v.default!]),
  )
  out.push(
    `const secret = (value: Secret): Redacted.Redacted<string> => (Redacted.isRedacted(value) ? value : Redacted.make(value))`,
  )
  out.push("")
  out.push(`const variableDefaults: Readonly<Record<string, string>> = ${Emit.json(defaults)}`)
  out.push("")
  out.push(`/** The variables, base URL and settings a client is built with. */`)
  out.push(`export interface ${T}Settings {`)
  out.push(`  readonly variables: Readonly<Record<string, string>>`)
  out.push(`  readonly baseUrl: string`)
  out.push("}")
  out.push("")
  out.push(`/**`)
  out.push(` * Resolves the options: the environment's values, then the given variables, then the base URL.`)
  out.push(` *`)
  out.push(` * @example`)
  out.push(` * \`\`\`ts`)
  out.push(` * resolveSettings(options).baseUrl`)
  out.push(` * \`\`\``)
  out.push(` */`)
  out.push(`export const resolveSettings = (options: ${T}ClientOptions): ${T}Settings => {`)
  if (plan.environments.length) {
    out.push(
      `  const environments: Readonly<Record<string, Readonly<Record<string, string>>>> = descriptor.environments`,
    )
    out.push(
      `  const environment = options.environment === undefined ? {} : environments[options.environment]`,
    )
    out.push(
      `  if (environment === undefined) throw new Error(\`${Emit.templateText(model.name)}: unknown environment "\${options.environment}"\`)`,
    )
  } else out.push(`  const environment = {}`)
  out.push(`  const given: Record<string, string> = {}`)
  if (exposed.length) {
    out.push(`  const named = options as unknown as Readonly<Record<string, string | undefined>>`)
    out.push(`  for (const name of ${Emit.json(exposed)}) {`)
    out.push(`    const value = named[name]`)
    out.push(`    if (value !== undefined) given[name] = value`)
    out.push(`  }`)
  }
  out.push(`  const variables = { ...variableDefaults, ...environment, ...given, ...options.variables }`)
  // Each variable is checked against its definition (a hostname by default, or its pattern or enum).
  out.push(
    `  const baseUrl = options.baseUrl ?? Descriptor.resolveUrl(descriptor.baseUrl, variables${model.descriptor.variables ? ", undefined, descriptor.variables" : ""})`,
  )
  out.push(`  return { variables, baseUrl }`)
  out.push(`}`)
  out.push("")
  out.push(`/**`)
  out.push(` * The auth plugin layer for the options' \`auth\` (a layer given as \`auth\` is used as is).`)
  out.push(` *`)
  out.push(` * @example`)
  out.push(` * \`\`\`ts`)
  out.push(` * const auth = authLayer(options, resolveSettings(options))`)
  out.push(` * \`\`\``)
  out.push(` */`)
  out.push(
    `export const authLayer = (options: ${T}ClientOptions, settings: ${T}Settings = resolveSettings(options)): Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore> => {`,
  )
  out.push(
    `  if (Layer.isLayer(options.auth)) return options.auth as Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore>`,
  )
  out.push(`  const auth = options.auth as ${T}Auth`)
  if (plan.strategies.length === 1) {
    out.push(`  return ${strategyLayer(model, plan, plan.strategies[0]!)}`)
  } else {
    out.push(`  switch (auth.type) {`)
    for (const s of plan.strategies) {
      out.push(`    case ${Emit.string(s.key)}: {`)
      out.push(`      const auth = options.auth as ${s.typeName}`)
      out.push(`      return ${strategyLayer(model, plan, s)}`)
      out.push(`    }`)
    }
    out.push(`  }`)
  }
  out.push(`}`)
  const consent = ConsentHelpers.emit(model, plan)
  if (consent !== "") out.push(consent)
  return out.join("\n")
}

/**
 * The operation table: `"METHOD /path" → { operationId, scopes }`.
 *
 * @example
 * ```ts
 * import { ClientPlugin } from "@keyway/codegen"
 * ClientPlugin.operationTable(model).startsWith("/**") // true
 * ```
 *
 * @since 0.1.0
 */
export const operationTable = (model: ProviderModel): string => {
  const rows = model.operations.map(
    (op) =>
      `  ${Emit.string(operationKey(op))}: { operationId: ${Emit.string(op.operationId)}${op.scopes.length ? `, scopes: ${Emit.json(op.scopes)}` : ""} },`,
  )
  return `/** Every operation of the spec: \`"METHOD /path"\` → its operationId and the scopes its \`security\` asks for. */
export const operationTable = {
${rows.join("\n")}
} as const satisfies Readonly<Record<string, Client.Operation>>`
}

// The headers every operation requires that nothing else sets: the client's options must give
// them. The descriptor's fixed headers, the correlation header, the auth strategies' headers and
// Content-Type (set per body) are only dropped from the call types.
const clientHeaders = (model: ProviderModel): ReadonlyArray<string> => {
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

const definition = (model: ProviderModel, error: string): string => {
  const correlation = model.descriptor.correlation
  const headers = model.descriptor.headers ?? {}
  const required = clientHeaders(model)
  const retry = retryPolicy(model)
  const throttle = model.descriptor.throttle
  const fields = [
    `provider`,
    `operations: operationTable`,
    ...(retry !== "{}" ? [`retry: ${retry}`] : []),
    ...(throttle ? [`throttle: ${Emit.json(throttle)}`] : []),
    ...(correlation ? [`correlation: ${Emit.json(correlation)}`] : []),
    ...(Object.keys(headers).length ? [`headers: ${Emit.json(headers)}`] : []),
    ...(required.length ? [`requiredHeaders: ${Emit.json(required)}`] : []),
    ...(model.descriptor.origins?.length ? [`origins: descriptor.origins`] : []),
    ...(model.descriptor.limits ? [`limits: descriptor.limits`] : []),
    ...(model.descriptor.redirects ? [`redirects: descriptor.redirects`] : []),
    `resolveSettings`,
    `authLayer`,
  ]
  return `/** Both APIs of the provider (\`Client.defineProvider\` of @keyway/core): the descriptor's retry policy, correlation header and headers, the operation table, \`resolveSettings\`, \`authLayer\`. */
const api = Client.defineProvider<paths, ${error}>()({
${fields.map((f) => `  ${f},`).join("\n")}
})`
}

const factories = (model: ProviderModel, ctx: ClientContext): string => {
  const T = model.typeName
  const plan = makePlan(model)
  const error = plan.errorType ?? `${T}ErrorEnvelope`
  const ext = ctx.extensions
  const promiseExt = ext.map((e) => `${doc(e.doc, "  ")}  readonly ${e.name}: ${e.type}`).join("\n")
  const effectExt = ext
    .filter((e) => e.effectType)
    .map((e) => `${doc(e.doc, "  ")}  readonly ${e.name}: ${e.effectType}`)
    .join("\n")
  const extend = (fields: ReadonlyArray<string>) =>
    fields.length ? `(client) => ({ ${fields.join(", ")} })` : "() => ({})"
  const promiseMake = ext.map((e) => `${e.name}: ${e.make}`)
  const effectMake = ext.filter((e) => e.effectMake).map((e) => `${e.name}: ${e.effectMake}`)
  return `${definition(model, error)}

/** The Promise API client: openapi-fetch's methods running through Keyway${ext.length ? `, plus ${ext.map((e) => `\`${e.name}\``).join(", ")}` : ""}. */
export interface ${T}PromiseClient extends Client.Client<paths> {
${promiseExt}
}

/**
 * Creates a Promise API client. Constructing it does no I/O; call \`close()\` when done.
 *
 * @example
 * \`\`\`ts
 * const client = createClient(options)
 * const { data, error } = await client.GET(...)
 * await client.close()
 * \`\`\`
 */
export const createClient = (options: ${T}ClientOptions): ${T}PromiseClient =>
  api.make(options${promiseMake.length ? `, ${extend(promiseMake)}` : ""})

/** The Effect API client: methods return an \`Effect\` of the typed data, failing with \`HttpError<${error}>\` or another tagged error. */
export interface ${T}EffectClient extends Client.EffectClient<paths, ${error}> {
${effectExt}
}

/**
 * The ${Emit.docText(model.descriptor.title)} client as an Effect service.
 *
 * @example
 * \`\`\`ts
 * const program = Effect.gen(function* () {
 *   const client = yield* ${T}Client
 * }).pipe(Effect.provide(layer(options)))
 * \`\`\`
 */
export class ${T}Client extends Context.Service<${T}Client, ${T}EffectClient>()(${Emit.string(`${model.packageName}/${T}Client`)}) {}

/**
 * The layer of {@link ${T}Client}: the auth plugin, the token store, retry and correlation settings.
 *
 * @example
 * \`\`\`ts
 * Effect.provide(program, layer(options))
 * \`\`\`
 */
export const layer = (options: ${T}ClientOptions): Layer.Layer<${T}Client, unknown> =>
  api.layer(${T}Client, options, ${extend(effectMake)})`
}

/**
 * The shared helper types of operation functions: the generic ones of @keyway/core's \`Client\`,
 * bound to the provider's \`paths\` and error envelope.
 *
 * @example
 * ```ts
 * import { ClientPlugin } from "@keyway/codegen"
 * ClientPlugin.operationTypes(model, plan).includes("EffectOperation") // true
 * ```
 *
 * @since 0.1.0
 */
export const operationTypes = (model: ProviderModel, plan: ClientPlan): string => {
  const error = plan.errorType ?? `${model.typeName}ErrorEnvelope`
  return `/** The \`init\` argument of an operation: openapi-fetch's, plus Keyway's per-call options. */
export type OperationArgs<I> = Client.OperationArgs<I>

/** The operation object of a path and method. */
export type OperationOf<P extends keyof paths, M extends HttpMethod> = Client.OperationOf<paths, P, M>

/** An operation of the Promise API: \`client.op.x(init)\` is \`client.METHOD(path, init)\`. */
export type Operation<P extends keyof paths, M extends HttpMethod> = Client.PromiseOperation<paths, P, M>

/** The typed success data of an operation. */
export type OperationData<P extends keyof paths, M extends HttpMethod, I = {}> = Client.OperationData<paths, P, M, I>

/** An operation of the Effect API. */
export type EffectOperation<P extends keyof paths, M extends HttpMethod> = Client.EffectOperation<paths, P, M, ${error}>`
}

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { ClientPlugin } from "@keyway/codegen"
 * ClientPlugin.plugin.dependsOn // undefined
 * ```
 *
 * @since 0.1.0
 */
export const plugin: Plugin = {
  name: "keyway:client",
  client: (ctx) => {
    const plan = makePlan(ctx.model)
    ctx.addStatements(
      [header(ctx.model, plan), operationTable(ctx.model), operationTypes(ctx.model, plan)].join("\n\n"),
    )
    ctx.defer(() => {
      ctx.addStatements(`\n${factories(ctx.model, ctx)}`)
    })
  },
}
