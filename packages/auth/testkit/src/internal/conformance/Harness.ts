/**
 * The conformance suite's harness: the plugin's capabilities with their defaults, the check
 * registrar (skipped when a capability is missing, expected to fail when the options say so, and
 * failed when a handler of the kit's server threw), and `setup`, which starts the server with the
 * `TestClock` at {@link kitEpoch}, builds the plugin on a fresh recording store and gives a `call`.
 * Token requests get one attempt: the kit checks the plugin, not the runtime's retries.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Auth, Http } from "@keyway/core"
 * import { runAuthConformance } from "@keyway/auth-testkit"
 *
 * runAuthConformance({
 *   name: "static bearer",
 *   makeLayer: (server) => {
 *     const token = server.issueStaticToken()
 *     return Layer.succeed(Auth.Auth, Auth.make({ name: "static", authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", `Bearer ${token}`)) }))
 *   },
 *   // no credential endpoint: the single-flight, expiry and endpoint checks are registered as skipped
 *   capabilities: { credentialEndpoint: false, expires: false, refreshOn401: false, badCredentials: ["CredentialsExpired"] },
 * })
 * ```
 *
 * @since 0.1.0
 */
import { it } from "@effect/vitest"
import { Auth, type Errors, Retry, TokenStore } from "@keyway/core"
import { Clock, Context, Effect, Layer, type Scope } from "effect"
import { TestClock } from "effect/testing"
import { type CallOutcome, call, makeRecordingStore, type RecordingStore } from "../../conformance/Driver.ts"
import { type Capabilities, type CheckName, kitEpoch, type Options } from "../../conformance/Options.ts"
import * as FakeCredentialServer from "../../FakeCredentialServer.ts"
import * as LoopbackServer from "../../LoopbackServer.ts"

/**
 * What `setup` gives a check.
 *
 * @example
 * ```ts
 * const { server, store, plugin, call } = yield* setup()
 * ```
 */
export interface Setup<S extends FakeCredentialServer.CredentialServer> {
  readonly server: S
  readonly store: RecordingStore
  readonly plugin: Auth.AuthPlugin
  /** One call to the server's resource, driven like the runtime drives it. */
  readonly call: (correlationId?: string) => Effect.Effect<CallOutcome, Errors.AuthError>
}

/**
 * The harness of one plugin's suite.
 *
 * @example
 * ```ts
 * const harness: Harness<FakeCredentialServer.FakeCredentialServer> = makeHarness(options)
 * ```
 */
export interface Harness<S extends FakeCredentialServer.CredentialServer> {
  readonly options: Options<S>
  readonly caps: Capabilities
  /** Starts the server and builds the plugin; `dead` points the plugin at a refused port instead. */
  readonly setup: (settings?: { readonly dead?: boolean }) => Effect.Effect<Setup<S>, never, Scope.Scope>
  /** Registers a check under its name: skipped unless `condition`, expected to fail when listed. */
  readonly check: (
    name: CheckName,
    condition?: boolean,
  ) => <A, E, R>(title: string, body: () => Effect.Effect<A, E, R>) => void
}

/**
 * The harness of the options.
 *
 * @example
 * ```ts
 * const { caps, check, setup } = makeHarness({ name: "mine", makeLayer })
 * ```
 */
export const makeHarness = <S extends FakeCredentialServer.CredentialServer>(
  options: Options<S>,
): Harness<S> => {
  const caps: Capabilities = {
    credentialEndpoint: true,
    expires: true,
    refreshOn401: true,
    rotation: false,
    badCredentials: ["InvalidClient"],
    ...options.capabilities,
  }
  const startServer = (): Effect.Effect<S, never, Scope.Scope> =>
    typeof options.server === "function"
      ? options.server()
      : (FakeCredentialServer.make(options.server) as unknown as Effect.Effect<S, never, Scope.Scope>)

  // Servers started by the running check, to fail it when one of their handlers threw.
  const started: Array<S> = []
  const setup = (settings: { readonly dead?: boolean } = {}) =>
    Effect.gen(function* () {
      yield* TestClock.setTime(kitEpoch)
      const clock = yield* Clock.Clock
      const server = yield* startServer()
      started.push(server)
      server.useClock?.(() => clock.currentTimeMillisUnsafe())
      const store = makeRecordingStore()
      if (options.prepare) {
        yield* options.prepare(server).pipe(Effect.provideService(TokenStore.TokenStore, store), Effect.orDie)
      }
      const target = settings.dead
        ? { ...server, url: yield* Effect.promise(LoopbackServer.deadUrl) }
        : server
      const context = yield* Layer.build(
        options.makeLayer(target).pipe(Layer.provide(Layer.succeed(TokenStore.TokenStore, store))),
      ).pipe(Effect.orDie)
      const plugin = Context.get(context, Auth.Auth)
      return {
        server,
        store,
        plugin,
        call: (correlationId?: string) => call(plugin, server.resourceUrl, options.scopes, correlationId),
      }
    })

  // The kit checks the plugin, not the runtime's retries: token requests get one attempt, so a
  // dead endpoint fails at once under the TestClock instead of waiting for a backoff.
  const oneAttempt: Retry.Policy = { ...Retry.defaults, maxAttempts: 1 }
  const check = (name: CheckName, condition = true) => {
    const runner = !condition
      ? it.effect.skip
      : options.expectFailures?.includes(name)
        ? it.effect.fails
        : it.effect
    return <A, E, R>(title: string, body: () => Effect.Effect<A, E, R>) =>
      runner(
        title,
        () =>
          Effect.gen(function* () {
            started.length = 0
            const exit = yield* Effect.exit(body())
            const failures = started.flatMap((server) => server.failures?.() ?? [])
            if (failures.length > 0) {
              return yield* Effect.die(
                new Error(
                  `a handler of the kit's server threw:\n${failures.map((f) => `${f.request.method} ${f.request.path}: ${f.stack}`).join("\n")}`,
                ),
              )
            }
            return yield* exit
          }).pipe(Effect.provideService(Retry.Retry, oneAttempt)) as never,
      )
  }
  return { options, caps, setup, check }
}
