// Shared by the connections tests: plugin configs for the Workable and CCH sandboxes (built the
// one way every Keyway tool builds them), and a user agent that consents without a browser.
import { type AuthorizationCode, StrategyConfig } from "@keyway/auth-authorization-code"
import { descriptor as cch } from "@keyway/provider-cch/descriptor"
import { descriptor as workable } from "@keyway/provider-workable/descriptor"
import type { SandboxUrls } from "@keyway/sandbox"

export interface OAuthSandbox {
  readonly urls: SandboxUrls
  readonly credentials: { readonly clientId: string; readonly clientSecret: string }
}

export const configOf = (
  provider: "workable" | "cch",
  sb: OAuthSandbox,
  options: { readonly connection?: string } = {},
): AuthorizationCode.Config =>
  StrategyConfig.make((provider === "workable" ? workable : cch).auth[0], {
    provider,
    clientId: sb.credentials.clientId,
    clientSecret: sb.credentials.clientSecret,
    connection: options.connection,
    authorizeUrl: sb.urls.authorizeUrl,
    tokenUrl: sb.urls.tokenUrl,
    revokeUrl: sb.urls.revokeUrl,
  })

/** Follows the provider's authorize redirect (the sandboxes consent at once); returns the callback URL. */
export const consentAt = async (authorizeUrl: string): Promise<string> => {
  const response = await fetch(authorizeUrl, { redirect: "manual" })
  const location = response.headers.get("location")
  if (response.status < 300 || response.status > 399 || location === null)
    throw new Error(`authorize answered ${response.status}: ${await response.text()}`)
  return new URL(location, authorizeUrl).toString()
}

/** The `location` of a redirect response. */
export const locationOf = (response: Response): string => {
  const location = response.headers.get("location")
  if (location === null) throw new Error(`expected a redirect, got ${response.status}`)
  return location
}
