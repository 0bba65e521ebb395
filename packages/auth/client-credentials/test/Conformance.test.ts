import { runAuthConformance } from "@keyway/auth-testkit"
import { Redacted } from "effect"
import * as ClientCredentials from "../src/ClientCredentials.ts"

runAuthConformance({
  name: "client credentials (form body, Basic client authentication)",
  makeLayer: (server) =>
    ClientCredentials.layer({
      provider: "kit",
      tokenUrl: `${server.url}/token`,
      clientAuth: "basic",
      clientId: server.clientId,
      clientSecret: Redacted.make(server.clientSecret),
      requestScopes: ["kit.read"],
    }),
  secrets: (server) => [server.clientSecret],
})

runAuthConformance({
  name: "client credentials (CCW style: JSON body, client_credential grant)",
  makeLayer: (server) =>
    ClientCredentials.layer({
      provider: "kit",
      tokenUrl: `${server.url}/token`,
      bodyFormat: "json",
      grantType: "client_credential",
      clientId: server.clientId,
      clientSecret: Redacted.make(server.clientSecret),
    }),
  scopes: ["ccw.candidate"],
  secrets: (server) => [server.clientSecret],
})
