/**
 * The `Pagination` namespace of `@keyway/core`'s root entry as it was before the Effect streams
 * moved to `EffectPagination`: everything of `Pagination` (async iterators, Effect-free types)
 * plus `stream`, `bindStreams`, `StreamError` and `StreamPaginator`, so that generated code that
 * names `Pagination.bindStreams` still compiles. Internal: reachable only as `Pagination` of the
 * root entry.
 *
 * @since 0.1.0
 */
export { bindStreams, type StreamError, type StreamPaginator, stream } from "../EffectPagination.ts"
export * from "../Pagination.ts"
