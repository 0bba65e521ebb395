/**
 * Progress output. On a TTY (and without `CI`), a live line per provider shows its stage and the
 * elapsed time; otherwise the run is quiet and ends with one summary line. Problems always go to
 * stderr, one line each.
 *
 * @example
 * ```ts
 * import { Reporter } from "@keyway/codegen"
 * const reporter = Reporter.make({ interactive: false, write: (s) => process.stdout.write(s) })
 * reporter.summary("keyway: 5 providers: 5 unchanged (0.12 s)")
 * ```
 *
 * @since 0.1.0
 */

/**
 * A reporter.
 *
 * @example
 * ```ts
 * import type { Reporter } from "@keyway/codegen"
 * declare const reporter: Reporter.Reporter
 * console.log(reporter.interactive)
 * ```
 *
 * @since 0.1.0
 */
export interface Reporter {
  readonly interactive: boolean
  /** A provider entered a stage. */
  readonly stage: (provider: string, stage: string) => void
  /** A provider finished (status word). */
  readonly done: (provider: string, status: string) => void
  /** The closing line. */
  readonly summary: (line: string) => void
}

/**
 * Whether output should be live: stdout is a TTY and `CI` is not set.
 *
 * @example
 * ```ts
 * import { Reporter } from "@keyway/codegen"
 * Reporter.isInteractive() // false under CI
 * ```
 *
 * @since 0.1.0
 */
export const isInteractive = (): boolean => Boolean(process.stdout.isTTY) && !process.env.CI

/**
 * Makes a reporter.
 *
 * @example
 * ```ts
 * import { Reporter } from "@keyway/codegen"
 * Reporter.make({ interactive: true, write: (s) => process.stdout.write(s) }).stage("ccw", "types")
 * ```
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly interactive: boolean
  readonly write: (text: string) => void
}): Reporter => {
  const started = new Map<string, number>()
  const elapsed = (provider: string) =>
    ((performance.now() - (started.get(provider) ?? performance.now())) / 1000).toFixed(2)
  let live = false
  return {
    interactive: options.interactive,
    stage: (provider, stage) => {
      if (!started.has(provider)) started.set(provider, performance.now())
      if (!options.interactive) return
      options.write(`\r\u001b[2K${provider}: ${stage} (${elapsed(provider)} s)`)
      live = true
    },
    done: (provider, status) => {
      if (!options.interactive) return
      options.write(`\r\u001b[2K${provider}: ${status} (${elapsed(provider)} s)\n`)
      live = false
    },
    summary: (line) => {
      if (live) options.write("\r\u001b[2K")
      options.write(`${line}\n`)
    },
  }
}
