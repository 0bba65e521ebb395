/**
 * Small node:http helpers the sandboxes share: reading and parsing request bodies (JSON,
 * urlencoded and multipart forms), reading credentials from headers and writing JSON responses.
 *
 * @example
 * ```ts
 * import { sendJson, parseForm } from "./Http.ts"
 * sendJson(res, 200, { ok: true })
 * parseForm(Buffer.from("a=1&b=2")) // { a: "1", b: "2" }
 * ```
 *
 * @since 0.1.0
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http"

/** The largest request body a sandbox reads (1 MiB). */
const MAX_BODY = 1 << 20

/**
 * Writes a JSON response with a content length.
 *
 * @example
 * ```ts
 * sendJson(res, 404, { error: "Not found" })
 * ```
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: OutgoingHttpHeaders,
  contentType = "application/json; charset=utf-8",
): void {
  if (res.headersSent || res.destroyed) return
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
  })
  res.end(text)
}

/**
 * Writes a response without a body.
 *
 * @example
 * ```ts
 * sendEmpty(res, 204)
 * ```
 */
export function sendEmpty(res: ServerResponse, status: number, headers?: OutgoingHttpHeaders): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { ...headers, "content-length": 0 })
  res.end()
}

/**
 * Reads a request body fully; rejects past 1 MiB.
 *
 * @example
 * ```ts
 * const body = await readBody(req)
 * ```
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        reject(new Error("Request body too large"))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)))
    req.on("error", reject)
  })
}

/**
 * The media type of a request (lower case, parameters dropped), or `""`.
 *
 * @example
 * ```ts
 * mediaType(req) // "application/json"
 * ```
 */
export function mediaType(req: IncomingMessage): string {
  const value = req.headers["content-type"]
  if (!value) return ""
  const semi = value.indexOf(";")
  return (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase()
}

/**
 * Parses a JSON body that must be an object; `undefined` when it is not.
 *
 * @example
 * ```ts
 * parseJsonObject(Buffer.from('{"a":1}')) // { a: 1 }
 * ```
 */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined
  try {
    const value: unknown = JSON.parse(body.toString("utf8"))
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether a value is a plain JSON object (not `null`, not an array).
 *
 * @example
 * ```ts
 * isObject({ a: 1 }) // true
 * isObject([1]) // false
 * ```
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
}

/**
 * Parses an `application/x-www-form-urlencoded` body (`+` is a space).
 *
 * @example
 * ```ts
 * parseForm(Buffer.from("scope=r_jobs+r_candidates")) // { scope: "r_jobs r_candidates" }
 * ```
 */
export function parseForm(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) out[k] = v
  return out
}

/**
 * Parses the text fields of a `multipart/form-data` body (files are read as text too).
 * `undefined` when the content type has no boundary.
 *
 * @example
 * ```ts
 * parseMultipart(body, req.headers["content-type"]) // { grant_type: "authorization_code", … }
 * ```
 */
export function parseMultipart(
  body: Buffer,
  contentType: string | undefined,
): Record<string, string> | undefined {
  const match = contentType ? /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType) : null
  const boundary = match ? (match[1] ?? match[2] ?? "").trim() : ""
  if (!boundary) return undefined
  const text = body.toString("latin1")
  const out: Record<string, string> = {}
  for (const part of text.split(`--${boundary}`)) {
    const headerEnd = part.indexOf("\r\n\r\n")
    if (headerEnd === -1) continue
    const headers = part.slice(0, headerEnd)
    const name = /name="([^"]*)"/i.exec(headers)?.[1]
    if (name === undefined) continue
    let value = part.slice(headerEnd + 4)
    if (value.endsWith("\r\n")) value = value.slice(0, -2)
    out[name] = Buffer.from(value, "latin1").toString("utf8")
  }
  return out
}

/**
 * The token of an `Authorization: Bearer <token>` header, `undefined` when absent.
 *
 * @example
 * ```ts
 * bearerToken(req) // "eyJhbGciOi…"
 * ```
 */
export function bearerToken(req: IncomingMessage): string | undefined {
  const value = req.headers.authorization
  if (!value || value.length < 8) return undefined
  if (value.slice(0, 7).toLowerCase() !== "bearer ") return undefined
  const token = value.slice(7).trim()
  return token || undefined
}

/**
 * The id and secret of an `Authorization: Basic base64(id:secret)` header.
 *
 * @example
 * ```ts
 * basicCredentials(req) // { id: "client", secret: "s3cret" }
 * ```
 */
export function basicCredentials(req: IncomingMessage): { id: string; secret: string } | undefined {
  const value = req.headers.authorization
  if (!value || value.slice(0, 6).toLowerCase() !== "basic ") return undefined
  const decoded = Buffer.from(value.slice(6).trim(), "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon === -1) return undefined
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  }
}

/**
 * A string field of a parsed body, `undefined` when missing or not a string.
 *
 * @example
 * ```ts
 * str({ a: "x", b: 1 }, "a") // "x"
 * ```
 */
export function str(fields: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = fields?.[key]
  return typeof value === "string" ? value : undefined
}
