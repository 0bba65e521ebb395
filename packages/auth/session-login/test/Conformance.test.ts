import { runAuthConformance } from "@keyway/auth-testkit"
import { Redacted } from "effect"
import * as SessionLogin from "../src/SessionLogin.ts"

runAuthConformance({
  name: "session login (JSON token path, logout)",
  makeLayer: (server) =>
    SessionLogin.layer({
      provider: "kit",
      baseUrl: server.url,
      login: { path: "/session" },
      token: { json: "token" },
      logout: { path: "/logout" },
      credentials: { username: server.username, password: Redacted.make(server.password) },
    }),
  secrets: (server) => [server.password],
})
