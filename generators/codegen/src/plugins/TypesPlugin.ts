/**
 * `keyway:types`, the built-in emitter of `src/types.ts`: openapi-typescript (`openapiTS` +
 * `astToString`) on the bundled document, with the configuration's `openapiTypescript` options
 * (and the provider's own, `providerOptions`). Header parameters every operation requires
 * (`ClientHeaders`) are left out: they are set once on the client.
 *
 * @example
 * ```ts
 * import { TypesPlugin } from "@keyway/codegen"
 * TypesPlugin.plugin.name // "keyway:types"
 * ```
 *
 * @since 0.1.0
 */
import { strip } from "../ClientHeaders.ts"
import { TypesError } from "../Errors.ts"
import type { Plugin } from "../Plugin.ts"

/**
 * Runs openapi-typescript on a document; its console output is captured, and a failure becomes a
 * {@link TypesError}.
 *
 * @example
 * ```ts
 * import { TypesPlugin } from "@keyway/codegen"
 * const text = await TypesPlugin.generate(document, {}, "specs/x/openapi.yaml")
 * ```
 *
 * @since 0.1.0
 */
export const generate = async (
  document: Record<string, unknown>,
  options: Record<string, unknown>,
  file: string,
): Promise<string> => {
  const { default: openapiTS, astToString } = await import("openapi-typescript")
  const errors: Array<string> = []
  const saved = { error: console.error, warn: console.warn }
  console.error = (...args: Array<unknown>) => void errors.push(args.map(String).join(" "))
  console.warn = () => {}
  try {
    const ast = await openapiTS(document as never, { ...options, silent: true })
    return astToString(ast)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new TypesError({
      file,
      reason: reason.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), ""),
      cause: error,
    })
  } finally {
    console.error = saved.error
    console.warn = saved.warn
  }
}

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { TypesPlugin } from "@keyway/codegen"
 * TypesPlugin.plugin.types !== undefined // true
 * ```
 *
 * @since 0.1.0
 */
export const plugin: Plugin = {
  name: "keyway:types",
  types: async (ctx) => {
    const text = await generate(
      strip(ctx.model.document, ctx.model.clientHeaders ?? []),
      ctx.options as Record<string, unknown>,
      ctx.model.spec.display,
    )
    ctx.files.set("src/types.ts", text)
  },
}
