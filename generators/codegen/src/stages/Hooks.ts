/**
 * Runs one stage's hooks of the ordered plugins, one after the other; a throw becomes a
 * `PluginError` naming the plugin and the stage (the generator's own tagged errors pass through).
 *
 * @example
 * ```ts
 * import { Hooks } from "@keyway/codegen"
 * await Hooks.runHooks(plugins, "package", ctx)
 * ```
 *
 * @since 0.1.0
 */
import { isCodegenError, PluginError } from "../Errors.ts"
import type { Plugin } from "../Plugin.ts"

/**
 * Runs `stage`'s hook of each plugin in order.
 *
 * @example
 * ```ts
 * import { Hooks } from "@keyway/codegen"
 * await Hooks.runHooks([{ name: "p", package: () => {} }], "package", ctx)
 * ```
 *
 * @since 0.1.0
 */
export const runHooks = async <K extends "load" | "validate" | "types" | "client" | "package" | "write">(
  plugins: ReadonlyArray<Plugin>,
  stage: K,
  ctx: Parameters<NonNullable<Plugin[K]>>[0],
): Promise<void> => {
  for (const plugin of plugins) {
    const hook = plugin[stage] as ((c: typeof ctx) => void | Promise<void>) | undefined
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
