/**
 * Stage 6, write: puts the header on every file, writes the package into a temporary folder
 * beside its target, and moves the files into place only once all of them were written: a
 * failed run leaves the previous package untouched. Files the previous run generated and this
 * one did not are removed; anything else in the folder (node_modules, dist) is kept.
 *
 * @example
 * ```ts
 * import { Write } from "@keyway/codegen"
 * Write.commit("/repo/packages/providers/ccw", files, previousRecord)
 * ```
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { WriteError } from "../Errors.ts"
import * as Hash from "../Hash.ts"
import { withHeader } from "../Header.ts"
import type { Files } from "../Plugin.ts"
import { displayPath } from "../Source.ts"

/**
 * The files with headers, plus `.keyway-hash` recording the inputs and the outputs' hashes.
 *
 * @example
 * ```ts
 * import { Write } from "@keyway/codegen"
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
