/**
 * The sandbox's notion of "now": wall time plus an offset in seconds that tests move forward (or
 * back) to expire tokens, sessions and codes without sleeping.
 *
 * @example
 * ```ts
 * const clock = new Clock()
 * clock.offset = 3600 // an hour from now: every 1-hour token has expired
 * clock.now() // seconds since the epoch, fractional
 * ```
 *
 * @since 0.1.0
 */
export class Clock {
  /** Seconds added to the wall clock. */
  offset = 0

  /**
   * Seconds since the epoch (fractional), offset included.
   *
   * @example
   * ```ts
   * new Clock().now() > 1_700_000_000 // true
   * ```
   */
  now(): number {
    return Date.now() / 1000 + this.offset
  }
}
