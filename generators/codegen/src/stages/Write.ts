/**
 * Stage 6, write: puts the header on every file and `.keyway-hash`; with `--check` compares
 * instead of writing; otherwise writes the package into a temporary folder
 * beside its target, and moves the files into place only once all of them were written: a
 * failed run leaves the previous package untouched. Files the previous run generated and this
 * one did not are removed; anything else in the folder (node_modules, dist) is kept. Then every
 * plugin's `write` hook runs.
 *
 * @example
 * ```ts
 * import { Write } from "@keyway/codegen"
 * import type { Plugins } from "@keyway/codegen"
 * declare const files: Plugins.Files
 * Write.commit("/repo/packages/providers/ccw", files)
 * ```
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { WriteError } from "../Errors.ts"
import * as Hash from "../Hash.ts"
import { withHeader } from "../Header.ts"
import type { ProviderModel } from "../Model.ts"
import type { Files } from "../Plugin.ts"
import { displayPath } from "../Source.ts"
import * as Hooks from "./Hooks.ts"

/**
 * A file `--check` found different: its content on disk (`undefined`: missing) and what the
 * generator would write (`undefined`: it would remove the file).
 *
 * @example
 * ```ts
 * import type { Write } from "@keyway/codegen"
 * const change: Write.Change = { file: "src/client.ts", current: undefined, next: "export {}\n" }
 * ```
 *
 * @since 0.1.0
 */
export interface Change {
  /** Relative to the package folder. */
  readonly file: string
  readonly current: string | undefined
  readonly next: string | undefined
}

/**
 * Options of {@link run}.
 *
 * @example
 * ```ts
 * import type { Write } from "@keyway/codegen"
 * const options: Write.WriteOptions = { inputs: "…", sources: [], check: true }
 * ```
 *
 * @since 0.1.0
 */
export interface WriteOptions {
  /** The inputs' hash (`Hash.inputs`) and the sources relative to the package, for `.keyway-hash`. */
  readonly inputs: string
  readonly sources: ReadonlyArray<string>
  /** Compare instead of writing. */
  readonly check: boolean
  /** An inferred descriptor to write beside (`--write-descriptor`), with its file. */
  readonly descriptor?: { readonly file: string; readonly text: string } | undefined
}

/**
 * What the stage did: the package written (`generated`), or with `check` the files that differ.
 *
 * @example
 * ```ts
 * import type { Write } from "@keyway/codegen"
 * const written: Write.Written = { status: "unchanged", differing: [] }
 * ```
 *
 * @since 0.1.0
 */
export interface Written {
  readonly status: "generated" | "unchanged" | "differs"
  readonly differing: ReadonlyArray<string>
  readonly changes?: ReadonlyArray<Change> | undefined
}

/**
 * Runs the stage.
 *
 * @example
 * ```ts
 * import { type Hooks, type Model, Write } from "@keyway/codegen"
 * declare const stage: Hooks.StageInput
 * declare const model: Model.ProviderModel
 * const written = await Write.run(stage, model, { inputs: "…", sources: [], check: true })
 * written.differing // ["src/client.ts"]
 * ```
 *
 * @since 0.1.0
 */
export const run = async (
  stage: Hooks.StageInput,
  model: ProviderModel,
  options: WriteOptions,
): Promise<Written> => {
  const outDir = stage.input.outDir
  const final = finalize(stage.files, { inputs: options.inputs, sources: options.sources })
  if (options.check) {
    const differing = differences(outDir, final)
    const changes = differing.map((file): Change => {
      let current: string | undefined
      try {
        current = readFileSync(join(outDir, file), "utf8")
      } catch {
        current = undefined
      }
      return { file, current, next: final.get(file) }
    })
    return { status: differing.length ? "differs" : "unchanged", differing, changes }
  }
  commit(outDir, final)
  if (options.descriptor) commitFile(options.descriptor.file, options.descriptor.text)
  await Hooks.run(stage.plugins, "write", { provider: model.name, files: stage.files, model, outDir })
  return { status: "generated", differing: [] }
}

/**
 * The files with headers, plus `.keyway-hash` recording the inputs and the outputs' hashes.
 *
 * @example
 * ```ts
 * import { Write } from "@keyway/codegen"
 * import type { Plugins } from "@keyway/codegen"
 * declare const files: Plugins.Files
 * Write.finalize(files, { inputs: "x", sources: [] }).has(".keyway-hash") // true
 * ```
 *
 * @since 0.1.0
 */
export const finalize = (
  files: Files,
  record: { readonly inputs: string; readonly sources: ReadonlyArray<string> },
): Map<string, string> => {
  const out = new Map<string, string>()
  const outputs: Record<string, string> = {}
  for (const name of [...files.keys()].sort()) {
    const content = withHeader(name, files.get(name)!)
    out.set(name, content)
    outputs[name] = Hash.sha256(content)
  }
  out.set(Hash.FILE, Hash.render({ inputs: record.inputs, sources: record.sources, outputs }))
  return out
}

/**
 * The files whose content on disk differs from `files` (or that are missing), and stale files
 * the previous record lists that `files` does not.
 *
 * @example
 * ```ts
 * import { Write } from "@keyway/codegen"
 * import type { Plugins } from "@keyway/codegen"
 * declare const files: Plugins.Files
 * Write.differences("/repo/packages/providers/ccw", files) // ["src/client.ts"]
 * ```
 *
 * @since 0.1.0
 */
export const differences = (outDir: string, files: ReadonlyMap<string, string>): Array<string> => {
  const out: Array<string> = []
  for (const [name, content] of files) {
    let current: string | undefined
    try {
      current = readFileSync(join(outDir, name), "utf8")
    } catch {
      current = undefined
    }
    if (current !== content) out.push(name)
  }
  const previous = readRecord(outDir)
  for (const name of Object.keys(previous?.outputs ?? {})) if (!files.has(name)) out.push(name)
  return out
}

/**
 * The previous run's record, if any.
 *
 * @example
 * ```ts
 * import { Write } from "@keyway/codegen"
 * Write.readRecord("/repo/packages/providers/ccw")?.inputs
 * ```
 *
 * @since 0.1.0
 */
export const readRecord = (outDir: string): Hash.Record | undefined => {
  try {
    return Hash.parse(readFileSync(join(outDir, Hash.FILE), "utf8"))
  } catch {
    return undefined
  }
}

/**
 * Writes `files` into a temporary folder, then moves them into `outDir`.
 *
 * @example
 * ```ts
 * import { Write } from "@keyway/codegen"
 * Write.commit("/tmp/out", new Map([["README.md", "# x\n"]]))
 * ```
 *
 * @since 0.1.0
 */
export const commit = (outDir: string, files: ReadonlyMap<string, string>): void => {
  const previous = readRecord(outDir)
  const tmp = join(dirname(outDir), `.${basename(outDir)}.keyway-tmp-${process.pid}`)
  rmSync(tmp, { recursive: true, force: true })
  try {
    for (const [name, content] of files) {
      const path = join(tmp, name)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, content)
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true })
    throw new WriteError({
      file: displayPath(tmp),
      reason: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
  try {
    // The hash file goes last: if a move fails midway, the next run sees a stale record and regenerates.
    const names = [...files.keys()].filter((n) => n !== Hash.FILE)
    for (const name of [...names, Hash.FILE]) {
      if (!files.has(name)) continue
      const target = join(outDir, name)
      mkdirSync(dirname(target), { recursive: true })
      renameSync(join(tmp, name), target)
    }
    for (const name of Object.keys(previous?.outputs ?? {}))
      if (!files.has(name)) rmSync(join(outDir, name), { force: true })
  } catch (error) {
    throw new WriteError({
      file: displayPath(outDir),
      reason: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

/**
 * Writes one file whole or not at all: a temporary file beside it, then a rename. Refuses to
 * replace an existing file (it may hold a user's edits).
 *
 * @example
 * ```ts
 * import { Write } from "@keyway/codegen"
 * Write.commitFile("/tmp/acme/provider.yaml", "name: acme\n")
 * ```
 *
 * @since 0.1.0
 */
export const commitFile = (file: string, content: string): void => {
  const tmp = join(dirname(file), `.${basename(file)}.keyway-tmp-${process.pid}`)
  try {
    if (existsSync(file)) throw new Error("the file exists; remove it or choose another path")
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(tmp, content)
    renameSync(tmp, file)
  } catch (error) {
    rmSync(tmp, { force: true })
    throw new WriteError({
      file: displayPath(file),
      reason: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
}
