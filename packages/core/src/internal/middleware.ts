/**
 * openapi-fetch's client middleware (`client.use`, `client.eject`, a call's `middleware`), with
 * openapi-fetch 0.17's semantics, run above Keyway's pipeline:
 *
 * - `onRequest` hooks run in registration order (the client's, then the call's) and see the
 *   request before anything is sent; one that returns a `Response` answers the call (nothing is
 *   sent, no `onResponse` runs); one that returns a `Request` replaces it.
 * - the request is then sent once through `send` (Keyway's pipeline: correlation id, auth,
 *   retries, refresh); a rejection (Keyway's tagged errors, or an `AbortError`) goes through the
 *   `onError` hooks in reverse order: a `Response` recovers, an `Error` replaces the error.
 * - `onResponse` hooks run in reverse order on the final response (after retries).
 *
 * A WHATWG `Request` is only built when a middleware is installed: with none, the caller never
 * comes here (see `hasAny`).
 *
 * @internal
 */
import type { MergedOptions, Middleware, MiddlewareRequestParams } from "openapi-fetch"

/**
 * The client-level middleware list behind `use` and `eject`. `list` is replaced, never changed:
 * a call holds the list as it was when the call started, without copying it.
 *
 * @internal
 */
export interface Registry {
  readonly list: ReadonlyArray<Middleware>
  readonly use: (...middleware: Array<Middleware>) => void
  readonly eject: (...middleware: Array<Middleware>) => void
}

/**
 * An empty registry. `use` skips falsy entries and throws openapi-fetch's error for an object
 * with no hook; `eject` removes the first registration of each value given.
 *
 * @internal
 */
export const makeRegistry = (): Registry => {
  const registry = {
    list: none,
    use: (...middleware: Array<Middleware>) => {
      const next = registry.list.slice()
      // As openapi-fetch's: the entries before one that is refused stay registered.
      try {
        for (const m of middleware) {
          if (!m) continue
          if (typeof m !== "object" || !("onRequest" in m || "onResponse" in m || "onError" in m)) {
            throw new Error(
              "Middleware must be an object with one of `onRequest()`, `onResponse() or `onError()`",
            )
          }
          next.push(m)
        }
      } finally {
        registry.list = next
      }
    },
    eject: (...middleware: Array<Middleware>) => {
      const next = registry.list.slice()
      for (const m of middleware) {
        const i = next.indexOf(m)
        if (i !== -1) next.splice(i, 1)
      }
      registry.list = next
    },
  }
  return registry
}

/**
 * The middleware of one call: the client's (as registered when the call starts), then the
 * call's own. Allocation free unless the call brings its own.
 *
 * @internal
 */
export const forCall = (
  registry: Registry,
  perCall: ReadonlyArray<Middleware> | undefined,
): ReadonlyArray<Middleware> =>
  perCall === undefined || perCall.length === 0 ? registry.list : [...registry.list, ...perCall]
const none: ReadonlyArray<Middleware> = []

/** A value `await` would wait for (a promise, or any thenable). */
const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  u !== null &&
  (typeof u === "object" || typeof u === "function") &&
  typeof (u as PromiseLike<unknown>).then === "function"

// openapi-fetch's per-call middleware id is 9 random base-36 characters; here a random prefix
// per process and a counter, as unique and a sixth of the cost on every call with middleware.
const idPrefix = Math.random().toString(36).slice(2, 7)
let idCounter = 0
const randomId = () => `${idPrefix}${((idCounter = (idCounter + 1) % 0x7fffffff)).toString(36)}`

/**
 * What a middleware chain runs with.
 *
 * @internal
 */
export interface Context {
  readonly request: Request
  readonly schemaPath: string
  readonly params: MiddlewareRequestParams
  readonly options: MergedOptions
}

/**
 * How a chain sends and ends. `send` sends a request through Keyway's pipeline and hands what it
 * gave to `then` (in the same promise step: a chain of `onRequest` hooks costs no step of its
 * own). What it gave is `read` the fast way when no hook replaced or saw the response, made a
 * `Response` (`toResponse`) only when an `onResponse` hook is there to see it, and a `Response`
 * the hooks ended with is read as openapi-fetch reads it (`parse`).
 *
 * @internal
 */
export interface Ends<T, R> {
  readonly send: <X>(request: Request, then: (sent: T) => X) => Promise<X>
  readonly read: (sent: T) => R
  readonly toResponse: (sent: T) => Response
  readonly parse: (response: Response, request: Request) => Promise<R>
}

/**
 * Runs a chain around `send`, exactly as openapi-fetch's `coreFetch` does around `fetch`
 * (including its error messages for a hook returning something else than it may).
 *
 * @internal
 */
export const run = <T, R>(
  middleware: ReadonlyArray<Middleware>,
  context: Context,
  ends: Ends<T, R>,
): Promise<R> =>
  middleware.some(seesOutcome)
    ? chain(middleware, context, ends)
    : direct(middleware, context, randomId(), ends, 0, context.request)

/** Whether a middleware has a hook that sees what `send` gave (`onResponse`, `onError`). */
const seesOutcome = (m: Middleware): boolean =>
  !!m && typeof m === "object" && (typeof m.onResponse === "function" || typeof m.onError === "function")

/** What an `onRequest` hook's result makes of the request (openapi-fetch's error otherwise). */
const applied = (result: unknown, request: Request): Request | Response => {
  if (!result) return request
  if (result instanceof Request || result instanceof Response) return result
  throw new Error("onRequest: must return new Request() or Response() when modifying the request")
}

/**
 * {@link run} for a chain of `onRequest` hooks only (the common case): the hooks, then `send`,
 * with no async frame of the chain's own, and a hook that answers synchronously costs no turn
 * of the microtask queue. A hook that throws (or returns what it may not) rejects, as in `run`.
 */
const direct = <T, R>(
  middleware: ReadonlyArray<Middleware>,
  context: Context,
  id: string,
  ends: Ends<T, R>,
  from: number,
  start: Request,
): Promise<R> => {
  const { schemaPath, params, options } = context
  let request = start
  try {
    for (let i = from; i < middleware.length; i++) {
      const m = middleware[i]
      if (m && typeof m === "object" && typeof m.onRequest === "function") {
        const returned = m.onRequest({ request, schemaPath, params, options, id })
        if (isThenable(returned)) {
          const current = request
          return Promise.resolve(returned).then((result) => {
            const next = applied(result, current)
            return next instanceof Response
              ? ends.parse(next, current)
              : direct(middleware, context, id, ends, i + 1, next)
          })
        }
        const next = applied(returned, request)
        if (next instanceof Response) return ends.parse(next, request)
        request = next
      }
    }
    return ends.send(request, ends.read)
  } catch (error) {
    return Promise.reject(error)
  }
}

const same = <T>(sent: T): T => sent

/** {@link run} for a chain with `onResponse` or `onError` hooks. */
const chain = async <T, R>(
  middleware: ReadonlyArray<Middleware>,
  context: Context,
  ends: Ends<T, R>,
): Promise<R> => {
  const id = randomId()
  const { schemaPath, params, options } = context
  let request = context.request
  for (const m of middleware) {
    if (m && typeof m === "object" && typeof m.onRequest === "function") {
      const returned = m.onRequest({ request, schemaPath, params, options, id })
      // A hook that answers synchronously costs no extra turn of the microtask queue.
      const result = isThenable(returned) ? await returned : returned
      if (result) {
        if (result instanceof Request) {
          request = result
        } else if (result instanceof Response) {
          return ends.parse(result, request)
        } else {
          throw new Error("onRequest: must return new Request() or Response() when modifying the request")
        }
      }
    }
  }
  let sent: T | undefined
  let response: Response | undefined
  try {
    sent = await ends.send(request, same<T>)
  } catch (error) {
    let after: unknown = error
    for (let i = middleware.length - 1; i >= 0; i--) {
      const m = middleware[i]
      if (m && typeof m === "object" && typeof m.onError === "function") {
        const result = await m.onError({ request, error: after, schemaPath, params, options, id })
        if (result) {
          if (result instanceof Response) {
            after = undefined
            response = result
            break
          }
          if (result instanceof Error) {
            after = result
            continue
          }
          throw new Error("onError: must return new Response() or instance of Error")
        }
      }
    }
    if (after) throw after
  }
  for (let i = middleware.length - 1; i >= 0; i--) {
    const m = middleware[i]
    if (m && typeof m === "object" && typeof m.onResponse === "function") {
      response ??= ends.toResponse(sent as T)
      const returned = m.onResponse({ request, response, schemaPath, params, options, id })
      const result = isThenable(returned) ? await returned : returned
      if (result) {
        if (!(result instanceof Response)) {
          throw new Error("onResponse: must return new Response() when modifying the response")
        }
        response = result
      }
    }
  }
  return response === undefined ? ends.read(sent as T) : ends.parse(response, request)
}
