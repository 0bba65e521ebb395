import { describe, expect, it } from "vitest"
import { FaultInjector } from "../src/Faults.ts"
import { parseMultipart } from "../src/Http.ts"
import { decodeJwtPayload, signHs256, verifyHs256 } from "../src/Jwt.ts"
import { Router } from "../src/Router.ts"
import { SeededRandom } from "../src/SeededRandom.ts"

describe("internals", () => {
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
