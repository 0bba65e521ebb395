/**
 * A descriptor inferred from an OpenAPI document alone (`keyway generate --spec`): the base URL
 * and its variables from `servers[0]`, and one auth strategy per security scheme:
 *
 * | securityScheme | strategy |
 * | --- | --- |
 * | `http` + `bearer` | `permanent-token`, `Authorization: Bearer <token>` |
 * | `http` + `basic` | `permanent-token`, `Authorization: Basic base64(username:password)` |
 * | `apiKey` in header/query | `permanent-token` placed under that name |
 * | `oauth2` `clientCredentials` | `oauth2-client-credentials` with the flow's token URL and scopes |
 * | `oauth2` `authorizationCode` | `oauth2-authorization-code` with the flow's URLs and scopes |
 *
 * Schemes Keyway cannot serve (cookies, mutual TLS, OpenID Connect discovery, implicit and password
 * flows) are skipped. A document without any usable scheme gets a bearer token strategy.
 *
 * @example
 * ```ts
 * import { Infer } from "@keyway/codegen"
 * const d = Infer.descriptor("petstore", "openapi.yaml", { openapi: "3.1.0", info: { title: "Pets", version: "1" }, components: { securitySchemes: { key: { type: "apiKey", in: "header", name: "X-Api-Key" } } } })
 * d.auth[0] // { type: "permanent-token", id: "key", placement: { in: "header", name: "X-Api-Key" } }
 * ```
 *
 * @since 0.1.0
 */
import type { AuthStrategy, ProviderDescriptor } from "@keyway/core/Descriptor"

const deref = (doc: Record<string, unknown>, value: unknown): Record<string, unknown> | undefined => {
  let cur = value as Record<string, unknown> | undefined
  for (let i = 0; i < 10 && cur && typeof cur.$ref === "string"; i++) {
    let node: unknown = doc
    for (const s of (cur.$ref as string).replace(/^#\//, "").split("/"))
      node = (node as Record<string, unknown> | undefined)?.[s.replaceAll("~1", "/").replaceAll("~0", "~")]
    cur = node as Record<string, unknown> | undefined
  }
  return cur
}

const id = (name: string): string => name.replace(/[^A-Za-z0-9_-]+/g, "-")

/**
 * Infers a descriptor from a bundled document.
 *
 * @example
 * ```ts
 * import { Infer } from "@keyway/codegen"
 * Infer.descriptor("x", "spec.json", { openapi: "3.0.0", info: { title: "X", version: "1" }, servers: [{ url: "https://x.test/v1" }] }).baseUrl // "https://x.test/v1"
 * ```
 *
 * @since 0.1.0
 */
export const descriptor = (name: string, spec: string, doc: Record<string, unknown>): ProviderDescriptor => {
  const info = (doc.info ?? {}) as { title?: unknown }
  const server = (Array.isArray(doc.servers) ? doc.servers[0] : undefined) as
    | { url?: unknown; variables?: Record<string, { default?: unknown; description?: unknown }> }
    | undefined
  const variables: Record<string, { description?: string; default?: string }> = {}
  for (const [k, v] of Object.entries(server?.variables ?? {})) {
    const out: { description?: string; default?: string } = {}
    if (typeof v?.description === "string") out.description = v.description
    if (typeof v?.default === "string") out.default = v.default
    variables[k] = out
  }
  const schemes = ((doc.components as Record<string, unknown> | undefined)?.securitySchemes ?? {}) as Record<
    string,
    unknown
  >
  const auth: Array<AuthStrategy> = []
  for (const schemeName of Object.keys(schemes).sort()) {
    const scheme = deref(doc, schemes[schemeName])
    if (!scheme) continue
    const type = scheme.type
    if (type === "http") {
      const s = String(scheme.scheme ?? "").toLowerCase()
      if (s === "bearer")
        auth.push({
          type: "permanent-token",
          id: id(schemeName),
          placement: { in: "header", name: "Authorization", scheme: "Bearer" },
        })
      else if (s === "basic")
        auth.push({
          type: "permanent-token",
          id: id(schemeName),
          placement: { in: "header", name: "Authorization", scheme: "Basic" },
        })
    } else if (type === "apiKey") {
      if ((scheme.in === "header" || scheme.in === "query") && typeof scheme.name === "string")
        auth.push({
          type: "permanent-token",
          id: id(schemeName),
          placement: { in: scheme.in, name: scheme.name },
        })
    } else if (type === "oauth2") {
      const flows = (scheme.flows ?? {}) as Record<
        string,
        { tokenUrl?: unknown; authorizationUrl?: unknown; scopes?: Record<string, unknown> } | undefined
      >
      const cc = flows.clientCredentials
      if (cc && typeof cc.tokenUrl === "string")
        auth.push({
          type: "oauth2-client-credentials",
          id: Object.keys(flows).length > 1 ? id(`${schemeName}-client-credentials`) : id(schemeName),
          tokenUrl: cc.tokenUrl,
          scopes: Object.keys(cc.scopes ?? {}),
        })
      const ac = flows.authorizationCode
      if (ac && typeof ac.tokenUrl === "string" && typeof ac.authorizationUrl === "string")
        auth.push({
          type: "oauth2-authorization-code",
          id: Object.keys(flows).length > 1 ? id(`${schemeName}-authorization-code`) : id(schemeName),
          authorizeUrl: ac.authorizationUrl,
          tokenUrl: ac.tokenUrl,
          scopes: Object.keys(ac.scopes ?? {}),
        })
    }
  }
  if (auth.length === 0)
    auth.push({
      type: "permanent-token",
      id: "token",
      placement: { in: "header", name: "Authorization", scheme: "Bearer" },
    })
  const out: Record<string, unknown> = {
    name,
    title: typeof info.title === "string" ? info.title : name,
    spec,
    source: "inferred by keyway generate --spec from the document's servers and securitySchemes",
    baseUrl: typeof server?.url === "string" ? server.url : "",
  }
  if (Object.keys(variables).length > 0) out.variables = variables
  out.auth = auth
  return out as unknown as ProviderDescriptor
}
