/**
 * The Workable sandbox: one server for `www.workable.com` (OAuth 2.0 authorization code with
 * `+`-joined scopes and `resource=user`, a token endpoint that takes multipart or urlencoded
 * forms and rotates the refresh token on every refresh, revocation) and for the SPI v3 API
 * under `/spi/v3` (accounts, members, recruiters, departments, jobs, candidates, employees,
 * requisitions, offers, subscriptions, events and more), paged with `paging.next` links.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const res = await fetch(`${sb.baseUrl}/jobs?limit=50`, {
 *   headers: { authorization: `Bearer ${sb.credentials.apiToken}` },
 * })
 * const { jobs, paging } = (await res.json()) as { jobs: Array<{ id: string }>; paging?: { next?: string } }
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
import { Router } from "./internal/Router.ts"
import {
  type Handler,
  type ProviderSandbox,
  type SandboxOptions,
  startServer,
} from "./internal/SandboxServer.ts"
import { workableId } from "./internal/WorkableData.ts"
import { accountRoutes } from "./internal/workable/Account.ts"
import { authRoutes, SCOPES } from "./internal/workable/Auth.ts"
import { candidateRoutes } from "./internal/workable/Candidates.ts"
import { makeWorkableContext } from "./internal/workable/Context.ts"
import { employeeRoutes } from "./internal/workable/Employees.ts"
import { eventRoutes } from "./internal/workable/Events.ts"
import { jobRoutes } from "./internal/workable/Jobs.ts"
import { offerRoutes } from "./internal/workable/Offers.ts"
import { requisitionRoutes } from "./internal/workable/Requisitions.ts"

/**
 * A registered Workable partner application.
 *
 * @example
 * ```ts
 * import type { WorkableClient } from "@keyway/sandbox"
 * const app: WorkableClient = { clientId: "uid", clientSecret: "secret", redirectUris: ["http://127.0.0.1/cb"] }
 * ```
 */
export type WorkableClient = OAuthApp

/**
 * Workable sandbox options.
 *
 * @example
 * ```ts
 * import type { WorkableOptions } from "@keyway/sandbox"
 * const options: WorkableOptions = { subdomain: "acme", lifetimes: { access: 60 } }
 * ```
 */
export interface WorkableOptions extends SandboxOptions, OAuthAppOptions {
  /** Static API tokens (all scopes). */
  readonly apiTokens?: readonly string[]
  /** The account's subdomain (default `keyway-sandbox`). */
  readonly subdomain?: string
}

/**
 * What the Workable sandbox accepts.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox, type WorkableCredentials } from "@keyway/sandbox"
 * await using sb = await startWorkableSandbox()
 * const credentials: WorkableCredentials = sb.credentials
 * credentials.scopes // ["r_jobs", "r_candidates", "w_candidates", …]
 * ```
 */
export interface WorkableCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly clients: readonly WorkableClient[]
  /** Every scope the sandbox knows. */
  readonly scopes: readonly string[]
  readonly apiToken: string
  readonly apiTokens: readonly string[]
  readonly subdomain: string
  /** The member id of the user who consents at `/oauth/authorize`. */
  readonly userId: string
}

/**
 * A running Workable sandbox.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox, type WorkableSandbox } from "@keyway/sandbox"
 * const sb: WorkableSandbox = await startWorkableSandbox()
 * ```
 */
export type WorkableSandbox = ProviderSandbox<"workable", WorkableCredentials>

/**
 * Starts a Workable sandbox.
 *
 * @example
 * ```ts
 * import { startWorkableSandbox } from "@keyway/sandbox"
 * const sb = await startWorkableSandbox({ subdomain: "acme" })
 * await sb.stop()
 * ```
 */
export function startWorkableSandbox(options?: WorkableOptions): Promise<WorkableSandbox> {
  const { clientId, clientSecret, clients } = registeredClients(options, {
    clientId: "keyway-workable-client",
    clientSecret: "keyway-workable-secret",
  })
  const apiTokens = options?.apiTokens ?? ["wk-api-token-keyway-0001"]
  const subdomain = options?.subdomain ?? "keyway-sandbox"
  const userId = workableId("member", 0)
  const credentials: WorkableCredentials = {
    clientId,
    clientSecret,
    clients,
    scopes: SCOPES,
    apiToken: apiTokens[0] ?? "",
    apiTokens,
    subdomain,
    userId,
  }

  return startServer("workable", options, { access: 7200, refresh: null, session: 60 }, (rt) => {
    const router = new Router<Handler>()
    // www.workable.com
    authRoutes(rt, router, { clients, userId, apiTokens })
    // SPI v3, in the order of Workable's reference (the router prefers literal segments anyway)
    const w = makeWorkableContext(rt, router, subdomain)
    accountRoutes(w)
    jobRoutes(w)
    candidateRoutes(w)
    offerRoutes(w)
    employeeRoutes(w)
    requisitionRoutes(w)
    eventRoutes(w)

    return {
      basePath: "/spi/v3",
      correlationHeader: "X-Correlation-Id",
      credentials,
      router,
      urls: (origin) => ({
        authorizeUrl: `${origin}/oauth/authorize`,
        tokenUrl: `${origin}/oauth/token`,
        revokeUrl: `${origin}/oauth/revoke`,
      }),
      // Workable: 50 requests per 10-second interval for OAuth and partner tokens, every response
      // with X-Rate-Limit-Limit/Remaining/Reset (a Unix time), 429 above it.
      budget: {
        limit: 50,
        window: 10,
        kind: "interval",
        status: 429,
        retryAfter: true,
        headers: "x-rate-limit",
      },
      errorBody: (status, message) => ({ error: status === 404 ? "Not found" : message }),
      rateLimitHeaders: (retryAfter, wallNow) => ({
        "x-rate-limit-limit": "10",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(Math.ceil(wallNow + retryAfter)),
      }),
      identify: identifyConnection(rt, userId),
    }
  })
}
