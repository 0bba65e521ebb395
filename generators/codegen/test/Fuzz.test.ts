/**
 * The generator fuzz (issue 12): hostile text in every descriptor and spec field that reaches
 * generated code. For each payload (comment terminators, quotes, backticks, `${`, line breaks,
 * U+2028/U+2029) every field of {@link fields} gets it at once, each with its own marker
 * `globalThis.PWNED_<field>`. The generator must then either generate, and the generated modules,
 * imported in a child process, run nothing and hold the values unchanged; or refuse a field with
 * one located line (file:line:column /pointer: ... found ..., expected ...), exit code 1, no stack
 * trace, the output folder unchanged. A refused field is taken out and the rest generated again,
 * so each field is either proven safe in the output or proven refused.
 *
 * {@link rejects} lists inputs that must be refused (one located line each) and {@link keeps}
 * inputs that must generate with their values unchanged.
 *
 * To extend: add a field to `fields` (where the text goes, and the pointer a refusal names), a
 * payload to `payloads`, or a row to `rejects`/`keeps`. Classes owned by the `$ref` bundler
 * (`$ref: 42`, `$ref: ./`, alias cycles, refs leaving the spec folder, YAML alias bombs) are not
 * here: they belong to the Load stage's tests.
 */
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { oneLine } from "../src/Errors.ts"
import * as Source from "../src/Source.ts"
import { project, run, typecheck } from "./helpers.ts"

type Json = Record<string, any>

const baseDescriptor = (): Json => ({
  name: "fz",
  title: "Fuzz API",
  spec: "openapi.json",
  source: "hand-written",
  baseUrl: "https://{region}.fuzz.test/api",
  variables: { region: { description: "The region", default: "eu" } },
  environments: { prod: { region: "eu" } },
  correlation: { header: "X-Request-Id", maxLength: 36 },
  headers: { "X-Client": "keyway" },
  auth: [
    {
      type: "permanent-token",
      id: "token",
      placement: { in: "header", name: "Authorization", scheme: "Bearer" },
    },
    {
      type: "session-login",
      id: "session",
      login: {
        method: "POST",
        path: "/session",
        body: { username: "{username}", password: "{password}", tenant: "{tenant}" },
        headers: { "X-Login": "1" },
      },
      token: { json: "token" },
      placement: { in: "header", name: "X-Session" },
    },
    {
      type: "oauth2-client-credentials",
      id: "cc",
      tokenUrl: "https://auth.fuzz.test/token",
      grantType: "client_credentials",
      scopes: ["things:read"],
      defaultScopes: ["things:read"],
      tokenParams: { audience: "fuzz" },
      tokenHeaders: { "X-Token": "1" },
    },
    {
      type: "oauth2-authorization-code",
      id: "code",
      authorizeUrl: "https://auth.fuzz.test/authorize",
      tokenUrl: "https://auth.fuzz.test/token",
      revokeUrl: "https://auth.fuzz.test/revoke",
      authorizeParams: { resource: "user" },
      scopeTemplate: "tenant:{region}:{permissions}",
    },
  ],
  retry: { maxAttempts: 3 },
  errors: { envelope: "#/components/schemas/Error" },
  pagination: [
    { operations: ["listThings"], style: "next-url", items: "items", next: "next" },
    {
      operations: ["getThing"],
      style: "offset",
      items: "items",
      param: "offset",
      limitParam: "limit",
      pageSize: 10,
    },
  ],
})

const baseSpec = (): Json => ({
  openapi: "3.1.0",
  info: { title: "Fuzz", version: "1", description: "The fuzz API" },
  servers: [
    {
      url: "https://{region}.fuzz.test/api",
      variables: { region: { default: "eu", description: "Region" } },
    },
  ],
  paths: {
    "/things": {
      get: {
        operationId: "listThings",
        summary: "List things",
        description: "All things",
        security: [{ oauth: ["things:read"] }],
        parameters: [{ name: "q", in: "query", description: "Query", schema: { type: "string" } }],
        responses: {
          "200": {
            description: "Things.",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
          },
        },
      },
    },
    "/things/{id}": {
      get: {
        operationId: "getThing",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "A thing." } },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: "object",
        description: "A thing",
        properties: {
          items: { type: "array", items: { type: "string" } },
          next: { type: "string" },
          kind: { type: "string", enum: ["a"], default: "a", example: "a" },
        },
      },
      Error: { type: "object", properties: { message: { type: "string", description: "What" } } },
    },
    securitySchemes: {
      oauth: {
        type: "oauth2",
        flows: {
          clientCredentials: { tokenUrl: "https://auth.fuzz.test/token", scopes: { "things:read": "Read" } },
        },
      },
      key: { type: "apiKey", in: "header", name: "X-Api-Key" },
    },
  },
})

/** Where a refusal of a field is located: the file and the segments of its pointer. */
type At = readonly ["descriptor" | "spec", ReadonlyArray<string | number>]

interface Field {
  readonly name: string
  /** `descriptor`: `keyway generate` with provider.yaml; `spec`: `--spec` (auth inferred). */
  readonly mode: "descriptor" | "spec" | "both"
  /** The generator may refuse it (a URL, a header, a name); free text must always generate. */
  readonly refusable?: boolean
  /** Puts `text` into the inputs; returns where a refusal would be located. */
  readonly set: (d: Json, s: Json, text: string) => ReadonlyArray<At>
}

const pointerOf = (text: string) => text.replaceAll("~", "~0").replaceAll("/", "~1")

/** The path key and operation of `listThings` (the `path` field may have renamed its path). */
const listThings = (s: Json): [string, Json] => {
  const key = Object.keys(s.paths).find((k) => s.paths[k].get.operationId === "listThings")!
  return [key, s.paths[key].get]
}

/** Every field whose text reaches a generated file. */
const fields: ReadonlyArray<Field> = [
  {
    name: "title",
    mode: "descriptor",
    set: (d, _, t) => {
      d.title = t
      return [["descriptor", ["title"]]]
    },
  },
  {
    name: "source",
    mode: "descriptor",
    set: (d, _, t) => {
      d.source = t
      return [["descriptor", ["source"]]]
    },
  },
  {
    name: "baseUrl",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.baseUrl = `https://{region}.fuzz.test/${t}`
      return [["descriptor", ["baseUrl"]]]
    },
  },
  {
    name: "variableDescription",
    mode: "descriptor",
    set: (d, _, t) => {
      d.variables.region.description = t
      return [["descriptor", ["variables", "region", "description"]]]
    },
  },
  {
    name: "variableDefault",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.variables.region.default = t
      return [["descriptor", ["variables", "region", "default"]]]
    },
  },
  {
    name: "variablePattern",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.variables.zone = { pattern: t, default: t }
      return [
        ["descriptor", ["variables", "zone", "pattern"]],
        ["descriptor", ["variables", "zone", "default"]],
      ]
    },
  },
  {
    name: "origins",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.origins = [`https://${t}.fuzz.test`]
      return [["descriptor", ["origins", 0]]]
    },
  },
  {
    name: "variableName",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.variables[t] = { description: "x" }
      return [["descriptor", ["variables", t]]]
    },
  },
  {
    name: "environmentName",
    mode: "descriptor",
    set: (d, _, t) => {
      d.environments[t] = { region: "us" }
      return [["descriptor", ["environments", t]]]
    },
  },
  {
    name: "environmentValue",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.environments.prod.region = t
      return [["descriptor", ["environments", "prod", "region"]]]
    },
  },
  {
    name: "correlationHeader",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.correlation.header = t
      return [["descriptor", ["correlation", "header"]]]
    },
  },
  {
    name: "headerName",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.headers[t] = "v"
      return [["descriptor", ["headers", t]]]
    },
  },
  {
    name: "headerValue",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.headers["X-Client"] = t
      return [["descriptor", ["headers", "X-Client"]]]
    },
  },
  {
    name: "strategyId",
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[0].id = t
      return [["descriptor", ["auth", 0, "id"]]]
    },
  },
  {
    name: "placementName",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[0].placement.name = t
      return [["descriptor", ["auth", 0, "placement", "name"]]]
    },
  },
  {
    name: "placementScheme",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[0].placement.scheme = t
      return [["descriptor", ["auth", 0, "placement", "scheme"]]]
    },
  },
  {
    name: "loginPath",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[1].login.path = `/session${t}`
      return [["descriptor", ["auth", 1, "login", "path"]]]
    },
  },
  {
    name: "loginBodyKey",
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[1].login.body[t] = "x"
      return [["descriptor", ["auth", 1, "login", "body", t]]]
    },
  },
  {
    name: "loginPlaceholder",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[1].login.body.tenant = `{${t}}`
      return [["descriptor", ["auth", 1, "login", "body", "tenant"]]]
    },
  },
  {
    name: "loginHeaderValue",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[1].login.headers["X-Login"] = t
      return [["descriptor", ["auth", 1, "login", "headers", "X-Login"]]]
    },
  },
  {
    name: "tokenJson",
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[1].token.json = t
      return [["descriptor", ["auth", 1, "token", "json"]]]
    },
  },
  {
    name: "tokenUrl",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[2].tokenUrl = `https://auth.fuzz.test/${t}`
      return [["descriptor", ["auth", 2, "tokenUrl"]]]
    },
  },
  {
    name: "grantType",
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[2].grantType = t
      return [["descriptor", ["auth", 2, "grantType"]]]
    },
  },
  {
    name: "scopes",
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[2].scopes = [t]
      d.auth[2].defaultScopes = [t]
      return [
        ["descriptor", ["auth", 2, "scopes", 0]],
        ["descriptor", ["auth", 2, "defaultScopes", 0]],
      ]
    },
  },
  {
    name: "tokenParam",
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[2].tokenParams[t] = t
      return [["descriptor", ["auth", 2, "tokenParams", t]]]
    },
  },
  {
    name: "tokenHeaderValue",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[2].tokenHeaders["X-Token"] = t
      return [["descriptor", ["auth", 2, "tokenHeaders", "X-Token"]]]
    },
  },
  {
    name: "pagination",
    mode: "descriptor",
    set: (d, _, t) => {
      d.pagination[0].items = t
      d.pagination[0].next = t
      return [
        ["descriptor", ["pagination", 0, "items"]],
        ["descriptor", ["pagination", 0, "next"]],
      ]
    },
  },
  {
    name: "authorizeUrl",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[3].authorizeUrl = `https://auth.fuzz.test/${t}`
      d.auth[3].revokeUrl = `https://auth.fuzz.test/${t}`
      return [
        ["descriptor", ["auth", 3, "authorizeUrl"]],
        ["descriptor", ["auth", 3, "revokeUrl"]],
      ]
    },
  },
  {
    name: "authorizeParams",
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[3].authorizeParams[t] = t
      return [["descriptor", ["auth", 3, "authorizeParams", t]]]
    },
  },
  {
    name: "scopeTemplate",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[3].scopeTemplate = `tenant:{region}:${t}`
      return [["descriptor", ["auth", 3, "scopeTemplate"]]]
    },
  },
  {
    name: "logoutPath",
    refusable: true,
    mode: "descriptor",
    set: (d, _, t) => {
      d.auth[1].logout = { method: "DELETE", path: `/session${t}` }
      return [["descriptor", ["auth", 1, "logout", "path"]]]
    },
  },
  {
    name: "pagingParams",
    mode: "descriptor",
    set: (d, _, t) => {
      d.pagination[1].param = t
      d.pagination[1].limitParam = t
      return [
        ["descriptor", ["pagination", 1, "param"]],
        ["descriptor", ["pagination", 1, "limitParam"]],
      ]
    },
  },
  {
    name: "errorSchemaName",
    mode: "descriptor",
    set: (d, s, t) => {
      s.components.schemas[t] = s.components.schemas.Error
      d.errors.envelope = `#/components/schemas/${pointerOf(t)}`
      return [
        ["descriptor", ["errors", "envelope"]],
        ["spec", ["components", "schemas", t]],
      ]
    },
  },
  {
    name: "path",
    refusable: true,
    mode: "both",
    set: (_, s, t) => {
      s.paths[`/things${t}`] = s.paths["/things"]
      delete s.paths["/things"]
      return [["spec", ["paths", `/things${t}`]]]
    },
  },
  {
    name: "operationId",
    mode: "both",
    set: (d, s, t) => {
      s.paths["/things/{id}"].get.operationId = t
      d.pagination[1].operations = [t]
      return [["spec", ["paths", "/things/{id}", "get", "operationId"]]]
    },
  },
  {
    name: "summary",
    mode: "both",
    set: (_, s, t) => {
      const [key, op] = listThings(s)
      op.summary = t
      op.description = t
      op.parameters[0].description = t
      op.responses["200"].description = t
      return [["spec", ["paths", key, "get"]]]
    },
  },
  {
    name: "operationScope",
    mode: "both",
    set: (_, s, t) => {
      const [key, op] = listThings(s)
      op.security = [{ oauth: [t] }]
      return [["spec", ["paths", key, "get", "security"]]]
    },
  },
  {
    name: "queryParameter",
    mode: "both",
    set: (_, s, t) => {
      const [key, op] = listThings(s)
      op.parameters[0].name = t
      return [["spec", ["paths", key, "get", "parameters", 0, "name"]]]
    },
  },
  {
    name: "headerParameter",
    refusable: true,
    mode: "both",
    set: (_, s, t) => {
      s.paths["/things/{id}"].get.parameters.push({
        name: t,
        in: "header",
        required: true,
        schema: { type: "string" },
      })
      return [["spec", ["paths", "/things/{id}", "get", "parameters", 1, "name"]]]
    },
  },
  {
    name: "schemaText",
    mode: "both",
    set: (_, s, t) => {
      const thing = s.components.schemas.Thing
      thing.description = t
      thing.title = t
      thing.properties[t] = { type: "string", description: t, format: t }
      thing.properties.kind = { type: "string", enum: [t], default: t, example: t }
      s.info.description = t
      return [["spec", ["components", "schemas", "Thing"]]]
    },
  },
  {
    name: "infoTitle",
    mode: "spec",
    set: (_, s, t) => {
      s.info.title = t
      return [["spec", ["info", "title"]]]
    },
  },
  {
    name: "serverUrl",
    refusable: true,
    mode: "spec",
    set: (_, s, t) => {
      s.servers[0].url = `https://{region}.fuzz.test/${t}`
      return [["spec", ["servers", 0, "url"]]]
    },
  },
  {
    name: "serverVariableDescription",
    mode: "spec",
    set: (_, s, t) => {
      s.servers[0].variables.region.description = t
      return [["spec", ["servers", 0, "variables", "region", "description"]]]
    },
  },
  {
    name: "serverVariableDefault",
    refusable: true,
    mode: "spec",
    set: (_, s, t) => {
      s.servers[0].variables.region.default = t
      return [["spec", ["servers", 0, "variables", "region", "default"]]]
    },
  },
  {
    name: "serverVariableName",
    refusable: true,
    mode: "spec",
    set: (_, s, t) => {
      s.servers[0].variables[t] = { default: "x" }
      return [["spec", ["servers", 0, "variables", t]]]
    },
  },
  {
    name: "securitySchemeText",
    mode: "spec",
    set: (_, s, t) => {
      const schemes = s.components.securitySchemes
      schemes[t] = { type: "http", scheme: "bearer", description: t }
      schemes.oauth.flows.clientCredentials.scopes[t] = t
      return [["spec", ["components", "securitySchemes", t]]]
    },
  },
  {
    name: "apiKeyName",
    refusable: true,
    mode: "spec",
    set: (_, s, t) => {
      s.components.securitySchemes.key.name = t
      return [["spec", ["components", "securitySchemes"]]]
    },
  },
  {
    name: "oauthTokenUrl",
    refusable: true,
    mode: "spec",
    set: (_, s, t) => {
      s.components.securitySchemes.oauth.flows.clientCredentials.tokenUrl = `https://auth.fuzz.test/${t}`
      return [["spec", ["components", "securitySchemes"]]]
    },
  },
]

/**
 * Every other string of the base descriptor, found by walking it: a field someone adds to
 * {@link baseDescriptor} is fuzzed without a row of its own (refusable: its rules are unknown
 * here). Strings an explicit field already covers are left out.
 */
const autoFields: ReadonlyArray<Field> = (() => {
  const covered = new Set<string>()
  for (const f of fields)
    for (const [file, segs] of f.set(baseDescriptor(), baseSpec(), "x"))
      if (file === "descriptor") covered.add(Source.pointer(segs))
  const out: Array<Field> = []
  const walk = (node: unknown, path: Array<string | number>) => {
    if (typeof node === "string") {
      const ptr = Source.pointer(path)
      if (!covered.has(ptr) && !/\/(type|style|method|in|spec|name)$/.test(ptr))
        out.push({
          name: `auto${ptr.replace(/[^A-Za-z0-9]+/g, "_")}`,
          refusable: true,
          mode: "descriptor",
          set: (d, _, t) => {
            let target = d
            for (const seg of path.slice(0, -1)) target = target[seg]
            target[path[path.length - 1]!] = t
            return [["descriptor", path]]
          },
        })
    } else if (node !== null && typeof node === "object")
      for (const [k, v] of Object.entries(node)) walk(v, [...path, Array.isArray(node) ? Number(k) : k])
  }
  walk(baseDescriptor(), [])
  return out
})()

/** The hostile texts; `PWNED` becomes the field's marker. */
const payloads: ReadonlyArray<string> = [
  "*/ globalThis.PWNED = 1; /*",
  "*/globalThis.PWNED=1;/*",
  "'+(globalThis.PWNED=1)+'",
  "*/\nglobalThis.PWNED = 1\n/**",
  '" + (globalThis.PWNED = 1) + "',
  "' + (globalThis.PWNED = 1) + '",
  "` + (globalThis.PWNED = 1) + `",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the payload is this very text
  "${globalThis.PWNED = 1}",
  "\nglobalThis.PWNED = 1 //",
  "\u2028globalThis.PWNED = 1 //",
  "\u2029globalThis.PWNED = 1 //",
  '\\"; globalThis.PWNED = 1; //',
  "}); globalThis.PWNED = 1; ({",
]

const marker = (mode: string, i: number, field: string) => `PWNED_${mode}_${i}_${field}`

const files = (dir: string, base = dir): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((f) => {
        const p = join(dir, f)
        return statSync(p).isDirectory() ? files(p, base) : [p.slice(base.length + 1)]
      })
    : []

const snapshot = (dir: string) =>
  Object.fromEntries(
    files(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), "utf8")]),
  )

const goldens = new Map<string, string>()

/** The package generated from the unchanged inputs: the "previous run" every project starts with. */
const golden = async (mode: "descriptor" | "spec"): Promise<string> => {
  const known = goldens.get(mode)
  if (known) return known
  const dir = writeInputs(`golden-${mode}`, mode, baseDescriptor(), baseSpec())
  const g = await generate(mode, dir)
  expectGenerated(g)
  goldens.set(mode, join(dir, "packages", "fz"))
  return join(dir, "packages", "fz")
}

const writeInputs = (label: string, mode: "descriptor" | "spec", d: Json, s: Json) => {
  const dir = project(`fuzz-${label}`)
  if (mode === "descriptor") {
    mkdirSync(join(dir, "specs", "fz"), { recursive: true })
    writeFileSync(join(dir, "specs/fz/provider.yaml"), `${JSON.stringify(d, null, 2)}\n`)
    writeFileSync(join(dir, "specs/fz/openapi.json"), `${JSON.stringify(s, null, 2)}\n`)
  } else writeFileSync(join(dir, "openapi.json"), `${JSON.stringify(s, null, 2)}\n`)
  return dir
}

/** A project for one run: inputs written, and a previous good package in place. */
const setup = async (label: string, mode: "descriptor" | "spec", d: Json, s: Json) => {
  const previous = await golden(mode)
  const dir = writeInputs(label, mode, d, s)
  cpSync(previous, join(dir, "packages", "fz"), { recursive: true })
  return dir
}

const generate = (mode: "descriptor" | "spec", dir: string, extra: ReadonlyArray<string> = []) =>
  run(
    mode === "descriptor"
      ? ["generate", ...extra]
      : ["generate", "--spec", "openapi.json", "--name", "fz", "--out", "packages/fz", ...extra],
    dir,
  )

const locatedLine = /^\S+?(provider\.yaml|openapi\.json):\d+(:\d+)? \/.*: .+: found .*, expected .+$/

/** A located warning (`warning: file:line ...` or `file:line /pointer: warning (rule): ...`). */
const isWarning = (line: string) =>
  (line.startsWith("warning: ") && locatedLine.test(line.slice("warning: ".length))) ||
  /^\S+:\d+(:\d+)? \/.*: warning \([^)]*\): found /.test(line)

/** The error lines of a run: located warnings do not refuse anything. */
const problemLines = (err: string) => err.split("\n").filter((line) => line !== "" && !isWarning(line))

/** A successful run: exit 0 and nothing on stderr but located warnings. */
const expectGenerated = (r: { code: number; err: string }, what = "") => {
  expect(problemLines(r.err), what).toEqual([])
  expect(r.code, what).toBe(0)
}

/** Asserts a refusal: exit 1, one located line per problem, no stack trace, nothing written. */
const expectRefusal = (r: { code: number; err: string }, before: object, after: object) => {
  expect(r.code, r.err).toBe(1)
  expect(r.err).not.toMatch(/^\s+at /m)
  expect(r.err).not.toContain("--debug")
  for (const line of problemLines(r.err)) expect(line).toMatch(locatedLine)
  expect(after, "the output folder changed on a failed run").toEqual(before)
}

/** Imports every generated module of each package in ONE child process; what each ran and holds. */
const importAll = (dirs: ReadonlyArray<string>) => {
  const script = `
const out = {}
for (const dir of process.argv.slice(1)) {
  const r = { errors: [] }
  for (const f of ["types", "descriptor", "client", "effect", "index"]) {
    try {
      const m = await import(new URL("src/" + f + ".ts", dir))
      if (f === "descriptor") r.descriptor = m.descriptor
      if (f === "client") r.operations = Object.values(m.operationTable).map((o) => o.method + " " + o.path)
    } catch (e) { r.errors.push(f + ": " + String(e && e.message || e)) }
  }
  r.pwned = Object.keys(globalThis).filter((k) => k.startsWith("PWNED"))
  for (const k of r.pwned) delete globalThis[k]
  out[dir] = r
}
process.stdout.write(JSON.stringify(out))
`
  const child = spawnSync(
    process.execPath,
    [
      "--conditions=@keyway/source",
      "--disable-warning=ExperimentalWarning",
      "--input-type=module",
      "-e",
      script,
      ...dirs.map((d) => `${pathToFileURL(d).href}/`),
    ],
    { encoding: "utf8", cwd: dirs[0] },
  )
  expect(child.status, child.stderr).toBe(0)
  return JSON.parse(child.stdout) as Record<
    string,
    { errors: Array<string>; pwned: Array<string>; descriptor?: Json; operations?: Array<string> }
  >
}

describe("generator fuzz: hostile text in every field that reaches output", () => {
  it("0 injections, 0 crashes, 0 partial writes", { timeout: 300_000 }, async () => {
    const generated: Array<{ dir: string; mode: string; d: Json; s: Json }> = []
    for (const mode of ["descriptor", "spec"] as const) {
      await golden(mode)
      const mine = [...fields, ...autoFields].filter((f) => f.mode === mode || f.mode === "both")
      for (const [i, payload] of payloads.entries()) {
        let active = mine
        for (let attempt = 0; ; attempt++) {
          expect(attempt, `${mode} payload ${i}: still refusing after ${attempt} rounds`).toBeLessThan(6)
          const d = baseDescriptor()
          const s = baseSpec()
          const where = new Map<Field, ReadonlyArray<At>>()
          for (const f of active)
            where.set(f, f.set(d, s, payload.replaceAll("PWNED", marker(mode, i, f.name))))
          const project = await setup(`${mode}-${i}`, mode, d, s)
          const out = join(project, "packages", "fz")
          const before = snapshot(out)
          const r = await generate(mode, project)
          if (r.code === 0) {
            expectGenerated(r)
            generated.push({ dir: out, mode, d, s })
            break
          }
          expectRefusal(r, before, snapshot(out))
          const lines = problemLines(r.err)
          const hit = new Set<Field>()
          for (const line of lines) {
            const owners = active.filter((f) =>
              where.get(f)!.some(([file, segs]) => {
                const ptr = oneLine(Source.pointer(segs))
                return (
                  line.includes(file === "descriptor" ? "provider.yaml" : "openapi.json") &&
                  (line.includes(` ${ptr}: `) || line.includes(` ${ptr}/`))
                )
              }),
            )
            expect(owners.length, `refusal of no fuzzed field: ${line}`).toBeGreaterThan(0)
            for (const f of owners) expect(f.refusable, `free text refused: ${f.name}: ${line}`).toBe(true)
            for (const f of owners) hit.add(f)
          }
          active = active.filter((f) => !hit.has(f))
        }
      }
    }
    // every payload ends in a generated package, in both modes: each free-text field is proven safe
    expect(generated).toHaveLength(payloads.length * 2)
    const results = importAll(generated.map((g) => g.dir))
    for (const g of generated) {
      const r = results[`${pathToFileURL(g.dir).href}/`]!
      expect(r.errors, g.dir).toEqual([])
      expect(r.pwned, `${g.dir}: injected code ran`).toEqual([])
      // values are never changed: the emitted descriptor is the input, the operation table has the spec's paths
      if (g.mode === "descriptor") expect(r.descriptor).toEqual(g.d)
      else {
        expect(r.descriptor!.title).toBe(g.s.info.title)
        expect(r.descriptor!.baseUrl).toBe(g.s.servers[0].url)
      }
      for (const path of Object.keys(g.s.paths)) expect(r.operations).toContain(`GET ${path}`)
    }
    // and the output still type-checks (one package per mode, with the line-break payload)
    for (const mode of ["descriptor", "spec"]) {
      const g = generated.filter((x) => x.mode === mode)[payloads.indexOf("\nglobalThis.PWNED = 1 //")]!
      expect(typecheck(join(g.dir, "tsconfig.json")).output, g.dir).toBe("")
    }
  })
})

interface Case {
  readonly name: string
  /** `spec`: `keyway generate --spec` (auth inferred); default `descriptor`. */
  readonly mode?: "descriptor" | "spec"
  readonly args?: ReadonlyArray<string>
  readonly change: (d: Json, s: Json) => void
}

/** Inputs the generator must refuse with exactly this one located line. */
const rejects: ReadonlyArray<Case & { readonly line: RegExp }> = [
  {
    name: "retry.maxAttempts: 0",
    change: (d) => {
      d.retry.maxAttempts = 0
    },
    line: /provider\.yaml:\d+:\d+ \/retry\/maxAttempts: wrong field in descriptor: found 0, expected a value greater than or equal to 1$/,
  },
  {
    name: "retry.maxAttempts: 1.5",
    change: (d) => {
      d.retry.maxAttempts = 1.5
    },
    line: /\/retry\/maxAttempts: .*found 1\.5, expected an integer$/,
  },
  {
    name: "retry.retryOn: [42]",
    change: (d) => {
      d.retry.retryOn = [42]
    },
    line: /\/retry\/retryOn\/0: .*found 42, expected a value between 100 and 599$/,
  },
  {
    name: "correlation.maxLength: -1",
    change: (d) => {
      d.correlation.maxLength = -1
    },
    line: /provider\.yaml:\d+:\d+ \/correlation\/maxLength: .*found -1, expected a value greater than or equal to 1$/,
  },
  {
    name: "pagination pageSize: 0",
    change: (d) => {
      d.pagination[0].pageSize = 0
    },
    line: /\/pagination\/0\/pageSize: .*found 0, expected a value greater than or equal to 1$/,
  },
  {
    name: "a __proto__ variable",
    change: (d) => {
      d.variables = JSON.parse('{"__proto__": {"description": "x"}, "region": {"default": "eu"}}')
    },
    line: /provider\.yaml:\d+:\d+ \/variables\/__proto__: wrong field in descriptor: found the key "__proto__", expected another name$/,
  },
  {
    name: "a __proto__ header",
    change: (d) => {
      d.headers = JSON.parse('{"__proto__": "x"}')
    },
    line: /\/headers\/__proto__: .*found the key "__proto__"/,
  },
  {
    name: 'baseUrl: "javascript:…"',
    change: (d) => {
      d.baseUrl = "javascript:alert(1)"
    },
    line: /provider\.yaml:\d+:\d+ \/baseUrl: wrong field in descriptor: found "javascript:alert\(1\)", expected an http: or https: URL, not javascript:$/,
  },
  {
    name: "baseUrl: file:",
    change: (d) => {
      d.baseUrl = "file:///etc/passwd"
    },
    line: /\/baseUrl: .*expected an http: or https: URL, not file:$/,
  },
  {
    name: "a protocol-relative tokenUrl",
    change: (d) => {
      d.auth[2].tokenUrl = "//elsewhere.test/token"
    },
    line: /\/auth\/2\/tokenUrl: .*expected an absolute https: URL or a path, not a protocol-relative URL$/,
  },
  {
    name: "baseUrl: plain http to a remote host",
    change: (d) => {
      d.baseUrl = "http://api.fuzz.test/v1"
    },
    line: /provider\.yaml:\d+:\d+ \/baseUrl: .*found "http:\/\/api\.fuzz\.test\/v1", expected an https: URL \(plain http: only to a loopback host such as 127\.0\.0\.1; set allowInsecureHttp: true to allow it\)$/,
  },
  {
    name: "tokenUrl: plain http to a host named by a variable",
    change: (d) => {
      d.auth[2].tokenUrl = "http://{region}.auth.test/token"
    },
    line: /\/auth\/2\/tokenUrl: .*expected an https: URL \(plain http: only to a loopback host/,
  },
  {
    name: "baseUrl: an unbalanced brace",
    change: (d) => {
      d.baseUrl = "https://{region.fuzz.test"
    },
    line: /\/baseUrl: .*expected a URL template with balanced \{placeholders\}, not an unclosed \{$/,
  },
  {
    name: "login body: a placeholder that is no identifier",
    change: (d) => {
      d.auth[1].login.body.tenant = "{tenant.id}"
    },
    line: /\/auth\/1\/login\/body\/tenant: .*found placeholder \{tenant\.id\}, expected a placeholder that is a JavaScript identifier/,
  },
  {
    name: "login path: an absolute URL",
    change: (d) => {
      d.auth[1].login.path = "https://elsewhere.test/session"
    },
    line: /\/auth\/1\/login\/path: .*expected a path relative to the base URL, starting with "\/"/,
  },
  {
    name: "login path: a placeholder (sent as written)",
    change: (d) => {
      d.auth[1].login.path = "/session/{tenant}"
    },
    line: /\/auth\/1\/login\/path: .*expected a path without \{placeholders\} \(the session plugin sends it as written\)$/,
  },
  {
    name: "a spec outside the descriptor's folder",
    change: (d) => {
      d.spec = "../../../../../package.json"
    },
    line: /provider\.yaml:\d+:\d+ \/spec: wrong field in descriptor: found "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/package\.json", expected a path inside the descriptor's folder, e\.g\. openapi\.yaml$/,
  },
  {
    name: "an absolute spec path",
    change: (d) => {
      d.spec = "/etc/hostname"
    },
    line: /\/spec: .*found "\/etc\/hostname", expected a path inside the descriptor's folder/,
  },
  {
    name: "an environment value the variable does not allow",
    change: (d) => {
      d.environments.prod.region = "127.0.0.1:9/x#"
    },
    line: /provider\.yaml:\d+:\d+ \/environments\/prod\/region: .*found "127\.0\.0\.1:9\/x#", expected a value of \{region\} that must be a hostname or DNS label/,
  },
  {
    name: "a variable pattern that is no regular expression",
    change: (d) => {
      d.variables.region.pattern = "(eu"
    },
    line: /\/variables\/region\/pattern: .*found "\(eu", expected a regular expression/,
  },
  {
    name: "an origin with a path",
    change: (d) => {
      d.origins = ["https://files.fuzz.test/x"]
    },
    line: /\/origins\/0: .*found "https:\/\/files\.fuzz\.test\/x", expected an origin: scheme, host and port only$/,
  },
  {
    name: "a plain http origin",
    change: (d) => {
      d.origins = ["http://files.fuzz.test"]
    },
    line: /\/origins\/0: .*expected an https: URL \(plain http: only to a loopback host/,
  },
  {
    name: "spec: a header parameter name with a line break",
    change: (_, s) => {
      s.paths["/things"].get.parameters.push({ name: "X-A\nB", in: "header", schema: { type: "string" } })
    },
    line: /openapi\.json:\d+:\d+ \/paths\/~1things\/get\/parameters\/1\/name: .*found "X-A\\nB", expected a header name/,
  },
  {
    name: "header value with CRLF",
    change: (d) => {
      d.headers["X-Client"] = "a\r\nX-Evil: 1"
    },
    line: /provider\.yaml:\d+:\d+ \/headers\/X-Client: .*found "a\\r\\nX-Evil: 1", expected a header value without line breaks or control characters$/,
  },
  {
    name: "header name with a space",
    change: (d) => {
      d.headers = { "X Bad": "1" }
    },
    line: /\/headers\/X Bad: .*found header name "X Bad", expected an RFC 9110 token/,
  },
  {
    name: "a Host header",
    change: (d) => {
      d.headers = { Host: "elsewhere.test" }
    },
    line: /\/headers\/Host: .*expected a header other than Host, Content-Length, Transfer-Encoding, Connection$/,
  },
  {
    name: "correlation header with a line break",
    change: (d) => {
      d.correlation.header = "X-Id\nX-Evil"
    },
    line: /\/correlation\/header: .*found header name "X-Id\\nX-Evil", expected an RFC 9110 token/,
  },
  {
    name: "token header with a colon",
    change: (d) => {
      d.auth[2].tokenHeaders = { "X-A: b": "1" }
    },
    line: /\/auth\/2\/tokenHeaders\/X-A: b: .*expected an RFC 9110 token/,
  },
  {
    name: "spec: a path with an unbalanced brace",
    change: (_, s) => {
      s.paths["/things/{id"] = s.paths["/things/{id}"]
      delete s.paths["/things/{id}"]
    },
    line: /openapi\.json:\d+:\d+ \/paths\/~1things~1\{id: invalid OpenAPI document: found "\/things\/\{id", expected a path template with balanced \{parameters\}, not an unclosed \{$/,
  },
  {
    name: "spec: an undeclared {var} in a path",
    change: (_, s) => {
      s.paths["/things/{id}/{nope}"] = s.paths["/things/{id}"]
      delete s.paths["/things/{id}"]
    },
    line: /openapi\.json:\d+:\d+ \/paths\/~1things~1\{id\}~1\{nope\}: .*found \{nope\} in "\/things\/\{id\}\/\{nope\}", expected a path parameter \(in: path\) named "nope" on GET or its path item$/,
  },
  {
    name: "spec: responses: nope",
    change: (_, s) => {
      s.paths["/things"].get.responses = "nope"
    },
    line: /openapi\.json:\d+:\d+ \/paths\/~1things\/get\/responses: invalid OpenAPI document: found "nope", expected a responses object$/,
  },
  {
    name: "spec: a response that is a number",
    change: (_, s) => {
      s.paths["/things"].get.responses["200"] = 42
    },
    line: /\/paths\/~1things\/get\/responses\/200: .*found 42, expected a response object$/,
  },
  {
    name: "spec: parameters that are a string",
    change: (_, s) => {
      s.paths["/things"].get.parameters = "q"
    },
    line: /\/paths\/~1things\/get\/parameters: .*found "q", expected a list of parameter objects$/,
  },
  {
    name: "spec: a parameter that is a number",
    change: (_, s) => {
      s.paths["/things/{id}"].parameters = [42]
    },
    line: /\/paths\/~1things~1\{id\}\/parameters\/0: .*found 42, expected a parameter object with a name and an in$/,
  },
  {
    name: "spec: a request body that is a string",
    change: (_, s) => {
      s.paths["/things"].get.requestBody = "x"
    },
    line: /\/paths\/~1things\/get\/requestBody: .*found "x", expected a request body object$/,
  },
  {
    name: "--spec: a plain http server to a remote host",
    mode: "spec",
    change: (_, s) => {
      s.servers[0].url = "http://api.fuzz.test"
    },
    line: /openapi\.json:\d+:\d+ \/servers\/0\/url: invalid OpenAPI document: found "http:\/\/api\.fuzz\.test", expected an https: URL \(plain http: only to a loopback host/,
  },
  {
    name: "--spec: a javascript: token URL",
    mode: "spec",
    change: (_, s) => {
      s.components.securitySchemes.oauth.flows.clientCredentials.tokenUrl = "javascript:alert(1)"
    },
    line: /openapi\.json:\d+:\d+ \/components\/securitySchemes: .*found "javascript:alert\(1\)", expected an http: or https: URL, not javascript:$/,
  },
]

/** Inputs that must generate, their values unchanged. */
const keeps: ReadonlyArray<Case & { readonly check?: (descriptor: Json) => void }> = [
  {
    name: 'defaultScopes: ["read,write"] stays one scope',
    change: (d) => {
      d.auth[2].scopes = ["read,write", "a b"]
      d.auth[2].defaultScopes = ["read,write"]
    },
  },
  {
    name: "plain http to loopback",
    change: (d) => {
      d.baseUrl = "http://127.0.0.1:8080/api"
      d.auth[2].tokenUrl = "http://localhost:{port}/token"
    },
  },
  {
    name: "plain http to a remote host with allowInsecureHttp",
    change: (d) => {
      d.baseUrl = "http://api.fuzz.test/v1"
      d.allowInsecureHttp = true
    },
  },
  {
    name: "a relative tokenUrl, resolved against the base URL",
    change: (d) => {
      d.auth[2].tokenUrl = "/oauth/token"
    },
  },
  {
    name: "--spec --allow-insecure-http: a plain http server to a remote host",
    mode: "spec",
    args: ["--allow-insecure-http"],
    change: (_, s) => {
      s.servers[0].url = "http://api.fuzz.test"
    },
    check: (descriptor) => {
      expect(descriptor.baseUrl).toBe("http://api.fuzz.test")
      expect(descriptor.allowInsecureHttp).toBe(true)
    },
  },
]

describe("generator refusals and kept values", () => {
  it.each(rejects)("refuses $name with one located line, writing nothing", async (c) => {
    const mode = c.mode ?? "descriptor"
    const d = baseDescriptor()
    const s = baseSpec()
    c.change(d, s)
    const dir = await setup(`reject-${rejects.indexOf(c)}`, mode, d, s)
    const out = join(dir, "packages", "fz")
    const before = snapshot(out)
    const r = await generate(mode, dir, c.args)
    expectRefusal(r, before, snapshot(out))
    const lines = problemLines(r.err)
    expect(lines, r.err).toHaveLength(1)
    expect(lines[0]).toMatch(c.line)
  })

  it("refuses a __proto__ key written in YAML (as js-yaml parses it) at its line", async () => {
    const dir = await setup("yaml-proto", "descriptor", baseDescriptor(), baseSpec())
    const file = join(dir, "specs/fz/provider.yaml")
    const yaml = [
      "name: fz",
      "title: Fuzz API",
      "spec: openapi.json",
      'baseUrl: "https://api.fuzz.test"',
      "environments:",
      "  prod:",
      "    __proto__: polluted",
      "auth:",
      "  - type: permanent-token",
      "",
    ].join("\n")
    writeFileSync(file, yaml)
    const out = join(dir, "packages", "fz")
    const before = snapshot(out)
    const r = await generate("descriptor", dir)
    expectRefusal(r, before, snapshot(out))
    expect(problemLines(r.err)).toEqual([
      expect.stringMatching(
        /provider\.yaml:7:5 \/environments\/prod\/__proto__: wrong field in descriptor: found the key "__proto__", expected another name$/,
      ),
    ])
  })

  it.each([
    [
      "a non-finite number in custom options (YAML .nan)",
      '{ package: "@keyway/example-auth-hmac-signing", export: definition }',
      "{ weight: .nan }",
      /provider\.yaml:8:\d+ \/auth\/0\/options\/weight: wrong field in descriptor: found NaN, expected a finite number$/,
    ],
    [
      "a custom plugin that is no package name",
      '{ package: "../../evil.js", export: definition }',
      "{}",
      /provider\.yaml:7:\d+ \/auth\/0\/plugin\/package: .*found "\.\.\/\.\.\/evil\.js", expected an npm package name, e\.g\. @acme\/keyway-auth$/,
    ],
  ])("refuses %s, before any plugin is loaded", async (name, plugin, options, line) => {
    const dir = await setup(`yaml-${name.split(" ")[1]}`, "descriptor", baseDescriptor(), baseSpec())
    const yaml = [
      "name: fz",
      "title: Fuzz API",
      "spec: openapi.json",
      'baseUrl: "https://api.fuzz.test"',
      "auth:",
      "  - type: custom",
      `    plugin: ${plugin}`,
      `    options: ${options}`,
      "",
    ].join("\n")
    writeFileSync(join(dir, "specs/fz/provider.yaml"), yaml)
    const out = join(dir, "packages", "fz")
    const before = snapshot(out)
    const r = await generate("descriptor", dir)
    expectRefusal(r, before, snapshot(out))
    expect(problemLines(r.err)).toEqual([expect.stringMatching(line)])
  })

  it("--allow-insecure-http goes with --spec only", async () => {
    const dir = await setup("flag", "descriptor", baseDescriptor(), baseSpec())
    const r = await generate("descriptor", dir, ["--allow-insecure-http"])
    expect(r.code).toBe(1)
    expect(r.err).toBe(
      "usage: --allow-insecure-http goes with --spec (a descriptor sets allowInsecureHttp: true)\n",
    )
  })

  it("generates what is valid, with every value unchanged", async () => {
    const done: Array<{ dir: string; c: (typeof keeps)[number]; d: Json }> = []
    for (const [i, c] of keeps.entries()) {
      const mode = c.mode ?? "descriptor"
      const d = baseDescriptor()
      const s = baseSpec()
      c.change(d, s)
      const dir = await setup(`keep-${i}`, mode, d, s)
      const r = await generate(mode, dir, c.args)
      expectGenerated(r, c.name)
      done.push({ dir: join(dir, "packages", "fz"), c, d })
    }
    const results = importAll(done.map((x) => x.dir))
    for (const { dir, c, d } of done) {
      const r = results[`${pathToFileURL(dir).href}/`]!
      expect(r.errors, c.name).toEqual([])
      if ((c.mode ?? "descriptor") === "descriptor") expect(r.descriptor, c.name).toEqual(d)
      c.check?.(r.descriptor!)
    }
    expect(readFileSync(join(done[0]!.dir, "src/descriptor.ts"), "utf8")).toContain(
      'defaultScopes: ["read,write"]',
    )
  })
})

/** `$ref`s the Load stage must refuse (never followed out of the spec's folder, never a crash). */
const badRefs: ReadonlyArray<readonly [string, (s: Json) => void]> = [
  ["$ref: 42", (s) => void (s.components.schemas.Thing = { $ref: 42 })],
  ["$ref: ./ (a folder)", (s) => void (s.components.schemas.Thing = { $ref: "./" })],
  ["$ref out of the spec's folder", (s) => void (s.components.schemas.Thing = { $ref: "../outside.json" })],
  ["$ref to an absolute path", (s) => void (s.components.schemas.Thing = { $ref: "/etc/passwd" })],
  ["$ref to a device", (s) => void (s.components.schemas.Thing = { $ref: "/dev/zero" })],
  ["$ref to /proc", (s) => void (s.components.schemas.Thing = { $ref: "/proc/self/environ" })],
  ["$ref to a pointer that does not exist", (s) => void (s.components.schemas.Thing = { $ref: "#/nowhere" })],
  [
    "a cycle of $refs",
    (s) => {
      s.components.schemas.A = { $ref: "#/components/schemas/B" }
      s.components.schemas.B = { $ref: "#/components/schemas/A" }
      s.components.schemas.Thing = { $ref: "#/components/schemas/A" }
    },
  ],
]

describe("generator fuzz: $refs that must be refused", () => {
  it.each(badRefs)("%s: refused with located lines, nothing written", async (name, change) => {
    const s = baseSpec()
    change(s)
    const dir = await setup(`ref-${badRefs.findIndex(([n]) => n === name)}`, "spec", baseDescriptor(), s)
    const out = join(dir, "packages", "fz")
    const before = snapshot(out)
    const r = await generate("spec", dir)
    expectRefusal(r, before, snapshot(out))
  })
})

/**
 * Malformed shapes of a spec (a value of the wrong type where openapi-typescript or the
 * generator reads it). Each must generate or be refused with located lines, never crash.
 */
const shapes: ReadonlyArray<readonly [string, (s: Json) => void]> = [
  ["paths: []", (s) => void (s.paths = [])],
  ["a path item that is a list", (s) => void (s.paths["/things/{id}"] = [])],
  ["components: 5", (s) => void (s.components = 5)],
  ["schemas: 5", (s) => void (s.components.schemas = 5)],
  ["a schema that is a number", (s) => void (s.components.schemas.Error = 5)],
  ["info: a string", (s) => void (s.info = "x")],
  ["security: 5", (s) => void (s.paths["/things"].get.security = 5)],
  ["security: [5]", (s) => void (s.paths["/things"].get.security = [5])],
  ["security: [{ oauth: 5 }]", (s) => void (s.paths["/things"].get.security = [{ oauth: 5 }])],
  ["servers: 5", (s) => void (s.servers = 5)],
  ["servers: [{ url: 5 }]", (s) => void (s.servers = [{ url: 5 }])],
  ["server variables: 5", (s) => void (s.servers[0].variables = 5)],
  ["securitySchemes: 5", (s) => void (s.components.securitySchemes = 5)],
  ["a security scheme that is a number", (s) => void (s.components.securitySchemes.oauth = 5)],
  ["flows: 5", (s) => void (s.components.securitySchemes.oauth.flows = 5)],
  ["scopes: 5", (s) => void (s.components.securitySchemes.oauth.flows.clientCredentials.scopes = 5)],
  ["tokenUrl: 5", (s) => void (s.components.securitySchemes.oauth.flows.clientCredentials.tokenUrl = 5)],
  ["apiKey name: 5", (s) => void (s.components.securitySchemes.key.name = 5)],
  ["openapi: 3.1 (a number)", (s) => void (s.openapi = 3.1)],
  ["properties: 5", (s) => void (s.components.schemas.Thing.properties = 5)],
  ["enum: 5", (s) => void (s.components.schemas.Thing.properties.kind.enum = 5)],
  ["required: 5", (s) => void (s.components.schemas.Thing.required = 5)],
  ["items: 5", (s) => void (s.components.schemas.Thing.properties.items.items = 5)],
  ["allOf: 5", (s) => void (s.components.schemas.Error = { allOf: 5 })],
  ["oneOf: [5]", (s) => void (s.components.schemas.Error = { oneOf: [5] })],
  ["type: 5", (s) => void (s.components.schemas.Error = { type: 5 })],
  ["additionalProperties: 5", (s) => void (s.components.schemas.Thing.additionalProperties = 5)],
  ["a schema title that is an object", (s) => void (s.components.schemas.Thing.title = {})],
  ["a schema description that is a number", (s) => void (s.components.schemas.Thing.description = 5)],
  ["content: 5", (s) => void (s.paths["/things"].get.responses["200"].content = 5)],
  [
    "a media type that is a number",
    (s) => void (s.paths["/things"].get.responses["200"].content["application/json"] = 5),
  ],
  ["a parameter schema that is a number", (s) => void (s.paths["/things"].get.parameters[0].schema = 5)],
  ["a parameter name that is a number", (s) => void (s.paths["/things"].get.parameters[0].name = 5)],
  ["operationId: 5", (s) => void (s.paths["/things"].get.operationId = 5)],
  ["summary: 5", (s) => void (s.paths["/things"].get.summary = 5)],
  ["response headers: 5", (s) => void (s.paths["/things"].get.responses["200"].headers = 5)],
  [
    "a response header that is a number",
    (s) => void (s.paths["/things"].get.responses["200"].headers = { "X-A": 5 }),
  ],
  [
    "a response description that is a number",
    (s) => void (s.paths["/things"].get.responses["200"].description = 5),
  ],
  ["path-level parameters: {}", (s) => void (s.paths["/things/{id}"].parameters = {})],
  ["components.parameters: 5", (s) => void (s.components.parameters = 5)],
  ["webhooks: 5", (s) => void (s.webhooks = 5)],
  ["tags: 5", (s) => void (s.tags = 5)],
  [
    "a schema that is a number in a referenced component response",
    (s) => {
      s.components.responses = { R: { description: "r", content: { "application/json": { schema: 5 } } } }
      s.paths["/things/{id}"].get.responses["200"] = { $ref: "#/components/responses/R" }
    },
  ],
]

describe("generator fuzz: malformed spec shapes", () => {
  it.each(shapes)("%s: generates or is refused with located lines, never crashes", async (name, change) => {
    const s = baseSpec()
    change(s)
    const dir = await setup(`shape-${shapes.findIndex(([n]) => n === name)}`, "spec", baseDescriptor(), s)
    const out = join(dir, "packages", "fz")
    const before = snapshot(out)
    const r = await generate("spec", dir)
    if (r.code !== 0) expectRefusal(r, before, snapshot(out))
    else expectGenerated(r)
  })
})
