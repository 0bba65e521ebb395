/**
 * `@keyway/core`: the Effect runtime every Keyway client runs its calls through.
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.ts"
export * as Descriptor from "./Descriptor.ts"
export * as Errors from "./Errors.ts"
export * as Http from "./Http.ts"
export * as TokenLifecycle from "./TokenLifecycle.ts"
export * as TokenStore from "./TokenStore.ts"
