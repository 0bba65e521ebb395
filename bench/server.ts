/**
 * The loopback server of the HTTP benchmark, in its own process so that it does not share the
 * client's event loop (or its CPU account). Prints its port on stdout.
 *
 * - `GET /pets`: a fixed JSON answer; `POST /pets`: reads the JSON body and answers 201 with a
 *   fixed JSON pet.
 * - `POST /token?ttl=<s>&delay=<ms>`: an OAuth token endpoint (any grant) issuing `tok-<n>`,
 *   expiring in `ttl` seconds, answering after `delay` ms.
 * - A `Bearer tok-<n>` that has expired is answered `401` (and counted): the client sent a token
 *   it should have refreshed. Any other credential is accepted.
 * - `GET /stats`: `{ tokenRequests, expired }`; `POST /stats` zeroes them (and forgets the tokens).
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

const list = JSON.stringify([{ id: 1, name: "Rex", tags: ["good", "dog"] }])
const created = JSON.stringify({ id: 2, name: "Rex", tags: ["good", "dog"] })
const expiries = new Map<string, number>()
let tokenRequests = 0
let expired = 0

const json = (res: Http.ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  res.end(body)
}

const token = (url: URL, res: Http.ServerResponse) => {
  tokenRequests++
  const ttl = Number(url.searchParams.get("ttl") ?? 3600)
  const delay = Number(url.searchParams.get("delay") ?? 0)
  setTimeout(() => {
    const accessToken = `tok-${tokenRequests}-${Math.random().toString(36).slice(2)}`
    expiries.set(accessToken, Date.now() + ttl * 1000)
    json(res, 200, JSON.stringify({ access_token: accessToken, token_type: "Bearer", expires_in: ttl }))
  }, delay)
}

const isExpired = (authorization: string | undefined): boolean => {
  if (authorization === undefined || !authorization.startsWith("Bearer tok-")) return false
  const until = expiries.get(authorization.slice("Bearer ".length))
  return until === undefined || Date.now() >= until
}

const server = Http.createServer((req, res) => {
  req.resume()
  req.on("end", () => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    if (url.pathname === "/token") return token(url, res)
    if (url.pathname === "/stats") {
      if (req.method === "POST") {
        tokenRequests = 0
        expired = 0
        expiries.clear()
      }
      return json(res, 200, JSON.stringify({ tokenRequests, expired }))
    }
    if (isExpired(req.headers.authorization)) {
      expired++
      return json(res, 401, JSON.stringify({ message: "token expired" }))
    }
    if (req.method === "POST") return json(res, 201, created)
    json(res, 200, list)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})
process.on("SIGTERM", () => process.exit(0))
