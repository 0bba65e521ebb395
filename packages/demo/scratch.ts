import { startSandbox } from "@keyway/sandbox"
import { Client, TokenStore } from "@keyway/core"
import * as Cca from "@keyway/provider-cca"
import * as Ca from "@keyway/provider-cultureamp"
import { Effect, Layer, Redacted } from "effect"

const sb = await startSandbox("cca")
const cred = sb.credentials
for (const auth of [{ type: "permanent-token", token: cred.permanentToken }, { type: "session", username: cred.username, password: cred.password, module: cred.module }, { type: "permanent-token", token: cred.expiredPermanentToken, expiresAt: "2024-01-01T00:00:00Z" }, { type: "permanent-token", token: cred.expiredPermanentToken }] as const) {
  const client = Cca.createClient({ server: "x", baseUrl: sb.baseUrl, auth: auth as any })
  try {
    const a = await client.op.listAgents()
    console.log(auth.type, a.response.status, JSON.stringify(a.data ?? a.error).slice(0, 200))
    const q = await client.op.listInteractions({ params: { query: { limit: 5 } } } as any)
    console.log(q.response.status, JSON.stringify(q.data ?? q.error).slice(0, 200))
    sb.control.advanceClock(61)
    const b = await client.op.listQueues()
    console.log(b.response.status, Client.callInfo(b.response)?.refreshed, JSON.stringify(sb.counters().totals))
  } catch (e: any) { console.log("threw", e._tag, e.message) }
  await client.close()
  console.log("closed", JSON.stringify(sb.counters().totals))
}
await sb.stop()
const ca = await startSandbox("cultureamp")
const store = TokenStore.makeMemory()
const client = Ca.createClient({ entityId: ca.credentials.entityId, baseUrl: ca.baseUrl, tokenUrl: ca.urls.tokenUrl!, tokenStore: Layer.succeed(TokenStore.TokenStore, store), auth: { clientId: ca.credentials.clientId, clientSecret: ca.credentials.clientSecret } })
const e = await client.op.listEmployees()
console.log(e.response.status, JSON.stringify(e.data).slice(0, 400))
let n = 0
for await (const x of client.paginate.listEmployees()) n++
console.log("employees", n)
n = 0
for await (const x of client.paginate.listManagerReviews()) n++
console.log("mr", n)
n = 0
for await (const x of client.paginate.listSurveys()) n++
console.log("surveys", n, JSON.stringify(ca.counters().totals))
const k = TokenStore.key({ provider: "cultureamp", connection: "default", scopes: ["employees-read"] })
const rec = await Effect.runPromise(store.get(k))
console.log(rec?.scope, JSON.parse(Buffer.from(Redacted.value(rec!.accessToken!).split(".")[1]!, "base64url").toString()))
await client.close(); await ca.stop()
