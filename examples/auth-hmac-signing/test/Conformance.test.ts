import { runAuthConformance } from "@keyway/auth-testkit"
import { Redacted } from "effect"
import { HmacSigning } from "../src/index.ts"
import * as SigningServer from "./SigningServer.ts"

runAuthConformance({
  name: "HMAC request signing (example third-party plugin)",
  // The provider side: a resource that verifies every signature against the kit's clock.
  server: () => SigningServer.make(),
  makeLayer: (server) =>
    HmacSigning.layer({ provider: "example", keyId: server.keyId, secret: Redacted.make(server.secret) }),
  // What the signature covers: the kit changes each part and expects another credential.
  signs: { method: true, path: true, query: true, headers: ["content-type"], body: true, time: true },
  capabilities: {
    credentialEndpoint: false,
    expires: false,
    refreshOn401: false,
    badCredentials: ["CredentialsExpired"],
  },
})
