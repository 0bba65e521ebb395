/**
 * The entry points: `startSandbox(provider, options)` for one provider, `startAll()` for all
 * five, with each provider's credentials and options typed.
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * await using sb = await startSandbox("workable")
 * const accounts = (await fetch(`${sb.baseUrl}/accounts`, {
 *   headers: { authorization: `Bearer ${sb.credentials.apiToken}` },
 * }).then((r) => r.json())) as Record<string, any>
 * ```
 *
 * @since 0.1.0
 */
import { type CcaCredentials, type CcaOptions, startCcaSandbox } from "./CcaServer.ts"
import { type CchCredentials, type CchOptions, startCchSandbox } from "./CchServer.ts"
import { type CcwCredentials, type CcwOptions, startCcwSandbox } from "./CcwServer.ts"
import {
  type CultureAmpCredentials,
  type CultureAmpOptions,
  startCultureAmpSandbox,
} from "./CultureAmpServer.ts"
import type { ProviderSandbox } from "./SandboxServer.ts"
import { startWorkableSandbox, type WorkableCredentials, type WorkableOptions } from "./WorkableServer.ts"

/**
 * Options and credentials per provider.
 *
 * @example
 * ```ts
 * import type { ProviderTypes } from "@keyway/sandbox"
 * type O = ProviderTypes["cch"]["options"] // CchOptions
 * ```
 */
export interface ProviderTypes {
  ccw: { options: CcwOptions; credentials: CcwCredentials }
  cca: { options: CcaOptions; credentials: CcaCredentials }
  cch: { options: CchOptions; credentials: CchCredentials }
  cultureamp: { options: CultureAmpOptions; credentials: CultureAmpCredentials }
  workable: { options: WorkableOptions; credentials: WorkableCredentials }
}

/**
 * The providers a sandbox exists for.
 *
 * @example
 * ```ts
 * import type { ProviderName } from "@keyway/sandbox"
 * const p: ProviderName = "cultureamp"
 * ```
 */
export type ProviderName = keyof ProviderTypes

/**
 * The provider names, in a stable order.
 *
 * @example
 * ```ts
 * import { PROVIDERS, startSandbox } from "@keyway/sandbox"
 * for (const p of PROVIDERS) await startSandbox(p)
 * ```
 */
export const PROVIDERS: readonly ProviderName[] = ["ccw", "cca", "cch", "cultureamp", "workable"]

/**
 * A running sandbox of provider `P` (any provider by default).
 *
 * @example
 * ```ts
 * import { startSandbox, type Sandbox } from "@keyway/sandbox"
 * const sb: Sandbox<"cca"> = await startSandbox("cca")
 * sb.credentials.permanentToken
 * ```
 */
export type Sandbox<P extends ProviderName = ProviderName> = {
  [K in P]: ProviderSandbox<K, ProviderTypes[K]["credentials"]>
}[P]

const starters: { [P in ProviderName]: (options?: ProviderTypes[P]["options"]) => Promise<Sandbox<P>> } = {
  ccw: startCcwSandbox,
  cca: startCcaSandbox,
  cch: startCchSandbox,
  cultureamp: startCultureAmpSandbox,
  workable: startWorkableSandbox,
}

/**
 * Starts the sandbox of one provider on 127.0.0.1 (a free port unless `options.port`).
 *
 * @example
 * ```ts
 * import { startSandbox } from "@keyway/sandbox"
 * await using sb = await startSandbox("ccw", { lifetimes: { access: 60 } })
 * sb.urls.tokenUrl // "http://127.0.0.1:40123/auth/realms/ccw-na-stg/protocol/openid-connect/token"
 * ```
 */
export function startSandbox<P extends ProviderName>(
  provider: P,
  options?: ProviderTypes[P]["options"],
): Promise<Sandbox<P>> {
  const start = starters[provider] as
    | ((options?: ProviderTypes[P]["options"]) => Promise<Sandbox<P>>)
    | undefined
  if (!start) return Promise.reject(new TypeError(`unknown sandbox provider: ${String(provider)}`))
  return start(options)
}

/**
 * All five sandboxes, stopped together.
 *
 * @example
 * ```ts
 * import { startAll } from "@keyway/sandbox"
 * await using all = await startAll()
 * all.workable.baseUrl
 * ```
 */
export type SandboxSet = { readonly [P in ProviderName]: Sandbox<P> } & AsyncDisposable & {
    /** Stops every sandbox; idempotent. */
    stop(): Promise<void>
  }

/**
 * Starts all five sandboxes (each on its own port).
 *
 * @example
 * ```ts
 * import { startAll } from "@keyway/sandbox"
 * await using all = await startAll({ cca: { lifetimes: { session: 5 } } })
 * all.cca.urls.sessionUrl
 * ```
 */
export async function startAll(
  options?: { readonly [P in ProviderName]?: ProviderTypes[P]["options"] },
): Promise<SandboxSet> {
  const settled = await Promise.allSettled(PROVIDERS.map((p) => startSandbox(p, options?.[p] as never)))
  const started = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []))
  const failed = settled.find((r) => r.status === "rejected")
  if (failed) {
    await Promise.all(started.map((s) => s.stop()))
    throw (failed as PromiseRejectedResult).reason
  }
  const byName = Object.fromEntries(started.map((s) => [s.provider, s])) as {
    [P in ProviderName]: Sandbox<P>
  }
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()))
  }
  return { ...byName, stop, [Symbol.asyncDispose]: stop }
}
