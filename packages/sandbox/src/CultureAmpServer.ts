/**
 * The Culture Amp sandbox: a client-credentials token endpoint that wants a form body, with the
 * client authenticated in the body or with HTTP Basic, a `target-entity:<entity>:<permissions>`
 * scope, HS256 JWT access tokens; and the 19 GET operations of Culture Amp's public API
 * (employees, demographics, performance cycles, manager reviews, surveys) under `/v1`, each
 * checking its permission, with cursor pagination (`pagination.afterKey` / `nextPath`).
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox } from "@keyway/sandbox"
 * await using sb = await startCultureAmpSandbox()
 * const { clientId, clientSecret, scope } = sb.credentials
 * const token = (await fetch(sb.urls.tokenUrl!, {
 *   method: "POST",
 *   headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
 *   body: new URLSearchParams({ grant_type: "client_credentials", scope }),
 * }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import { bearerConnection } from "./internal/Api.ts"
import { type CultureAmpClient, clientOf, PERMISSIONS, tokenRoute } from "./internal/cultureamp/Auth.ts"
import { makeCultureAmpContext } from "./internal/cultureamp/Context.ts"
import { employeeRoutes } from "./internal/cultureamp/Employees.ts"
import { performanceRoutes } from "./internal/cultureamp/Performance.ts"
import { surveyRoutes } from "./internal/cultureamp/Surveys.ts"
import { Router } from "./internal/Router.ts"
import {
  type Handler,
  type ProviderSandbox,
  type SandboxOptions,
  startServer,
} from "./internal/SandboxServer.ts"

export type { CultureAmpClient } from "./internal/cultureamp/Auth.ts"

/**
 * Culture Amp sandbox options.
 *
 * @example
 * ```ts
 * import type { CultureAmpOptions } from "@keyway/sandbox"
 * const options: CultureAmpOptions = { entityId: "8ed17dce-9eca-4383-a9e1-54f82c362b6d", pageSize: 50 }
 * ```
 */
export interface CultureAmpOptions extends SandboxOptions {
  readonly clientId?: string
  readonly clientSecret?: string
  readonly clients?: readonly CultureAmpClient[]
  /** The account's entity id, the middle part of the scope. */
  readonly entityId?: string
  /** Secret the JWTs are signed with (HS256). */
  readonly jwtSecret?: string
  /** Items per page of list endpoints (default 100). */
  readonly pageSize?: number
}

/**
 * What the Culture Amp sandbox accepts.
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox, type CultureAmpCredentials } from "@keyway/sandbox"
 * await using sb = await startCultureAmpSandbox()
 * const credentials: CultureAmpCredentials = sb.credentials
 * credentials.scope // "target-entity:8ed17dce-…:employees-read,employee-demographics-read,…"
 * ```
 */
export interface CultureAmpCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly entityId: string
  /** Every permission the sandbox knows. */
  readonly permissions: readonly string[]
  /** A scope asking for every permission. */
  readonly scope: string
  readonly clients: readonly CultureAmpClient[]
  readonly jwtSecret: string
}

/**
 * A running Culture Amp sandbox.
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox, type CultureAmpSandbox } from "@keyway/sandbox"
 * const sb: CultureAmpSandbox = await startCultureAmpSandbox()
 * ```
 */
export type CultureAmpSandbox = ProviderSandbox<"cultureamp", CultureAmpCredentials>

/**
 * Starts a Culture Amp sandbox.
 *
 * @example
 * ```ts
 * import { startCultureAmpSandbox } from "@keyway/sandbox"
 * const sb = await startCultureAmpSandbox({ pageSize: 100 })
 * await sb.stop()
 * ```
 */
export function startCultureAmpSandbox(options?: CultureAmpOptions): Promise<CultureAmpSandbox> {
  const clientId = options?.clientId ?? "keyway-cultureamp-client"
  const clientSecret = options?.clientSecret ?? "keyway-cultureamp-secret"
  const entityId = options?.entityId ?? "8ed17dce-9eca-4383-a9e1-54f82c362b6d"
  const jwtSecret = options?.jwtSecret ?? "keyway-cultureamp-jwt-secret"
  const pageSize = options?.pageSize ?? 100
  const clients: CultureAmpClient[] = [{ clientId, clientSecret }, ...(options?.clients ?? [])]
  const credentials: CultureAmpCredentials = {
    clientId,
    clientSecret,
    entityId,
    permissions: PERMISSIONS,
    scope: `target-entity:${entityId}:${PERMISSIONS.join(",")}`,
    clients,
    jwtSecret,
  }

  return startServer("cultureamp", options, { access: 3599, refresh: null, session: 60 }, (rt) => {
    const router = new Router<Handler>()
    tokenRoute(rt, router, { clients, entityId, jwtSecret })
    const amp = makeCultureAmpContext(rt, router, { jwtSecret, pageSize })
    employeeRoutes(amp)
    performanceRoutes(amp)
    surveyRoutes(amp)

    return {
      basePath: "/v1",
      correlationHeader: "X-Correlation-Id",
      credentials,
      router,
      urls: (origin) => ({ tokenUrl: `${origin}/v1/oauth2/token` }),
      // Culture Amp throttles with 429/503 (its docs name no figure): 10 calls/s, bursts of 10,
      // 429 with Retry-After by default; `budget: { status: 503, retryAfter: false }` etc. vary it.
      budget: { limit: 10, window: 1, burst: 10, status: 429, retryAfter: true },
      errorBody: (status, message) => ({ code: status, message }),
      identify: (ctx, kind) => {
        if (kind === "api") return { connection: bearerConnection(rt, ctx) }
        const id = clientOf(ctx).id
        return { connection: id === undefined ? undefined : `${id}|${entityId}` }
      },
    }
  })
}
