/**
 * Finds a provider's authorization code strategy in the descriptor of its generated package
 * (`@keyway/provider-<name>/descriptor`): first as this package sees it (CCH and Workable are
 * dependencies), then as the working directory's project sees it, so that `keyway connect` also
 * works for a provider a project generated itself.
 *
 * @example
 * ```ts
 * import { ProviderLookup } from "@keyway/connect"
 * const strategy = await ProviderLookup.authorizationCode("workable")
 * strategy.authorizeParams // { resource: "user" }
 * ```
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import type { Descriptor } from "@keyway/core"
import { ConnectError } from "./ConnectError.ts"

type DescriptorModule = { readonly descriptor?: Descriptor.ProviderDescriptor }

const load = async (provider: string, cwd: string): Promise<Descriptor.ProviderDescriptor | undefined> => {
  const specifier = `@keyway/provider-${provider}/descriptor`
  try {
    return ((await import(specifier)) as DescriptorModule).descriptor
  } catch {
    // not a dependency of this package: try the project in the working directory
  }
  try {
    const resolved = createRequire(Path.join(cwd, "package.json")).resolve(specifier)
    return ((await import(pathToFileURL(resolved).href)) as DescriptorModule).descriptor
  } catch {
    return undefined
  }
}

/**
 * The provider's first `oauth2-authorization-code` strategy; fails with a {@link ConnectError}
 * when the provider package cannot be found or has no such strategy.
 *
 * @example
 * ```ts
 * import { ProviderLookup } from "@keyway/connect"
 * // (await ProviderLookup.authorizationCode("cch")).tokenUrl // "https://auth.unifiedcompliance.com/token"
 * ```
 *
 * @since 0.1.0
 */
export const authorizationCode = async (
  provider: string,
  cwd: string = process.cwd(),
): Promise<Descriptor.AuthorizationCodeStrategy> => {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(provider)) {
    throw new ConnectError({ reason: "config", detail: `"${provider}" is not a provider name` })
  }
  const descriptor = await load(provider, cwd)
  if (descriptor === undefined) {
    throw new ConnectError({
      reason: "config",
      detail: `no generated package @keyway/provider-${provider} found (run keyway generate)`,
    })
  }
  const strategy = descriptor.auth.find(
    (s): s is Descriptor.AuthorizationCodeStrategy => s.type === "oauth2-authorization-code",
  )
  if (strategy === undefined) {
    throw new ConnectError({
      reason: "config",
      detail: `${provider} has no OAuth authorization code strategy: nothing to connect (its strategies: ${descriptor.auth.map((s) => s.type).join(", ")})`,
    })
  }
  return strategy
}
