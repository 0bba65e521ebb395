/**
 * `keyway serve` and `keyway keeper`.
 *
 * - `keyway serve [--sandbox] [--provider <name>...] [--store <path> | --redis <url>] [--port <n>]`
 *   starts the connections page on `127.0.0.1`. With `--sandbox` it starts the Workable and CCH
 *   loopback sandboxes and connects to them (nothing leaves the machine).
 * - `keyway keeper [--provider <name>...] [--store <path> | --redis <url>] [--interval <s>]
 *   [--refresh-ahead <s>] [--max-age <s>] [--give-up-after <s>] [--webhook-url <url>] [--once]`
 *   runs the keeper (one sweep with `--once`), printing every event as a JSON line and, with
 *   `--webhook-url`, delivering them signed with `$KEYWAY_WEBHOOK_SECRET`.
 *
 * Providers are found in their generated packages (`@keyway/provider-<name>`, as
 * `keyway connect` finds them); their client credentials come from
 * `KEYWAY_<PROVIDER>_CLIENT_ID` and `KEYWAY_<PROVIDER>_CLIENT_SECRET`.
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connections"
 * // process.exitCode = await Cli.runServeCli(["--sandbox", "--port", "4300"])
 * ```
 *
 * @since 0.1.0
 */
import { parseArgs } from "node:util"
import { type AuthorizationCode, StrategyConfig } from "@keyway/auth-authorization-code"
import { envPrefix } from "@keyway/connect/Cli"
import { authorizationCode } from "@keyway/connect/ProviderLookup"
import { TokenStore } from "@keyway/core"
import { startSandbox } from "@keyway/sandbox"
import { RedisStore } from "@keyway/store-redis"
import { SqliteStore } from "@keyway/store-sqlite"
import { Duration, Effect, Layer, Redacted, References, Stream } from "effect"
import * as Events from "./Events.ts"
import * as Keeper from "./Keeper.ts"
import * as Serve from "./Serve.ts"
import * as Webhooks from "./Webhooks.ts"

/**
 * Where the CLI writes and what it reads.
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connections"
 * const lines: Array<string> = []
 * const io: Cli.Io = { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {}, cwd: process.cwd() }
 * const code = await Cli.runKeeperCli(["--help"], io) // 0, the help in `lines`
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

const defaultIo = (signal?: AbortSignal): Io => ({
  out: (line) => process.stdout.write(line),
  err: (line) => process.stderr.write(line),
  env: process.env,
  cwd: process.cwd(),
  signal,
})

/**
 * The help of `keyway serve`.
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connections"
 * Cli.serveHelp.startsWith("keyway serve") // true
 * ```
 *
 * @since 0.1.0
 */
export const serveHelp = `keyway serve: a local page listing connections, with Connect / Reconnect / Refresh / Disconnect

Usage:
  keyway serve [options]

Options:
  --sandbox             start the Workable and CCH sandboxes and use them (default providers)
  --provider <name>     a provider with an OAuth authorization code strategy (repeatable)
  --store <path>        a SQLite token store (default: .keyway/tokens.db; in memory with --sandbox)
  --redis <url>         a Redis token store instead
  --port <n>            the port on 127.0.0.1 (default: 4300)
  -h, --help            this text

Client credentials: $KEYWAY_<PROVIDER>_CLIENT_ID and $KEYWAY_<PROVIDER>_CLIENT_SECRET; URL overrides:
$KEYWAY_<PROVIDER>_AUTHORIZE_URL, _TOKEN_URL, _REVOKE_URL.
Redirect URI to register: http://127.0.0.1:<port>/connect/<provider>/callback
`

/**
 * The help of `keyway keeper`.
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connections"
 * Cli.keeperHelp.startsWith("keyway keeper") // true
 * ```
 *
 * @since 0.1.0
 */
export const keeperHelp = `keyway keeper: refresh every stored connection ahead of expiry and at least daily

Usage:
  keyway keeper --provider <name> [options]

Options:
  --provider <name>        a provider with an OAuth authorization code strategy (repeatable)
  --store <path>           a SQLite token store (default: .keyway/tokens.db)
  --redis <url>            a Redis token store instead (default: $KEYWAY_REDIS_URL when set)
  --interval <seconds>     between sweeps (default: 60)
  --refresh-ahead <s>      refresh when the access token expires within this (default: 600)
  --max-age <seconds>      refresh tokens older than this anyway (default: 86400)
  --give-up-after <s>      mark needs_reauthorization after failing this long (default: 86400)
  --webhook-url <url>      deliver events there, signed with $KEYWAY_WEBHOOK_SECRET
  --once                   one sweep, print its report, exit
  -h, --help               this text

Client credentials: $KEYWAY_<PROVIDER>_CLIENT_ID and $KEYWAY_<PROVIDER>_CLIENT_SECRET; URL overrides:
$KEYWAY_<PROVIDER>_AUTHORIZE_URL, _TOKEN_URL, _REVOKE_URL. Events are printed as JSON lines (never a token).
`

interface StoreChoice {
  readonly store?: string | undefined
  readonly redis?: string | undefined
}

const storeLayer = (
  choice: StoreChoice,
  fallback: "sqlite" | "memory",
): Layer.Layer<TokenStore.TokenStore, unknown> =>
  choice.redis !== undefined
    ? RedisStore.layer({ url: choice.redis })
    : choice.store !== undefined || fallback === "sqlite"
      ? SqliteStore.layer({ path: choice.store ?? ".keyway/tokens.db" })
      : Layer.sync(TokenStore.TokenStore, TokenStore.makeMemory)

const configFor = async (provider: string, io: Io): Promise<AuthorizationCode.Config> => {
  const strategy = await authorizationCode(provider, io.cwd)
  const prefix = envPrefix(provider)
  const clientId = io.env[`${prefix}_CLIENT_ID`]
  if (clientId === undefined || clientId === "") throw new Error(`${prefix}_CLIENT_ID is not set`)
  return StrategyConfig.make(strategy, {
    provider,
    clientId,
    clientSecret: io.env[`${prefix}_CLIENT_SECRET`],
    authorizeUrl: io.env[`${prefix}_AUTHORIZE_URL`],
    tokenUrl: io.env[`${prefix}_TOKEN_URL`],
    revokeUrl: io.env[`${prefix}_REVOKE_URL`],
  })
}

const seconds = (value: string | undefined, name: string): Duration.Duration | undefined => {
  if (value === undefined) return undefined
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`--${name} takes seconds`)
  return Duration.seconds(Number(value))
}

const untilAborted = (signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (signal === undefined) return
    if (signal.aborted) return resolve()
    signal.addEventListener("abort", () => resolve(), { once: true })
  })

/**
 * Runs `keyway serve`; resolves with the exit code once the signal aborts.
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connections"
 * // await Cli.runServeCli(["--sandbox"], { ...io, signal })
 * ```
 *
 * @since 0.1.0
 */
export const runServeCli = async (argv: ReadonlyArray<string>, io: Io = defaultIo()): Promise<number> => {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        sandbox: { type: "boolean" },
        provider: { type: "string", multiple: true },
        store: { type: "string" },
        redis: { type: "string" },
        port: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    })
    if (values.help) {
      io.out(serveHelp)
      return 0
    }
    const entries: Array<Serve.ProviderEntry> = []
    const stops: Array<() => Promise<void>> = []
    if (values.sandbox) {
      for (const provider of values.provider ?? ["workable", "cch"]) {
        if (provider !== "workable" && provider !== "cch")
          throw new Error(`no sandbox with consent for ${provider}`)
        const sb = await startSandbox(provider)
        stops.push(() => sb.stop())
        const strategy = await authorizationCode(provider, io.cwd)
        entries.push({
          title: `${provider} (sandbox)`,
          config: StrategyConfig.make(strategy, {
            provider,
            clientId: sb.credentials.clientId,
            clientSecret: sb.credentials.clientSecret,
            authorizeUrl: sb.urls.authorizeUrl,
            tokenUrl: sb.urls.tokenUrl,
            revokeUrl: sb.urls.revokeUrl,
          }),
        })
      }
    } else {
      if (!values.provider?.length) throw new Error("--provider <name> (or --sandbox) is required")
      for (const provider of values.provider) entries.push({ config: await configFor(provider, io) })
    }
    const base = Layer.mergeAll(storeLayer(values, values.sandbox ? "memory" : "sqlite"), Events.layer)
    const live = Keeper.layer({ providers: entries.map((e) => e.config) }).pipe(Layer.provideMerge(base))
    const server = await Serve.listen({ providers: entries, port: Number(values.port ?? 4300) }, live)
    io.out(
      `keyway serve: ${server.url} (${entries.map((e) => e.config.provider).join(", ")}); Ctrl-C to stop\n`,
    )
    await untilAborted(io.signal)
    await server.close()
    for (const stop of stops) await stop()
    return 0
  } catch (error) {
    io.err(`keyway serve: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

/**
 * Runs `keyway keeper`; resolves with the exit code once the signal aborts (or after one sweep
 * with `--once`).
 *
 * @example
 * ```ts
 * import { Cli } from "@keyway/connections"
 * // await Cli.runKeeperCli(["--provider", "workable", "--once"])
 * ```
 *
 * @since 0.1.0
 */
export const runKeeperCli = async (argv: ReadonlyArray<string>, io: Io = defaultIo()): Promise<number> => {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        provider: { type: "string", multiple: true },
        store: { type: "string" },
        redis: { type: "string" },
        interval: { type: "string" },
        "refresh-ahead": { type: "string" },
        "max-age": { type: "string" },
        "give-up-after": { type: "string" },
        "webhook-url": { type: "string" },
        once: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    })
    if (values.help) {
      io.out(keeperHelp)
      return 0
    }
    if (!values.provider?.length) throw new Error("--provider <name> is required")
    const providers = await Promise.all(values.provider.map((p) => configFor(p, io)))
    const options: Keeper.Options = {
      providers,
      interval: seconds(values.interval, "interval"),
      refreshAhead: seconds(values["refresh-ahead"], "refresh-ahead"),
      maxAge: seconds(values["max-age"], "max-age"),
      giveUpAfter: seconds(values["give-up-after"], "give-up-after"),
    }
    const redis = values.redis ?? (values.store === undefined ? io.env.KEYWAY_REDIS_URL : undefined)
    const webhookUrl = values["webhook-url"]
    const secret = io.env.KEYWAY_WEBHOOK_SECRET
    if (webhookUrl !== undefined && (secret === undefined || secret.length < 16))
      throw new Error("--webhook-url needs $KEYWAY_WEBHOOK_SECRET (at least 16 characters)")
    const webhooks =
      webhookUrl === undefined
        ? Layer.empty
        : Webhooks.layer({ url: webhookUrl, secret: Redacted.make(secret!) })
    const context = webhooks.pipe(
      Layer.provideMerge(Layer.mergeAll(storeLayer({ store: values.store, redis }, "sqlite"), Events.layer)),
    )
    const program = Effect.gen(function* () {
      const events = yield* Events.ConnectionEvents
      yield* events.stream.pipe(
        Stream.runForEach((event) => Effect.sync(() => io.out(`${JSON.stringify(event)}\n`))),
        Effect.forkScoped,
      )
      yield* Effect.yieldNow
      const keeper = yield* Keeper.make(options)
      if (values.once) {
        const report = yield* keeper.sweep
        yield* Effect.yieldNow
        io.out(`${JSON.stringify({ report })}\n`)
        return
      }
      io.out(`keyway keeper: ${providers.map((p) => p.provider).join(", ")}; Ctrl-C to stop\n`)
      yield* Effect.raceFirst(
        keeper.run,
        Effect.promise(() => untilAborted(io.signal)),
      )
    }).pipe(Effect.scoped, Effect.provide(context), Effect.provideService(References.MinimumLogLevel, "Warn"))
    await Effect.runPromise(program as Effect.Effect<void, unknown>)
    return 0
  } catch (error) {
    io.err(`keyway keeper: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}
