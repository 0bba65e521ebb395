/**
 * `@keyway/codegen`: typed client packages from an OpenAPI spec and a provider descriptor.
 *
 * @example
 * ```ts
 * // keyway.config.ts
 * import { defineConfig } from "@keyway/codegen"
 * export default defineConfig({ specs: "specs", output: "packages/providers" })
 * ```
 *
 * @since 0.1.0
 */

export * as Config from "./Config.ts"
export { defineConfig, type KeywayConfig, type ResolvedConfig } from "./Config.ts"
export * as CustomPlugins from "./CustomPlugins.ts"
export * as Args from "./cli/Args.ts"
export * as Main from "./cli/Main.ts"
export * as Diff from "./Diff.ts"
export * as Emit from "./Emit.ts"
export * as Errors from "./Errors.ts"
export * as Generate from "./Generate.ts"
export * as Hash from "./Hash.ts"
export * as Header from "./Header.ts"
export * as Infer from "./Infer.ts"
export * as Init from "./Init.ts"
export * as JsonSchema from "./JsonSchema.ts"
export * as Model from "./Model.ts"
export * as Pipeline from "./Pipeline.ts"
export type { Plugin } from "./Plugin.ts"
export * as Plugins from "./Plugin.ts"
export {
  type ClientContext,
  type ClientExtension,
  definePlugin,
  type LoadContext,
  type PackageContext,
  type Plugin as KeywayPlugin,
  type Problem,
  type TypesContext,
  type ValidateContext,
  type WriteContext,
} from "./Plugin.ts"
export * as ClientPlugin from "./plugins/ClientPlugin.ts"
export * as ConsentHelpers from "./plugins/ConsentHelpers.ts"
export * as DescriptorPlugin from "./plugins/DescriptorPlugin.ts"
export * as OperationsPlugin from "./plugins/OperationsPlugin.ts"
export * as PackagePlugin from "./plugins/PackagePlugin.ts"
export * as PaginationPlugin from "./plugins/PaginationPlugin.ts"
export * as ProviderPlan from "./plugins/ProviderPlan.ts"
export * as TypesPlugin from "./plugins/TypesPlugin.ts"
export * as Reporter from "./Reporter.ts"
export * as Source from "./Source.ts"
export * as ClientModule from "./stages/ClientModule.ts"
export * as Compile from "./stages/Compile.ts"
export * as Hooks from "./stages/Hooks.ts"
export * as Lint from "./stages/Lint.ts"
export * as Load from "./stages/Load.ts"
export * as Overlay from "./stages/Overlay.ts"
export * as Package from "./stages/Package.ts"
export * as Types from "./stages/Types.ts"
export * as Validate from "./stages/Validate.ts"
export * as Write from "./stages/Write.ts"
export * as Watch from "./Watch.ts"
