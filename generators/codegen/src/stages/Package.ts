/**
 * Stage 5, package: every plugin's `package` hook fills the package's other files
 * (`package.json`, README, tsconfig, `src/index.ts`, `src/descriptor.ts`); the stage serializes
 * the package.json object and joins the README sections.
 *
 * @example
 * ```ts
 * import { Package } from "@keyway/codegen"
 * await Package.run(plugins, model, files, "workspace:*")
 * ```
 *
 * @since 0.1.0
 */
import type { ProviderModel } from "../Model.ts"
import type { Files, PackageContext, Plugin } from "../Plugin.ts"
import { runHooks } from "./Hooks.ts"

/**
 * Runs the stage.
 *
 * @example
 * ```ts
 * import { Package } from "@keyway/codegen"
 * await Package.run([], model, new Map(), "workspace:*")
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  plugins: ReadonlyArray<Plugin>,
  model: ProviderModel,
  files: Files,
  keywayVersion: string,
): Promise<void> => {
  const ctx: PackageContext = {
    provider: model.name,
    files,
    model,
    packageJson: {},
    readme: [],
    keywayVersion,
  }
  await runHooks(plugins, "package", ctx)
  if (Object.keys(ctx.packageJson).length > 0)
    files.set("package.json", `${JSON.stringify(ctx.packageJson, null, 2)}\n`)
  if (ctx.readme.length > 0) files.set("README.md", `${ctx.readme.join("\n\n")}\n`)
}
