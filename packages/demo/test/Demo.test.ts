/**
 * The demo itself: `main` runs all five providers twice (clean, then under faults) and prints
 * the table; it must exit 0 with every row ok.
 */
import { describe, expect, it } from "vitest"
import { main } from "../src/Main.ts"
import * as SandboxControl from "../src/SandboxControl.ts"
import * as Table from "../src/Table.ts"

describe("pnpm demo", () => {
  it("runs every provider and strategy, clean and under faults, and exits 0", async () => {
    const out: Array<string> = []
    const err: Array<string> = []
    const started = performance.now()
    const code = await main(
      [],
      (l) => void out.push(l),
      (l) => void err.push(l),
    )
    expect(performance.now() - started).toBeLessThan(30_000)
    expect(err).toEqual([])
    expect(code).toBe(0)

    const lines = out.join("\n").split("\n")
    expect(lines[0]).toMatch(
      /^provider\s+strategy\s+phase\s+calls\s+token requests\s+refreshes\s+retries\s+last correlation id\s+result$/,
    )
    const blank = lines.indexOf("")
    const rows = lines.slice(2, blank < 0 ? undefined : blank).map((line) => line.split(/\s{2,}/))
    const expected = [
      ["ccw", "client-credentials"],
      ["cca", "permanent-token"],
      ["cca", "session-login"],
      ["cch", "authorization-code"],
      ["cultureamp", "client-credentials"],
      ["workable", "authorization-code"],
    ]
    expect(rows).toHaveLength(expected.length * 2 + 2)
    // the keeper row set: one revoked connection, expiring ones refreshed, events delivered
    for (const provider of ["workable", "cch"]) {
      const row = rows.find((r) => r[0] === provider && r[1] === "keeper" && r[2] === "keeper")
      expect(row?.[8], `${provider} keeper`).toBe("ok")
    }
    const heading = lines.findIndex((line) => line.startsWith("keeper events delivered as signed webhooks"))
    expect(heading).toBeGreaterThan(blank)
    const events = lines.slice(heading + 1).map((line) => line.trim())
    expect(events).toContain("refreshed workable/demo-expiring")
    expect(events).toContain("refreshed cch/demo-expiring")
    expect(events.some((e) => e.startsWith("reauthorization_required workable/demo-revoked"))).toBe(true)
    for (const [provider, strategy] of expected) {
      for (const phase of ["clean", "faults"]) {
        const row = rows.find((r) => r[0] === provider && r[1] === strategy && r[2] === phase)
        expect(row, `${provider} ${strategy} ${phase}`).toBeDefined()
        const [, , , calls, tokenRequests, refreshes, retries, correlationId, result] = row!
        expect(result).toBe("ok")
        expect(Number(calls)).toBeGreaterThan(0)
        expect(correlationId).toMatch(/^[0-9a-f-]{36}$/)
        if (phase === "clean") expect(Number(retries)).toBe(0)
        if (provider === "cch" || provider === "workable") {
          expect(Number(refreshes)).toBe(1)
          expect(Number(tokenRequests)).toBe(2)
        }
      }
    }
    const faultRetries = rows.filter((r) => r[2] === "faults").reduce((sum, r) => sum + Number(r[6]), 0)
    expect(faultRetries).toBeGreaterThan(0)

    // The throttle section: a line per provider; the budgets keep the sandboxes from answering 429.
    const throttle = lines.slice(blank + 1)
    expect(throttle[0]).toMatch(/^throttle:/)
    const line = (provider: string) => throttle.find((l) => l.trim().startsWith(`${provider} `))
    for (const provider of ["ccw", "cultureamp"]) {
      expect(line(provider)).toMatch(
        /budget: 10\/s, burst 5.*; 30 calls in .* 0 answered 429 by the sandbox: ok$/,
      )
    }
    expect(line("workable")).toMatch(/budget: paced by rate-limit headers.*; 20 calls in .*: ok$/)
    for (const provider of ["cca", "cch"])
      expect(line(provider)).toMatch(/budget: none declared; not throttled$/)
  })

  it("refuses bad arguments with exit code 2", async () => {
    const err: Array<string> = []
    expect(
      await main(
        ["--rate", "2"],
        () => {},
        (l) => void err.push(l),
      ),
    ).toBe(2)
    expect(
      await main(
        ["--provider", "nope"],
        () => {},
        (l) => void err.push(l),
      ),
    ).toBe(2)
    expect(err.join("\n")).toContain("unknown provider nope")
  })

  it("renders the table and the failures", () => {
    const row = {
      provider: "ccw",
      strategy: "client-credentials",
      phase: "faults" as const,
      calls: 12,
      tokenRequests: 3,
      refreshes: 0,
      retries: 2,
      correlationId: "c-1",
      result: "FAIL NetworkError",
      error: "ECONNRESET",
    }
    const text = Table.render([row])
    expect(text.split("\n")).toHaveLength(3)
    expect(text).toContain("FAIL NetworkError")
    expect(Table.failures([row])).toBe("ccw client-credentials (faults): FAIL NetworkError: ECONNRESET")
    expect(SandboxControl.faultProfile(0.3).map((f) => f.type)).toEqual(["429", "5xx", "reset", "latency"])
  })
})
