// The loopback server of the HTTP benchmark: a fixed JSON answer, keep-alive, in its own process
// so that it does not share the client's event loop. Prints its port on stdout.
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

const body = JSON.stringify([{ id: 1, name: "Rex", tags: ["good", "dog"] }])
const server = Http.createServer((req, res) => {
  req.resume()
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
    res.end(body)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})
process.on("SIGTERM", () => process.exit(0))
