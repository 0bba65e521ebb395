/**
 * How the runtime reports a token request (part of `TokenRequest`, which re-exports
 * `observe`): a root span linked to the call that caused it, and a `Telemetry` count.
 */
import { Cause, Effect, Option, Tracer } from "effect"
import * as Telemetry from "../../Telemetry.ts"
import { CorrelationId, currentCorrelationId } from "./correlation.ts"

/**
 * Makes any effect that obtains a credential a token request as the runtime reports them: a
 * root span `keyway.token_request` linked to the call that caused it (when a tracer is
 * installed), counted by grant and outcome (when a `Telemetry` sink is). {@link request} runs
 * through it; a plugin with a login of its own (session login) wraps its login with it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TokenRequest } from "@keyway/core"
 * const login = TokenRequest.observe({ provider: "cca", grant: "session_login" }, Effect.succeed({ token: "t" }))
 * ```
 *
 * @since 0.1.0
 */
export const observe = <A, E extends { readonly _tag: string }, R>(
  labels: { readonly provider: string; readonly grant: string },
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R> =>
  Effect.flatMap(Tracer.Tracer, (tracer) =>
    Effect.flatMap(Telemetry.Telemetry, (sink) => {
      const measured = sink === undefined ? effect : counted(sink, labels, effect)
      if (tracer === Tracer.nativeTracer) return measured
      return Effect.flatMap(Telemetry.CurrentCall, (call) =>
        Effect.flatMap(Effect.option(Effect.currentParentSpan), (parent) => {
          const caller = call !== undefined ? Option.some(call) : parent
          return Effect.flatMap(currentCorrelationId, (correlationId) =>
            Effect.provideService(measured, CorrelationId, correlationId).pipe(
              Effect.tap(() => Effect.annotateCurrentSpan("keyway.outcome", "success")),
              Effect.tapError((error) => Effect.annotateCurrentSpan("keyway.outcome", error._tag)),
              Effect.withSpan("keyway.token_request", {
                kind: "client",
                root: true,
                links: Option.isSome(caller)
                  ? [{ span: caller.value, attributes: { "keyway.link": "caused_by_call" } }]
                  : [],
                attributes: {
                  "keyway.provider": labels.provider,
                  "keyway.grant": labels.grant,
                  "keyway.correlation_id": correlationId,
                },
              }),
            ),
          )
        }),
      )
    }),
  )

const counted = <A, E extends { readonly _tag: string }, R>(
  sink: Telemetry.Sink,
  labels: { readonly provider: string; readonly grant: string },
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R> =>
  Effect.clockWith((clock) => {
    const started = clock.currentTimeMillisUnsafe()
    return Effect.onExit(effect, (exit) =>
      Effect.sync(() => {
        const error = exit._tag === "Failure" ? Cause.findErrorOption(exit.cause) : Option.none()
        sink.tokenRequest({
          provider: labels.provider,
          grant: labels.grant,
          outcome:
            exit._tag === "Success" ? "success" : Option.isSome(error) ? error.value._tag : "interrupted",
          durationMs: clock.currentTimeMillisUnsafe() - started,
        })
      }),
    )
  })
