/**
 * Stage 3, types: every plugin's `types` hook with the model and the provider's openapi-typescript
 * options (the configuration's `openapiTypescript` laid under `providerOptions.<name>`); the
 * built-in `keyway:types` emits `src/types.ts` with openapi-typescript, later plugins may rewrite
 * it.
 *
 * @example
 * ```ts
 * import { Types } from "@keyway/codegen"
 * import type { Hooks, Model } from "@keyway/codegen"
 * declare const stage: Hooks.StageInput
 * declare const model: Model.ProviderModel
 * await Types.run(stage, model)
 * stage.files.get("src/types.ts")
 * ```
 *
 * @since 0.1.0
 */
import { openapiTypescriptFor } from "../Config.ts"
import type { ProviderModel } from "../Model.ts"
import * as Hooks from "./Hooks.ts"

/**
 * Runs the stage.
 *
 * @example
 * ```ts
 * import { Types } from "@keyway/codegen"
 * import type { Config, Hooks, Model } from "@keyway/codegen"
 * declare const input: Model.ProviderInput
 * declare const config: Config.ResolvedConfig
 * declare const plugins: Hooks.StageInput["plugins"]
 * declare const model: Model.ProviderModel
 * await Types.run({ input, config, plugins, files: new Map() }, model)
 * ```
 *
 * @since 0.1.0
 */
export const run = (stage: Hooks.StageInput, model: ProviderModel): Promise<void> =>
  Hooks.run(stage.plugins, "types", {
    provider: model.name,
    files: stage.files,
    model,
    options: openapiTypescriptFor(stage.config, model.name),
  })
