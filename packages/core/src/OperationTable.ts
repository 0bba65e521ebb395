/**
 * The one operation table of a generated client: operation name → method, path, operationId, the
 * scopes its `security` asks for and, for a paged operation, its pagination spec. Everything a
 * client needs about its operations is derived from it: the `"METHOD /path"` routes the call
 * pipeline looks scopes up in ({@link routes}), `client.op.<name>` ({@link bind}) and
 * `client.paginate.<name>` ({@link paginators}; `EffectOperationTable.streams` for the Effect API).
 * Its types import nothing from `effect` (a generated package's Promise entry uses it).
 *
 * The binders return what the generated client declares (its `<Provider>Operations` interface,
 * one typed function per name): the table is the spec's, the interface is typed from the same
 * `paths`, and a test of the generator checks that both list the same operations.
 *
 * @example
 * ```ts
 * import { OperationTable } from "@keyway/core"
 *
 * const operations = {
 *   listPets: { method: "GET", path: "/pets", operationId: "listPets", scopes: ["pets:read"] },
 * } as const satisfies OperationTable.Table
 * OperationTable.routes(operations) // { "GET /pets": { operationId: "listPets", scopes: ["pets:read"] } }
 * ```
 *
 * @since 0.1.0
 */
import * as Pagination from "./Pagination.ts"

/**
 * One operation of the table.
 *
 * @example
 * ```ts
 * import type { OperationTable } from "@keyway/core"
 * const entry: OperationTable.Entry = { method: "GET", path: "/pets/{petId}", operationId: "getPet" }
 * ```
 *
 * @since 0.1.0
 */
export interface Entry {
  readonly method: "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE"
  /** The path template of the spec, e.g. `/pets/{petId}`. */
  readonly path: string
  readonly operationId: string
  /** The scopes the operation's `security` asks for. */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** How the operation pages (the descriptor's `pagination` entry naming it). */
  readonly pagination?: Pagination.Spec | undefined
}

/**
 * An operation table: operation name (a property of `client.op`) → its entry.
 *
 * @example
 * ```ts
 * import type { OperationTable } from "@keyway/core"
 * const table = { getPet: { method: "GET", path: "/pets/{petId}", operationId: "getPet" } } as const satisfies OperationTable.Table
 * ```
 *
 * @since 0.1.0
 */
export type Table = Readonly<Record<string, Entry>>

/**
 * The routes of a table, `"METHOD /path"` → operationId and scopes: what the call pipeline looks
 * a request up in (`Client.defineProvider`'s `operations`).
 *
 * @example
 * ```ts
 * import { OperationTable } from "@keyway/core"
 * OperationTable.routes({ getPet: { method: "GET", path: "/pets/{petId}", operationId: "getPet" } })
 * // { "GET /pets/{petId}": { operationId: "getPet" } }
 * ```
 *
 * @since 0.1.0
 */
export const routes = (
  table: Table,
): Readonly<Record<string, { readonly operationId: string; readonly scopes?: ReadonlyArray<string> }>> => {
  const out: Record<string, { readonly operationId: string; readonly scopes?: ReadonlyArray<string> }> = {}
  for (const entry of Object.values(table))
    out[`${entry.method} ${entry.path}`] =
      entry.scopes === undefined
        ? { operationId: entry.operationId }
        : { operationId: entry.operationId, scopes: entry.scopes }
  return out
}

const methodsOf = (
  client: object,
): Readonly<Record<string, (path: string, ...init: Array<unknown>) => unknown>> =>
  client as Readonly<Record<string, (path: string, ...init: Array<unknown>) => unknown>>

/**
 * One function per operation of a client of either API: `bind(client, table)[name](init)` is
 * `client[METHOD](path, init)`. `Operations` is the client's operations interface.
 *
 * @example
 * ```ts
 * import { OperationTable } from "@keyway/core"
 * // const op = OperationTable.bind<PetstoreOperations>(client, operations)
 * // await op.getPet({ params: { path: { petId: "1" } } })
 * ```
 *
 * @since 0.1.0
 */
export const bind = <Operations extends object>(client: object, table: Table): Operations => {
  const methods = methodsOf(client)
  const out: Record<string, (...init: Array<unknown>) => unknown> = {}
  for (const [name, { method, path }] of Object.entries(table))
    out[name] = (...init) => methods[method]!(path, ...init)
  return out as Operations
}

/**
 * The paged operations of a table, `[name, METHOD, path, spec]` each: what `Pagination.bind` and
 * `EffectPagination.bindStreams` take.
 *
 * @example
 * ```ts
 * import { OperationTable } from "@keyway/core"
 * OperationTable.paged({ listJobs: { method: "GET", path: "/jobs", operationId: "listJobs", pagination: { style: "next-url", items: "jobs" } } })
 * // [["listJobs", "GET", "/jobs", { style: "next-url", items: "jobs" }]]
 * ```
 *
 * @since 0.1.0
 */
export const paged = (table: Table): Array<Pagination.PagedOperation> => {
  const out: Array<Pagination.PagedOperation> = []
  for (const [name, entry] of Object.entries(table))
    if (entry.pagination !== undefined)
      out.push([name, entry.method as Pagination.PagedOperation[1], entry.path, entry.pagination])
  return out
}

/**
 * One async iterator per paged operation of a Promise API client (`Pagination.iterate`):
 * `Paginators` is the client's paginators interface.
 *
 * @example
 * ```ts
 * import { OperationTable } from "@keyway/core"
 * // for await (const job of OperationTable.paginators<WorkablePaginators>(client, operationTable).listJobs()) console.log(job)
 * ```
 *
 * @since 0.1.0
 */
export const paginators = <Paginators extends object>(
  client: Pagination.PagedClient,
  table: Table,
): Paginators => Pagination.bind(client, paged(table)) as Paginators
