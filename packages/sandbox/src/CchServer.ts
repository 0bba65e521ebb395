/**
 * The CCH (Unified Compliance Common Controls Hub) sandbox: the OAuth 2.0 authorization-code
 * flow with auto-consent for a default user, a JSON (or form) token endpoint with refresh-token
 * rotation and two-week refresh tokens, RFC 7009 revocation, non-expiring API keys, and the
 * account, user, group, initiative, role and authority-document-list resources whose relations
 * come as `{"_href", "id"}` links.
 *
 * @example
 * ```ts
 * import { startCchSandbox } from "@keyway/sandbox"
 * await using sb = await startCchSandbox()
 * const redirect = await fetch(`${sb.urls.authorizeUrl}?client_id=${sb.credentials.clientId}&response_type=code&state=s&scope=read&redirect_uri=http://127.0.0.1/cb`, { redirect: "manual" })
 * const code = new URL(redirect.headers.get("location")!).searchParams.get("code")
 * ```
 *
 * @since 0.1.0
 */
import {
  identifyConnection,
  type OAuthApp,
  type OAuthAppOptions,
  registeredClients,
} from "./internal/AuthorizationCode.ts"
import { authRoutes } from "./internal/cch/Auth.ts"
import { resourceRoutes } from "./internal/cch/Resources.ts"
import { Router } from "./internal/Router.ts"
import {
  type Handler,
  type ProviderSandbox,
  type SandboxOptions,
  startServer,
} from "./internal/SandboxServer.ts"

/**
 * A registered CCH application.
 *
 * @example
 * ```ts
 * import type { CchClient } from "@keyway/sandbox"
 * const app: CchClient = { clientId: "app", clientSecret: "s", redirectUris: ["http://127.0.0.1/cb"] }
 * ```
 */
export type CchClient = OAuthApp

/**
 * CCH sandbox options.
 *
 * @example
 * ```ts
 * import type { CchOptions } from "@keyway/sandbox"
 * const options: CchOptions = { rotateRefreshTokens: false, lifetimes: { access: 60 } }
 * ```
 */
export interface CchOptions extends SandboxOptions, OAuthAppOptions {
  /** The id of the user who consents at `/authorize` (default 2001, the account owner). */
  readonly userId?: number
  /** Non-expiring API keys, for the default user. */
  readonly apiKeys?: readonly string[]
  /** Refresh-token rotation (default on). */
  readonly rotateRefreshTokens?: boolean
}

/**
 * What the CCH sandbox accepts.
 *
 * @example
 * ```ts
 * import { startCchSandbox, type CchCredentials } from "@keyway/sandbox"
 * await using sb = await startCchSandbox()
 * const credentials: CchCredentials = sb.credentials
 * credentials.apiKey // "cch-api-key-keyway-0001"
 * ```
 */
export interface CchCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly clients: readonly CchClient[]
  readonly scope: string
  readonly userId: number
  readonly accountId: number
  readonly apiKey: string
  readonly apiKeys: readonly string[]
}

/**
 * A running CCH sandbox.
 *
 * @example
 * ```ts
 * import { startCchSandbox, type CchSandbox } from "@keyway/sandbox"
 * const sb: CchSandbox = await startCchSandbox()
 * ```
 */
export type CchSandbox = ProviderSandbox<"cch", CchCredentials>

/**
 * Starts a CCH sandbox.
 *
 * @example
 * ```ts
 * import { startCchSandbox } from "@keyway/sandbox"
 * const sb = await startCchSandbox({ rotateRefreshTokens: true })
 * await sb.stop()
 * ```
 */
export function startCchSandbox(options?: CchOptions): Promise<CchSandbox> {
  const { clientId, clientSecret, clients } = registeredClients(options, {
    clientId: "keyway-cch-client",
    clientSecret: "keyway-cch-secret",
  })
  const userId = options?.userId ?? 2001
  if (userId < 2001 || userId > 2040) throw new RangeError("CCH userId must be within 2001..2040")
  const apiKeys = options?.apiKeys ?? ["cch-api-key-keyway-0001"]
  const rotate = options?.rotateRefreshTokens ?? true
  const credentials: CchCredentials = {
    clientId,
    clientSecret,
    clients,
    scope: "read",
    userId,
    accountId: 1001,
    apiKey: apiKeys[0] ?? "",
    apiKeys,
  }

  return startServer("cch", options, { access: 3600, refresh: 1_209_600, session: 60 }, (rt) => {
    const router = new Router<Handler>()
    authRoutes(rt, router, { clients, userId, apiKeys, rotate })
    resourceRoutes(rt, router, userId)

    return {
      basePath: "",
      correlationHeader: "X-Correlation-Id",
      credentials,
      router,
      urls: (origin) => ({
        authorizeUrl: `${origin}/authorize`,
        tokenUrl: `${origin}/token`,
        revokeUrl: `${origin}/revoke`,
      }),
      errorBody: (_status, message) => ({ message }),
      identify: identifyConnection(rt, String(userId)),
    }
  })
}
