/**
 * Command-line parsing for `keyway`: a command, `--flag value` / `--flag=value` options (some
 * repeatable) and boolean switches. Unknown flags are usage errors.
 *
 * @example
 * ```ts
 * import { Args } from "@keyway/codegen"
 * Args.parse(["generate", "--provider", "ccw", "--check"]).flags.check // true
 * ```
 *
 * @since 0.1.0
 */
import { UsageError } from "../Errors.ts"

/**
 * Parsed arguments.
 *
 * @example
 * ```ts
 * import type { Args } from "@keyway/codegen"
 * declare const parsed: Args.Parsed
 * console.log(parsed.command)
 * ```
 *
 * @since 0.1.0
 */
export interface Parsed {
  readonly command: string | undefined
  readonly positional: ReadonlyArray<string>
  readonly flags: {
    readonly provider: ReadonlyArray<string>
    readonly check: boolean
    readonly watch: boolean
    readonly force: boolean
    readonly strict: boolean
    readonly debug: boolean
    readonly help: boolean
    readonly version: boolean
    readonly allowInsecureHttp: boolean
    readonly spec?: string | undefined
    readonly name?: string | undefined
    readonly out?: string | undefined
    readonly config?: string | undefined
    readonly writeDescriptor?: string | undefined
  }
}

const valued = new Set(["provider", "spec", "name", "out", "config", "write-descriptor"])
const switches = new Set([
  "check",
  "watch",
  "force",
  "strict",
  "debug",
  "help",
  "version",
  "allow-insecure-http",
])

/**
 * Parses `argv` (without node and the script).
 *
 * @example
 * ```ts
 * import { Args } from "@keyway/codegen"
 * Args.parse(["init", "acme"]).positional // ["acme"]
 * ```
 *
 * @since 0.1.0
 */
export const parse = (argv: ReadonlyArray<string>): Parsed => {
  let command: string | undefined
  const positional: Array<string> = []
  const provider: Array<string> = []
  const values: Record<string, string> = {}
  const on: Record<string, boolean> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "-h") {
      on.help = true
      continue
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=")
      const name = arg.slice(2, eq === -1 ? undefined : eq)
      if (valued.has(name)) {
        const value = eq === -1 ? argv[++i] : arg.slice(eq + 1)
        if (value === undefined || value.startsWith("--"))
          throw new UsageError({ reason: `--${name} needs a value` })
        if (name === "provider") provider.push(...value.split(",").filter(Boolean))
        else values[name] = value
      } else if (switches.has(name)) {
        if (eq !== -1) throw new UsageError({ reason: `--${name} takes no value` })
        on[name] = true
      } else throw new UsageError({ reason: `unknown option ${arg} (see keyway --help)` })
      continue
    }
    if (command === undefined) command = arg
    else positional.push(arg)
  }
  return {
    command,
    positional,
    flags: {
      provider,
      check: on.check === true,
      watch: on.watch === true,
      force: on.force === true,
      strict: on.strict === true,
      debug: on.debug === true,
      help: on.help === true,
      version: on.version === true,
      allowInsecureHttp: on["allow-insecure-http"] === true,
      spec: values.spec,
      name: values.name,
      out: values.out,
      config: values.config,
      writeDescriptor: values["write-descriptor"],
    },
  }
}
