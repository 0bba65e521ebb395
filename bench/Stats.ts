// Small helpers shared by the benchmarks: medians, percentiles, a table printer, results files.
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"

export const median = (values: ReadonlyArray<number>): number => percentile(values, 50)

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low)
}

export const table = (rows: ReadonlyArray<Record<string, string | number>>): string => {
  if (rows.length === 0) return ""
  const columns = Object.keys(rows[0]!)
  const cell = (v: string | number) =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? "").length)))
  const line = (values: ReadonlyArray<string>) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ")
  return [
    line(columns),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c] ?? "")))),
  ].join("\n")
}

export const writeResults = (name: string, data: unknown): string => {
  const dir = Path.join(import.meta.dirname, "results")
  Fs.mkdirSync(dir, { recursive: true })
  const file = Path.join(dir, `${name}.json`)
  Fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`)
  return file
}

/** The machine's load average (1, 5, 15 minutes), printed beside every result. */
export const loadavg = (): string =>
  Os.loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")

/** A target a figure is held to: printed with PASS or MISS (a benchmark never fails on it). */
export interface Target {
  readonly target: string
  readonly value: string
  readonly goal: string
  readonly result: "PASS" | "MISS" | "n/a"
}

/** `value` against `at least` / `at most` `goal`; `undefined` (nothing to measure) is `n/a`. */
export const target = (
  name: string,
  value: number | undefined,
  bound: "at least" | "at most",
  goal: number,
  unit = "",
  why = "",
): Target => ({
  target: name,
  value: value === undefined || Number.isNaN(value) ? why || "n/a" : `${value.toFixed(2)}${unit}`,
  goal: `${bound === "at least" ? ">=" : "<="} ${goal}${unit}`,
  result:
    value === undefined || Number.isNaN(value)
      ? "n/a"
      : (bound === "at least" ? value >= goal : value <= goal)
        ? "PASS"
        : "MISS",
})

/**
 * CPU time (ms, user + system) of the child processes this process has waited for, and their
 * descendants (`cutime` + `cstime` of /proc/self/stat, 10 ms ticks; Linux only, else undefined).
 * The difference around a `spawnSync` is that command's CPU time, however many processes it ran.
 */
export const childrenCpuMs = (): number | undefined => {
  try {
    const stat = Fs.readFileSync("/proc/self/stat", "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[13]) + Number(fields[14])) * 10
  } catch {
    return undefined
  }
}

/** GitHub's spec (`@octokit/openapi`), as the generator at `codegen` resolves it. */
export const githubSpecOf = (codegen: string): string =>
  Path.join(
    Path.dirname(createRequire(Path.join(codegen, "package.json")).resolve("@octokit/openapi/package.json")),
    "generated",
    "api.github.com.json",
  )

/** The arguments of `keyway generate` that generate GitHub's spec as the `github` package into `out`. */
export const generateGithubArgs = (keywayBin: string, githubSpec: string, out: string): Array<string> => [
  keywayBin,
  "generate",
  "--spec",
  githubSpec,
  "--name",
  "github",
  "--out",
  out,
]
