import { describe, expect, it } from "vitest"
import { findClient, slicePage } from "../src/internal/Api.ts"
import { Counters } from "../src/internal/Counters.ts"
import { FaultInjector } from "../src/internal/Faults.ts"
import { parseMultipart } from "../src/internal/Http.ts"
import { Router } from "../src/internal/Router.ts"
import { SeededRandom } from "../src/internal/SeededRandom.ts"
import { decodeJwtPayload, signHs256, verifyHs256 } from "../src/Jwt.ts"

describe("internals", () => {
  it("slices a page and tells the next offset, none on the last page", () => {
    expect(slicePage([1, 2, 3, 4, 5], 0, 2)).toEqual({ items: [1, 2], next: 2 })
    expect(slicePage([1, 2, 3, 4, 5], 4, 2)).toEqual({ items: [5], next: undefined })
    expect(slicePage([1, 2, 3, 4], 2, 2)).toEqual({ items: [3, 4], next: undefined })
    expect(slicePage([], 0, 50)).toEqual({ items: [], next: undefined })
  })

  it("finds a client only by its id and its own secret", () => {
    const clients = [
      { clientId: "a", clientSecret: "sa" },
      { clientId: "b", clientSecret: "sb" },
    ]
    expect(findClient(clients, "b", "sb")).toBe(clients[1])
    expect(findClient(clients, "b", "sa")).toBeUndefined()
    expect(findClient(clients, "c", "sb")).toBeUndefined()
    expect(findClient(clients, undefined, undefined)).toBeUndefined()
  })

  it("counts a request by its route kind", () => {
    const counters = new Counters()
    counters.count("c|u", "api")
    counters.count("c|u", "token", true)
    counters.count("c|u", "login")
    counters.count(undefined, "authorize")
    counters.count("c|u", "logout")
    expect(counters.snapshot().connections["c|u"]).toEqual({
      tokenRequests: 2,
      refreshes: 1,
      logins: 1,
      calls: 1,
      faults: 0,
      revocations: 1,
      rateLimited: 0,
    })
    expect(counters.snapshot().totals.logins).toBe(2)
  })

  it("routes literal segments before parameters and decodes parameters", () => {
    const router = new Router<string>()
    router.add("GET", "/employees/{id}", "api", "one").add("GET", "/employees/orgchart", "api", "chart")
    expect(router.match("GET", "/employees/orgchart")?.route.handler).toBe("chart")
    expect(router.match("GET", "/employees/a%20b")?.params).toEqual({ id: "a b" })
    expect(router.match("POST", "/employees/1")).toBeUndefined()
    expect(router.match("GET", "/employees/")).toBeUndefined()
  })

  it("signs and verifies HS256 JWTs and spots tampering", () => {
    const token = signHs256({ sub: "x", exp: 10 }, "secret")
    expect(verifyHs256(token, "secret")).toEqual({ ok: true, payload: { sub: "x", exp: 10 } })
    expect(verifyHs256(token, "other").ok).toBe(false)
    const [h, , s] = token.split(".")
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: "y", exp: 10 })).toString("base64url")}.${s}`
    expect(verifyHs256(forged, "secret").ok).toBe(false)
    expect(decodeJwtPayload(forged)?.sub).toBe("y")
  })

  it("parses multipart form fields", () => {
    const body = Buffer.from(
      '--XyZ\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nrefresh_token\r\n--XyZ\r\nContent-Disposition: form-data; name="client_id"\r\n\r\nabc\r\n--XyZ--\r\n',
    )
    expect(parseMultipart(body, "multipart/form-data; boundary=XyZ")).toEqual({
      grant_type: "refresh_token",
      client_id: "abc",
    })
    expect(parseMultipart(body, "multipart/form-data")).toBeUndefined()
  })

  it("matches fault routes on the full path or below the base path", () => {
    const faults = new FaultInjector(new SeededRandom(1))
    faults.add({ type: "429", route: "/candidates*" })
    expect(faults.decide("GET", "/spi/v3/candidates/abc", "api", "/spi/v3").fault?.type).toBe("429")
    expect(faults.decide("GET", "/spi/v3/jobs", "api", "/spi/v3").fault).toBeUndefined()
  })

  it("is deterministic for a seed", () => {
    const a = new SeededRandom(7)
    const b = new SeededRandom(7)
    expect([a.uuid(), a.hex(5), a.int(1, 100)]).toEqual([b.uuid(), b.hex(5), b.int(1, 100)])
    expect(a.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})
