/**
 * How the HTTP benchmark drives a client: a batch of calls, N at a time, timed (wall clock and
 * this process's CPU), or a paced run that spreads its calls over a span of time and records
 * each call's latency.
 */

/** Runs `calls` calls, `concurrency` at a time. */
export type Batch = (calls: number) => Promise<void>

/** One batch's throughput, and this process's CPU time (user + system) per call. */
export interface Sample {
  readonly rps: number
  readonly cpuUs: number
}

/** A batch of `one()` calls, `concurrency` of them in flight. */
export const concurrently =
  (concurrency: number, one: () => Promise<unknown>): Batch =>
  async (calls) => {
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < calls) await one()
      }),
    )
  }

/** Times one batch. */
export const measure = async (calls: number, batch: Batch): Promise<Sample> => {
  const started = performance.now()
  const cpu = process.cpuUsage()
  await batch(calls)
  const used = process.cpuUsage(cpu)
  return { rps: calls / ((performance.now() - started) / 1000), cpuUs: (used.user + used.system) / calls }
}

/**
 * `calls` calls started at an even pace over `spanMs` (call i not before i × spanMs / calls),
 * at most `concurrency` in flight; the latency of each (ms, from its start to its end).
 */
export const paced = async (
  calls: number,
  concurrency: number,
  spanMs: number,
  one: () => Promise<unknown>,
): Promise<Array<number>> => {
  const latencies: Array<number> = []
  const t0 = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < calls; i = next++) {
        const wait = t0 + (i * spanMs) / calls - performance.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        const started = performance.now()
        await one()
        latencies.push(performance.now() - started)
      }
    }),
  )
  return latencies
}
