/**
 * Builds the pipeline's `Http.HttpRequest` straight from an openapi-fetch style call
 * (`path`, `init`), once: the URL with openapi-fetch's own serializers (`createFinalURL`,
 * `createQuerySerializer`, `defaultPathSerializer`, `defaultBodySerializer`), the headers merged
 * as its `mergeHeaders` does (later wins, `null` removes, arrays append) into a plain lower-case
 * record, the body serialized once into bytes. No WHATWG `Request` or `Headers` is built; a body
 * that is not a string or bytes (`FormData`, `Blob`, `URLSearchParams`, a stream) is read through
 * a `Response`, as `fetch` would, and only then is the result a `Promise`.
 *
 * @since 0.1.0
 */
import {
  createFinalURL,
  createQuerySerializer,
  defaultBodySerializer,
  defaultPathSerializer,
  type QuerySerializerOptions,
  removeTrailingSlash,
} from "openapi-fetch"
import type * as Http from "../Http.ts"
import type * as Options from "../Options.ts"
import { badHeader, checkPathParams, HEADER_NAME, HEADER_VALUE } from "./checks.ts"

/** A query serializer: a function, or openapi-fetch's options for its default one. */
export type QuerySerializer = ((query: any) => string) | QuerySerializerOptions

/** A body serializer: the body (and the merged headers) to what `fetch` accepts as a body. */
export type BodySerializer = (body: any, headers?: any) => any

/** A path serializer: the path template with its parameters filled in. */
export type PathSerializer = (pathname: string, params: Record<string, unknown>) => string

/** What the client fixes for every call. */
export interface Config {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string
  /** The client's headers, names lower-cased (checked when the client was built). */
  readonly headers: Readonly<Record<string, string>>
  /** Whether the client's headers set or removed `content-type` (no default then). */
  readonly contentTyped: boolean
  readonly querySerializer?: QuerySerializer | undefined
  readonly bodySerializer?: BodySerializer | undefined
  readonly pathSerializer?: PathSerializer | undefined
}

/** What a call may give in its `init`, as openapi-fetch reads it. */
export interface Init {
  readonly baseUrl?: string | undefined
  readonly headers?: unknown
  readonly params?:
    | {
        readonly path?: Readonly<Record<string, unknown>> | undefined
        readonly query?: Readonly<Record<string, unknown>> | undefined
        readonly header?: unknown
      }
    | undefined
  readonly body?: unknown
  readonly querySerializer?: QuerySerializer | undefined
  readonly bodySerializer?: BodySerializer | undefined
  readonly pathSerializer?: PathSerializer | undefined
}

/** Makes the parts of a {@link Config} that are the same for every call. */
export const makeConfig = (options: {
  readonly baseUrl: string
  readonly headers?: Options.HeaderValues | undefined
  readonly querySerializer?: QuerySerializer | undefined
  readonly bodySerializer?: BodySerializer | undefined
  readonly pathSerializer?: PathSerializer | undefined
}): Config => {
  const headers: Record<string, string> = {}
  // As openapi-fetch merges them: numbers as text, arrays appended, `null` leaves one out.
  const typed = merge(headers, options.headers)
  return {
    baseUrl: removeTrailingSlash(options.baseUrl),
    headers,
    contentTyped: typed,
    querySerializer: options.querySerializer,
    bodySerializer: options.bodySerializer,
    pathSerializer: options.pathSerializer,
  }
}

const defaultQuery = createQuerySerializer()
const queryOf = (config: Config, init: Init | undefined): ((query: any) => string) => {
  const global = config.querySerializer
  const local = init?.querySerializer
  if (local === undefined)
    return global === undefined
      ? defaultQuery
      : typeof global === "function"
        ? global
        : createQuerySerializer(global)
  if (typeof local === "function") return local
  return createQuerySerializer({ ...(typeof global === "object" ? global : {}), ...local })
}

const baseUrlOf = (config: Config, init: Init | undefined): string => {
  const local = init?.baseUrl
  return local ? removeTrailingSlash(local) : config.baseUrl
}
const pathOf = (config: Config, init: Init | undefined): PathSerializer =>
  init?.pathSerializer || config.pathSerializer || defaultPathSerializer
const bodyOf = (config: Config, init: Init | undefined): BodySerializer =>
  init?.bodySerializer ?? config.bodySerializer ?? defaultBodySerializer

/**
 * The base URL and serializers a call uses, by openapi-fetch's precedence (the call's, the
 * client's, openapi-fetch's defaults): what middleware sees as `options`.
 */
export const serializersOf = (
  config: Config,
  init: Init | undefined,
): {
  readonly baseUrl: string
  readonly querySerializer: (query: any) => string
  readonly bodySerializer: BodySerializer
  readonly pathSerializer: PathSerializer
} => ({
  baseUrl: baseUrlOf(config, init),
  querySerializer: queryOf(config, init),
  bodySerializer: bodyOf(config, init),
  pathSerializer: pathOf(config, init),
})

// HTTP whitespace around a value is dropped, as `Headers` does.
const trim = (value: string): string => value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "")

/**
 * Lays one source of headers over `out` (`null` removes, arrays append, `undefined` skips);
 * returns whether it touched `content-type`.
 */
const merge = (out: Record<string, string>, source: unknown): boolean => {
  if (source === undefined || source === null || typeof source !== "object") return false
  let contentType = false
  const entries: Iterable<readonly [string, unknown]> =
    source instanceof Headers ? source.entries() : Object.entries(source)
  for (const [rawName, value] of entries) {
    if (value === undefined) continue
    const name = rawName.toLowerCase()
    if (!HEADER_NAME.test(name)) throw badHeader(rawName)
    if (name === "content-type") contentType = true
    if (value === null) {
      delete out[name]
      continue
    }
    if (Array.isArray(value)) {
      for (const item of value) {
        const text = String(item)
        if (!HEADER_VALUE.test(text)) throw badHeader(rawName)
        const v = trim(text)
        out[name] = out[name] === undefined ? v : `${out[name]}, ${v}`
      }
      continue
    }
    const text = String(value)
    if (!HEADER_VALUE.test(text)) throw badHeader(rawName)
    out[name] = trim(text)
  }
  return contentType
}

const encoder = new TextEncoder()

/**
 * The request of one call. Throws a `ConfigError` for a header `fetch` would refuse or a path
 * parameter that would leave the endpoint, a `TypeError` for a GET or HEAD with a body, and
 * whatever a serializer throws.
 */
export const build = (
  config: Config,
  method: string,
  path: string,
  init: Init | undefined,
): Http.HttpRequest | Promise<Http.HttpRequest> => {
  const params = init?.params
  const badParam = checkPathParams(params?.path)
  if (badParam !== undefined) throw badParam
  const url = createFinalURL(path, {
    baseUrl: baseUrlOf(config, init),
    params: (params ?? {}) as { query?: Record<string, unknown>; path?: Record<string, unknown> },
    querySerializer: queryOf(config, init),
    pathSerializer: pathOf(config, init),
  })
  const headers: Record<string, string> = { ...config.headers }
  const setByCall = merge(headers, init?.headers)
  const setByParams = merge(headers, params?.header)
  const raw = init?.body
  if (raw === undefined) return { method, url, headers, body: undefined }
  const serialized = bodyOf(config, init)(raw, headers)
  if (serialized === undefined) return { method, url, headers, body: undefined }
  if (method === "GET" || method === "HEAD")
    throw new TypeError("Request with GET/HEAD method cannot have body.")
  // openapi-fetch's default content type, lowest priority: unless a header set or removed it.
  const typed = setByCall || setByParams || config.contentTyped
  if (!typed && !(serialized instanceof FormData)) headers["content-type"] = "application/json"
  if (typeof serialized === "string") {
    if (headers["content-type"] === undefined) headers["content-type"] = "text/plain;charset=UTF-8"
    return { method, url, headers, body: encoder.encode(serialized) }
  }
  if (serialized instanceof Uint8Array) return { method, url, headers, body: serialized }
  if (serialized instanceof ArrayBuffer) return { method, url, headers, body: new Uint8Array(serialized) }
  // FormData, Blob, URLSearchParams, a stream: read as `fetch` would, with its content type.
  const reader = new Response(serialized as ConstructorParameters<typeof Response>[0])
  return reader.arrayBuffer().then((bytes) => {
    const contentType = reader.headers.get("content-type")
    if (headers["content-type"] === undefined && contentType !== null) headers["content-type"] = contentType
    return { method, url, headers, body: new Uint8Array(bytes) }
  })
}
