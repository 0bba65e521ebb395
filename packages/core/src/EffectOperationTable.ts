/**
 * The Effect API's side of {@link OperationTable}: one Effect `Stream` per paged operation of a
 * table (`EffectPagination.stream`).
 *
 * @example
 * ```ts
 * import { EffectOperationTable } from "@keyway/core"
 * // const jobs = yield* Stream.runCollect(EffectOperationTable.streams<WorkableEffectPaginators>(client.promise, operationTable).listJobs())
 * ```
 *
 * @since 0.1.0
 */
import * as EffectPagination from "./EffectPagination.ts"
import * as OperationTable from "./OperationTable.ts"
import type { PagedClient } from "./Pagination.ts"

/**
 * One Effect `Stream` per paged operation, from an Effect API client's `promise` (each page runs
 * through the Effect client's runtime): `Streams` is the client's Effect paginators interface.
 *
 * @example
 * ```ts
 * import { EffectOperationTable } from "@keyway/core"
 * // const paginate = EffectOperationTable.streams<WorkableEffectPaginators>(client.promise, operationTable)
 * ```
 *
 * @since 0.1.0
 */
export const streams = <Streams extends object>(client: PagedClient, table: OperationTable.Table): Streams =>
  EffectPagination.bindStreams(client, OperationTable.paged(table)) as Streams
