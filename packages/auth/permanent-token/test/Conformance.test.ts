import { runAuthConformance } from "@keyway/auth-testkit"
import { Redacted } from "effect"
import * as PermanentToken from "../src/PermanentToken.ts"

const capabilities = {
  credentialEndpoint: false,
  expires: false,
  refreshOn401: false,
  badCredentials: ["CredentialsExpired"],
} as const

for (const placement of [
  undefined,
  { in: "header", name: "X-Api-Key" },
  { in: "query", name: "api_key" },
] satisfies Array<PermanentToken.Config["placement"]>) {
  runAuthConformance({
    name: `permanent token (${placement === undefined ? "Authorization: Bearer" : `${placement.in} ${placement.name}`})`,
    makeLayer: (server) =>
      PermanentToken.layer({ provider: "kit", token: Redacted.make(server.issueStaticToken()), placement }),
    capabilities,
  })
}
