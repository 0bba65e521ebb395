/**
 * The literal sets the descriptor schema (`Descriptor.ts`) and the effect-free modules of the
 * Promise entry (`Pagination.ts`, `Http.ts`, `Options.ts`) share: defined once here, without
 * importing effect, so that the schema is built from them and the plain types name them.
 * `Descriptor.ts` asserts at compile time that its schema types and those plain types agree.
 */

/** How an endpoint pages. */
export const paginationStyles = ["next-url", "cursor", "offset", "page", "link"] as const

/** What to do with a URL on another origin (a redirect's `Location`, a `next` link). */
export const crossOrigins = ["refuse", "follow-without-credentials"] as const

/** Where a credential goes. */
export const placements = ["header", "query"] as const

/** Types and assertions of shape equality, for the compile-time checks. */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
export const agree = <_ extends true>(): void => {}
