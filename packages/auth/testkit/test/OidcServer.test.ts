import { createHash, randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as OidcServer from "../src/OidcServer.ts"

let oidc: OidcServer.OidcServer
beforeAll(async () => {
  oidc = await OidcServer.start()
})
afterAll(() => oidc.close())

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
})

describe("OidcServer fixture", () => {
  it("issues client credentials tokens (client_secret_post)", async () => {
    const { clientId, clientSecret } = oidc.clients.post
    const response = await fetch(
      oidc.tokenUrl,
      form({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: clientSecret,
        scope: "api:read",
      }),
    )
    const body = (await response.json()) as Record<string, unknown>
    expect(response.status).toBe(200)
    expect(body.access_token).toBeTypeOf("string")
    expect(body.token_type).toBe("Bearer")
  })

  it("runs the authorization code flow with PKCE and consent without a browser, then rotates", async () => {
    const client = oidc.clients.post
    const verifier = randomBytes(32).toString("base64url")
    const challenge = createHash("sha256").update(verifier).digest("base64url")
    const url = new URL(oidc.authorizeUrl)
    for (const [k, v] of Object.entries({
      client_id: client.clientId,
      response_type: "code",
      scope: "openid offline_access api:read",
      redirect_uri: client.redirectUri,
      state: "s1",
      code_challenge: challenge,
      code_challenge_method: "S256",
      prompt: "consent",
    }))
      url.searchParams.set(k, v)
    const callback = new URL(await oidc.consent(url.toString()))
    expect(callback.searchParams.get("state")).toBe("s1")
    const code = callback.searchParams.get("code")!
    const exchanged = await fetch(
      oidc.tokenUrl,
      form({
        grant_type: "authorization_code",
        code,
        redirect_uri: client.redirectUri,
        code_verifier: verifier,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    )
    const grant = (await exchanged.json()) as Record<string, string>
    expect(exchanged.status).toBe(200)
    expect(grant.refresh_token).toBeTypeOf("string")
    const refresh = () =>
      fetch(
        oidc.tokenUrl,
        form({
          grant_type: "refresh_token",
          refresh_token: grant.refresh_token!,
          client_id: client.clientId,
          client_secret: client.clientSecret,
        }),
      )
    const first = await refresh()
    const rotated = (await first.json()) as Record<string, string>
    expect(first.status).toBe(200)
    expect(rotated.refresh_token).not.toBe(grant.refresh_token)
    const reused = await refresh()
    expect(reused.status).toBe(400)
    expect(((await reused.json()) as Record<string, string>).error).toBe("invalid_grant")
  })
})
