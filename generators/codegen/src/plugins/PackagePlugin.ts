/**
 * `keyway:package`, the built-in emitter of the package around the code: `package.json` (exports,
 * dependencies on `@keyway/core`, `effect`, `openapi-fetch` and the auth plugin packages the
 * descriptor needs), `tsconfig.json` (self-contained), `tsconfig.build.json`, `src/index.ts` and a
 * README with the provider's auth setup and an example.
 *
 * @example
 * ```ts
 * import { PackagePlugin } from "@keyway/codegen"
 * PackagePlugin.plugin.name // "keyway:package"
 * ```
 *
 * @since 0.1.0
 */
import * as Emit from "../Emit.ts"
import type { ProviderModel } from "../Model.ts"
import type { Plugin } from "../Plugin.ts"
import { type ClientPlan, make as makePlan } from "./Plan.ts"

/**
 * The compiler options of generated packages.
 *
 * @example
 * ```ts
 * import { PackagePlugin } from "@keyway/codegen"
 * PackagePlugin.compilerOptions.strict // true
 * ```
 *
 * @since 0.1.0
 */
export const compilerOptions = {
  target: "es2023",
  lib: ["es2024"],
  module: "nodenext",
  moduleResolution: "nodenext",
  customConditions: ["@keyway/source"],
  types: ["node"],
  strict: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  erasableSyntaxOnly: true,
  allowImportingTsExtensions: true,
  rewriteRelativeImportExtensions: true,
  isolatedModules: true,
  skipLibCheck: true,
  declaration: true,
  noEmit: true,
}

/**
 * The package.json object.
 *
 * @example
 * ```ts
 * import { PackagePlugin } from "@keyway/codegen"
 * PackagePlugin.packageJson(model, "workspace:*").name // "@keyway/provider-ccw"
 * ```
 *
 * @since 0.1.0
 */
export const packageJson = (model: ProviderModel, keywayVersion: string): Record<string, unknown> => {
  const plan = makePlan(model)
  const workspace = keywayVersion.startsWith("workspace:")
  const dependencies: Record<string, string> = { "@keyway/core": keywayVersion }
  for (const s of [...plan.strategies].sort((a, b) => a.pkg.localeCompare(b.pkg)))
    dependencies[s.pkg] = s.custom?.version ?? keywayVersion
  dependencies.effect = "4.1.0"
  dependencies["openapi-fetch"] = "^0.17.0"
  dependencies["openapi-typescript-helpers"] = "^0.1.0"
  const entry = (name: string) => ({
    "@keyway/source": `./src/${name}.ts`,
    types: `./dist/${name}.d.ts`,
    default: `./dist/${name}.js`,
  })
  return {
    name: model.packageName,
    version: "0.1.0",
    description: `Typed Keyway client for ${model.descriptor.title}, generated from its OpenAPI spec and descriptor.`,
    type: "module",
    license: "MIT",
    engines: { node: ">=22.19" },
    sideEffects: false,
    exports: {
      ".": entry("index"),
      "./client": entry("client"),
      "./types": entry("types"),
      "./descriptor": entry("descriptor"),
    },
    files: ["dist", "src"],
    scripts: workspace
      ? { build: "tsc7 -p tsconfig.build.json", typecheck: "tsc7 -p tsconfig.json --noEmit" }
      : { build: "tsc -p tsconfig.build.json", typecheck: "tsc -p tsconfig.json --noEmit" },
    dependencies,
    devDependencies: workspace
      ? { "@keyway/tsc7": "workspace:*", "@types/node": "^24.0.0" }
      : { "@types/node": "^24.0.0", typescript: "^5.9.3" },
  }
}

const strategyDoc = (plan: ClientPlan): string => {
  const lines: Array<string> = []
  for (const s of plan.strategies) {
    const st = s.strategy as Record<string, unknown>
    lines.push(`### ${Emit.markdownCode(s.key)} — ${s.strategy.type}`)
    lines.push("")
    switch (s.strategy.type) {
      case "oauth2-client-credentials":
        lines.push(
          `OAuth 2.0 client credentials: the client asks ${Emit.markdownCode(String(st.tokenUrl))} for tokens, one per scope set, and refreshes them before they expire.`,
        )
        break
      case "oauth2-authorization-code":
        lines.push(
          `OAuth 2.0 authorization code: a user authorizes your app at ${Emit.markdownCode(String(st.authorizeUrl))}; the grant is kept in the token store (per \`connection\`) and refreshed at ${Emit.markdownCode(String(st.tokenUrl))}${st.rotation ? " (refresh tokens rotate: the new one is stored before use)" : ""}. Connect users with \`consent({ clientId, clientSecret, redirectUri, tokenStore })\`: web consent handlers (\`start\`, \`callback\`: \`Request → Response\`) bound to this descriptor, storing the grant where \`createClient\` with the same \`connection\` and \`tokenStore\` finds it.`,
        )
        break
      case "permanent-token": {
        const p = s.strategy.placement
        lines.push(
          `A long-lived token${p ? `, sent as ${p.in === "header" ? `header ${Emit.markdownCode(`${p.name}: ${p.scheme ? `${p.scheme} ` : ""}<token>`)}` : `query parameter ${Emit.markdownCode(p.name)}`}` : ""}${s.strategy.expires ? "; it may expire, after which calls fail with `CredentialsExpired`" : ""}.`,
        )
        break
      }
      case "session-login":
        lines.push(
          `A login request (${Emit.markdownCode(`${s.strategy.login.method ?? "POST"} ${s.strategy.login.path}`)}) returns a session token${s.strategy.sessionLifetime ? ` valid ${s.strategy.sessionLifetime} s` : ""}; the client logs in again when it runs out.`,
        )
        break
      case "custom":
        lines.push(
          `A custom auth plugin: the export ${Emit.markdownCode(s.strategy.plugin.export)} of ${Emit.markdownCode(s.strategy.plugin.package)}; its credentials type is the plugin's own.`,
        )
        break
    }
    lines.push("")
    lines.push("| option | type | |")
    lines.push("| --- | --- | --- |")
    lines.push(
      `| \`type\` | ${Emit.markdownCode(Emit.string(s.key))} | ${plan.strategies.length === 1 ? "optional" : "required"} |`,
    )
    for (const f of s.fields)
      lines.push(
        `| ${Emit.markdownCode(f.name)} | ${Emit.markdownCode(f.type)} | ${f.optional ? "optional" : "required"}: ${f.doc} |`,
      )
    lines.push("")
  }
  return lines.join("\n")
}

const example = (model: ProviderModel, plan: ClientPlan): string => {
  const s = plan.strategies[0]!
  const auth = [
    ...(plan.strategies.length > 1 ? [`type: ${Emit.string(s.key)}`] : []),
    ...s.fields
      .filter((f) => !f.optional)
      .map(
        (f) =>
          `${Emit.identifier(f.name)}: process.env.${model.name.toUpperCase().replace(/-/g, "_")}_${f.name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}!`,
      ),
  ]
  const location: Array<string> = []
  if (plan.environments.length) location.push(`environment: ${Emit.string(plan.environments[0]!)}`)
  for (const v of plan.variables)
    if (v.exposed && v.required) location.push(`${Emit.identifier(v.name)}: "..."`)
  if (plan.baseUrlRequired) location.push(`baseUrl: "https://api.example.com"`)
  const op = model.operations.find((o) => o.method === "get" && !o.path.includes("{")) ?? model.operations[0]
  const call = op
    ? `const { data, error } = await client.op.${op.name}(${op.path.includes("{") || op.hasBody ? "{ /* params, body */ }" : ""})`
    : "// no operations"
  return `\`\`\`ts
import { createClient } from ${Emit.string(model.packageName)}

const client = createClient({
  ${[...location, `auth: { ${auth.join(", ")} }`].join(",\n  ")},
})
${call}
await client.close()
\`\`\`

With Effect:

\`\`\`ts
import { Effect } from "effect"
import { ${model.typeName}Client, layer } from ${Emit.string(model.packageName)}

const program = Effect.gen(function* () {
  const client = yield* ${model.typeName}Client
  ${op ? `return yield* client.op.${op.name}(${op.path.includes("{") || op.hasBody ? "{ /* params, body */ }" : ""})` : ""}
})
Effect.runPromise(program.pipe(Effect.provide(layer({ /* same options */ } as never))))
\`\`\``
}

/**
 * The README sections.
 *
 * @example
 * ```ts
 * import { PackagePlugin } from "@keyway/codegen"
 * PackagePlugin.readme(model)[0] // "# @keyway/provider-ccw"
 * ```
 *
 * @since 0.1.0
 */
export const readme = (model: ProviderModel): Array<string> => {
  const plan = makePlan(model)
  const d = model.descriptor
  const vars = plan.variables.map(
    (v) =>
      `| ${Emit.markdownCode(v.name)} | ${v.required ? "required" : v.envCovered ? "from the environment" : v.default !== undefined ? `default ${Emit.markdownCode(v.default)}` : "optional"} | ${Emit.markdownText(v.description ?? "")} |`,
  )
  const paged = (d.pagination ?? []).flatMap((p) =>
    p.operations.map((id) => `${Emit.markdownCode(id)} (${p.style})`),
  )
  return [
    `# ${model.packageName}`,
    `A typed client for **${Emit.markdownText(d.title)}**, generated by keyway from ${Emit.markdownCode(model.specName)}${model.overlays?.length ? ` with its ${model.overlays.length === 1 ? "overlay" : `${model.overlays.length} overlays`} (${Emit.markdownCode(model.overlays[0]!.replace(/[^/]*$/, ""))})` : ""}${model.inferred ? " (auth inferred from its securitySchemes)" : " and its `provider.yaml`"}. Calls run through \`@keyway/core\`: auth, token refresh, retries, correlation ids and typed errors.`,
    `## Where the servers are\n\nBase URL: ${Emit.markdownCode(d.baseUrl)}.${plan.environments.length ? ` Environments: ${plan.environments.map(Emit.markdownCode).join(", ")}.` : ""} Override with \`baseUrl\`${plan.urlOptions.map((u) => `, \`${u}\``).join("")} (e.g. a loopback sandbox in tests).${vars.length ? `\n\n| variable | | |\n| --- | --- | --- |\n${vars.join("\n")}` : ""}`,
    `## Auth setup\n\n${strategyDoc(plan)}`,
    `## Example\n\n${example(model, plan)}`,
    `## What is in the package\n\n- \`createClient(options)\`: the Promise API (openapi-fetch's \`GET\`/\`POST\`/... plus \`client.op.<operationId>\`${paged.length ? " and `client.paginate`" : ""}).\n- \`${model.typeName}Client\` and \`layer(options)\`: the Effect API.\n- \`operationTable\`: ${model.operations.length} operations with their scopes.\n- \`${plan.errorType ?? `${model.typeName}ErrorEnvelope`}\`: the error body${d.errors ? ` (${Emit.markdownCode(d.errors.envelope)})` : ""}.${paged.length ? `\n- Pagination: ${paged.join(", ")}.` : ""}\n- \`paths\`, \`components\`: the openapi-typescript types.`,
  ]
}

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { PackagePlugin } from "@keyway/codegen"
 * PackagePlugin.plugin.package !== undefined // true
 * ```
 *
 * @since 0.1.0
 */
export const plugin: Plugin = {
  name: "keyway:package",
  package: (ctx) => {
    Object.assign(ctx.packageJson, packageJson(ctx.model, ctx.keywayVersion))
    ctx.readme.push(...readme(ctx.model))
    ctx.files.set("tsconfig.json", `${JSON.stringify({ compilerOptions, include: ["src"] }, null, 2)}\n`)
    ctx.files.set(
      "tsconfig.build.json",
      `${JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { rootDir: "src", outDir: "dist", noEmit: false }, include: ["src"] }, null, 2)}\n`,
    )
    ctx.files.set(
      "src/index.ts",
      `/**
 * ${Emit.docText(`${ctx.model.packageName}: the typed ${ctx.model.descriptor.title} client.`)}
 *
 * @example
 * \`\`\`ts
 * import { createClient } from ${Emit.docText(Emit.string(ctx.model.packageName))}
 * \`\`\`
 */
export * from "./client.ts"
export { descriptor } from "./descriptor.ts"
export type { components, operations, paths } from "./types.ts"
`,
    )
  },
}
