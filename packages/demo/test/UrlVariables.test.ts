/**
 * URL variables through the generated clients: each value is checked against the descriptor's
 * definition of its variable (a hostname by default, or the variable's `pattern` or `enum`), so a
 * value can never move a call, and its credential, to another host (SECURITY.md, run time).
 */

import * as Cca from "@keyway/provider-cca"
import * as Workable from "@keyway/provider-workable"
import { type Sandbox, startSandbox } from "@keyway/sandbox"
import { Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

let sb: Sandbox<"cca">
beforeAll(async () => {
  sb = await startSandbox("cca")
})
afterAll(() => sb.stop())

const permanent = () => ({
  type: "permanent-token" as const,
  token: Redacted.make(sb.credentials.permanentToken),
})

describe("URL variables of generated clients", () => {
  it("CCA: a server with a port passes its descriptor's pattern (resolved, nothing sent)", () => {
    const settings = Cca.resolveSettings({ server: "cca.example:8443", auth: permanent() })
    expect(settings.baseUrl).toBe("https://cca.example:8443/CcaAPI")
  })

  it("CCA: a server value that would change the host is a ConfigError before anything is sent", () => {
    const calls = sb.counters().totals.calls
    expect(() => Cca.createClient({ server: "127.0.0.1:9/x#", auth: permanent() })).toThrow(
      expect.objectContaining({ _tag: "ConfigError", path: "variables.server" }),
    )
    expect(sb.counters().totals.calls).toBe(calls)
  })

  it("Workable: a subdomain must be a DNS label", () => {
    expect(() =>
      Workable.createClient({
        subdomain: "127.0.0.1:9/x#",
        auth: { type: "permanent-token", token: Redacted.make("t") },
      } as never),
    ).toThrow(expect.objectContaining({ _tag: "ConfigError", path: "variables.subdomain" }))
  })
})
