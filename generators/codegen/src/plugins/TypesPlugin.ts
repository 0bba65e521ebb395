/**
 * `keyway:types`, the built-in emitter of `src/types.ts`: openapi-typescript's transform
 * (`transformSchema` + `astToString`) on the bundled document, with the configuration's
 * `openapiTypescript` options (and the provider's own, `providerOptions`). The document has
 * already been linted and bundled with `@redocly/openapi-core` by the load stage, so
 * openapi-typescript's own Redocly pass (`openapiTS` = lint + bundle + transform) is not
 * repeated. Header parameters every operation requires (`ClientHeaders`) are left out: they
 * are set once on the client.
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

type Ots = typeof import("openapi-typescript")

/** openapi-typescript's context, with the defaults `openapiTS` applies (openapi-typescript 7.13). */
const contextOf = (
  ots: Ots,
  document: Record<string, unknown>,
  options: Record<string, unknown>,
): Parameters<Ots["transformSchema"]>[1] => {
  const o = options as Record<string, never>
  const flag = (name: string, fallback: boolean): boolean => (o[name] as boolean | undefined) ?? fallback
  const fn = <F>(name: string): F | undefined => (typeof o[name] === "function" ? (o[name] as F) : undefined)
  return {
    additionalProperties: flag("additionalProperties", false),
    alphabetize: flag("alphabetize", false),
    arrayLength: flag("arrayLength", false),
    defaultNonNullable: flag("defaultNonNullable", true),
    discriminators: ots.scanDiscriminators(document as never, options as never),
    emptyObjectsUnknown: flag("emptyObjectsUnknown", false),
    enum: flag("enum", false),
    enumValues: flag("enumValues", false),
    conditionalEnums: flag("conditionalEnums", false),
    dedupeEnums: flag("dedupeEnums", false),
    excludeDeprecated: flag("excludeDeprecated", false),
    exportType: flag("exportType", false),
    immutable: flag("immutable", false),
    rootTypes: flag("rootTypes", false),
    rootTypesNoSchemaPrefix: flag("rootTypesNoSchemaPrefix", false),
    rootTypesKeepCasing: flag("rootTypesKeepCasing", false),
    injectFooter: [],
    pathParamsAsTypes: flag("pathParamsAsTypes", false),
    postTransform: fn("postTransform"),
    propertiesRequiredByDefault: flag("propertiesRequiredByDefault", false),
    redoc: undefined as never,
    silent: true,
    inject: (o.inject as string | undefined) ?? undefined,
    transform: fn("transform"),
    transformProperty: fn("transformProperty"),
    makePathsEnum: flag("makePathsEnum", false),
    generatePathParams: flag("generatePathParams", false),
    readWriteMarkers: flag("readWriteMarkers", false),
    resolve: ($ref: string) => ots.resolveRef(document as never, $ref, { silent: true }),
  } as Parameters<Ots["transformSchema"]>[1]
}

/**
 * Runs openapi-typescript on a document; its console output is captured, and a failure becomes a
 * {@link SpecError} at the line of the value it names (`... at #/components/schemas/A`), or a
 * {@link TypesError} naming the file when it names none.
 *
 * @example
 * ```ts
 * import { TypesPlugin } from "@keyway/codegen"
 * declare const document: Record<string, unknown>
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
  const ots = await import("openapi-typescript")
  const errors: Array<string> = []
  const saved = { error: console.error, warn: console.warn }
  console.error = (...args: Array<unknown>) => void errors.push(args.map(String).join(" "))
  console.warn = () => {}
  try {
    return ots.astToString(ots.transformSchema(document as never, contextOf(ots, document, options)))
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(
      new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"),
      "",
    )
    const at = / at (#\/\S*)\s*$/.exec(reason)
    if (at && locate) {
      const segments = Source.segments(at[1]!)
      throw new SpecError({
        ...Source.placeAt(file, segments, locate(segments)),
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
