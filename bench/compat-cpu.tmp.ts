import { Auth, Client, Http, Transport } from "@keyway/core"
import { Effect, Layer } from "effect"
interface paths { "/pets": { get: { parameters: {}; responses: { 200: { content: { "application/json": Array<{ id: number }> } } } } } }
const body = new TextEncoder().encode('[{"id":1}]')
const fake: Transport.TransportShape = { send: () => Effect.succeed({ status: 200, statusText: "OK", headers: { "content-type": "application/json", "content-length": String(body.byteLength) }, body } as Http.HttpResponse) }
const bearer = Layer.succeed(Auth.Auth, Auth.make({ name: "static", authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", "Bearer bench")) }))
const opts = { provider: "bench", baseUrl: "http://127.0.0.1:9", auth: bearer, correlation: { header: "X-Correlation-id" }, layer: Transport.layer(fake) }
const plain = Client.make<paths>(opts)
const mw = Client.make<paths>(opts)
mw.use({ onRequest: ({ request }) => request })
const N = Number(process.env.N ?? 50000)
const time = async (name: string, c: Client.Client<paths>) => {
  for (let i = 0; i < 5000; i++) await c.GET("/pets")
  const t = process.cpuUsage()
  for (let i = 0; i < N; i++) { const { data } = await c.GET("/pets"); if (!data) throw new Error("x") }
  const u = process.cpuUsage(t)
  return (u.user + u.system) / N
}
if (process.env.ONLY === "mw") { console.log("mw", (await time("mw", mw)).toFixed(2)) } else for (let r = 0; r < 3; r++) console.log("plain", (await time("plain", plain)).toFixed(2), "mw", (await time("mw", mw)).toFixed(2))
await plain.close(); await mw.close()
