/**
 * The end-to-end demo: starts the five provider sandboxes on loopback, runs each generated
 * client through its full auth flow with typed calls, paginated listings and a token refresh,
 * then runs it all again with faults injected into the API routes (429 with Retry-After, 502
 * bursts, connection resets, latency). Providers run side by side; each provider's scenarios run
 * one after the other on its own sandbox, so the counters of a row are exactly that row's.
 *
 * @example
 * ```ts
 * import * as Demo from "@keyway/demo/Demo"
 * import * as Table from "@keyway/demo/Table"
 * const report = await Demo.run({ rate: 0.3 })
 * console.log(Table.render(report.rows))
 * process.exitCode = report.ok ? 0 : 1
 * ```
 *
 * @since 0.1.0
 */
import type { Events } from "@keyway/connections"
import { PROVIDERS, type ProviderName, type Sandbox, startAll } from "@keyway/sandbox"
import * as CcaScenario from "./CcaScenario.ts"
import * as CchScenario from "./CchScenario.ts"
import * as CcwScenario from "./CcwScenario.ts"
import * as CultureAmpScenario from "./CultureAmpScenario.ts"
import * as KeeperScenario from "./KeeperScenario.ts"
import * as SandboxControl from "./SandboxControl.ts"
import * as Scenario from "./Scenario.ts"
import * as ThrottleScenario from "./ThrottleScenario.ts"
import * as WorkableScenario from "./WorkableScenario.ts"

/**
 * Options of a demo run.
 *
 * @example
 * ```ts
 * import * as Demo from "@keyway/demo/Demo"
 * const options: Demo.Options = { rate: 0.5, seed: 3, providers: ["workable"] }
 * ```
 *
 * @since 0.1.0
 */
export interface Options {
  /** Share of API requests that get a fault in the second run (0 skips it); default 0.3. */
  readonly rate?: number | undefined
  /** The seed of the sandboxes' fault dice; default 7. */
  readonly seed?: number | undefined
  /** Which providers; default all five. */
  readonly providers?: ReadonlyArray<ProviderName> | undefined
  /** Let Keyway log (debug level). */
  readonly verbose?: boolean | undefined
}

/**
 * What a run produced.
 *
 * @example
 * ```ts
 * import * as Demo from "@keyway/demo/Demo"
 * // const { ok, rows } = await Demo.run()
 * ```
 *
 * @since 0.1.0
 */
export interface Report {
  readonly rows: ReadonlyArray<Scenario.Row>
  /** The connection events the keeper row set delivered as signed webhooks. */
  readonly delivered: ReadonlyArray<Events.ConnectionEvent>
  /** The throttle run: a line per provider. */
  readonly throttle: ReadonlyArray<ThrottleScenario.Line>
  /** Whether every row (and throttle line) is `ok`. */
  readonly ok: boolean
  readonly elapsedMs: number
}

type Runner<P extends ProviderName> = (
  sandbox: Sandbox<P>,
  settings: Scenario.Settings,
) => Promise<ReadonlyArray<Scenario.Row>>

const scenarios: { readonly [P in ProviderName]: Runner<P> } = {
  ccw: CcwScenario.run,
  cca: CcaScenario.run,
  cch: CchScenario.run,
  cultureamp: CultureAmpScenario.run,
  workable: WorkableScenario.run,
}

const runProvider = async <P extends ProviderName>(
  provider: P,
  sandbox: Sandbox<P>,
  options: Options,
): Promise<ReadonlyArray<Scenario.Row>> => {
  const run = scenarios[provider] as Runner<P>
  const rate = options.rate ?? 0.3
  const clean = await run(sandbox, Scenario.settings({ phase: "clean", verbose: options.verbose }))
  if (rate <= 0) return clean
  await SandboxControl.apply(sandbox.urls, { faults: [...SandboxControl.faultProfile(rate)] })
  try {
    const faults = await run(sandbox, Scenario.settings({ phase: "faults", verbose: options.verbose }))
    return [...clean, ...faults]
  } finally {
    await SandboxControl.apply(sandbox.urls, { clearFaults: true })
  }
}

/**
 * Runs the demo and returns its rows; the sandboxes are stopped before it returns.
 *
 * @example
 * ```ts
 * import * as Demo from "@keyway/demo/Demo"
 * // const report = await Demo.run({ rate: 0 })
 * // report.ok
 * ```
 *
 * @since 0.1.0
 */
export const run = async (options: Options = {}): Promise<Report> => {
  const started = performance.now()
  const seed = options.seed ?? 7
  const providers = options.providers ?? PROVIDERS
  // One seed per sandbox, so the providers do not all meet the same sequence of faults.
  await using sandboxes = await startAll({
    ccw: { seed },
    cca: { seed: seed + 1 },
    cch: { seed: seed + 2 },
    cultureamp: { seed: seed + 3 },
    workable: { seed: seed + 4 },
  })
  const results = await Promise.all(
    providers.map((provider) =>
      runProvider(provider, sandboxes[provider] as Sandbox<typeof provider>, options),
    ),
  )
  const throttle = await Promise.all(
    providers.map((provider) =>
      ThrottleScenario.run(
        provider,
        sandboxes[provider] as Sandbox<ProviderName>,
        Scenario.settings({ phase: "clean", verbose: options.verbose }),
      ),
    ),
  )
  // The keeper row set, once the providers' own rows are done (their faults cleared).
  const keeper =
    providers.includes("workable") && providers.includes("cch")
      ? await KeeperScenario.run({ workable: sandboxes.workable, cch: sandboxes.cch })
      : { rows: [], delivered: [] }
  const rows = [...results.flat(), ...keeper.rows]
  return {
    rows,
    delivered: keeper.delivered,
    throttle,
    ok: rows.every((row) => row.result === "ok") && throttle.every((line) => line.result === "ok"),
    elapsedMs: performance.now() - started,
  }
}
