/**
 * `keyway:descriptor`, the built-in emitter of `src/descriptor.ts`: the validated descriptor as
 * a `const`, checked against `ProviderDescriptor` at compile time.
 *
 * @example
 * ```ts
 * import { DescriptorPlugin } from "@keyway/codegen"
 * DescriptorPlugin.render(model).includes("export const descriptor") // true
 * ```
 *
 * @since 0.1.0
 */
import type { ProviderModel } from "../Model.ts"
import { docText } from "../Model.ts"
import type { Plugin } from "../Plugin.ts"

const value = (v: unknown, indent: string): string => {
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== "object" || x === null)) return JSON.stringify(v).replaceAll(",", ", ")
    return `[\n${v.map((x) => `${indent}  ${value(x, `${indent}  `)},`).join("\n")}\n${indent}]`
  }
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
    if (entries.length === 0) return "{}"
    return `{\n${entries
      .map(
        ([k, x]) =>
          `${indent}  ${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k)}: ${value(x, `${indent}  `)},`,
      )
      .join("\n")}\n${indent}}`
  }
  return JSON.stringify(v)
}

/**
 * The module text.
 *
 * @example
 * ```ts
 * import { DescriptorPlugin } from "@keyway/codegen"
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
  return `import type { Descriptor } from "@keyway/core"

/** The ${docText(model.descriptor.title)} descriptor (${origin}), validated. */
export const descriptor = ${value(descriptor, "")} as const satisfies Descriptor.ProviderDescriptor
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
