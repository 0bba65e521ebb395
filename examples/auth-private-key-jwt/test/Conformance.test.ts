import { runAuthConformance } from "@keyway/auth-testkit"
import { Redacted } from "effect"
import { PrivateKeyJwt } from "../src/index.ts"

runAuthConformance({
  name: "private_key_jwt client credentials (example third-party plugin)",
  // The kit's token endpoint accepts only signed client assertions, verified against the public
  // half of `clientPrivateKey` (iss, sub, aud, exp by the kit's clock, jti never reused).
  server: { clientAuthMethods: ["private_key_jwt"] },
  makeLayer: (server) =>
    PrivateKeyJwt.layer({
      provider: "example",
      tokenUrl: `${server.url}/token`,
      clientId: server.clientId,
      privateKey: Redacted.make(server.clientPrivateKey),
      algorithm: "ES256",
      keyId: server.clientKeyId,
    }),
  secrets: (server) => [server.clientPrivateKey],
  scopes: ["kit.read"],
})
