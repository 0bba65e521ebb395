/**
 * Which serializers and base URL a call uses, by openapi-fetch 0.17's precedence: the call's
 * own, else the client's (`createClient` options), else openapi-fetch's defaults. A query
 * serializer given as options (`{ array: { style, explode } }`) on the call is laid over the
 * client's options (shallow), as openapi-fetch does; a function replaces them.
 *
 * The client's choice is resolved once, when the client is built, so a call that overrides
 * nothing costs nothing.
 *
 * @internal
 */
import {
  type BodySerializer,
  createQuerySerializer,
  defaultBodySerializer,
  defaultPathSerializer,
  type PathSerializer,
  type QuerySerializer,
  type QuerySerializerOptions,
  removeTrailingSlash,
} from "openapi-fetch"

/**
 * Serializer settings as `createClient` and a call's init take them.
 *
 * @internal
 */
export interface Settings {
  readonly baseUrl?: string | undefined
  readonly querySerializer?: QuerySerializer<any> | QuerySerializerOptions | undefined
  readonly bodySerializer?: BodySerializer<any> | undefined
  readonly pathSerializer?: PathSerializer | undefined
}

/**
 * The settings one call runs with.
 *
 * @internal
 */
export interface Resolved {
  readonly baseUrl: string
  readonly querySerializer: QuerySerializer<unknown>
  readonly bodySerializer: BodySerializer<unknown>
  readonly pathSerializer: PathSerializer
}

/**
 * A client's settings, resolved once; `forCall` resolves a call's against them.
 *
 * @internal
 */
export interface ClientSerializers extends Resolved {
  readonly forCall: (init: Settings | undefined) => Resolved
}

/**
 * Resolves a client's settings (trailing slash of the base URL removed, as openapi-fetch does).
 *
 * @internal
 */
export const make = (client: Settings): ClientSerializers => {
  const global = client.querySerializer
  const resolved: Resolved = {
    baseUrl: removeTrailingSlash(client.baseUrl ?? ""),
    querySerializer: typeof global === "function" ? global : createQuerySerializer(global),
    bodySerializer: client.bodySerializer ?? defaultBodySerializer,
    pathSerializer: client.pathSerializer ?? defaultPathSerializer,
  }
  const forCall = (init: Settings | undefined): Resolved => {
    if (
      init === undefined ||
      (!init.baseUrl && !init.querySerializer && init.bodySerializer === undefined && !init.pathSerializer)
    ) {
      return resolved
    }
    const own = init.querySerializer
    return {
      baseUrl: init.baseUrl ? removeTrailingSlash(init.baseUrl) : resolved.baseUrl,
      querySerializer: !own
        ? resolved.querySerializer
        : typeof own === "function"
          ? own
          : createQuerySerializer({ ...(typeof global === "object" ? global : {}), ...own }),
      bodySerializer: init.bodySerializer ?? resolved.bodySerializer,
      pathSerializer: init.pathSerializer || resolved.pathSerializer,
    }
  }
  return { ...resolved, forCall }
}
