/**
 * `keyway:descriptor`, the built-in emitter of `src/descriptor.ts`: the validated descriptor as
 * a `const`, checked against `ProviderDescriptor` at compile time.
 *
 * @example
 * ```ts
 * import { DescriptorPlugin } from "@keyway/codegen"
 * import type { Model } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * DescriptorPlugin.render(model).includes("export const descriptor") // true
 * ```
 *
 * @since 0.1.0
 */

import * as Emit from "../Emit.ts"
import type { ProviderModel } from "../Model.ts"
import type { Plugin } from "../Plugin.ts"

/**
 * The module text.
 *
 * @example
 * ```ts
 * import { DescriptorPlugin } from "@keyway/codegen"
 * import type { Model } from "@keyway/codegen"
 * declare const model: Model.ProviderModel
 * DescriptorPlugin.render(model)
 * ```
 *
 * @since 0.1.0
 */
export const render = (model: ProviderModel): string => {
  const { $schema: _schema, ...descriptor } = model.descriptor as Record<string, unknown>
  const origin = model.inferred
    ? `inferred from ${model.specName}`
    : `from ${model.input.descriptorPath ? "provider.yaml" : "the spec"}`
  return `import type * as Descriptor from "@keyway/core/Descriptor"

${Emit.doc(`The ${model.descriptor.title} descriptor (${origin}), validated.`).trimEnd()}
export const descriptor = ${Emit.value(descriptor)} as const satisfies Descriptor.ProviderDescriptor
`
}

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { DescriptorPlugin } from "@keyway/codegen"
 * DescriptorPlugin.plugin.name // "keyway:descriptor"
 * ```
 *
 * @since 0.1.0
 */
export const plugin: Plugin = {
  name: "keyway:descriptor",
  package: (ctx) => {
    ctx.files.set("src/descriptor.ts", render(ctx.model))
  },
}
