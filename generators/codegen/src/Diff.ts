/**
 * Unified diffs for `keyway generate --check`: what is on disk (`a/`) against what the generator
 * would write (`b/`), one patch per differing file, made with the `diff` package. A file that
 * would be created diffs against nothing, a stale file that would be removed against nothing.
 *
 * @example
 * ```ts
 * import { Diff } from "@keyway/codegen"
 * Diff.unified("packages/acme/README.md", "# a\n", "# b\n")
 * // --- a/packages/acme/README.md
 * // +++ b/packages/acme/README.md
 * // @@ -1,1 +1,1 @@
 * // -# a
 * // +# b
 * ```
 *
 * @since 0.1.0
 */
import { createTwoFilesPatch } from "diff"

/**
 * How many lines of one file's patch are printed; the rest is counted.
 *
 * @example
 * ```ts
 * import { Diff } from "@keyway/codegen"
 * Diff.MAX_LINES // 400
 * ```
 *
 * @since 0.1.0
 */
export const MAX_LINES = 400

/**
 * The unified diff of one file, `undefined` current meaning absent on disk and `undefined` next
 * meaning the generator would remove it. Longer patches are cut at `maxLines` lines with a last
 * line saying how many were left out.
 *
 * @example
 * ```ts
 * import { Diff } from "@keyway/codegen"
 * Diff.unified("specs/provider.schema.json", undefined, "{}\n").includes("+{}") // true
 * ```
 *
 * @since 0.1.0
 */
export const unified = (
  name: string,
  current: string | undefined,
  next: string | undefined,
  maxLines: number = MAX_LINES,
): string => {
  const patch = createTwoFilesPatch(
    current === undefined ? "/dev/null" : `a/${name}`,
    next === undefined ? "/dev/null" : `b/${name}`,
    current ?? "",
    next ?? "",
    undefined,
    undefined,
    { context: 3, headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true } },
  )
  const lines = patch.split("\n")
  if (lines.at(-1) === "") lines.pop()
  if (lines.length <= maxLines) return `${lines.join("\n")}\n`
  return `${lines.slice(0, maxLines).join("\n")}\n... ${lines.length - maxLines} more lines of ${name}\n`
}
