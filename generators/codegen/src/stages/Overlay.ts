/**
 * Stage 1b, overlay: applies a provider's OpenAPI Overlay 1.0 documents
 * (`specs/<provider>/overlays/*.yaml`, in file-name order) to the loaded document, so that a
 * vendor's spec is stored untouched and every change Keyway makes to it is written down beside it.
 *
 * Each action's `target` is an RFC 9535 JSONPath query (evaluated with `jsonpath-rfc9535`). An
 * `update` is merged into every selected object (new properties added, primitives replaced,
 * objects merged recursively, arrays concatenated; other combinations are an error) or appended
 * to every selected array; `remove: true` removes every selected node from its parent. A target
 * that selects nothing is an error located at the action (file, line, `/actions/<i>/target`): a
 * vendor update that moved or renamed what an overlay changes is noticed instead of silently
 * skipped. All problems of all overlay files are reported together; nothing is generated then.
 *
 * The bundle's `locate` keeps working: a value an overlay wrote is located in the overlay file.
 *
 * @example
 * ```ts
 * import { Load, Overlay } from "@keyway/codegen"
 * const bundle = await Load.bundle("/repo/specs/x/openapi.yaml")
 * const files = Overlay.filesFor("/repo/specs/x") // ["/repo/specs/x/overlays/10-operation-ids.yaml"]
 * const overlaid = Overlay.apply(bundle, files)
 * overlaid.document // the vendor document with the overlays applied
 * ```
 *
 * @since 0.1.0
 */
import { existsSync, readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { exec } from "jsonpath-rfc9535"
import { type GenerateError, OverlayError, Problems, show } from "../Errors.ts"
import type { ProviderInput } from "../Model.ts"
import * as Source from "../Source.ts"
import type { Bundle, Location } from "./Load.ts"
import { read } from "./Load.ts"

/**
 * The folder, beside `provider.yaml`, that holds a provider's overlay documents.
 *
 * @example
 * ```ts
 * import { Overlay } from "@keyway/codegen"
 * Overlay.DIRECTORY // "overlays"
 * ```
 *
 * @since 0.1.0
 */
export const DIRECTORY = "overlays"

/**
 * The overlay documents of a provider folder: `overlays/*.{yaml,yml,json}`, sorted by file name
 * (the order they are applied in). Empty when the folder does not exist.
 *
 * @example
 * ```ts
 * import { Overlay } from "@keyway/codegen"
 * Overlay.filesFor("/repo/specs/workable") // ["/repo/specs/workable/overlays/10-info.yaml", ...]
 * ```
 *
 * @since 0.1.0
 */
export const filesFor = (providerDir: string): ReadonlyArray<string> => {
  const dir = join(providerDir, DIRECTORY)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((f) => join(dir, f))
}

type Segments = ReadonlyArray<string | number>

interface Origin {
  readonly source: Source.Source
  readonly segments: Segments
}

const isObject = (u: unknown): u is Record<string, unknown> =>
  u !== null && typeof u === "object" && !Array.isArray(u)

const kindOf = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "object" ? "an object" : `a ${typeof u}`

const displayTarget = (segments: Segments): string =>
  `$${segments.map((s) => (typeof s === "number" ? `[${s}]` : `[${JSON.stringify(s)}]`)).join("")}`

/**
 * The overlay files of a provider (beside its descriptor; none without one). Their names are part
 * of the inputs, so that an added or removed overlay file regenerates; their content is hashed as
 * a source.
 *
 * @example
 * ```ts
 * import { Config, Overlay, Pipeline } from "@keyway/codegen"
 * const input = Pipeline.inputFor(await Config.load(process.cwd()), "workable")
 * Overlay.filesOf(input) // ["/repo/specs/workable/overlays/10-keyway.yaml"]
 * ```
 *
 * @since 0.1.0
 */
export const filesOf = (input: ProviderInput): ReadonlyArray<string> =>
  input.descriptorPath ? filesFor(dirname(input.descriptorPath)) : []

/**
 * What `--watch` also watches for a provider with a descriptor: its overlays folder appearing,
 * and any file in it (`<folder>/*`), so that a new overlay file regenerates.
 *
 * @example
 * ```ts
 * import { Config, Overlay, Pipeline } from "@keyway/codegen"
 * const input = Pipeline.inputFor(await Config.load(process.cwd()), "workable")
 * Overlay.watchOf(input) // ["/repo/specs/workable/overlays", "/repo/specs/workable/overlays/*"]
 * ```
 *
 * @since 0.1.0
 */
export const watchOf = (input: ProviderInput): ReadonlyArray<string> => {
  if (!input.descriptorPath) return []
  const folder = join(dirname(input.descriptorPath), DIRECTORY)
  return [folder, join(folder, "*")]
}

/**
 * Applies overlay documents, in order, to a loaded bundle. The bundle's document is changed in
 * place and returned with a `locate` that knows the values the overlays wrote. Fails with
 * {@link Problems} (of `provider`) of {@link OverlayError}s, each naming the overlay file, line
 * and action.
 *
 * @example
 * ```ts
 * import { Load, Overlay } from "@keyway/codegen"
 * const overlaid = Overlay.apply(await Load.bundle("specs/x/openapi.yaml"), ["specs/x/overlays/10-fix.yaml"])
 * overlaid.locate(["paths", "/a", "get", "operationId"]).file // "specs/x/overlays/10-fix.yaml"
 * ```
 *
 * @since 0.1.0
 */
export const apply = (bundle: Bundle, files: ReadonlyArray<string>, provider?: string): Bundle => {
  if (files.length === 0) return bundle
  const written = new WeakMap<object, Map<string, Origin>>()
  const problems: Array<GenerateError> = []
  const document = bundle.document
  for (const file of files) {
    const source = read(file)
    problems.push(...applyOne(document, source, bundle.root.display, written))
  }
  if (problems.length > 0) throw new Problems({ provider: provider ?? bundle.root.display, problems })
  return { ...bundle, document, locate: locateWith(bundle, written) }
}

const applyOne = (
  document: Record<string, unknown>,
  source: Source.Source,
  specDisplay: string,
  written: WeakMap<object, Map<string, Origin>>,
): ReadonlyArray<OverlayError> => {
  const problems: Array<OverlayError> = []
  const problem = (at: Segments, found: string, expected: string): false => {
    problems.push(new OverlayError({ ...Source.place(source, at), found, expected }))
    return false
  }
  const overlay = source.value
  if (!isObject(overlay)) {
    problem([], kindOf(overlay), "an Overlay 1.0 document (overlay, info, actions)")
    return problems
  }
  if (typeof overlay.overlay !== "string" || !/^1\.0\.\d+$/.test(overlay.overlay))
    problem(["overlay"], `overlay: ${show(overlay.overlay)}`, 'an Overlay 1.0 version ("1.0.0")')
  const info = overlay.info
  if (!isObject(info) || typeof info.title !== "string" || typeof info.version !== "string")
    problem(["info"], `info: ${show(info)}`, "an info object with a title and a version (strings)")
  const actions = overlay.actions
  if (!Array.isArray(actions) || actions.length === 0) {
    problem(["actions"], `actions: ${show(actions)}`, "a list of at least one action")
    return problems
  }
  if (problems.length > 0) return problems

  // Applies one action; false when it did not apply (a problem is recorded).
  const applyAction = (action: unknown, index: number): boolean => {
    const at = ["actions", index] as const
    if (!isObject(action)) return problem(at, kindOf(action), "an action object (target, update or remove)")
    const target = action.target
    if (typeof target !== "string" || target === "")
      return problem([...at, "target"], `target: ${show(target)}`, "a JSONPath (RFC 9535) expression")
    if (action.remove !== undefined && typeof action.remove !== "boolean")
      return problem([...at, "remove"], `remove: ${show(action.remove)}`, "true or false")
    const remove = action.remove === true
    if (!remove && !("update" in action))
      return problem(at, "an action with neither update nor remove: true", "update or remove: true")
    const selected: Array<{ value: unknown; path: Segments }> = []
    try {
      exec(document as never, target, (value, path) => {
        selected.push({ value, path: [...path] })
      })
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? ""
      return problem([...at, "target"], `${target} (${reason})`, "a JSONPath (RFC 9535) expression")
    }
    if (selected.length === 0)
      return problem(
        [...at, "target"],
        `${target} (selects nothing in ${specDisplay})`,
        "a target that selects at least one node (did the vendor spec move or rename it?)",
      )
    for (const { value, path } of selected)
      if (value === null || typeof value !== "object")
        return problem(
          [...at, "target"],
          `${target} (selects ${kindOf(value)} at ${displayTarget(path)})`,
          "a target that selects objects or arrays (change a primitive through the object holding it)",
        )
    if (remove) {
      // Remove from the end, so that array indexes selected together stay valid.
      const ordered = [...selected].sort((a, b) => {
        const x = a.path[a.path.length - 1]
        const y = b.path[b.path.length - 1]
        return typeof x === "number" && typeof y === "number" ? y - x : 0
      })
      for (const { path } of ordered) {
        if (path.length === 0)
          return problem([...at, "target"], `${target} (the whole document)`, "a target below the root")
        const parent = Source.get(document, path.slice(0, -1))
        const key = path[path.length - 1]!
        if (Array.isArray(parent)) parent.splice(Number(key), 1)
        else if (isObject(parent)) delete parent[key as string]
      }
      return true
    }
    const update = action.update
    for (const { value, path } of selected) {
      if (Array.isArray(value)) {
        value.push(structuredClone(update))
        record(written, value, String(value.length - 1), source, [...at, "update"])
        continue
      }
      if (!isObject(update))
        return problem(
          [...at, "update"],
          `update: ${kindOf(update)} for the object at ${displayTarget(path)}`,
          "an object of properties to merge",
        )
      const conflict = merge(value as Record<string, unknown>, update, [...at, "update"], source, written)
      if (conflict)
        return problem(
          conflict.at,
          `${kindOf(conflict.update)} for ${kindOf(conflict.target)} at ${displayTarget([...path, ...conflict.path])}`,
          "a value of a compatible kind (primitive for primitive, object for object, array for array)",
        )
    }
    return true
  }
  for (const [index, action] of actions.entries()) applyAction(action, index)
  return problems
}

interface Conflict {
  readonly at: Segments
  readonly path: Segments
  readonly target: unknown
  readonly update: unknown
}

const isPrimitive = (u: unknown): boolean => u === null || typeof u !== "object"

// Overlay merge: a new property is inserted, a primitive replaces a primitive, an array is
// concatenated to an array, an object is merged into an object; anything else is a conflict.
const merge = (
  target: Record<string, unknown>,
  update: Record<string, unknown>,
  at: Segments,
  source: Source.Source,
  written: WeakMap<object, Map<string, Origin>>,
  path: Segments = [],
): Conflict | undefined => {
  for (const [key, value] of Object.entries(update)) {
    const here = [...at, key]
    if (!Object.hasOwn(target, key)) {
      target[key] = structuredClone(value)
      record(written, target, key, source, here)
      continue
    }
    const current = target[key]
    if (isPrimitive(current) && isPrimitive(value)) {
      target[key] = value
      record(written, target, key, source, here)
    } else if (Array.isArray(current) && Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        current.push(structuredClone(item))
        record(written, current, String(current.length - 1), source, [...here, i])
      }
    } else if (isObject(current) && isObject(value)) {
      const conflict = merge(current, value, here, source, written, [...path, key])
      if (conflict) return conflict
    } else return { at: here, path: [...path, key], target: current, update: value }
  }
  return undefined
}

const record = (
  written: WeakMap<object, Map<string, Origin>>,
  holder: object,
  key: string,
  source: Source.Source,
  segments: Segments,
) => {
  let keys = written.get(holder)
  if (!keys) written.set(holder, (keys = new Map()))
  keys.set(key, { source, segments })
}

const locateWith =
  (bundle: Bundle, written: WeakMap<object, Map<string, Origin>>) =>
  (segments: ReadonlyArray<string | number>): Location => {
    let node: unknown = bundle.document
    let found: { origin: Origin; from: number } | undefined
    for (let i = 0; i < segments.length; i++) {
      if (node === null || typeof node !== "object") break
      const origin = written.get(node)?.get(String(segments[i]))
      if (origin) found = { origin, from: i + 1 }
      node = (node as Record<string, unknown>)[segments[i] as string]
    }
    if (!found) return bundle.locate(segments)
    return Source.place(found.origin.source, [...found.origin.segments, ...segments.slice(found.from)])
  }
