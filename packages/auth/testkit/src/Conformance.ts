/**
 * The auth plugin conformance suite: a few lines in a plugin's test file register vitest checks
 * that every Keyway auth plugin must pass, built-in or third-party.
 *
 * | check | what it proves | skipped when |
 * | --- | --- | --- |
 * | authenticates | a decorated request is accepted by the resource | never |
 * | varied requests | every method, bodies of several types (JSON, form, bytes, multipart, text), queries, and a retry of each signed afresh later are accepted | never |
 * | signature coverage | for a plugin that declares what it `signs`: the same request at the same instant (same `Clock`, same seeded `Random`) gets the same credential, and changing each declared part (method, path, query, each header, body, time) changes it | no `signs` |
 * | single flight | 100 concurrent `authenticate` calls on a cold credential cause exactly one credential request | `credentialEndpoint: false` |
 * | refresh on expiry | past the credential's lifetime (TestClock, no sleeping) the next `authenticate` obtains a new one | `credentialEndpoint` or `expires` false |
 * | one recovery from 401 | `onUnauthorized` answers `"retry"` once and the re-authenticated attempt uses a new credential; when that one is refused too, the call ends with one extra credential request, no loop. Plugins that cannot recover must not answer `"retry"` | never (the check flips with `refreshOn401`) |
 * | rotation persisted | a rotated refresh token is in the TokenStore, never only in memory | `rotation: false` |
 * | bad credentials | a typed error (`InvalidClient`, `CredentialsExpired`, ...) carrying the call's correlation id | never |
 * | token endpoint down | 503 and connection refused are `TokenEndpointError` | `credentialEndpoint: false` |
 * | release | after calls with several scope sets, `release` leaves nothing in the store | never |
 * | no secret leaks | no secret in logs (all levels), error messages, `JSON.stringify` or `util.inspect` | never |
 *
 * The kit drives the plugin like the runtime does (authenticate, send, at most one
 * `onUnauthorized` per call, re-authenticate once), against a loopback {@link FakeCredentialServer}
 * it can count and control, with a fresh in-memory TokenStore per check and a `TestClock` set to
 * {@link kitEpoch} (not epoch 0). A check whose server's handler threw fails with that stack.
 *
 * @example
 * ```ts
 * // test/Conformance.test.ts of a plugin package
 * import { Redacted } from "effect"
 * import { runAuthConformance } from "@keyway/auth-testkit"
 * import * as ClientCredentials from "../src/ClientCredentials.ts"
 *
 * runAuthConformance({
 *   name: "client credentials",
 *   makeLayer: (server) =>
 *     ClientCredentials.layer({
 *       provider: "kit", tokenUrl: `${server.url}/token`,
 *       clientId: server.clientId, clientSecret: Redacted.make(server.clientSecret),
 *     }),
 *   secrets: (server) => [server.clientSecret],
 * })
 * ```
 *
 * @since 0.1.0
 */
import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { Auth, type Errors, Http, Retry, TokenStore, Transport } from "@keyway/core"
import {
  Cause,
  Clock,
  Context,
  Effect,
  Layer,
  Logger,
  Random,
  Redacted,
  References,
  type Scope,
} from "effect"
import { TestClock } from "effect/testing"
import * as FakeCredentialServer from "./FakeCredentialServer.ts"
import * as LoopbackServer from "./LoopbackServer.ts"

/**
 * What a plugin can do; checks that do not apply are registered as skipped.
 *
 * @since 0.1.0
 */
export interface Capabilities {
  /** The plugin obtains credentials from the server (a token or login endpoint). Default true. */
  readonly credentialEndpoint: boolean
  /** Its credentials expire and are renewed under the clock. Default true. */
  readonly expires: boolean
  /** A 401 is recovered once with a new credential. Default true. */
  readonly refreshOn401: boolean
  /** Refresh tokens rotate (the store must hold the newest). Default false. */
  readonly rotation: boolean
  /** The error tags acceptable for rejected credentials. Default `["InvalidClient"]`. */
  readonly badCredentials: ReadonlyArray<Errors.AuthError["_tag"]>
}

/**
 * What a request-signing plugin declares its signature covers. The kit changes each declared part
 * of a request and expects a different credential; an undeclared part is not checked (declare
 * honestly: a signature that covers less than the provider verifies is a bug the provider finds).
 *
 * @since 0.2.0
 */
export interface Signs {
  readonly method?: boolean | undefined
  readonly path?: boolean | undefined
  readonly query?: boolean | undefined
  /** Header names (lower case) covered, e.g. `["content-type", "x-date"]`. */
  readonly headers?: ReadonlyArray<string> | undefined
  readonly body?: boolean | undefined
  /** A timestamp is signed: the same request a second later (a retry) gets a new credential. */
  readonly time?: boolean | undefined
}

/**
 * The time the kit's `TestClock` starts at in every check: 2026-03-14T15:09:26Z, so a plugin that
 * signs timestamps or checks expiry is tested at a realistic time, not at epoch 0.
 *
 * @example
 * ```ts
 * import { Conformance } from "@keyway/auth-testkit"
 * new Date(Conformance.kitEpoch).toISOString() // "2026-03-14T15:09:26.000Z"
 * ```
 *
 * @since 0.2.0
 */
export const kitEpoch = Date.UTC(2026, 2, 14, 15, 9, 26)

/**
 * Options of {@link runAuthConformance}.
 *
 * @since 0.1.0
 */
export interface Options<
  S extends FakeCredentialServer.CredentialServer = FakeCredentialServer.FakeCredentialServer,
> {
  /** Names the `describe` block. */
  readonly name: string
  /** Builds the plugin against the fake; every credential URL must be derived from `server.url`. */
  readonly makeLayer: (server: S) => Layer.Layer<Auth.Auth, unknown, TokenStore.TokenStore>
  /**
   * The fake: options of the built-in {@link FakeCredentialServer}, or an effect starting your
   * own implementation of {@link FakeCredentialServer.CredentialServer} (closed with the scope).
   */
  readonly server?: FakeCredentialServer.Options | (() => Effect.Effect<S, never, Scope.Scope>) | undefined
  /** The plugin's own secrets (client secret, password, API key) that must never leak. */
  readonly secrets?: ((server: S) => ReadonlyArray<string>) | undefined
  /** Runs before the layer is built, on the check's TokenStore (e.g. seed an authorized grant). */
  readonly prepare?: ((server: S) => Effect.Effect<void, unknown, TokenStore.TokenStore>) | undefined
  /** The scopes of the kit's calls (`CallInfo.scopes`). */
  readonly scopes?: ReadonlyArray<string> | undefined
  /**
   * Other scope sets the release check calls with before `release` (default two of its own), so
   * that a plugin keeping one token per scope set must give them all up.
   */
  readonly releaseScopes?: ReadonlyArray<ReadonlyArray<string>> | undefined
  /** For request-signing plugins: what the signature covers (enables the coverage check). */
  readonly signs?: Signs | undefined
  readonly capabilities?: Partial<Capabilities> | undefined
  /**
   * For testing the kit itself: checks registered as expected to fail (a deliberately broken
   * plugin must be caught). A plugin's own conformance test never sets this.
   */
  readonly expectFailures?: ReadonlyArray<CheckName> | undefined
}

/**
 * The names of the checks, for {@link Options.expectFailures}.
 *
 * @since 0.1.0
 */
export type CheckName =
  | "authenticates"
  | "varied-requests"
  | "signature-coverage"
  | "single-flight"
  | "expiry"
  | "unauthorized"
  | "rotation"
  | "bad-credentials"
  | "endpoint-unavailable"
  | "endpoint-dead"
  | "release"
  | "no-leaks"

/**
 * A TokenStore that remembers the keys written, so checks can read every record.
 *
 * @since 0.1.0
 */
export interface RecordingStore extends TokenStore.TokenStoreShape {
  /** Every record currently stored. */
  readonly records: () => Effect.Effect<ReadonlyArray<TokenStore.StoredToken>>
}

/**
 * An in-memory store that can list its records.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Conformance } from "@keyway/auth-testkit"
 * const store = Conformance.makeRecordingStore()
 * Effect.runSync(store.records()).length // 0
 * ```
 *
 * @since 0.1.0
 */
export const makeRecordingStore = (): RecordingStore => {
  const inner = TokenStore.makeMemory()
  const keys = new Map<string, TokenStore.TokenKey>()
  return {
    ...inner,
    compareAndSet: (key, expected, next) =>
      inner
        .compareAndSet(key, expected, next)
        .pipe(
          Effect.tap((written) =>
            Effect.sync(() => void (written && keys.set(TokenStore.keyString(key), key))),
          ),
        ),
    records: () =>
      Effect.forEach([...keys.values()], (key) => inner.get(key)).pipe(
        Effect.map((records) => records.filter((r): r is TokenStore.StoredToken => r !== undefined)),
        Effect.orDie,
      ),
  }
}

/**
 * The outcome of one call driven like the runtime drives it.
 *
 * @since 0.1.0
 */
export interface CallOutcome {
  readonly status: number
  readonly attempts: number
  readonly decision: Auth.UnauthorizedDecision | undefined
  readonly requests: ReadonlyArray<Http.HttpRequest>
  readonly correlationId: string
}

/**
 * Runs one call the way the runtime does: authenticate, send, and on a 401 ask `onUnauthorized`
 * once; on `"retry"` re-authenticate and re-send once.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Auth } from "@keyway/core"
 * import { Conformance } from "@keyway/auth-testkit"
 * const outcome = Effect.gen(function*() {
 *   const plugin = yield* Auth.Auth
 *   return yield* Conformance.call(plugin, "http://127.0.0.1:8080/resource")
 * })
 * ```
 *
 * @since 0.1.0
 */
export const call = (
  plugin: Auth.AuthPlugin,
  target: string | Http.HttpRequest,
  scopes?: ReadonlyArray<string>,
  correlationId: string = crypto.randomUUID(),
): Effect.Effect<CallOutcome, Errors.AuthError> =>
  Effect.gen(function* () {
    const transport = yield* Transport.Transport
    const info: Auth.CallInfo = { correlationId, attempt: 1, scopes }
    const base =
      typeof target === "string" ? Http.makeRequest("GET", target, { accept: "application/json" }) : target
    const send = (request: Http.HttpRequest) =>
      transport
        .send(request, { correlationId, timeoutMs: 10_000, secretQueryParams: plugin.secretQueryParams })
        .pipe(Effect.orDie)
    const first = yield* plugin.authenticate(base, info)
    const response = yield* send(first)
    if (!Auth.isUnauthorized(plugin, response)) {
      return { status: response.status, attempts: 1, decision: undefined, requests: [first], correlationId }
    }
    const decision = yield* plugin.onUnauthorized({ request: first, response }, info)
    if (decision === "pass") {
      return { status: response.status, attempts: 1, decision, requests: [first], correlationId }
    }
    const second = yield* plugin.authenticate(base, { ...info, attempt: 2 })
    const retried = yield* send(second)
    if (plugin.onAccepted !== undefined && !Auth.isUnauthorized(plugin, retried)) {
      yield* plugin.onAccepted({ request: second, response: retried }, { ...info, attempt: 2 })
    }
    return { status: retried.status, attempts: 2, decision, requests: [first, second], correlationId }
  })

const credentialOf = (request: Http.HttpRequest) =>
  JSON.stringify({ url: request.url, headers: request.headers })

/**
 * What a plugin added to or changed on a request: headers, query parameters and the body. The
 * unit the signing checks compare.
 *
 * @example
 * ```ts
 * import { Http } from "@keyway/core"
 * import { Conformance } from "@keyway/auth-testkit"
 * const base = Http.makeRequest("GET", "http://127.0.0.1/x?a=1")
 * Conformance.addedBy(base, Http.setHeader(base, "x-signature", "s")) // '{"headers":{"x-signature":"s"},"query":[],"body":null}'
 * ```
 *
 * @since 0.2.0
 */
export const addedBy = (base: Http.HttpRequest, signed: Http.HttpRequest): string => {
  const headers: Record<string, string> = {}
  for (const name of Object.keys(signed.headers).sort()) {
    if (base.headers[name] !== signed.headers[name]) headers[name] = signed.headers[name]!
  }
  const before = new URL(base.url).searchParams
  const query = [...new URL(signed.url).searchParams].filter(
    ([name, value]) => !before.getAll(name).includes(value),
  )
  const same =
    base.body === signed.body ||
    (base.body !== undefined &&
      signed.body !== undefined &&
      Buffer.from(base.body).equals(Buffer.from(signed.body)))
  return JSON.stringify({
    headers,
    query,
    body: same ? null : Buffer.from(signed.body ?? new Uint8Array()).toString("base64"),
  })
}

const text = (value: string) => new TextEncoder().encode(value)

/**
 * The kit's varied requests under a resource URL: every method, JSON, form, bytes, multipart and
 * text bodies, queries with repeated, encoded and unicode values.
 *
 * @example
 * ```ts
 * import { Conformance } from "@keyway/auth-testkit"
 * Conformance.variedRequests("http://127.0.0.1:8080/resource").map((r) => r.method)
 * ```
 *
 * @since 0.2.0
 */
export const variedRequests = (resourceUrl: string): ReadonlyArray<Http.HttpRequest> => {
  const boundary = "kitboundary7MA4YWxk"
  return [
    Http.makeRequest("GET", `${resourceUrl}/items?b=2&a=1&a=0&q=caf%C3%A9%20au+lait`, {
      accept: "application/json",
    }),
    Http.makeRequest(
      "POST",
      `${resourceUrl}/items`,
      { "content-type": "application/json" },
      text('{"name":"Ada","n":1,"tags":["a","b"]}'),
    ),
    Http.makeRequest(
      "PUT",
      `${resourceUrl}/items/42?dry=true`,
      { "content-type": "application/x-www-form-urlencoded" },
      text("a=1&b=x+y&c=%26"),
    ),
    Http.makeRequest(
      "PATCH",
      `${resourceUrl}/items/42`,
      { "content-type": "application/octet-stream" },
      new Uint8Array([0, 1, 2, 254, 255]),
    ),
    Http.makeRequest(
      "POST",
      `${resourceUrl}/uploads`,
      { "content-type": `multipart/form-data; boundary=${boundary}` },
      text(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--${boundary}--\r\n`,
      ),
    ),
    Http.makeRequest(
      "POST",
      `${resourceUrl}/notes?lang=fr`,
      { "content-type": "text/plain; charset=utf-8" },
      text("héllo ✓ — 10 €"),
    ),
    Http.makeRequest("DELETE", `${resourceUrl}/items/42?force=1`),
    Http.makeRequest("HEAD", `${resourceUrl}/items`),
    Http.makeRequest("OPTIONS", `${resourceUrl}/items`),
  ]
}

/** The request the coverage check varies, one part at a time. */
const coverageBase = (resourceUrl: string, signs: Signs) =>
  Http.makeRequest(
    "POST",
    `${resourceUrl}/items?a=1&b=two`,
    {
      "content-type": "application/json",
      ...Object.fromEntries((signs.headers ?? []).map((name) => [name, `kit-${name}-1`])),
    },
    text('{"n":1}'),
  )

const variantsOf = (
  base: Http.HttpRequest,
  signs: Signs,
): ReadonlyArray<readonly [part: string, request: Http.HttpRequest]> => {
  const url = new URL(base.url)
  const out: Array<readonly [string, Http.HttpRequest]> = []
  if (signs.method) out.push(["the method", { ...base, method: "PUT" }])
  if (signs.path) out.push(["the path", { ...base, url: `${url.origin}${url.pathname}-other${url.search}` }])
  if (signs.query) {
    const changed = new URL(base.url)
    changed.searchParams.set("a", "2")
    out.push(["the query", { ...base, url: changed.toString() }])
  }
  for (const name of signs.headers ?? []) {
    out.push([`the ${name} header`, Http.setHeader(base, name, `kit-${name}-2`)])
  }
  if (signs.body) out.push(["the body", { ...base, body: text('{"n":2}') }])
  return out
}

/**
 * Registers the conformance checks for one plugin (call it at the top level of a test file).
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { Auth, Http } from "@keyway/core"
 * import { runAuthConformance } from "@keyway/auth-testkit"
 *
 * runAuthConformance({
 *   name: "static bearer",
 *   makeLayer: (server) => {
 *     const token = server.issueStaticToken()
 *     return Layer.succeed(Auth.Auth, Auth.make({ name: "static", authenticate: (r) => Effect.succeed(Http.setHeader(r, "authorization", `Bearer ${token}`)) }))
 *   },
 *   capabilities: { credentialEndpoint: false, expires: false, refreshOn401: false, badCredentials: ["CredentialsExpired"] },
 * })
 * ```
 *
 * @since 0.1.0
 */
export const runAuthConformance = <
  S extends FakeCredentialServer.CredentialServer = FakeCredentialServer.FakeCredentialServer,
>(
  options: Options<S>,
): void => {
  const caps: Capabilities = {
    credentialEndpoint: true,
    expires: true,
    refreshOn401: true,
    rotation: false,
    badCredentials: ["InvalidClient"],
    ...options.capabilities,
  }
  const startServer = (): Effect.Effect<S, never, Scope.Scope> =>
    typeof options.server === "function"
      ? options.server()
      : (FakeCredentialServer.make(options.server) as unknown as Effect.Effect<S, never, Scope.Scope>)

  // Servers started by the running check, to fail it when one of their handlers threw.
  const started: Array<S> = []
  const setup = (settings: { readonly dead?: boolean } = {}) =>
    Effect.gen(function* () {
      yield* TestClock.setTime(kitEpoch)
      const clock = yield* Clock.Clock
      const server = yield* startServer()
      started.push(server)
      server.useClock?.(() => clock.currentTimeMillisUnsafe())
      const store = makeRecordingStore()
      if (options.prepare) {
        yield* options.prepare(server).pipe(Effect.provideService(TokenStore.TokenStore, store), Effect.orDie)
      }
      const target = settings.dead
        ? { ...server, url: yield* Effect.promise(LoopbackServer.deadUrl) }
        : server
      const context = yield* Layer.build(
        options.makeLayer(target).pipe(Layer.provide(Layer.succeed(TokenStore.TokenStore, store))),
      ).pipe(Effect.orDie)
      const plugin = Context.get(context, Auth.Auth)
      return {
        server,
        store,
        plugin,
        call: (correlationId?: string) => call(plugin, server.resourceUrl, options.scopes, correlationId),
      }
    })

  // The kit checks the plugin, not the runtime's retries: token requests get one attempt, so a
  // dead endpoint fails at once under the TestClock instead of waiting for a backoff.
  const oneAttempt: Retry.Policy = { ...Retry.defaults, maxAttempts: 1 }
  const check = (name: CheckName, condition = true) => {
    const runner = !condition
      ? it.effect.skip
      : options.expectFailures?.includes(name)
        ? it.effect.fails
        : it.effect
    return <A, E, R>(title: string, body: () => Effect.Effect<A, E, R>) =>
      runner(
        title,
        () =>
          Effect.gen(function* () {
            started.length = 0
            const exit = yield* Effect.exit(body())
            const failures = started.flatMap((server) => server.failures?.() ?? [])
            if (failures.length > 0) {
              return yield* Effect.die(
                new Error(
                  `a handler of the kit's server threw:\n${failures.map((f) => `${f.request.method} ${f.request.path}: ${f.stack}`).join("\n")}`,
                ),
              )
            }
            return yield* exit
          }).pipe(Effect.provideService(Retry.Retry, oneAttempt)) as never,
      )
  }

  describe(`auth conformance: ${options.name}`, () => {
    check("authenticates")("authenticates a request the resource accepts", () =>
      Effect.gen(function* () {
        const { call } = yield* setup()
        const outcome = yield* call()
        expect(outcome.status).toBe(200)
        expect(outcome.attempts).toBe(1)
      }),
    )

    check("varied-requests")(
      "varied requests (every method, several body types, queries) and a later retry of each are accepted",
      () =>
        Effect.gen(function* () {
          const { server, plugin } = yield* setup()
          const transport = yield* Transport.Transport
          for (const [i, base] of variedRequests(server.resourceUrl).entries()) {
            const correlationId = `kit-varied-${i}`
            const what = `${base.method} ${new URL(base.url).pathname}${new URL(base.url).search}`
            const send = (request: Http.HttpRequest) =>
              transport
                .send(request, {
                  correlationId,
                  timeoutMs: 10_000,
                  secretQueryParams: plugin.secretQueryParams,
                })
                .pipe(Effect.orDie)
            const first = yield* plugin.authenticate(base, {
              correlationId,
              attempt: 1,
              scopes: options.scopes,
            })
            expect((yield* send(first)).status, `${what} was refused`).toBe(200)
            // The runtime re-authenticates a fresh copy for every retry (after a 503, a timeout).
            yield* TestClock.adjust("2 seconds")
            const retry = yield* plugin.authenticate(base, {
              correlationId,
              attempt: 2,
              scopes: options.scopes,
            })
            expect((yield* send(retry)).status, `the retry of ${what} was refused`).toBe(200)
            if (options.signs?.time) {
              expect(addedBy(base, retry), `the retry of ${what} was not signed afresh`).not.toBe(
                addedBy(base, first),
              )
            }
          }
        }),
    )

    check("signature-coverage", options.signs !== undefined)(
      "the signature covers every declared part: changing one changes the credential",
      () =>
        Effect.gen(function* () {
          const { server, plugin } = yield* setup()
          const signs = options.signs ?? {}
          const base = coverageBase(server.resourceUrl, signs)
          const sign = (request: Http.HttpRequest) =>
            plugin
              .authenticate(request, { correlationId: "kit-coverage", attempt: 1, scopes: options.scopes })
              .pipe(
                Random.withSeed("keyway-kit"),
                Effect.map((signed) => addedBy(request, signed)),
              )
          const reference = yield* sign(base)
          expect(
            yield* sign(base),
            "the same request at the same instant got another credential: take time and nonces from Effect's Clock and Random so signing is reproducible",
          ).toBe(reference)
          expect(JSON.parse(reference).headers, "the plugin added no credential").not.toEqual({})
          for (const [part, variant] of variantsOf(base, signs)) {
            expect(
              yield* sign(variant),
              `changing ${part} did not change the credential: the signature does not cover it`,
            ).not.toBe(reference)
          }
          if (signs.time) {
            yield* TestClock.adjust("1 second")
            expect(
              yield* sign(base),
              "a second later the credential is the same: the timestamp is not signed",
            ).not.toBe(reference)
          }
        }),
    )

    check("single-flight", caps.credentialEndpoint)(
      "single flight: 100 concurrent authenticate calls, one credential request",
      () =>
        Effect.gen(function* () {
          const { server, plugin } = yield* setup()
          const base = Http.makeRequest("GET", server.resourceUrl)
          const requests = yield* Effect.forEach(
            Array.from({ length: 100 }, (_, i) => i),
            (i) =>
              plugin.authenticate(base, { correlationId: `kit-${i}`, attempt: 1, scopes: options.scopes }),
            { concurrency: "unbounded" },
          )
          expect(server.credentialRequests()).toBe(1)
          expect(new Set(requests.map(credentialOf)).size).toBe(1)
        }),
    )

    check("expiry", caps.credentialEndpoint && caps.expires)(
      "refreshes an expired credential (TestClock)",
      () =>
        Effect.gen(function* () {
          const { server, plugin, call } = yield* setup()
          const base = Http.makeRequest("GET", server.resourceUrl)
          const info: Auth.CallInfo = { correlationId: "kit-expiry", attempt: 1, scopes: options.scopes }
          const before = yield* plugin.authenticate(base, info)
          const again = yield* plugin.authenticate(base, info)
          expect(credentialOf(again)).toBe(credentialOf(before))
          expect(server.credentialRequests()).toBe(1)
          yield* TestClock.adjust(`${server.lifetimeSeconds + 1} seconds`)
          const after = yield* plugin.authenticate(base, info)
          expect(server.credentialRequests()).toBe(2)
          expect(credentialOf(after)).not.toBe(credentialOf(before))
          expect((yield* call()).status).toBe(200)
        }),
    )

    if (caps.refreshOn401) {
      check("unauthorized")("recovers from a 401 exactly once, and a second 401 does not loop", () =>
        Effect.gen(function* () {
          const { server, call } = yield* setup()
          expect((yield* call()).status).toBe(200)
          const before = server.credentialRequests()
          server.invalidateIssued()
          const recovered = yield* call()
          expect(recovered.decision).toBe("retry")
          expect(recovered.attempts).toBe(2)
          expect(recovered.status).toBe(200)
          expect(credentialOf(recovered.requests[1]!)).not.toBe(credentialOf(recovered.requests[0]!))
          expect(server.credentialRequests()).toBe(before + 1)

          server.setMode("issue-dead")
          server.invalidateIssued()
          const refused = yield* call()
          expect(refused.attempts).toBe(2)
          expect(refused.status).toBe(401)
          expect(server.credentialRequests()).toBe(before + 2)
        }),
      )
    } else {
      check("unauthorized")("does not answer a 401 with a retry", () =>
        Effect.gen(function* () {
          const { server, call } = yield* setup()
          expect((yield* call()).status).toBe(200)
          const before = server.credentialRequests()
          server.invalidateIssued()
          const outcome = yield* Effect.result(call())
          if (outcome._tag === "Success") {
            expect(outcome.success.decision).toBe("pass")
            expect(outcome.success.status).toBe(401)
          } else {
            expect(caps.badCredentials).toContain(outcome.failure._tag)
          }
          expect(server.credentialRequests()).toBe(before)
        }),
      )
    }

    check("rotation", caps.rotation)("persists every rotated refresh token in the TokenStore", () =>
      Effect.gen(function* () {
        const { server, store, call } = yield* setup()
        const seeded = server.latestRefreshToken()
        expect((yield* call()).status).toBe(200)
        const holding = (yield* store.records()).filter((r) => r.refreshToken !== undefined)
        expect(holding).toHaveLength(1)
        const first = server.latestRefreshToken()
        expect(first).not.toBe(seeded)
        expect(revealOf(holding[0]!.refreshToken)).toBe(first)

        server.invalidateIssued()
        expect((yield* call()).status).toBe(200)
        const second = server.latestRefreshToken()
        expect(second).not.toBe(first)
        const after = (yield* store.records()).filter((r) => r.refreshToken !== undefined)
        expect(after).toHaveLength(1)
        expect(revealOf(after[0]!.refreshToken)).toBe(second)
      }),
    )

    check("bad-credentials")(
      "fails with a typed error carrying the correlation id when credentials are rejected",
      () =>
        Effect.gen(function* () {
          const { server, call } = yield* setup()
          server.setMode("reject")
          const error = yield* Effect.flip(call("kit-correlation-bad-credentials"))
          expect(caps.badCredentials).toContain(error._tag)
          if ("correlationId" in error) expect(error.correlationId).toBe("kit-correlation-bad-credentials")
        }),
    )

    check("endpoint-unavailable", caps.credentialEndpoint)(
      "a failing token endpoint (503) is a TokenEndpointError",
      () =>
        Effect.gen(function* () {
          const { server, call } = yield* setup()
          server.setMode("unavailable")
          const error = yield* Effect.flip(call())
          expect(error._tag).toBe("TokenEndpointError")
          if (error._tag === "TokenEndpointError") expect(error.status).toBe(503)
        }),
    )

    check("endpoint-dead", caps.credentialEndpoint)(
      "a dead token endpoint (connection refused) is a TokenEndpointError",
      () =>
        Effect.gen(function* () {
          const { call } = yield* setup({ dead: true })
          const error = yield* Effect.flip(call())
          expect(error._tag).toBe("TokenEndpointError")
          expect(error.message).toMatch(/ECONNREFUSED|refused/i)
        }),
    )

    check("release")("release leaves nothing in the store", () =>
      Effect.gen(function* () {
        const { server, store, plugin, call } = yield* setup()
        expect((yield* call()).status).toBe(200)
        // Tokens of other scope sets too: a plugin keeps one per scope set.
        for (const scopes of options.releaseScopes ?? [
          ["kit.release-a"],
          ["kit.release-b", "kit.release-c"],
        ]) {
          const base = Http.makeRequest("GET", server.resourceUrl)
          yield* plugin.authenticate(base, { correlationId: "kit-release", attempt: 1, scopes })
        }
        yield* plugin.release
        const left = (yield* store.records()).filter(
          (r) => r.accessToken !== undefined || r.refreshToken !== undefined,
        )
        expect(left).toHaveLength(0)
      }),
    )

    check("no-leaks")("no secret reaches logs, error messages, JSON.stringify or util.inspect", () => {
      const lines: Array<string> = []
      const capture = Logger.make((entry) => {
        lines.push(inspect(entry.message, { depth: 10 }), Cause.pretty(entry.cause))
      })
      const structured = Logger.map(Logger.formatLogFmt, (line) => void lines.push(line))
      return Effect.gen(function* () {
        const texts: Array<string> = []
        const show = (value: unknown) => {
          texts.push(
            inspect(value, { depth: 10, showHidden: true }),
            JSON.stringify(value) ?? "",
            String(value),
          )
          if (value instanceof Error) texts.push(value.message, value.stack ?? "")
        }
        const failureOf = <A, E>(effect: Effect.Effect<A, E>) =>
          Effect.flip(effect).pipe(Effect.catchCause(() => Effect.succeed(undefined)))
        const { server, store, plugin, call } = yield* setup()
        // The decorated requests are the kit's own data (they must hold the credential); what is
        // inspected is everything a plugin hands out: errors, stored records, the plugin itself.
        expect((yield* call()).status).toBe(200)
        server.invalidateIssued()
        show(yield* failureOf(call()))
        for (const record of yield* store.records()) show(record)
        show(plugin)
        server.setMode("reject")
        show(yield* failureOf(call()))
        server.setMode("unavailable")
        show(yield* failureOf(call()))
        show(yield* failureOf(plugin.release))
        if (caps.credentialEndpoint) {
          const dead = yield* setup({ dead: true })
          show(yield* failureOf(dead.call()))
        }
        const secrets = [...(options.secrets?.(server) ?? []), ...server.issued()].filter(
          (s) => s.length >= 6,
        )
        expect(secrets.length).toBeGreaterThan(0)
        const everything = [...lines, ...texts]
        for (const secret of secrets) {
          const leaks = everything.filter((text) => text.includes(secret))
          expect(leaks, `secret ${secret.slice(0, 6)}… leaked`).toEqual([])
        }
      }).pipe(
        Effect.provide(Logger.layer([capture, structured])),
        Effect.provideService(References.MinimumLogLevel, "All"),
      )
    })
  })
}

const revealOf = (value: Redacted.Redacted<string> | undefined): string | undefined =>
  value === undefined ? undefined : Redacted.value(value)
