import { Effect, Clock } from "effect"
const bench = async (name: string, mk: () => Effect.Effect<unknown>) => {
  for (let i = 0; i < 20000; i++) await Effect.runPromise(mk())
  const n = 100000; const t = performance.now()
  for (let i = 0; i < n; i++) await Effect.runPromise(mk())
  console.log(name.padEnd(30), ((performance.now() - t) * 1000 / n).toFixed(2))
}
await bench("succeed", () => Effect.succeed(1))
await bench("annotateLogs", () => Effect.succeed(1).pipe(Effect.annotateLogs({ a: "1", b: "2", c: "3", d: "4" })))
await bench("withSpan", () => Effect.succeed(1).pipe(Effect.withSpan("x", { attributes: { a: 1, b: 2, c: 3, d: 4 } }, { captureStackTrace: false })))
await bench("withSpan+annotate", () => Effect.succeed(1).pipe(Effect.tap(() => Effect.annotateCurrentSpan({ s: 1, t: 2 })), Effect.withSpan("x", { attributes: { a: 1, b: 2, c: 3, d: 4 } }, { captureStackTrace: false })))
await bench("clockWith", () => Effect.clockWith((c) => Effect.succeed(c.currentTimeMillisUnsafe())))
await bench("callback", () => Effect.callback<number>((resume) => { resume(Effect.succeed(1)) }))
await bench("callback async", () => Effect.callback<number>((resume) => { Promise.resolve().then(() => resume(Effect.succeed(1))) }))
await bench("uuid", () => Effect.sync(() => crypto.randomUUID()))
const traced = Effect.fn("X.y")(function* (a: number) { return a + 1 })
const untraced = Effect.fnUntraced(function* (a: number) { return a + 1 })
await bench("Effect.fn traced", () => traced(1))
await bench("Effect.fnUntraced", () => untraced(1))
