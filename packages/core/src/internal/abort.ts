/**
 * Cancellation as `fetch` users expect it: a call aborted through its `AbortSignal` rejects with
 * the signal's reason, which is a `DOMException` named `AbortError` unless the caller aborted with
 * a reason of their own (`controller.abort(reason)`, or `TimeoutError` from `AbortSignal.timeout`),
 * exactly as `fetch` does. Effect's own rejection of an interrupted run ("All fibers interrupted
 * without error") never reaches the caller.
 *
 * @internal
 */
import { Effect } from "effect"

/**
 * The error an aborted call rejects with: the signal's reason, or a fresh `AbortError`.
 *
 * @internal
 */
export const reasonOf = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException("This operation was aborted", "AbortError")

/**
 * Runs `start` with the signal: rejects at once when it is already aborted (nothing is sent),
 * and replaces the rejection of a run the signal interrupted by the signal's reason.
 *
 * @internal
 */
export const abortable = <A>(
  signal: AbortSignal | null | undefined,
  start: (signal: AbortSignal | undefined) => Promise<A>,
): Promise<A> => {
  if (signal == null) return start(undefined)
  if (signal.aborted) return Promise.reject(reasonOf(signal))
  return start(signal).catch((error: unknown) => {
    throw signal.aborted ? reasonOf(signal) : error
  })
}

/**
 * Whether an error is an abort (`AbortError` or `TimeoutError` `DOMException`, as `fetch` rejects).
 *
 * @internal
 */
export const isAbort = (error: unknown): boolean =>
  error instanceof DOMException && (error.name === "AbortError" || error.name === "TimeoutError")

/**
 * The Effect API's form: the effect, interrupted when the signal aborts (at once when it already
 * has), so an Effect caller sees interruption, as with the fiber's own.
 *
 * @internal
 */
export const interruptOn = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  signal: AbortSignal,
): Effect.Effect<A, E, R> =>
  signal.aborted
    ? Effect.interrupt
    : Effect.raceFirst(
        effect,
        Effect.callback<never>((resume) => {
          const onAbort = () => resume(Effect.interrupt)
          signal.addEventListener("abort", onAbort, { once: true })
          return Effect.sync(() => signal.removeEventListener("abort", onAbort))
        }),
      )
