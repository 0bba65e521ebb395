/**
 * CCW's error envelope: `error_code`, `error_summary` and the `error_causes` with their sub-codes.
 *
 * @example
 * ```ts
 * import { ccwError } from "@keyway/sandbox"
 * ccwError("E4000000", "Missing required headers", [["E4000001", "X-Correlation-id header is required"]])
 * ```
 *
 * @since 0.1.0
 */

/**
 * CCW's error envelope.
 *
 * @example
 * ```ts
 * import { ccwError } from "@keyway/sandbox"
 * ccwError("E4000000", "Missing required headers", [["E4000001", "X-Correlation-id header is required"]])
 * ```
 */
export function ccwError(
  code: string,
  summary: string,
  causes: ReadonlyArray<readonly [string, string]>,
): unknown {
  return {
    error_code: code,
    error_summary: summary,
    error_causes: causes.map(([sub, desc]) => ({ error_sub_code: sub, error_sub_code_desc: desc })),
  }
}
