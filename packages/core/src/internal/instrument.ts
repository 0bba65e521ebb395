// Attempt spans and attempt metrics for Call.ts: only used when a tracer or a metrics sink is
// installed, so the plain hot path stays as it was.
import { Cause, Effect } from "effect"
import type * as Http from "../Http.ts"
import type * as Telemetry from "../Telemetry.ts"

interface Labels {
  readonly correlationId: string
  readonly provider: string
  readonly method: string
  readonly route: string
}

export const attempt = <
  A extends { readonly response: Http.HttpResponse },
  E extends { readonly _tag: string },
>(
  sent: Effect.Effect<A, E>,
  labels: Labels,
  n: number,
  retryReason: string | undefined,
  traced: boolean,
  sink: Telemetry.Sink | undefined,
): Effect.Effect<A, E> => {
  const measured =
    sink === undefined
      ? sent
      : Effect.clockWith((clock) => {
          const started = clock.currentTimeMillisUnsafe()
          return Effect.onExit(sent, (exit) =>
            Effect.sync(() => {
              const error = exit._tag === "Failure" ? Cause.findErrorOption(exit.cause) : undefined
              sink.attempt({
                provider: labels.provider,
                method: labels.method,
                route: labels.route,
                status: exit._tag === "Success" ? exit.value.response.status : undefined,
                outcome:
                  exit._tag === "Success"
                    ? "response"
                    : error !== undefined && error._tag === "Some"
                      ? error.value._tag
                      : "interrupted",
                durationMs: clock.currentTimeMillisUnsafe() - started,
              })
            }),
          )
        })
  if (!traced) return measured
  return measured.pipe(
    Effect.tap((result) => Effect.annotateCurrentSpan("http.status_code", result.response.status)),
    Effect.tapError((error) => Effect.annotateCurrentSpan("error.type", error._tag)),
    Effect.withSpan("keyway.attempt", {
      kind: "client",
      attributes: {
        "keyway.attempt": n,
        "http.method": labels.method,
        "http.route": labels.route,
        "keyway.provider": labels.provider,
        "keyway.correlation_id": labels.correlationId,
        ...(retryReason === undefined ? {} : { "keyway.retry_reason": retryReason }),
      },
    }),
  )
}
