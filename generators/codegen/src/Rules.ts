/**
 * The rules a descriptor must follow beyond its schema, because its values become generated code,
 * request headers and the URLs credentials are sent to:
 *
 * - no `__proto__` key anywhere (it would set a prototype in the emitted object literals), no
 *   non-finite number (YAML `.nan`, which JSON would turn into `null`);
 * - a custom strategy's `plugin.package` is an npm package name;
 * - URLs (`baseUrl`, `tokenUrl`, `authorizeUrl`, `revokeUrl`) of RFC 3986 characters with
 *   balanced `{name}` placeholders, `http:` or `https:` only (no `javascript:`, `file:`), not
 *   protocol-relative, and plain `http:` only to a loopback host unless `allowInsecureHttp`;
 * - variable names and login-body placeholders usable as names (`[A-Za-z_][A-Za-z0-9_.-]*`;
 *   a placeholder that becomes a credential option must be an identifier);
 * - header names are RFC 9110 tokens, header values hold no line break or control character, and
 *   `Host`, `Content-Length`, `Transfer-Encoding`, `Connection` are not set by a descriptor;
 * - a variable's `pattern` compiles, and its default and every environment's value are allowed
 *   by it (core's `Descriptor.checkVariable`, the check calls make at run time);
 * - `origins` are http(s) origins, plain `http:` only to loopback unless `allowInsecureHttp`;
 * - the `spec` is a relative path inside the descriptor's folder ({@link specPath});
 * - login and logout paths are plain paths (`/...`, no placeholders: they are sent as written).
 *
 * Each broken rule is a {@link Finding} at a path of the descriptor; the caller locates it (the
 * descriptor's file and line, or the spec's place for an inferred descriptor).
 *
 * @example
 * ```ts
 * import * as Rules from "@keyway/codegen/Rules"
 * Rules.descriptor({ name: "x", title: "X", spec: "o.yaml", baseUrl: "javascript:alert(1)", auth: [{ type: "permanent-token" }] })[0]?.path // ["baseUrl"]
 * ```
 *
 * @since 0.1.0
 */
import { isAbsolute, normalize } from "node:path"
import { checkVariable, type ProviderDescriptor } from "@keyway/core/Descriptor"
import * as Emit from "./Emit.ts"
import { show } from "./Errors.ts"

/**
 * A broken rule: where, what was found, what was expected.
 *
 * @example
 * ```ts
 * import type * as Rules from "@keyway/codegen/Rules"
 * declare const finding: Rules.Finding
 * console.log(finding.path)
 * ```
 *
 * @since 0.1.0
 */
export interface Finding {
  readonly path: ReadonlyArray<string | number>
  readonly found: string
  readonly expected: string
}

const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Whether `name` is an RFC 9110 header name (a token).
 *
 * @example
 * ```ts
 * import * as Rules from "@keyway/codegen/Rules"
 * Rules.isHeaderName("X-Tenant-Id") // true
 * Rules.isHeaderName("X Tenant") // false
 * ```
 *
 * @since 0.1.0
 */
export const isHeaderName = (name: string): boolean => tokenPattern.test(name)
const headerValuePattern = /^[\t\x20-\x7e\x80-\xff]*$/
const namePattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/
const urlCharacters = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%{}]*$/
const forbiddenHeaders = new Set(["host", "content-length", "transfer-encoding", "connection"])

/**
 * Whether a host name is loopback: `localhost` (and `*.localhost`), `127.0.0.0/8`, `::1`.
 *
 * @example
 * ```ts
 * import * as Rules from "@keyway/codegen/Rules"
 * Rules.isLoopbackHost("127.0.0.1") // true
 * Rules.isLoopbackHost("api.example.com") // false
 * ```
 *
 * @since 0.1.0
 */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "")
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  )
}

/**
 * The placeholders of a template, or the reason it is malformed (an unbalanced or nested brace,
 * an empty or unusable name).
 *
 * @example
 * ```ts
 * import * as Rules from "@keyway/codegen/Rules"
 * Rules.placeholders("https://{host}/v1") // { names: ["host"] }
 * Rules.placeholders("/a/{b") // { error: "an unclosed {" }
 * ```
 *
 * @since 0.1.0
 */
export const placeholders = (
  template: string,
): { readonly names: ReadonlyArray<string> } | { readonly error: string } => {
  const names: Array<string> = []
  let i = 0
  while (i < template.length) {
    const c = template[i]
    if (c === "}") return { error: "a } without its {" }
    if (c !== "{") {
      i++
      continue
    }
    const end = template.indexOf("}", i + 1)
    const open = template.indexOf("{", i + 1)
    if (end === -1) return { error: "an unclosed {" }
    if (open !== -1 && open < end) return { error: "a { inside a placeholder" }
    const name = template.slice(i + 1, end)
    if (!namePattern.test(name) || name === "__proto__")
      return { error: `a placeholder name of letters, digits, _ . - (found {${name}})` }
    names.push(name)
    i = end + 1
  }
  return { names }
}

const urlFields = ["tokenUrl", "authorizeUrl", "revokeUrl"] as const

/**
 * The rules a URL template breaks (none: an empty array).
 *
 * @example
 * ```ts
 * import * as Rules from "@keyway/codegen/Rules"
 * Rules.url(["baseUrl"], "http://api.example.com", { relative: false, allowInsecureHttp: false }).length // 1
 * ```
 *
 * @since 0.1.0
 */
export const url = (
  path: ReadonlyArray<string | number>,
  value: string,
  options: { readonly relative: boolean; readonly allowInsecureHttp: boolean },
): Array<Finding> => {
  const at = (expected: string): Array<Finding> => [{ path, found: show(value), expected }]
  if (!urlCharacters.test(value))
    return at("a URL of RFC 3986 characters (no spaces, quotes, backslashes or line breaks)")
  const p = placeholders(value)
  if ("error" in p) return at(`a URL template with balanced {placeholders}, not ${p.error}`)
  const filled = value.replace(/\{[^{}]*\}/g, "0")
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(filled)?.[1]?.toLowerCase()
  if (scheme === undefined) {
    if (filled.startsWith("//")) return at("an absolute https: URL or a path, not a protocol-relative URL")
    if (!options.relative || (filled !== "" && !filled.startsWith("/")))
      return at(options.relative ? 'an https: URL or a path starting with "/"' : "an absolute https: URL")
    return []
  }
  if (scheme !== "https" && scheme !== "http") return at(`an http: or https: URL, not ${scheme}:`)
  let parsed: URL
  try {
    parsed = new URL(filled)
  } catch {
    return at("a URL that parses")
  }
  if (parsed.username !== "" || parsed.password !== "")
    return at("a URL without user:password@ (credentials go in the auth options)")
  const host = parsed.hostname
  if (scheme === "http" && !options.allowInsecureHttp) {
    const literalHost =
      /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/@]*@)?(\[[^\]]*\]|[^/:?#]*)/.exec(value)?.[1] ?? ""
    if (literalHost.includes("{") || !isLoopbackHost(host))
      return at(
        "an https: URL (plain http: only to a loopback host such as 127.0.0.1; set allowInsecureHttp: true to allow it)",
      )
  }
  return []
}

const header = (
  path: ReadonlyArray<string | number>,
  name: string,
  value: string | undefined,
  findings: Array<Finding>,
) => {
  if (!tokenPattern.test(name))
    findings.push({
      path,
      found: `header name ${show(name)}`,
      expected: "an RFC 9110 token (letters, digits and !#$%&'*+.^_`|~-)",
    })
  else if (value !== undefined && forbiddenHeaders.has(name.toLowerCase()))
    findings.push({
      path,
      found: `header ${show(name)}`,
      expected: "a header other than Host, Content-Length, Transfer-Encoding, Connection",
    })
  else if (value !== undefined && !headerValuePattern.test(value))
    findings.push({
      path,
      found: show(value),
      expected: "a header value without line breaks or control characters",
    })
}

const headers = (
  path: ReadonlyArray<string | number>,
  record: Readonly<Record<string, string>> | undefined,
  findings: Array<Finding>,
) => {
  for (const [name, value] of Object.entries(record ?? {})) header([...path, name], name, value, findings)
}

/** Values no literal can hold faithfully: a `__proto__` key, a non-finite number (YAML `.nan`). */
const unwritable = (value: unknown, path: Array<string | number>, findings: Array<Finding>) => {
  if (typeof value === "number" && !Number.isFinite(value))
    findings.push({ path, found: String(value), expected: "a finite number" })
  if (value === null || typeof value !== "object") return
  for (const [key, child] of Object.entries(value)) {
    const next = [...path, Array.isArray(value) ? Number(key) : key]
    if (key === "__proto__")
      findings.push({ path: next, found: 'the key "__proto__"', expected: "another name" })
    else unwritable(child, next, findings)
  }
}

const npmName = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/

const loginPath = (path: ReadonlyArray<string | number>, value: string, findings: Array<Finding>) => {
  if (!value.startsWith("/") || value.startsWith("//") || !urlCharacters.test(value))
    findings.push({
      path,
      found: show(value),
      expected: 'a path relative to the base URL, starting with "/", of RFC 3986 characters',
    })
  else if (/[{}]/.test(value))
    findings.push({
      path,
      found: show(value),
      expected: "a path without {placeholders} (the session plugin sends it as written)",
    })
}

const variableValue = (
  path: ReadonlyArray<string | number>,
  name: string,
  value: string,
  definition: Parameters<typeof checkVariable>[2],
  findings: Array<Finding>,
) => {
  const error = checkVariable(name, value, definition)
  if (error === undefined) return
  const why = /\} (.*): "/.exec(error.message)?.[1] ?? error.message
  findings.push({ path, found: show(value), expected: `a value of {${name}} that ${why}` })
}

/**
 * The rule for a descriptor's `spec`: a relative path that stays inside the descriptor's folder
 * (no absolute path, no `..` out of it), checked before the file is read.
 *
 * @example
 * ```ts
 * import * as Rules from "@keyway/codegen/Rules"
 * Rules.specPath("openapi.yaml") // undefined
 * Rules.specPath("../../secret.yaml")?.path // ["spec"]
 * ```
 *
 * @since 0.1.0
 */
export const specPath = (value: string): Finding | undefined => {
  const normal = normalize(value.replaceAll("\\", "/"))
  return isAbsolute(value) ||
    /^[A-Za-z]:/.test(value) ||
    normal === ".." ||
    normal.startsWith("../") ||
    value.includes("\0")
    ? {
        path: ["spec"],
        found: show(value),
        expected: "a path inside the descriptor's folder, e.g. openapi.yaml",
      }
    : undefined
}

/**
 * Checks a (schema-valid) descriptor; returns every broken rule.
 *
 * @example
 * ```ts
 * import * as Rules from "@keyway/codegen/Rules"
 * import type { ProviderDescriptor } from "@keyway/core/Descriptor"
 * declare const descriptor: ProviderDescriptor
 * Rules.descriptor(descriptor).map((f) => f.expected)
 * ```
 *
 * @since 0.1.0
 */
export const descriptor = (d: ProviderDescriptor): Array<Finding> => {
  const findings: Array<Finding> = []
  unwritable(d, [], findings)
  if (findings.length > 0) return findings
  const allowInsecureHttp = d.allowInsecureHttp === true
  findings.push(...url(["baseUrl"], d.baseUrl, { relative: true, allowInsecureHttp }))
  for (const name of Object.keys(d.variables ?? {}))
    if (!namePattern.test(name))
      findings.push({
        path: ["variables", name],
        found: `variable ${show(name)}`,
        expected: "a name of letters, digits, _ . - starting with a letter or _",
      })
  const badPattern = new Set<string>()
  for (const [name, def] of Object.entries(d.variables ?? {})) {
    const pattern = def.pattern
    if (pattern !== undefined) {
      try {
        new RegExp(`^(?:${pattern})$`, "u")
      } catch {
        findings.push({
          path: ["variables", name, "pattern"],
          found: show(pattern),
          expected: "a regular expression (JavaScript, u flag)",
        })
        badPattern.add(name)
        continue
      }
    }
    if (def.default !== undefined)
      variableValue(["variables", name, "default"], name, def.default, def, findings)
  }
  for (const [env, values] of Object.entries(d.environments ?? {}))
    for (const [name, value] of Object.entries(values))
      if (!badPattern.has(name))
        variableValue(["environments", env, name], name, value, d.variables?.[name], findings)
  for (const [i, origin] of (d.origins ?? []).entries()) {
    const at = ["origins", i]
    const problems = /[{}]/.test(origin)
      ? [{ path: at, found: show(origin), expected: "an origin without {placeholders}" }]
      : url(at, origin, { relative: false, allowInsecureHttp })
    if (problems.length > 0) findings.push(...problems)
    else if (new URL(origin).origin !== origin.replace(/\/$/, ""))
      findings.push({ path: at, found: show(origin), expected: "an origin: scheme, host and port only" })
  }
  if (d.correlation) header(["correlation", "header"], d.correlation.header, undefined, findings)
  headers(["headers"], d.headers, findings)
  const variables = new Set(Object.keys(d.variables ?? {}))
  d.auth.forEach((s, i) => {
    const record = s as Record<string, unknown>
    for (const k of urlFields)
      if (typeof record[k] === "string")
        findings.push(...url(["auth", i, k], record[k] as string, { relative: true, allowInsecureHttp }))
    if ("tokenHeaders" in s) headers(["auth", i, "tokenHeaders"], s.tokenHeaders, findings)
    if ("scopeTemplate" in s && s.scopeTemplate !== undefined) {
      const p = placeholders(s.scopeTemplate)
      if ("error" in p)
        findings.push({
          path: ["auth", i, "scopeTemplate"],
          found: show(s.scopeTemplate),
          expected: `balanced {placeholders}, not ${p.error}`,
        })
    }
    if ("placement" in s && s.placement) {
      const p = s.placement
      if (p.in === "header") header(["auth", i, "placement", "name"], p.name, undefined, findings)
      else if (p.name === "" || !headerValuePattern.test(p.name))
        findings.push({
          path: ["auth", i, "placement", "name"],
          found: show(p.name),
          expected: "a query parameter name without line breaks or control characters",
        })
      if (p.scheme !== undefined) header(["auth", i, "placement", "scheme"], p.scheme, undefined, findings)
    }
    if (s.type === "custom" && (!npmName.test(s.plugin.package) || s.plugin.package.length > 214))
      findings.push({
        path: ["auth", i, "plugin", "package"],
        found: show(s.plugin.package),
        expected: "an npm package name, e.g. @acme/keyway-auth",
      })
    if (s.type === "session-login") {
      loginPath(["auth", i, "login", "path"], s.login.path, findings)
      if (s.logout) loginPath(["auth", i, "logout", "path"], s.logout.path, findings)
      headers(["auth", i, "login", "headers"], s.login.headers, findings)
      if ("header" in s.token) header(["auth", i, "token", "header"], s.token.header, undefined, findings)
      for (const [key, value] of Object.entries(s.login.body ?? {})) {
        const p = placeholders(value)
        const path = ["auth", i, "login", "body", key]
        if ("error" in p)
          findings.push({ path, found: show(value), expected: `balanced {placeholders}, not ${p.error}` })
        else
          for (const name of p.names)
            if (!variables.has(name) && !Emit.isIdentifierName(name))
              findings.push({
                path,
                found: `placeholder {${name}}`,
                expected: "a placeholder that is a JavaScript identifier (it becomes a credential option)",
              })
      }
    }
  })
  return findings
}
