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
import { SpecError, TypesError } from "../Errors.ts"
import type { Plugin } from "../Plugin.ts"
import * as Source from "../Source.ts"

/**
 * Runs openapi-typescript on a document; its console output is captured, and a failure becomes a
 * {@link SpecError} at the line of the value it names (`... at #/components/schemas/A`), or a
 * {@link TypesError} naming the file when it names none.
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
  locate?: (segments: ReadonlyArray<string | number>) => Source.Position | undefined,
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
    const reason = (error instanceof Error ? error.message : String(error)).replace(
      new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"),
      "",
    )
    const at = / at (#\/\S*)\s*$/.exec(reason)
    if (at && locate) {
      const segments = Source.segments(at[1]!)
      const pos = locate(segments)
      throw new SpecError({
        file,
        line: pos?.line,
        column: pos?.column,
        pointer: Source.pointer(segments),
        found: reason.slice(0, at.index),
        expected: "a document openapi-typescript can turn into types",
      })
    }
    throw new TypesError({ file, reason, cause: error })
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
      ctx.model.spec.locate,
    )
    ctx.files.set("src/types.ts", text)
  },
}
