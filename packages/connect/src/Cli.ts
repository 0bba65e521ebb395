/**
 * The `keyway connect` command line (also the `keyway-connect` bin):
 *
 * ```
 * keyway connect <provider> [--client-id ID] [--client-secret SECRET] [--scopes "a b"]
 *   [--connection ID] [--port N] [--store PATH] [--authorize-url URL] [--token-url URL]
 *   [--revoke-url URL] [--open] [--allow-insecure-http] [--timeout SECONDS]
 * ```
 *
 * The client id and secret default to `KEYWAY_<PROVIDER>_CLIENT_ID` and
 * `KEYWAY_<PROVIDER>_CLIENT_SECRET` (prefer the environment for the secret: a command line is
 * visible to other users of the machine). The authorize URL is printed on a line of its own.
 * Exit code 0 once the grant is stored, 1 when the connection failed (wrong `state`, provider
 * error, refused code, timeout), 2 on a usage error. Secrets are never printed.
 *
 * @example
 * ```ts
 * import { runConnectCli } from "@keyway/connect"
 * process.exitCode = await runConnectCli(["workable", "--connection", "acme", "--port", "8765"])
 * ```
 *
 * @since 0.1.0
 */
import { parseArgs } from "node:util"
import { Redacted } from "effect"
import { type ConnectOptions, connect, defaultStorePath } from "./Connect.ts"

/**
 * The help text.
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connect"
 * Cli.help.startsWith("keyway connect") // true
 * ```
 *
 * @since 0.1.0
 */
export const help = `keyway connect: authorize a user of an OAuth authorization code provider and store the grant

Usage:
  keyway connect <provider> [options]

Options:
  --client-id <id>         the OAuth client id (default: $KEYWAY_<PROVIDER>_CLIENT_ID)
  --client-secret <secret> the OAuth client secret (default: $KEYWAY_<PROVIDER>_CLIENT_SECRET)
  --scopes <scopes>        scopes to ask for, space, comma or + separated (default: the descriptor's)
  --connection <id>        the connection id the grant is stored under (default: default)
  --port <n>               the loopback redirect port on 127.0.0.1 (default: a free one)
  --store <path>           the SQLite token store (default: ${defaultStorePath})
  --authorize-url <url>    override the descriptor's authorize URL (e.g. a sandbox)
  --token-url <url>        override the descriptor's token URL
  --revoke-url <url>       override the descriptor's revoke URL
  --open                   try to open the authorize URL in a browser
  --allow-insecure-http    allow plain http:// URLs to non-loopback hosts (never for real accounts)
  --timeout <seconds>      how long to wait for the redirect (default: 300)
  -h, --help               this text

The redirect URI is http://127.0.0.1:<port>/callback: register it with the provider (with a fixed
--port) when the provider checks redirect URIs.
`

/**
 * Where the command writes, and what it reads from the environment (replaceable in tests).
 *
 * @example
 * ```ts
 * import { runConnectCli } from "@keyway/connect"
 * const lines: Array<string> = []
 * // await runConnectCli(["cch"], { out: (l) => lines.push(l), env: { KEYWAY_CCH_CLIENT_ID: "id" } })
 * ```
 *
 * @since 0.1.0
 */
export interface Io {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly signal?: AbortSignal | undefined
}

const defaultIo = (): Io => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
})

/**
 * The environment variable prefix of a provider: `KEYWAY_WORKABLE`.
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connect"
 * Cli.envPrefix("culture-amp") // "KEYWAY_CULTURE_AMP"
 * ```
 *
 * @since 0.1.0
 */
export const envPrefix = (provider: string): string =>
  `KEYWAY_${provider.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`

/**
 * Splits a scope list given as `"a b"`, `a,b` or `a+b`.
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connect"
 * Cli.splitScopes("r_jobs+r_candidates, w_candidates") // ["r_jobs", "r_candidates", "w_candidates"]
 * ```
 *
 * @since 0.1.0
 */
export const splitScopes = (value: string): ReadonlyArray<string> =>
  value.split(/[\s,+]+/).filter((scope) => scope.length > 0)

class UsageError extends Error {}

const parse = (argv: ReadonlyArray<string>) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      scopes: { type: "string" },
      connection: { type: "string" },
      port: { type: "string" },
      store: { type: "string" },
      "authorize-url": { type: "string" },
      "token-url": { type: "string" },
      "revoke-url": { type: "string" },
      open: { type: "boolean" },
      "allow-insecure-http": { type: "boolean" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  })

const integer = (name: string, value: string | undefined, min: number, max: number) => {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer in ${min}..${max}`)
  return n
}

const url = (name: string, value: string | undefined) => {
  if (value === undefined) return undefined
  if (!URL.canParse(value)) throw new UsageError(`--${name} is not a URL: ${value}`)
  return value
}

/**
 * Turns the arguments into {@link ConnectOptions} (without the callbacks); throws on a usage error.
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connect"
 * Cli.options(["cch", "--client-id", "id", "--port", "8765"], { KEYWAY_CCH_CLIENT_SECRET: "s" }).port // 8765
 * ```
 *
 * @since 0.1.0
 */
export const options = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>> = {},
): ConnectOptions & { readonly help?: boolean } => {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const { values, positionals } = parsed
  if (values.help) return { provider: "", clientId: "", help: true }
  if (positionals.length !== 1)
    throw new UsageError("name exactly one provider, e.g. keyway connect workable")
  const provider = positionals[0]!
  const prefix = envPrefix(provider)
  const clientId = values["client-id"] ?? env[`${prefix}_CLIENT_ID`]
  if (clientId === undefined || clientId.length === 0) {
    throw new UsageError(`no client id: pass --client-id or set ${prefix}_CLIENT_ID`)
  }
  const secret = values["client-secret"] ?? env[`${prefix}_CLIENT_SECRET`]
  const timeout = integer("timeout", values.timeout, 1, 86_400)
  return {
    provider,
    clientId,
    clientSecret: secret === undefined || secret.length === 0 ? undefined : Redacted.make(secret),
    scopes: values.scopes === undefined ? undefined : splitScopes(values.scopes),
    connection: values.connection,
    port: integer("port", values.port, 0, 65_535),
    store: values.store,
    authorizeUrl: url("authorize-url", values["authorize-url"]),
    tokenUrl: url("token-url", values["token-url"]),
    revokeUrl: url("revoke-url", values["revoke-url"]),
    open: values.open ?? false,
    allowInsecureHttp: values["allow-insecure-http"] ?? false,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
  }
}

/**
 * Runs `keyway connect` with its arguments (without the `connect` word); resolves to the exit code.
 *
 * @example
 * ```ts
 * import { runConnectCli } from "@keyway/connect"
 * const code = await runConnectCli(["--help"])
 * ```
 *
 * @since 0.1.0
 */
export const runConnectCli = async (argv: ReadonlyArray<string>, io: Partial<Io> = {}): Promise<number> => {
  const { out, err, env, cwd, signal } = { ...defaultIo(), ...io }
  let settings: ReturnType<typeof options>
  try {
    settings = options(argv, env)
  } catch (error) {
    err(`keyway connect: ${error instanceof Error ? error.message : String(error)}`)
    err("Run keyway connect --help for the options.")
    return 2
  }
  if (settings.help) {
    out(help)
    return 0
  }
  try {
    const result = await connect({
      ...settings,
      cwd,
      signal,
      onAuthorizeUrl: (authorizeUrl, redirectUri) => {
        out(`Open this URL in a browser to connect ${settings.provider}:`)
        out("")
        out(authorizeUrl)
        out("")
        out(`Waiting for the redirect to ${redirectUri} ...`)
      },
      onBrowser: (opened) => {
        if (!opened) out("Could not open a browser: open the URL above yourself.")
      },
    })
    out(
      `Connected ${result.provider}: connection "${result.connection}"` +
        `${result.grantedScope ? `, scope ${result.grantedScope}` : ""}` +
        `${result.refreshable ? ", refreshable" : ""}; grant stored in ${result.store}`,
    )
    return 0
  } catch (error) {
    const tag = (error as { _tag?: unknown })?._tag
    err(
      `keyway connect: ${typeof tag === "string" ? `${tag}: ` : ""}${error instanceof Error ? error.message : String(error)}`,
    )
    return 1
  }
}
