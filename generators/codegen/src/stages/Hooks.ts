/**
 * The one hook runner of the pipeline, and what every stage is given. Each stage module
 * (`Load`, `Validate`, `Types`, `ClientModule`, `Package`, `Write`) does its own work and then
 * runs its plugins' hooks through {@link run}: one after the other, in plugin order; a throw
 * becomes a `PluginError` naming the plugin and the stage (the generator's own tagged errors pass
 * through).
 *
 * @example
 * ```ts
 * import { Hooks } from "@keyway/codegen"
 * await Hooks.run([{ name: "p", package: (ctx) => void ctx.readme.push("Hello.") }], "package", {
 *   provider: "x",
 *   files: new Map(),
 *   model: {} as never,
 *   packageJson: {},
 *   readme: [],
 *   keywayVersion: "workspace:*",
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { ResolvedConfig } from "../Config.ts"
import { type GenerateError, isCodegenError, PluginError } from "../Errors.ts"
import type { ProviderInput } from "../Model.ts"
import type { Files, Plugin, Stage } from "../Plugin.ts"

/**
 * What every stage runs with: the provider's input, the configuration, the ordered plugins, the
 * files made so far, and the run's callbacks.
 *
 * @example
 * ```ts
 * import { Config, type Hooks, Pipeline } from "@keyway/codegen"
 * const config = await Config.load(process.cwd())
 * const stage: Hooks.StageInput = { input: Pipeline.inputFor(config, "ccw"), config, plugins: [], files: new Map() }
 * ```
 *
 * @since 0.1.0
 */
export interface StageInput {
  readonly input: ProviderInput
  readonly config: ResolvedConfig
  readonly plugins: ReadonlyArray<Plugin>
  readonly files: Files
  /** Lint warnings are errors (`--strict`). */
  readonly strict?: boolean | undefined
  /** Told which files the load stage read, even when a later stage fails (for `--watch`). */
  readonly onSources?: ((provider: string, sources: ReadonlyArray<string>) => void) | undefined
  /** Told of a problem that does not stop generation. */
  readonly onWarning?: ((provider: string, warning: GenerateError) => void) | undefined
}

/**
 * The context a stage's hooks are called with.
 *
 * @example
 * ```ts
 * import type { Hooks, PackageContext } from "@keyway/codegen"
 * const same = (ctx: Hooks.ContextOf<"package">): PackageContext => ctx
 * ```
 *
 * @since 0.1.0
 */
export type ContextOf<K extends Stage> = Parameters<NonNullable<Plugin[K]>>[0]

/**
 * Runs `stage`'s hook of each plugin in order (nothing when no plugin has one).
 *
 * @example
 * ```ts
 * import { Hooks } from "@keyway/codegen"
 * await Hooks.run([], "write", { provider: "x", files: new Map(), model: {} as never, outDir: "out" })
 * ```
 *
 * @since 0.1.0
 */
export const run = async <K extends Stage>(
  plugins: ReadonlyArray<Plugin>,
  stage: K,
  ctx: ContextOf<K>,
): Promise<void> => {
  for (const plugin of plugins) {
    const hook = plugin[stage] as ((c: ContextOf<K>) => void | Promise<void>) | undefined
    if (!hook) continue
    try {
      await hook(ctx)
    } catch (error) {
      if (isCodegenError(error)) throw error
      throw new PluginError({
        plugin: plugin.name,
        stage,
        reason: error instanceof Error ? error.message : String(error),
        cause: error,
      })
    }
  }
}
