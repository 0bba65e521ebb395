import { type FakeCredentialServer, runAuthConformance } from "@keyway/auth-testkit"
import { Redacted } from "effect"
import * as AuthorizationCode from "../src/AuthorizationCode.ts"

const config = (server: FakeCredentialServer.FakeCredentialServer, revokeStyle: "rfc7009" | "workable") => ({
  provider: "kit",
  authorizeUrl: `${server.url}/authorize`,
  tokenUrl: `${server.url}/token`,
  revokeUrl: `${server.url}/revoke`,
  revokeStyle,
  clientId: server.clientId,
  clientSecret: Redacted.make(server.clientSecret),
  requestScopes: ["read"],
})

for (const revokeStyle of ["rfc7009", "workable"] as const) {
  runAuthConformance({
    name: `authorization code (rotating refresh tokens, ${revokeStyle} revocation)`,
    makeLayer: (server) => AuthorizationCode.layer(config(server, revokeStyle)),
    // The user authorized before the check: the store holds a grant whose access token must be refreshed.
    prepare: (server) =>
      AuthorizationCode.importGrant(config(server, revokeStyle), {
        refreshToken: Redacted.make(server.issueRefreshToken()),
      }),
    secrets: (server) => [server.clientSecret],
    capabilities: { rotation: true },
  })
}
