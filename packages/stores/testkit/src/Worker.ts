/**
 * The body of a test worker process: it builds a TokenLifecycle (from `@keyway/core`) over a
 * store layer and obeys commands from its parent over the IPC channel (bursts of concurrent
 * `get`s or `refresh`es, refresh loops for soaks). Its token `fetch` talks to a
 * {@link TokenServer} over HTTP and sends its pid in `x-worker`.
 *
 * A store package's worker script is two lines:
 *
 * @example
 * ```ts
 * import { Worker } from "@keyway/store-testkit"
 * import { SqliteStore } from "../src/index.ts"
 * Worker.run((options) => SqliteStore.layer(options as SqliteStore.Options))
 * ```
 *
 * @since 0.1.0
 */
import { Errors, TokenLifecycle, type TokenStore } from "@keyway/core"
import { Effect, Exit, type Layer, ManagedRuntime, Redacted } from "effect"

/**
 * What the parent passes in `KEYWAY_WORKER_CONFIG` (JSON).
 *
 * @since 0.1.0
 */
export interface Config {
  readonly tokenUrl: string
  readonly provider: string
  readonly connection: string
  readonly scopes: ReadonlyArray<string>
  /** Passed to the store layer factory. */
  readonly store: unknown
  readonly refreshBufferMs?: number
}

/**
 * A command from the parent.
 *
 * @since 0.1.0
 */
export type Command =
  | { readonly op: "burst"; readonly id: number; readonly n: number; readonly mode: "get" | "refresh" }
  | { readonly op: "loop"; readonly id: number }
  | { readonly op: "stop"; readonly id: number }
  | { readonly op: "exit"; readonly id: number }

/**
 * What a burst reports.
 *
 * @since 0.1.0
 */
export interface BurstReport {
  readonly ok: number
  readonly errors: ReadonlyArray<string>
  /** Distinct access tokens returned (their last 8 characters). */
  readonly tokens: ReadonlyArray<string>
  /** Milliseconds from the call to its token, per call. */
  readonly latencies: ReadonlyArray<number>
  /** How often this process called the token endpoint. */
  readonly fetches: number
}

/**
 * What a refresh loop reports when stopped.
 *
 * @since 0.1.0
 */
export interface LoopReport {
  readonly refreshes: number
  readonly errors: ReadonlyArray<string>
  readonly fetches: number
}

const tail = (token: TokenStore.StoredToken) =>
  token.accessToken === undefined ? "none" : Redacted.value(token.accessToken).slice(-8)

/**
 * Runs the worker: reads its configuration, builds the lifecycle and serves commands until told
 * to exit (or killed).
 *
 * @example
 * ```ts
 * import { Worker } from "@keyway/store-testkit"
 * import { TokenStore } from "@keyway/core"
 * Worker.run(() => TokenStore.layerMemory)
 * ```
 *
 * @since 0.1.0
 */
export const run = (makeLayer: (options: unknown) => Layer.Layer<TokenStore.TokenStore, unknown>): void => {
  const config = JSON.parse(process.env.KEYWAY_WORKER_CONFIG ?? "{}") as Config
  const runtime = ManagedRuntime.make(makeLayer(config.store) as Layer.Layer<TokenStore.TokenStore, never>)
  let fetches = 0

  const fetchToken = (current: TokenStore.StoredToken | undefined) =>
    Effect.tryPromise({
      try: async (signal) => {
        fetches++
        const form: Record<string, string> =
          current?.refreshToken !== undefined
            ? { grant_type: "refresh_token", refresh_token: Redacted.value(current.refreshToken) }
            : { grant_type: "client_credentials" }
        const response = await fetch(config.tokenUrl, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-worker": String(process.pid) },
          body: new URLSearchParams(form),
          signal,
        })
        return { status: response.status, body: (await response.json()) as Record<string, unknown> }
      },
      catch: () =>
        new Errors.TokenEndpointError({
          provider: config.provider,
          url: config.tokenUrl,
          reason: "network failure",
        }),
    }).pipe(
      Effect.flatMap(({ status, body }): Effect.Effect<TokenLifecycle.Obtained, Errors.AuthError> => {
        if (status === 200 && typeof body.access_token === "string") {
          return Effect.succeed({
            accessToken: Redacted.make(body.access_token),
            refreshToken:
              typeof body.refresh_token === "string" ? Redacted.make(body.refresh_token) : undefined,
            expiresIn: typeof body.expires_in === "number" ? body.expires_in : undefined,
          })
        }
        if (status === 400 && body.error === "invalid_grant") {
          return Effect.fail(
            new Errors.ReauthorizationRequired({
              provider: config.provider,
              connection: config.connection,
              reason: "invalid_grant",
            }),
          )
        }
        return Effect.fail(
          new Errors.TokenEndpointError({
            provider: config.provider,
            url: config.tokenUrl,
            reason: `status ${status}`,
            status,
          }),
        )
      }),
    )

  const lifecycle = runtime.runPromise(
    TokenLifecycle.make({
      provider: config.provider,
      connection: config.connection,
      fetch: fetchToken,
      refreshBuffer: config.refreshBufferMs === undefined ? undefined : `${config.refreshBufferMs} millis`,
    }),
  )

  const send = (message: unknown) => {
    if (process.connected) process.send?.(message, undefined, undefined, () => {})
  }
  // An orphan (its parent died) has nothing left to do.
  process.on("disconnect", () => process.exit(0))
  let looping: { stop: boolean; refreshes: number; errors: string[]; done: Promise<void> } | undefined

  const burst = async (n: number, mode: "get" | "refresh"): Promise<BurstReport> => {
    const tokens = await lifecycle
    const results = await Promise.all(
      Array.from({ length: n }, async () => {
        const started = performance.now()
        const exit = await runtime.runPromiseExit(
          mode === "get" ? tokens.get(config.scopes) : tokens.refresh(config.scopes),
        )
        return { exit, ms: performance.now() - started }
      }),
    )
    const errors: string[] = []
    const distinct = new Set<string>()
    for (const { exit } of results) {
      if (Exit.isSuccess(exit)) distinct.add(tail(exit.value))
      else errors.push(errorTag(exit))
    }
    return {
      ok: n - errors.length,
      errors,
      tokens: [...distinct],
      latencies: results.map((r) => r.ms),
      fetches,
    }
  }

  const loop = async () => {
    const tokens = await lifecycle
    const state = { stop: false, refreshes: 0, errors: [] as string[], done: Promise.resolve() }
    state.done = (async () => {
      while (!state.stop) {
        const exit = await runtime.runPromiseExit(tokens.refresh(config.scopes))
        if (Exit.isSuccess(exit)) state.refreshes++
        else {
          state.errors.push(errorTag(exit))
          await new Promise((r) => setTimeout(r, 10))
        }
      }
    })()
    looping = state
  }

  process.on("message", (command: Command) => {
    void (async () => {
      try {
        switch (command.op) {
          case "burst":
            return send({ id: command.id, report: await burst(command.n, command.mode) })
          case "loop":
            await loop()
            return send({ id: command.id, report: "started" })
          case "stop": {
            const state = looping
            looping = undefined
            if (state !== undefined) {
              state.stop = true
              await state.done
            }
            const report: LoopReport = {
              refreshes: state?.refreshes ?? 0,
              errors: state?.errors ?? [],
              fetches,
            }
            return send({ id: command.id, report })
          }
          case "exit":
            await runtime.dispose()
            send({ id: command.id, report: "bye" })
            return process.exit(0)
        }
      } catch (error) {
        send({ id: command.id, error: String(error) })
      }
    })()
  })

  void lifecycle.then(
    () => send({ ready: true, pid: process.pid }),
    (error) => send({ ready: false, error: String(error) }),
  )
}

const errorTag = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "none"
  const failure = exit.cause.reasons.find((r) => r._tag === "Fail") as
    | { error?: { _tag?: string; reason?: string } }
    | undefined
  const error = failure?.error
  return error?._tag === undefined ? "defect" : `${error._tag}${error.reason ? `: ${error.reason}` : ""}`
}
