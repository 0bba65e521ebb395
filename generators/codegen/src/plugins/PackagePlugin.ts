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
import * as Usage from "../internal/Usage.ts"
import type { ProviderModel } from "../Model.ts"
import type { Plugin } from "../Plugin.ts"
import { type ClientPlan, make as makePlan } from "./ProviderPlan.ts"

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
 * import type { Model } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
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
  // Outside the workspace, dist/ is written by the generator itself (stages/Compile.ts) and the
  // exports need no custom condition; inside, `@keyway/source` points the workspace at src/.
  const entry = (name: string) => ({
    ...(workspace ? { "@keyway/source": `./src/${name}.ts` } : {}),
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
      "./effect": entry("effect"),
      "./types": entry("types"),
      "./descriptor": entry("descriptor"),
    },
    files: ["dist", "src"],
    scripts: workspace
      ? { build: "tsc7 -p tsconfig.build.json", typecheck: "tsc7 -p tsconfig.json --noEmit" }
      : { typecheck: "tsc -p tsconfig.json --noEmit" },
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

/**
 * A TypeScript expression of a value that a schema accepts, for examples: the first enum value,
 * a placeholder per scalar type, the required (and defaulted) properties of an object; `"..." as never` where
 * the schema says too little (it compiles wherever it is put).
 *
 * @example
 * ```ts
 * import { PackagePlugin } from "@keyway/codegen"
 * PackagePlugin.placeholder({}, { type: "integer" }) // "1"
 * PackagePlugin.placeholder({}, { type: "string", enum: ["open", "closed"] }) // '"open"'
 * ```
 *
 * @since 0.1.0
 */
export const placeholder: (document: Record<string, unknown>, schema: unknown, depth?: number) => string =
  Usage.placeholder

/**
 * The operation a README example (and the JSDoc examples of the generated package) calls and the
 * argument it needs: every required path, query, header and cookie parameter and a required body,
 * with placeholder values. Prefers a GET, then the operation needing least.
 *
 * @example
 * ```ts
 * import { PackagePlugin } from "@keyway/codegen"
 * import type { Model } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * PackagePlugin.exampleCall(model)?.args // '{ params: { path: { petId: "..." } } }'
 * ```
 *
 * @since 0.1.0
 */
export const exampleCall = (
  model: ProviderModel,
): { readonly name: string; readonly args: string } | undefined => {
  const call = Usage.exampleCall(model)
  return call && { name: call.name, args: call.args }
}

const example = (model: ProviderModel, plan: ClientPlan): string => {
  const options = Usage.options(model, plan)
  return `\`\`\`ts
${Usage.promise(model, options)}
\`\`\`

With Effect (the \`./effect\` entry):

\`\`\`ts
${Usage.effect(model, options)}
\`\`\``
}

/**
 * The README sections.
 *
 * @example
 * ```ts
 * import { PackagePlugin } from "@keyway/codegen"
 * import type { Model } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
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
    `## What is in the package\n\n- \`createClient(options)\`: the Promise API (openapi-fetch's \`GET\`/\`POST\`/... plus \`client.op.<operationId>\`${paged.length ? " and `client.paginate`" : ""}).\n- \`${model.typeName}Client\` and \`layer(options)\`: the Effect API, from \`${model.packageName}/effect\`.\n- \`operationTable\`: the ${model.operations.length} operations, by name, with their method, path, scopes and pagination.\n- \`${plan.errorType ?? `${model.typeName}ErrorEnvelope`}\`: the error body${d.errors ? ` (${Emit.markdownCode(d.errors.envelope)})` : ""}.${paged.length ? `\n- Pagination: ${paged.join(", ")}.` : ""}\n- \`paths\`, \`components\`: the openapi-typescript types.`,
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
    if (!ctx.keywayVersion.startsWith("workspace:"))
      ctx.readme.push(
        `## Installing\n\nThis package was generated outside a Keyway workspace, ready to use: \`dist/\` (JavaScript and \`.d.ts\`) was compiled by \`keyway generate\`, so plain \`node\` imports it and \`tsc\` (\`moduleResolution\` node16, nodenext or bundler) type-checks against it. Add it to a project with \`npm install ./<this folder>\` (it depends on \`@keyway/core\` ${ctx.keywayVersion} and the auth plugins it uses). Regenerate it rather than editing or building it.`,
      )
    const workspace = ctx.keywayVersion.startsWith("workspace:")
    const { customConditions: _dev, ...standalone } = compilerOptions
    ctx.files.set(
      "tsconfig.json",
      `${JSON.stringify({ compilerOptions: workspace ? compilerOptions : standalone, include: ["src"] }, null, 2)}\n`,
    )
    if (workspace)
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
 *
 * The Effect API (the service, \`layer\`) is the \`./effect\` entry.
 */
export * from "./client.ts"
export { descriptor } from "./descriptor.ts"
export type { components, operations, paths } from "./types.ts"
`,
    )
  },
}
