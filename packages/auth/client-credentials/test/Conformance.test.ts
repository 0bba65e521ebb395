import { runAuthConformance } from "@keyway/auth-testkit"
import { ClientAuth, Grant } from "@keyway/core"
import { Effect, Redacted } from "effect"
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

runAuthConformance({
  name: "client credentials with a private_key_jwt client assertion and a per-request nonce",
  server: { clientAuthMethods: ["private_key_jwt"] },
  makeLayer: (server) =>
    ClientCredentials.layer({
      provider: "kit",
      tokenUrl: `${server.url}/token`,
      clientId: server.clientId,
      clientAuthentication: ClientAuth.privateKeyJwt({
        privateKey: Redacted.make(server.clientPrivateKey),
        algorithm: "ES256",
        keyId: server.clientKeyId,
      }),
      requestParams: (context) => Effect.succeed({ nonce: `${context.now}-${context.attempt}` }),
    }),
  scopes: ["kit.read"],
  secrets: (server) => [server.clientPrivateKey],
})

runAuthConformance({
  name: "the same plugin configured for the password grant (a refused password is InvalidCredentials)",
  makeLayer: (server) =>
    ClientCredentials.layer({
      provider: "kit",
      tokenUrl: `${server.url}/token`,
      clientId: server.clientId,
      clientSecret: Redacted.make(server.clientSecret),
      grant: (scope) =>
        Grant.password({ username: server.username, password: Redacted.make(server.password), scope }),
    }),
  secrets: (server) => [server.clientSecret, server.password],
  capabilities: { badCredentials: ["InvalidCredentials"] },
})

runAuthConformance({
  name: "client credentials with tls_client_auth (a client certificate on the token request's connection)",
  server: { tls: true, clientAuthMethods: ["tls_client_auth"] },
  makeLayer: (server) =>
    ClientCredentials.layer({
      provider: "kit",
      tokenUrl: `${server.url}/token`,
      clientId: server.clientId,
      clientAuthentication: ClientAuth.tlsClientAuth({
        certificate: server.clientCertificate!.certificate,
        privateKey: Redacted.make(server.clientCertificate!.privateKey),
        ca: server.clientCertificate!.ca,
      }),
    }),
  secrets: (server) => [server.clientCertificate!.privateKey],
})

runAuthConformance({
  name: "the same plugin configured for the JWT bearer grant (RFC 7523 §2.1, an assertion signed per request)",
  makeLayer: (server) =>
    ClientCredentials.layer({
      provider: "kit",
      tokenUrl: `${server.url}/token`,
      clientId: server.clientId,
      clientSecret: Redacted.make(server.clientSecret),
      grant: (scope) =>
        Grant.jwtBearerSigned({
          privateKey: Redacted.make(server.clientPrivateKey),
          algorithm: "ES256",
          issuer: server.clientId,
          subject: "kit-user",
          scope,
        }),
    }),
  scopes: ["kit.read"],
  capabilities: { badCredentials: ["InvalidCredentials"] },
})
