/**
 * `keyway init <provider>`: scaffolds `specs/<provider>/` with a commented descriptor and a
 * minimal OpenAPI document that generate accepts as they are, and registers the provider in the
 * configuration when that lists its providers (a configuration without `providers` discovers
 * every folder of `specs/`), so that `keyway generate` and `--check` cover it from then on.
 *
 * @example
 * ```ts
 * import { Init } from "@keyway/codegen"
 * Init.scaffold("/repo/specs", "acme") // ["/repo/specs/acme/provider.yaml", "/repo/specs/acme/openapi.yaml"]
 * ```
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { ResolvedConfig } from "./Config.ts"
import { UsageError } from "./Errors.ts"
import { displayPath } from "./Source.ts"

/**
 * The descriptor template.
 *
 * @example
 * ```ts
 * import { Init } from "@keyway/codegen"
 * Init.descriptorTemplate("acme").includes("name: acme") // true
 * ```
 *
 * @since 0.1.0
 */
export const descriptorTemplate = (
  name: string,
): string => `# yaml-language-server: $schema=../provider.schema.json
#
# The ${name} provider: what its OpenAPI spec cannot say. Run \`keyway generate --provider ${name}\`
# after editing; the client package lands in packages/providers/${name}/.

# Lower-case name; the package is named after it.
name: ${name}
title: ${name}
# The OpenAPI 3.0/3.1 document, relative to this file (multi-file specs with relative $refs work).
spec: openapi.yaml
# Where the spec came from (a URL, "hand-written", ...).
source: "hand-written"

# The API's base URL. {placeholders} are filled from variables, the chosen environment, or options.
baseUrl: "https://{host}/v1"

variables:
  host:
    description: "API host"
    default: api.example.com

# Named environments: values for the variables (optional).
environments:
  production: { host: api.example.com }
  sandbox: { host: sandbox.example.com }

# Every call may carry a correlation id header (optional).
# correlation: { header: X-Correlation-Id, maxLength: 36 }

# One or more strategies; with several, the client's \`auth\` option picks one by \`type\`.
# Types: oauth2-client-credentials, oauth2-authorization-code, permanent-token, session-login,
# custom (your own plugin: plugin: { package, export } and its options).
auth:
  - type: permanent-token
    id: api-token
    placement: { in: header, name: Authorization, scheme: Bearer }
  # - type: oauth2-client-credentials
  #   id: client-credentials
  #   tokenUrl: "https://{host}/oauth/token"
  #   bodyFormat: form          # form | json | multipart
  #   clientAuth: body          # body | basic
  #   scopes: [read, write]

# The error body's schema (a JSON pointer into the spec; optional).
errors:
  envelope: "#/components/schemas/Error"

# Paged list operations (optional): next-url, cursor, offset, page (page/per_page) or link
# (RFC 8288 Link: <...>; rel="next").
# pagination:
#   - operations: [listItems]
#     style: cursor
#     items: data
#     next: meta.nextCursor
#     param: cursor
#   - operations: [listUsers]
#     style: page
#     items: users
#     limitParam: per_page
#     pageSize: 100
#     total: meta.total

# A vendor's spec you do not own: keep it unchanged and put your changes in overlays/*.yaml
# (OpenAPI Overlay 1.0, applied in file-name order before generation).
`

/**
 * The minimal spec template.
 *
 * @example
 * ```ts
 * import { Init } from "@keyway/codegen"
 * Init.specTemplate("acme").startsWith("openapi: 3.1.0") // true
 * ```
 *
 * @since 0.1.0
 */
export const specTemplate = (name: string): string => `openapi: 3.1.0
info:
  title: ${name} API
  version: "0.1.0"
servers:
  - url: https://api.example.com/v1
paths:
  /items:
    get:
      operationId: listItems
      summary: List items
      responses:
        "200":
          description: The items.
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: array
                    items: { $ref: "#/components/schemas/Item" }
        default:
          description: An error.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Error" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Item:
      type: object
      required: [id]
      properties:
        id: { type: string }
        name: { type: string }
    Error:
      type: object
      properties:
        message: { type: string }
security:
  - bearer: []
`

/**
 * Writes the two files; refuses to overwrite.
 *
 * @example
 * ```ts
 * import { Init } from "@keyway/codegen"
 * Init.scaffold("/tmp/specs", "acme")
 * ```
 *
 * @since 0.1.0
 */
export const scaffold = (specs: string, name: string): ReadonlyArray<string> => {
  if (!/^[a-z][a-z0-9-]*$/.test(name))
    throw new UsageError({
      reason: `provider name "${name}": expected lower-case letters, digits and dashes, starting with a letter`,
    })
  const dir = join(specs, name)
  const files = [join(dir, "provider.yaml"), join(dir, "openapi.yaml")]
  for (const f of files)
    if (existsSync(f)) throw new UsageError({ reason: `${displayPath(f)} already exists` })
  mkdirSync(dir, { recursive: true })
  writeFileSync(files[0]!, descriptorTemplate(name))
  writeFileSync(files[1]!, specTemplate(name))
  return files
}

/**
 * What `register` did: the configuration discovers `specs/*` (nothing to do), the provider was
 * already listed, it was added to the file's `providers`, or the file could not be edited
 * (`manual`: the user adds it; the reason says where).
 *
 * @example
 * ```ts
 * import type { Init } from "@keyway/codegen"
 * declare const registration: Init.Registration
 * console.log(registration)
 * ```
 *
 * @since 0.1.0
 */
export type Registration =
  | { readonly _tag: "Discovered" }
  | { readonly _tag: "Listed" }
  | { readonly _tag: "Added"; readonly file: string }
  | { readonly _tag: "Manual"; readonly reason: string }

/**
 * Adds `name` to the configuration's `providers` list, when the configuration has one: in a JSON
 * file (`keyway.config.json`, a `keyway` key in `package.json`) through JSON, in a module
 * (`keyway.config.ts`, ...) by inserting a string literal into the `providers: [...]` array
 * literal. Anything else is left to the user, with the reason.
 *
 * @example
 * ```ts
 * import { Config, Init } from "@keyway/codegen"
 * const config = await Config.load(process.cwd())
 * Init.register(config, "acme") // { _tag: "Added", file: "/repo/keyway.config.ts" }
 * ```
 *
 * @since 0.1.0
 */
export const register = (config: ResolvedConfig, name: string): Registration => {
  if (!config.providers) return { _tag: "Discovered" }
  if (config.providers.includes(name)) return { _tag: "Listed" }
  const file = config.file
  const where = file ? displayPath(file) : "the configuration"
  const manual = (why: string): Registration => ({
    _tag: "Manual",
    reason: `${where}: ${why}; add "${name}" to its providers`,
  })
  if (!file) return manual("no configuration file")
  const text = readFileSync(file, "utf8")
  if (file.endsWith(".json")) {
    const json = JSON.parse(text) as Record<string, unknown>
    const target = file.endsWith("package.json") ? (json.keyway as Record<string, unknown>) : json
    const list = target?.providers
    if (!Array.isArray(list)) return manual("no providers array")
    list.push(name)
    const indent = /\n( +)"/.exec(text)?.[1] ?? "  "
    writeFileSync(file, `${JSON.stringify(json, null, indent)}\n`)
    return { _tag: "Added", file }
  }
  const match = /(\bproviders\s*:\s*\[)([^\]]*)\]/.exec(text)
  const items = match?.[2]
  if (!match || items === undefined || !/^(\s*(["'])[a-z0-9-]+\2\s*,?)*\s*$/.test(items))
    return manual("its providers are not an array of string literals")
  const quote = /'/.test(items) && !/"/.test(items) ? "'" : '"'
  const trimmed = items.replace(/\s*$/, "")
  const multiline = items.includes("\n")
  const last = items.slice(trimmed.length)
  const entry = `${quote}${name}${quote}`
  const inserted =
    trimmed.trim() === ""
      ? entry
      : multiline
        ? `${trimmed.replace(/,$/, "")},${/\n(\s*)\S/.exec(items)?.[0].slice(0, -1) ?? "\n  "}${entry},`
        : `${trimmed.replace(/,$/, "")}, ${entry}`
  const next = `${text.slice(0, match.index)}${match[1]}${inserted}${multiline ? last : ""}]${text.slice(match.index + match[0].length)}`
  writeFileSync(file, next)
  return { _tag: "Added", file }
}
