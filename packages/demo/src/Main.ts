/**
 * `pnpm demo`: runs {@link Demo.run}, prints the table (and, when a row failed, why), and exits
 * with 1 if any provider failed.
 *
 * ```
 * pnpm demo [--rate 0.3] [--seed 7] [--provider ccw --provider workable] [--verbose]
 * ```
 *
 * @example
 * ```ts
 * import { main } from "@keyway/demo/Main"
 * const code = await main(["--rate", "0"])
 * ```
 *
 * @since 0.1.0
 */
import { parseArgs } from "node:util"
import { PROVIDERS, type ProviderName } from "@keyway/sandbox"
import * as Demo from "./Demo.ts"
import * as Table from "./Table.ts"
import * as ThrottleScenario from "./ThrottleScenario.ts"

const usage = "usage: pnpm demo [--rate 0..1] [--seed n] [--provider name]... [--verbose]"

/**
 * Runs the demo with command-line arguments; resolves to the exit code.
 *
 * @example
 * ```ts
 * import { main } from "@keyway/demo/Main"
 * // process.exitCode = await main(process.argv.slice(2))
 * ```
 *
 * @since 0.1.0
 */
export const main = async (
  argv: ReadonlyArray<string>,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  err: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> => {
  let values: ReturnType<typeof parse>["values"]
  try {
    values = parse(argv).values
  } catch (error) {
    err(`${error instanceof Error ? error.message : String(error)}\n${usage}`)
    return 2
  }
  if (values.help) {
    out(usage)
    return 0
  }
  const rate = values.rate === undefined ? 0.3 : Number(values.rate)
  const seed = values.seed === undefined ? 7 : Number(values.seed)
  const providers = values.provider as Array<ProviderName> | undefined
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) return fail(err, "--rate must be within 0..1")
  if (!Number.isInteger(seed)) return fail(err, "--seed must be an integer")
  const unknown = providers?.find((p) => !PROVIDERS.includes(p))
  if (unknown !== undefined) return fail(err, `unknown provider ${unknown} (${PROVIDERS.join(", ")})`)
  const report = await Demo.run({ rate, seed, providers, verbose: values.verbose })
  out(Table.render(report.rows))
  out("")
  out(ThrottleScenario.render(report.throttle))
  if (report.delivered.length > 0) {
    out("")
    out(`keeper events delivered as signed webhooks (${report.delivered.length}, signatures verified):`)
    for (const event of report.delivered)
      out(
        `  ${event.type} ${event.provider}/${event.connection}${event.data.reason ? `: ${event.data.reason}` : ""}`,
      )
  }
  if (!report.ok) err(Table.failures(report.rows))
  return report.ok ? 0 : 1
}

const parse = (argv: ReadonlyArray<string>) =>
  parseArgs({
    args: [...argv],
    options: {
      rate: { type: "string" },
      seed: { type: "string" },
      provider: { type: "string", multiple: true },
      verbose: { type: "boolean", short: "v" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  })

const fail = (err: (line: string) => void, message: string) => {
  err(`${message}\n${usage}`)
  return 2
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2))
}
