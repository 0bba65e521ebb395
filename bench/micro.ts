import { Effect } from "effect"
import { Auth, Call, Http, Retry } from "@keyway/core"
const response: Http.HttpResponse = { status: 200, headers: {}, body: new Uint8Array(2) }
const rt: Call.Runtime = {
  provider: "m", auth: Auth.make({ name: "s", authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", "Bearer x")) }),
  transport: { send: () => Effect.succeed(response) }, retry: Retry.defaults, correlation: { header: "X-Correlation-id", maxLength: 36 },
}
const req = Http.makeRequest("GET", "http://127.0.0.1/pets")
for (const n of [20000, 100000, 100000]) {
  const t = performance.now()
  for (let i = 0; i < n; i++) await Effect.runPromise(Call.execute(rt, req, { route: "/pets" }))
  console.log("execute us/call", ((performance.now() - t) * 1000 / n).toFixed(2))
}
for (const n of [100000]) {
  const t = performance.now()
  for (let i = 0; i < n; i++) await Effect.runPromise(Effect.succeed(1))
  console.log("runPromise(succeed) us/call", ((performance.now() - t) * 1000 / n).toFixed(2))
}
