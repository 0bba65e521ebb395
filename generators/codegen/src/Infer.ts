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
 * Schemes Keyway cannot serve (an apiKey in a cookie, mutual TLS, OpenID Connect discovery,
 * implicit and password flows, a flow without its URLs) are not guessed at: {@link infer} reports
 * each one with the reason, and the generator makes them warnings when another scheme is usable,
 * an error when none is. Only a document that declares no scheme at all gets a bearer token
 * strategy, and that assumption is reported too. `keyway generate --spec ... --write-descriptor
 * <file>` writes the inferred descriptor as an editable `provider.yaml`.
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
 * A security scheme inference could not turn into a strategy, or an assumption it made.
 *
 * @example
 * ```ts
 * import type { Infer } from "@keyway/codegen"
 * declare const note: Infer.Note
 * console.log(note.at)
 * ```
 *
 * @since 0.1.0
 */
export interface Note {
  /** Where, as JSON pointer segments of the document (`["components", "securitySchemes", "session"]`). */
  readonly at: ReadonlyArray<string>
  /** What was found, e.g. `apiKey in cookie "session"`. */
  readonly found: string
  /** What Keyway can serve instead, or what it assumed. */
  readonly expected: string
}

/**
 * An inferred descriptor and what inference could not do.
 *
 * @example
 * ```ts
 * import type { Infer } from "@keyway/codegen"
 * declare const inferred: Infer.Inferred
 * console.log(inferred.descriptor)
 * ```
 *
 * @since 0.1.0
 */
export interface Inferred {
  readonly descriptor: ProviderDescriptor
  /** Schemes that could not be served: warnings when `usable`, otherwise the reason to stop. */
  readonly unsupported: ReadonlyArray<Note>
  /** Whether at least one strategy comes from the document's own schemes. */
  readonly usable: boolean
  /** Set when the document declares no scheme and a bearer token was assumed. */
  readonly assumed?: Note | undefined
}

const servable = (why?: string) =>
  `a scheme keyway can serve: http bearer or basic, apiKey in a header or the query, oauth2 clientCredentials or authorizationCode (${why ? `${why}; ` : ""}otherwise write a provider.yaml)`

/**
 * Infers a descriptor from a bundled document, and says which schemes it could not serve.
 *
 * @example
 * ```ts
 * import { Infer } from "@keyway/codegen"
 * const r = Infer.infer("x", "spec.json", { openapi: "3.1.0", info: { title: "X", version: "1" }, components: { securitySchemes: { session: { type: "apiKey", in: "cookie", name: "sid" } } } })
 * r.usable // false
 * r.unsupported[0]?.found // 'apiKey in cookie "sid"'
 * ```
 *
 * @since 0.1.0
 */
export const infer = (name: string, spec: string, doc: Record<string, unknown>): Inferred => {
  const info = (doc.info ?? {}) as { title?: unknown }
  const server = (Array.isArray(doc.servers) ? doc.servers[0] : undefined) as
    | {
        url?: unknown
        variables?: Record<string, { default?: unknown; description?: unknown; enum?: unknown }>
      }
    | undefined
  const variables: Record<string, { description?: string; default?: string; enum?: ReadonlyArray<string> }> =
    {}
  for (const [k, v] of Object.entries(server?.variables ?? {})) {
    const out: { description?: string; default?: string; enum?: ReadonlyArray<string> } = {}
    if (typeof v?.description === "string") out.description = v.description
    if (typeof v?.default === "string") out.default = v.default
    // The spec's own list of values is the variable's allowed set at run time (checkVariable).
    if (Array.isArray(v?.enum) && v.enum.length > 0 && v.enum.every((e) => typeof e === "string"))
      out.enum = v.enum as ReadonlyArray<string>
    variables[k] = out
  }
  const schemes = ((doc.components as Record<string, unknown> | undefined)?.securitySchemes ?? {}) as Record<
    string,
    unknown
  >
  const auth: Array<AuthStrategy> = []
  const unsupported: Array<Note> = []
  for (const schemeName of Object.keys(schemes).sort()) {
    const scheme = deref(doc, schemes[schemeName])
    const at = ["components", "securitySchemes", schemeName]
    const skip = (found: string, expected: string = servable()) => unsupported.push({ at, found, expected })
    if (!scheme) {
      skip("a $ref that does not resolve")
      continue
    }
    const type = scheme.type
    const before = auth.length
    const notesBefore = unsupported.length
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
      else skip(`http scheme ${JSON.stringify(scheme.scheme ?? "")}`)
    } else if (type === "apiKey") {
      if ((scheme.in === "header" || scheme.in === "query") && typeof scheme.name === "string")
        auth.push({
          type: "permanent-token",
          id: id(schemeName),
          placement: { in: scheme.in, name: scheme.name },
        })
      else
        skip(
          `apiKey in ${String(scheme.in)} ${JSON.stringify(scheme.name ?? "")}`,
          servable(scheme.in === "cookie" ? "keyway does not send credentials in cookies" : undefined),
        )
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
      for (const flow of Object.keys(flows))
        if (flow !== "clientCredentials" && flow !== "authorizationCode")
          skip(`oauth2 flow ${JSON.stringify(flow)}`)
      if (cc && typeof cc.tokenUrl !== "string") skip("oauth2 clientCredentials without tokenUrl")
      if (ac && (typeof ac.tokenUrl !== "string" || typeof ac.authorizationUrl !== "string"))
        skip("oauth2 authorizationCode without tokenUrl or authorizationUrl")
    } else if (type === "mutualTLS")
      skip("mutualTLS", servable("keyway does not present client certificates"))
    else if (type === "openIdConnect")
      skip(
        `openIdConnect ${JSON.stringify(scheme.openIdConnectUrl ?? "")}`,
        servable(
          "its discovery document is not fetched: put the authorize and token URLs in a provider.yaml",
        ),
      )
    if (auth.length === before && unsupported.length === notesBefore)
      skip(
        type === "oauth2" ? "oauth2 without a usable flow" : `security scheme type ${JSON.stringify(type)}`,
      )
  }
  const usable = auth.length > 0
  let assumed: Note | undefined
  if (!usable && Object.keys(schemes).length === 0) {
    auth.push({
      type: "permanent-token",
      id: "token",
      placement: { in: "header", name: "Authorization", scheme: "Bearer" },
    })
    assumed = {
      at: [],
      found: "no components.securitySchemes",
      expected: "declared security schemes (assumed a bearer token: Authorization: Bearer <token>)",
    }
  }
  const out: Record<string, unknown> = {
    name,
    title: typeof info.title === "string" ? info.title : name,
    spec,
    source: "inferred by keyway generate --spec from the document's servers and securitySchemes",
    baseUrl: typeof server?.url === "string" ? server.url : "",
  }
  if (Object.keys(variables).length > 0) out.variables = variables
  out.auth = auth
  return { descriptor: out as unknown as ProviderDescriptor, unsupported, usable, assumed }
}

/**
 * The inferred descriptor alone ({@link infer} without its notes).
 *
 * @example
 * ```ts
 * import { Infer } from "@keyway/codegen"
 * Infer.descriptor("x", "spec.json", { openapi: "3.0.0", info: { title: "X", version: "1" }, servers: [{ url: "https://x.test/v1" }] }).baseUrl // "https://x.test/v1"
 * ```
 *
 * @since 0.1.0
 */
export const descriptor = (name: string, spec: string, doc: Record<string, unknown>): ProviderDescriptor =>
  infer(name, spec, doc).descriptor

/**
 * The text of an editable `provider.yaml` for an inferred descriptor, to be written at `file`:
 * `spec` relative to the file's folder, the editor schema line when `schemaFile` is given, and a
 * comment naming each scheme that was not inferred.
 *
 * @example
 * ```ts
 * import { Infer } from "@keyway/codegen"
 * declare const document: Record<string, unknown>
 * const r = Infer.infer("acme", "openapi.yaml", document)
 * const text = await Infer.descriptorYaml(r, { file: "/p/specs/acme/provider.yaml", specPath: "/p/specs/acme/openapi.yaml" })
 * ```
 *
 * @since 0.1.0
 */
export const descriptorYaml = async (
  inferred: Inferred,
  where: { readonly file: string; readonly specPath: string; readonly schemaFile?: string | undefined },
): Promise<string> => {
  const [{ stringify }, { dirname, relative }] = await Promise.all([import("yaml"), import("node:path")])
  const rel = (to: string) => {
    const r = relative(dirname(where.file), to).split("\\").join("/")
    return r.startsWith(".") ? r : `./${r}`
  }
  const value = { ...inferred.descriptor, spec: rel(where.specPath).replace(/^\.\//, "") }
  const notes = [...inferred.unsupported, ...(inferred.assumed ? [inferred.assumed] : [])]
  const head = [
    ...(where.schemaFile ? [`# yaml-language-server: $schema=${rel(where.schemaFile)}`, "#"] : []),
    "# Inferred by keyway generate --spec from the document's servers and securitySchemes: review it,",
    "# then move it to specs/<name>/provider.yaml and generate with `keyway generate --provider <name>`.",
    ...(notes.length ? ["#", "# Not inferred:"] : []),
    ...notes.map((n) => `#   /${n.at.join("/")}: ${n.found.replace(/[\r\n]+/g, " ")}`),
  ]
  return `${head.join("\n")}\n${stringify(value, { lineWidth: 100 })}`
}
