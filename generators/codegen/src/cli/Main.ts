/**
 * The `keyway` command line.
 *
 * ```
 * keyway generate [--provider <name>]... [--check] [--watch] [--force] [--strict] [--config <file>] [--debug]
 * keyway generate --spec <file> --name <name> --out <dir> [--write-descriptor <file>] [--check] [--watch] [--strict]
 * keyway init <provider>
 * keyway connect <provider> [...]    (from @keyway/connect)
 * ```
 *
 * Exit code 0 on success, 1 on any problem (each printed as one line: file:line, what was found,
 * what was expected; a stack trace only with `--debug`) or when `--check` finds a difference.
 *
 * @example
 * ```ts
 * import { Main } from "@keyway/codegen"
 * process.exitCode = await Main.main(["generate", "--check"])
 * ```
 *
 * @since 0.1.0
 */
import { relative } from "node:path"
import { format, isCodegenError, type KeywayCodegenError, problemsOf, UsageError } from "../Errors.ts"
import { parse } from "./Args.ts"

/**
 * The help text.
 *
 * @example
 * ```ts
 * import { Main } from "@keyway/codegen"
 * Main.help.startsWith("keyway") // true
 * ```
 *
 * @since 0.1.0
 */
export const help = `keyway: typed clients from OpenAPI specs and provider descriptors

Usage:
  keyway generate [--provider <name>]... [--check] [--watch] [--force] [--strict]
  keyway generate --spec <file> --name <name> --out <dir> [--write-descriptor <file>] [--allow-insecure-http] [--check] [--watch] [--strict]
  keyway init <provider>
  keyway connect <provider> [--help]   connect a real account (authorization code): @keyway/connect
  keyway serve [--sandbox] [--help]    a local page of connections (Connect/Reconnect/Disconnect): @keyway/connections
  keyway keeper --provider <name>      refresh every stored connection ahead of expiry: @keyway/connections

Options:
  --provider <name>  only this provider (repeatable, or comma separated)
  --check            write nothing; exit 1 and print a unified diff of each file that differs
  --watch            regenerate on every change of a spec or descriptor
  --force            regenerate even when the inputs are unchanged
  --strict           lint warnings (unknown parameter \`in\`, schema type, undeclared {path} names,
                     duplicate parameters, ...) are errors
  --spec <file>      any OpenAPI 3.0/3.1 document; auth inferred from securitySchemes
                     (schemes keyway cannot serve are warnings, or an error when none is usable)
  --name <name>      the provider name for --spec
  --out <dir>        the package folder for --spec
  --write-descriptor <file>
                     with --spec: also write the inferred descriptor there, an editable provider.yaml
  --allow-insecure-http  with --spec: accept plain http: servers to hosts other than loopback
  --config <file>    the configuration file (default: found from the working directory)
  --debug            print stack traces
`

/**
 * Where output goes (replaceable in tests).
 *
 * @example
 * ```ts
 * import type { Main } from "@keyway/codegen"
 * declare const io: Main.Io
 * console.log(io.out)
 * ```
 *
 * @since 0.1.0
 */
export interface Io {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly cwd: string
  readonly interactive: boolean
}

const defaultIo = (): Io => ({
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  cwd: process.cwd(),
  interactive: Boolean(process.stdout.isTTY) && !process.env.CI,
})

const printError = (io: Io, error: unknown, debug: boolean) => {
  if (isCodegenError(error)) {
    for (const p of problemsOf(error as KeywayCodegenError)) io.err(`${format(p)}\n`)
    if (debug) {
      const cause = (error as { cause?: unknown }).cause
      io.err(`${(error as Error).stack ?? ""}\n`)
      if (cause instanceof Error && cause.stack) io.err(`caused by: ${cause.stack}\n`)
    }
  } else {
    io.err(`keyway: ${format(error)}\n`)
    if (debug && error instanceof Error && error.stack) io.err(`${error.stack}\n`)
    else io.err("(run with --debug for the stack trace)\n")
  }
}

/** At most this many lint warnings of a provider are printed; a count stands for the rest. */
const shownLintWarnings = 20

const printWarnings = (
  io: Io,
  warnings: ReadonlyArray<{ readonly provider: string; readonly error: unknown }>,
) => {
  const lint = new Map<string, number>()
  for (const warning of warnings)
    for (const p of problemsOf(warning.error as KeywayCodegenError)) {
      if (p._tag === "LintProblem") {
        const n = (lint.get(warning.provider) ?? 0) + 1
        lint.set(warning.provider, n)
        if (n > shownLintWarnings) continue
      }
      io.err(`warning: ${format(p)}\n`)
    }
  for (const [provider, n] of lint)
    if (n > shownLintWarnings)
      io.err(
        `warning: ${provider}: ${n - shownLintWarnings} more lint warnings (keyway generate --strict lists them all, as errors)\n`,
      )
}

/**
 * Runs the command line; resolves with the exit code (watch mode resolves only when stopped).
 *
 * @example
 * ```ts
 * import { Main } from "@keyway/codegen"
 * await Main.main(["--help"]) // 0
 * ```
 *
 * @since 0.1.0
 */
export const main = async (argv: ReadonlyArray<string>, io: Io = defaultIo()): Promise<number> => {
  let debug = argv.includes("--debug")
  if (argv[0] === "connect") return connectCommand(argv.slice(1), io)
  if (argv[0] === "serve" || argv[0] === "keeper") return connectionsCommand(argv[0], argv.slice(1), io)
  try {
    const args = parse(argv)
    debug = args.flags.debug
    if (args.flags.help || args.command === undefined || args.command === "help") {
      io.out(help)
      return args.command === undefined && !args.flags.help ? 1 : 0
    }
    if (args.flags.version) {
      const { generatorFingerprint } = await import("../Hash.ts")
      io.out(`${generatorFingerprint()}\n`)
      return 0
    }
    if (args.command === "init") {
      const name = args.positional[0]
      if (!name) throw new UsageError({ reason: "keyway init <provider>" })
      const [{ load }, { register, scaffold }] = await Promise.all([
        import("../Config.ts"),
        import("../Init.ts"),
      ])
      const config = await load(io.cwd, args.flags.config)
      const files = scaffold(config.specs, name)
      for (const f of files) io.out(`created ${relative(io.cwd, f)}\n`)
      const registration = register(config, name)
      const configName = config.file ? relative(io.cwd, config.file) : "the configuration"
      switch (registration._tag) {
        case "Added":
          io.out(`registered ${name} in ${relative(io.cwd, registration.file)}\n`)
          break
        case "Discovered":
          io.out(
            `${configName} generates every provider of ${relative(io.cwd, config.specs) || "."}/: ${name} included\n`,
          )
          break
        case "Listed":
          break
        case "Manual":
          io.err(`keyway: ${registration.reason}\n`)
      }
      io.out(
        `next: edit them, run keyway generate --provider ${name}, then install the new package (pnpm install, or your package manager's install)\n`,
      )
      return 0
    }
    if (args.command !== "generate")
      throw new UsageError({ reason: `unknown command "${args.command}" (see keyway --help)` })
    const f = args.flags
    let spec: { path: string; name: string; out: string; allowInsecureHttp: boolean } | undefined
    if (f.allowInsecureHttp && f.spec === undefined)
      throw new UsageError({
        reason: "--allow-insecure-http goes with --spec (a descriptor sets allowInsecureHttp: true)",
      })
    if (f.spec !== undefined || f.name !== undefined || f.out !== undefined) {
      if (!f.spec || !f.name || !f.out) throw new UsageError({ reason: "--spec needs --name and --out" })
      if (f.provider.length) throw new UsageError({ reason: "--spec and --provider cannot be combined" })
      if (!/^[a-z][a-z0-9-]*$/.test(f.name))
        throw new UsageError({
          reason: `--name "${f.name}": expected lower-case letters, digits and dashes, starting with a letter`,
        })
      spec = { path: f.spec, name: f.name, out: f.out, allowInsecureHttp: f.allowInsecureHttp }
    }
    if (f.watch) {
      if (f.check) throw new UsageError({ reason: "--watch and --check cannot be combined" })
      const { watch } = await import("../Watch.ts")
      const stop = await watch({
        cwd: io.cwd,
        configFile: f.config,
        providers: f.provider,
        spec,
        debug,
        log: (l) => io.out(`${l}\n`),
        error: (l) => io.err(`${l}\n`),
      })
      await new Promise<void>((resolveStop) => {
        const end = () => {
          stop()
          resolveStop()
        }
        process.once("SIGINT", end)
        process.once("SIGTERM", end)
      })
      return 0
    }
    const [{ generate }, Reporter] = await Promise.all([import("../Generate.ts"), import("../Reporter.ts")])
    const reporter = Reporter.make({ interactive: io.interactive, write: io.out })
    const outcome = await generate({
      cwd: io.cwd,
      configFile: f.config,
      providers: f.provider,
      check: f.check,
      force: f.force,
      strict: f.strict,
      spec,
      reporter,
      writeDescriptor: f.writeDescriptor,
    })
    printWarnings(io, outcome.warnings)
    for (const failure of outcome.failures) printError(io, failure.error, debug)
    const differing: Array<string> = [...outcome.differingFiles]
    for (const r of outcome.results)
      for (const file of r.differing) differing.push(relative(io.cwd, `${r.outDir}/${file}`))
    if (f.check && differing.length > 0) {
      // What differs, as a unified diff (on disk → what generate would write), then one line each.
      const { unified } = await import("../Diff.ts")
      for (const c of outcome.changes) io.err(unified(c.file, c.current, c.next))
      for (const r of outcome.results)
        for (const c of r.changes ?? [])
          io.err(unified(relative(io.cwd, `${r.outDir}/${c.file}`), c.current, c.next))
      for (const file of differing) io.err(`differs: ${file}\n`)
    }
    const count = (s: string) => outcome.results.filter((r) => r.status === s).length
    const parts = [
      count("generated") ? `${count("generated")} generated` : "",
      count("unchanged") ? `${count("unchanged")} unchanged` : "",
      count("differs") ? `${count("differs")} out of date` : "",
      outcome.failures.length ? `${outcome.failures.length} failed` : "",
    ].filter(Boolean)
    const total = outcome.results.length + outcome.failures.length
    reporter.summary(
      `keyway: ${total} provider${total === 1 ? "" : "s"}${parts.length ? `: ${parts.join(", ")}` : ""}${f.check && differing.length ? `; ${differing.length} file${differing.length === 1 ? "" : "s"} differ` : ""} (${(outcome.elapsedMs / 1000).toFixed(2)} s)`,
    )
    return outcome.failures.length > 0 || (f.check && differing.length > 0) ? 1 : 0
  } catch (error) {
    printError(io, error, debug)
    return 1
  }
}

/**
 * `keyway connect` lives in `@keyway/connect` (it needs the auth plugins and a durable token
 * store, which the generator itself does not): loaded only when asked for.
 */
const connectCommand = async (argv: ReadonlyArray<string>, io: Io): Promise<number> => {
  const name = "@keyway/connect"
  let module: { readonly runConnectCli: (argv: Array<string>) => Promise<number> }
  try {
    module = await import(name)
  } catch {
    io.err(`keyway connect needs the ${name} package: add it to your project (npm i -D ${name})\n`)
    return 1
  }
  return module.runConnectCli([...argv])
}

/**
 * `keyway serve` and `keyway keeper` live in `@keyway/connections` (stores, plugins, sandboxes):
 * loaded only when asked for.
 */
const connectionsCommand = async (
  command: "serve" | "keeper",
  argv: ReadonlyArray<string>,
  io: Io,
): Promise<number> => {
  const name = "@keyway/connections"
  let module: {
    readonly Cli: {
      readonly runServeCli: (argv: ReadonlyArray<string>, io?: unknown) => Promise<number>
      readonly runKeeperCli: (argv: ReadonlyArray<string>, io?: unknown) => Promise<number>
    }
  }
  try {
    module = await import(name)
  } catch {
    io.err(`keyway ${command} needs the ${name} package: add it to your project (npm i -D ${name})\n`)
    return 1
  }
  const controller = new AbortController()
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort())
  const cliIo = {
    out: (line: string) => process.stdout.write(line),
    err: (line: string) => process.stderr.write(line),
    env: process.env,
    cwd: io.cwd,
    signal: controller.signal,
  }
  return command === "serve"
    ? module.Cli.runServeCli([...argv], cliIo)
    : module.Cli.runKeeperCli([...argv], cliIo)
}
