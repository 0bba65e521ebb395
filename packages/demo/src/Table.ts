/**
 * The demo's table: one line per provider, strategy and phase, columns padded to fit.
 *
 * @example
 * ```ts
 * import * as Table from "@keyway/demo/Table"
 * console.log(Table.render([{ provider: "ccw", strategy: "client-credentials", phase: "clean", calls: 7, tokenRequests: 3, refreshes: 0, retries: 0, correlationId: "c-1", result: "ok" }]))
 * ```
 *
 * @since 0.1.0
 */
import type { Row } from "./Scenario.ts"

/**
 * The column titles, in order.
 *
 * @example
 * ```ts
 * import * as Table from "@keyway/demo/Table"
 * Table.columns.length // 9
 * ```
 *
 * @since 0.1.0
 */
export const columns = [
  "provider",
  "strategy",
  "phase",
  "calls",
  "token requests",
  "refreshes",
  "retries",
  "last correlation id",
  "result",
] as const

const NUMERIC = new Set(["calls", "token requests", "refreshes", "retries"])

const cells = (row: Row): ReadonlyArray<string> => [
  row.provider,
  row.strategy,
  row.phase,
  String(row.calls),
  String(row.tokenRequests),
  String(row.refreshes),
  String(row.retries),
  row.correlationId,
  row.result,
]

/**
 * The rows as a text table (no trailing newline).
 *
 * @example
 * ```ts
 * import * as Table from "@keyway/demo/Table"
 * Table.render([]).split("\n").length // 2: titles and rule
 * ```
 *
 * @since 0.1.0
 */
export const render = (rows: ReadonlyArray<Row>): string => {
  const lines = [columns as ReadonlyArray<string>, ...rows.map(cells)]
  const widths = columns.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)))
  const format = (line: ReadonlyArray<string>) =>
    line
      .map((cell, i) => (NUMERIC.has(columns[i]!) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd()
  return [format(lines[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...lines.slice(1).map(format)].join(
    "\n",
  )
}

/**
 * The reasons of the failed rows, one line each (empty when all passed).
 *
 * @example
 * ```ts
 * import * as Table from "@keyway/demo/Table"
 * Table.failures([]) // ""
 * ```
 *
 * @since 0.1.0
 */
export const failures = (rows: ReadonlyArray<Row>): string =>
  rows
    .filter((row) => row.result !== "ok")
    .map(
      (row) => `${row.provider} ${row.strategy} (${row.phase}): ${row.result}: ${row.error ?? "no detail"}`,
    )
    .join("\n")
