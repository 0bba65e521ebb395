/**
 * Stage 5, package: every plugin's `package` hook fills the package's other files
 * (`package.json`, README, tsconfig, `src/index.ts`, `src/descriptor.ts`); the stage serializes
 * the package.json object, joins the README sections and, for a package outside the monorepo,
 * compiles it to `dist/` (`Compile`).
 *
 * @example
 * ```ts
 * import { Package } from "@keyway/codegen"
 * import type { Hooks, Model } from "@keyway/codegen"
 * declare const stage: Hooks.StageInput
 * declare const model: Model.ProviderModel
 * await Package.run(stage, model, "workspace:*")
 * stage.files.get("package.json")
 * ```
 *
 * @since 0.1.0
 */
import type { ProviderModel } from "../Model.ts"
import type { PackageContext } from "../Plugin.ts"
import * as Hooks from "./Hooks.ts"

/**
 * Runs the stage.
 *
 * @example
 * ```ts
 * import { Package } from "@keyway/codegen"
 * import type { Config, Model } from "@keyway/codegen"
 * declare const input: Model.ProviderInput
 * declare const config: Config.ResolvedConfig
 * declare const model: Model.ProviderModel
 * await Package.run({ input, config, plugins: [], files: new Map() }, model, "workspace:*")
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  stage: Hooks.StageInput,
  model: ProviderModel,
  keywayVersion: string,
): Promise<void> => {
  const { files } = stage
  const ctx: PackageContext = {
    provider: model.name,
    files,
    model,
    packageJson: {},
    readme: [],
    keywayVersion,
  }
  await Hooks.run(stage.plugins, "package", ctx)
  if (Object.keys(ctx.packageJson).length > 0)
    files.set("package.json", `${JSON.stringify(ctx.packageJson, null, 2)}\n`)
  if (ctx.readme.length > 0) files.set("README.md", `${ctx.readme.join("\n\n")}\n`)
  const Compile = await import("./Compile.ts")
  if (Compile.isStandalone(keywayVersion)) await Compile.run(model, files)
}
