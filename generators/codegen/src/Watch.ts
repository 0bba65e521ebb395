/**
 * `keyway generate --watch`: regenerates a provider within a second of a change to its
 * descriptor or to any file its spec bundle loaded, and keeps running after a bad edit (the error
 * is printed; the next good edit recovers). Folders are watched rather than files, so that
 * editors that save by replacing a file are seen too.
 *
 * @example
 * ```ts
 * import { Watch } from "@keyway/codegen"
 * const stop = await Watch.watch({ cwd: process.cwd(), providers: ["ccw"], log: console.log, error: console.error })
 * stop()
 * ```
 *
 * @since 0.1.0
 */
import { type FSWatcher, watch as fsWatch, statSync } from "node:fs"
import { basename, dirname } from "node:path"
import * as Config from "./Config.ts"
import { format, type KeywayCodegenError, problemsOf } from "./Errors.ts"
import * as Generate from "./Generate.ts"

/**
 * Options of watch mode.
 *
 * @example
 * ```ts
 * import type { Watch } from "@keyway/codegen"
 * declare const watchOptions: Watch.WatchOptions
 * console.log(watchOptions.cwd)
 * ```
 *
 * @since 0.1.0
 */
export interface WatchOptions {
  readonly cwd: string
  readonly configFile?: string | undefined
  readonly providers?: ReadonlyArray<string> | undefined
  readonly spec?: Generate.GenerateOptions["spec"]
  readonly log: (line: string) => void
  readonly error: (line: string) => void
  readonly debug?: boolean | undefined
}

/**
 * Starts watching; resolves once the first run finished, with a function that stops.
 *
 * @example
 * ```ts
 * import { Watch } from "@keyway/codegen"
 * const stop = await Watch.watch({ cwd: ".", log: console.log, error: console.error })
 * ```
 *
 * @since 0.1.0
 */
export const watch = async (options: WatchOptions): Promise<() => void> => {
  const config = await Config.load(options.cwd, options.configFile)
  const sourcesOf = new Map<string, Set<string>>()
  const watchers = new Map<string, FSWatcher>()
  const pending = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  // Providers whose last run failed: their next good run says so, even when it changes nothing
  // (an edit undone gives the previous output back), so that the error is not the last word.
  const broken = new Set<string>()
  const report = (outcome: Generate.Outcome) => {
    for (const w of outcome.warnings)
      for (const p of problemsOf(w.error as KeywayCodegenError)) options.error(`warning: ${format(p)}`)
    const seconds = `${(outcome.elapsedMs / 1000).toFixed(2)} s`
    for (const r of outcome.results) {
      if (broken.delete(r.provider)) options.log(`keyway: ${r.provider} fixed, ${r.status} (${seconds})`)
      else if (r.status !== "unchanged") options.log(`keyway: ${r.provider} ${r.status} (${seconds})`)
    }
    for (const f of outcome.failures) {
      broken.add(f.provider)
      for (const p of problemsOf(f.error as KeywayCodegenError)) options.error(format(p))
      if (options.debug && f.error instanceof Error && f.error.stack) options.error(f.error.stack)
      options.log(`keyway: ${f.provider} failed; watching for a fix`)
    }
  }

  const onSources = (provider: string, sources: ReadonlyArray<string>) => {
    const set = sourcesOf.get(provider) ?? new Set<string>()
    for (const s of sources) set.add(s)
    sourcesOf.set(provider, set)
    for (const s of sources) ensureWatch(dirname(s))
  }

  const ensureWatch = (dir: string) => {
    if (watchers.has(dir)) return
    try {
      const w = fsWatch(dir, (_event, name) => {
        if (!name) return
        const changed = `${dir}/${basename(String(name))}`
        // `<folder>/*` stands for any file of a folder (a provider's overlays).
        for (const [provider, set] of sourcesOf)
          if (set.has(changed) || set.has(`${dir}/*`)) pending.add(provider)
        if (pending.size === 0) return
        if (timer) clearTimeout(timer)
        timer = setTimeout(flush, 60)
      })
      watchers.set(dir, w)
    } catch {
      // A folder that vanished: its provider will report the missing file.
    }
  }

  const run = async (providers: ReadonlyArray<string> | undefined) => {
    try {
      const outcome = await Generate.generate({
        cwd: options.cwd,
        config,
        providers,
        spec: options.spec,
        check: false,
        onSources,
      })
      report(outcome)
    } catch (error) {
      for (const p of problemsOf(error as KeywayCodegenError)) options.error(format(p))
    }
  }

  const flush = () => {
    const providers = [...pending]
    pending.clear()
    running = running.then(() => run(options.spec ? undefined : providers))
  }

  await run(options.providers)
  const isFile = (f: string) => statSync(f, { throwIfNoEntry: false })?.isFile() === true
  const files = [...sourcesOf.values()].reduce((n, s) => n + [...s].filter(isFile).length, 0)
  options.log(`keyway: watching ${files} files`)
  return () => {
    if (timer) clearTimeout(timer)
    for (const w of watchers.values()) w.close()
  }
}
