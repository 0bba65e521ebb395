/**
 * The CCW (Coupa Contingent Workforce) sandbox: a Keycloak-style client-credentials token
 * endpoint that wants a JSON body (and the documented `client_credential` grant type), and the
 * candidate search, candidate confirmation and contingent-worker search API with its required
 * headers, scope checks, offset pagination and error envelope.
 *
 * @example
 * ```ts
 * import { startCcwSandbox } from "@keyway/sandbox"
 * await using sb = await startCcwSandbox()
 * const token = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ client_id: sb.credentials.clientId, client_secret: sb.credentials.clientSecret, scope: "ccw.candidate", grant_type: "client_credential" }),
 * }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import { bearerConnection } from "./internal/Api.ts"
import { type CcwClient, tokenFields, tokenRoute } from "./internal/ccw/Auth.ts"
import { SCOPES } from "./internal/ccw/Data.ts"
import { ccwError } from "./internal/ccw/Errors.ts"
import { resourceRoutes } from "./internal/ccw/Resources.ts"
import { basicCredentials } from "./internal/Http.ts"
import { Router } from "./internal/Router.ts"
import {
  type Handler,
  type ProviderSandbox,
  type SandboxOptions,
  startServer,
} from "./internal/SandboxServer.ts"

export type { CcwClient } from "./internal/ccw/Auth.ts"
export { ccwError } from "./internal/ccw/Errors.ts"

/**
 * CCW sandbox options.
 *
 * @example
 * ```ts
 * import type { CcwOptions } from "@keyway/sandbox"
 * const options: CcwOptions = { clientId: "mine", clientSecret: "s3cret", realm: "ccw-eu-stg" }
 * ```
 */
export interface CcwOptions extends SandboxOptions {
  readonly clientId?: string
  readonly clientSecret?: string
  /** More clients besides the default one. */
  readonly clients?: readonly CcwClient[]
  /** The realm `urls.tokenUrl` names (default `ccw-na-stg`). */
  readonly realm?: string
  /** Realms the token endpoint knows (default `ccw-na-stg`, `ccw-na-prd`, `ccw-eu-stg`, `ccw-eu-prd` and `realm`). */
  readonly realms?: readonly string[]
  /** Accepted `grant_type` literals (default `client_credential` and `client_credentials`). */
  readonly grantTypes?: readonly string[]
}

/**
 * What the CCW sandbox accepts.
 *
 * @example
 * ```ts
 * import { startCcwSandbox, type CcwCredentials } from "@keyway/sandbox"
 * await using sb = await startCcwSandbox()
 * const credentials: CcwCredentials = sb.credentials
 * credentials.clientId // "keyway-ccw-client"
 * ```
 */
export interface CcwCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly realm: string
  readonly scopes: readonly string[]
  readonly grantType: string
  readonly clients: readonly CcwClient[]
}

/**
 * A running CCW sandbox.
 *
 * @example
 * ```ts
 * import { startCcwSandbox, type CcwSandbox } from "@keyway/sandbox"
 * const sb: CcwSandbox = await startCcwSandbox()
 * ```
 */
export type CcwSandbox = ProviderSandbox<"ccw", CcwCredentials>

/**
 * Starts a CCW sandbox.
 *
 * @example
 * ```ts
 * import { startCcwSandbox } from "@keyway/sandbox"
 * const sb = await startCcwSandbox({ lifetimes: { access: 60 } })
 * await sb.stop()
 * ```
 */
export function startCcwSandbox(options?: CcwOptions): Promise<CcwSandbox> {
  const clientId = options?.clientId ?? "keyway-ccw-client"
  const clientSecret = options?.clientSecret ?? "keyway-ccw-secret"
  const realm = options?.realm ?? "ccw-na-stg"
  const realms = new Set(options?.realms ?? ["ccw-na-stg", "ccw-na-prd", "ccw-eu-stg", "ccw-eu-prd", realm])
  realms.add(realm)
  const grantTypes = options?.grantTypes ?? ["client_credential", "client_credentials"]
  const clients: CcwClient[] = [{ clientId, clientSecret, scopes: [...SCOPES] }, ...(options?.clients ?? [])]
  const credentials: CcwCredentials = {
    clientId,
    clientSecret,
    realm,
    scopes: [...SCOPES],
    grantType: grantTypes[0] ?? "client_credential",
    clients,
  }
  const jwtSecret = `ccw-sandbox-${clientSecret}`

  return startServer("ccw", options, { access: 3600, refresh: null, session: 60 }, (rt) => {
    const router = new Router<Handler>()
    tokenRoute(rt, router, { clients, realms, grantTypes, jwtSecret })
    resourceRoutes(rt, router)

    return {
      basePath: "",
      correlationHeader: "X-Correlation-id",
      credentials,
      router,
      urls: (origin) => ({ tokenUrl: `${origin}/auth/realms/${realm}/protocol/openid-connect/token` }),
      // CCW documents no limit but asks for polite throttling: the sandbox holds callers to
      // Keyway's polite rate for CCW (10 calls/s, bursts of 10; the descriptor's `throttle`),
      // answering 429 without Retry-After above it.
      budget: { limit: 10, window: 1, burst: 10, status: 429, retryAfter: false },
      errorBody: (status, message) => ccwError(`E${status}0000`, message, [[`E${status}0001`, message]]),
      identify: (ctx, kind) => {
        if (kind === "api") return { connection: bearerConnection(rt, ctx) }
        const body = tokenFields(ctx)
        const id = typeof body?.client_id === "string" ? body.client_id : basicCredentials(ctx.req)?.id
        return { connection: id === undefined ? undefined : `${id}|${ctx.params.realm}` }
      },
    }
  })
}
