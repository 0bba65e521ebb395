/**
 * The CCA (contact-center Web API) sandbox: `POST /CcaAPI/session` logins that give short-lived
 * session tokens (60 s by default), `DELETE /CcaAPI/session` logouts, the same login as an OAuth
 * 2.0 password grant (`POST /CcaAPI/oauth/token`: form body, public client `cca-integrations`,
 * the module as `scope`; a wrong password is `400 invalid_grant`), permanent `A-…` tokens
 * with optional expiration dates, and a representative set of resources (agents, queues and
 * their statistics, campaigns, contacts, interactions).
 *
 * @example
 * ```ts
 * import { startCcaSandbox } from "@keyway/sandbox"
 * await using sb = await startCcaSandbox()
 * const { token } = (await fetch(sb.urls.sessionUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ username: sb.credentials.username, password: sb.credentials.password, module: sb.credentials.module }),
 * }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import { bearerConnection } from "./internal/Api.ts"
import { authRoutes, parseExpiry } from "./internal/cca/Auth.ts"
import { resourceRoutes } from "./internal/cca/Resources.ts"
import { str } from "./internal/Http.ts"
import { Router } from "./internal/Router.ts"
import {
  type Handler,
  type ProviderSandbox,
  type SandboxOptions,
  startServer,
} from "./internal/SandboxServer.ts"

/**
 * A CCA user who can log in.
 *
 * @example
 * ```ts
 * import type { CcaUser } from "@keyway/sandbox"
 * const user: CcaUser = { username: "agent", password: "pw", modules: ["Integration"] }
 * ```
 */
export interface CcaUser {
  readonly username: string
  readonly password: string
  /** Modules the user may log in to (default: the sandbox's module). */
  readonly modules?: readonly string[]
}

/**
 * A permanent token: made for a user and a module, with an optional expiration date (ISO string
 * or epoch seconds, compared with the sandbox clock).
 *
 * @example
 * ```ts
 * import type { CcaPermanentToken } from "@keyway/sandbox"
 * const t: CcaPermanentToken = { token: "A-…", username: "agent", module: "Integration", expiresAt: "2030-01-01T00:00:00Z" }
 * ```
 */
export interface CcaPermanentToken {
  readonly token: string
  readonly username: string
  readonly module: string
  readonly expiresAt?: string | number | null
}

/**
 * CCA sandbox options.
 *
 * @example
 * ```ts
 * import type { CcaOptions } from "@keyway/sandbox"
 * const options: CcaOptions = { lifetimes: { session: 5 }, username: "me", password: "pw" }
 * ```
 */
export interface CcaOptions extends SandboxOptions {
  readonly username?: string
  readonly password?: string
  readonly module?: string
  /** More users besides the default one. */
  readonly users?: readonly CcaUser[]
  /** Permanent tokens; default: a non-expiring one and one that expired on 2024-01-01. */
  readonly permanentTokens?: readonly CcaPermanentToken[]
}

/**
 * What the CCA sandbox accepts.
 *
 * @example
 * ```ts
 * import { startCcaSandbox, type CcaCredentials } from "@keyway/sandbox"
 * await using sb = await startCcaSandbox()
 * const credentials: CcaCredentials = sb.credentials
 * credentials.permanentToken // "A-b189a7c5-804d-403f-ac4a-a940dfsfdfs"
 * ```
 */
export interface CcaCredentials {
  readonly username: string
  readonly password: string
  readonly module: string
  /** The public OAuth client of the password grant endpoint (`POST /CcaAPI/oauth/token`). */
  readonly oauthClientId: string
  /** A permanent token that never expires (unless `permanentTokens` was given without one). */
  readonly permanentToken: string
  /** A permanent token whose expiration date has passed. */
  readonly expiredPermanentToken: string
  readonly users: readonly CcaUser[]
  readonly permanentTokens: readonly CcaPermanentToken[]
}

/**
 * A running CCA sandbox.
 *
 * @example
 * ```ts
 * import { startCcaSandbox, type CcaSandbox } from "@keyway/sandbox"
 * const sb: CcaSandbox = await startCcaSandbox()
 * ```
 */
export type CcaSandbox = ProviderSandbox<"cca", CcaCredentials>

/**
 * Starts a CCA sandbox.
 *
 * @example
 * ```ts
 * import { startCcaSandbox } from "@keyway/sandbox"
 * const sb = await startCcaSandbox({ lifetimes: { session: 60 } })
 * await sb.stop()
 * ```
 */
export function startCcaSandbox(options?: CcaOptions): Promise<CcaSandbox> {
  const username = options?.username ?? "keyway.agent"
  const password = options?.password ?? "keyway-cca-password"
  const module = options?.module ?? "KeywayIntegration"
  const users: CcaUser[] = [{ username, password, modules: [module] }, ...(options?.users ?? [])]
  const permanentTokens: CcaPermanentToken[] = options?.permanentTokens
    ? [...options.permanentTokens]
    : [
        { token: "A-b189a7c5-804d-403f-ac4a-a940dfsfdfs", username, module, expiresAt: null },
        {
          token: "A-5f0c2e7d-1a3b-4c8d-9e6f-expired00001",
          username,
          module,
          expiresAt: "2024-01-01T00:00:00Z",
        },
      ]
  const now = Date.now() / 1000
  const live = permanentTokens.find((t) => {
    const at = parseExpiry(t.expiresAt)
    return at === null || at > now
  })
  const dead = permanentTokens.find((t) => {
    const at = parseExpiry(t.expiresAt)
    return at !== null && at <= now
  })
  const credentials: CcaCredentials = {
    username,
    password,
    module,
    oauthClientId: "cca-integrations",
    permanentToken: live?.token ?? "",
    expiredPermanentToken: dead?.token ?? "",
    users,
    permanentTokens,
  }

  return startServer("cca", options, { access: 3600, refresh: null, session: 60 }, (rt) => {
    const router = new Router<Handler>()
    authRoutes(rt, router, { users, module, permanentTokens, oauthClientId: credentials.oauthClientId })
    resourceRoutes(rt, router)

    return {
      basePath: "/CcaAPI",
      correlationHeader: "X-Correlation-Id",
      credentials,
      router,
      urls: (origin) => ({
        sessionUrl: `${origin}/CcaAPI/session`,
        tokenUrl: `${origin}/CcaAPI/oauth/token`,
      }),
      errorBody: (_status, text) => ({ message: text }),
      identify: (ctx, kind) => {
        if (kind === "login") {
          const body = ctx.fields()
          const user = str(body, "username")
          const mod = str(body, "module") ?? str(body, "scope")
          return { connection: user && mod ? `${mod}|${user}` : undefined }
        }
        return { connection: bearerConnection(rt, ctx) }
      },
    }
  })
}
