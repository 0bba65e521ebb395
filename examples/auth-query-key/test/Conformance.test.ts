import { runAuthConformance } from "@keyway/auth-testkit"
import { Redacted } from "effect"
import { QueryKey } from "../src/index.ts"

runAuthConformance({
  name: "query API key (example third-party plugin)",
  // The kit's fake server mints a key its protected resource accepts.
  makeLayer: (server) =>
    QueryKey.layer({ provider: "example", apiKey: Redacted.make(server.issueStaticToken()) }),
  // A static key: no token endpoint, no expiry, no recovery from a 401.
  capabilities: {
    credentialEndpoint: false,
    expires: false,
    refreshOn401: false,
    badCredentials: ["CredentialsExpired"],
  },
})
