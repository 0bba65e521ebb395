/**
 * Stage 3, types: runs every plugin's `types` hook; the built-in `keyway:types` emits
 * `src/types.ts` with openapi-typescript.
 *
 * @example
 * ```ts
 * import { Types } from "@keyway/codegen"
 * await Types.run(plugins, { provider: "x", files, model, options: {} })
 * ```
 *
 * @since 0.1.0
 */
import type { Plugin, TypesContext } from "../Plugin.ts"
import { runHooks } from "./Hooks.ts"

/**
 * Runs the stage.
 *
 * @example
 * ```ts
 * import { Types } from "@keyway/codegen"
 * await Types.run([], ctx)
 * ```
 *
 * @since 0.1.0
 */
export const run = (plugins: ReadonlyArray<Plugin>, ctx: TypesContext): Promise<void> =>
  runHooks(plugins, "types", ctx)
