/**
 * Content hashes for incremental generation. A package records in its `.keyway-hash` the hash of
 * everything its output depends on (the generator's version and code, the configuration, the
 * descriptor and every spec file the bundle read) and the hash of each file it wrote; a later run
 * with the same inputs and untouched outputs skips the provider without loading any heavy module.
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.sha256("abc").slice(0, 8) // "ba7816bf"
 * ```
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { HEADER_TEXT } from "./Header.ts"

/**
 * SHA-256 of a string or bytes, hex.
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.sha256("").length // 64
 * ```
 *
 * @since 0.1.0
 */
export const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex")

/**
 * What `.keyway-hash` records.
 *
 * @example
 * ```ts
 * import type { Hash } from "@keyway/codegen"
 * declare const recordValue: Hash.Record
 * console.log(recordValue.inputs)
 * ```
 *
 * @since 0.1.0
 */
export interface Record {
  /** Hash of every input. */
  readonly inputs: string
  /** Input files, relative to the package folder, posix separators. */
  readonly sources: ReadonlyArray<string>
  /** Output file → hash of its content. */
  readonly outputs: Readonly<{ [file: string]: string }>
}

/**
 * The name of the hash file inside a generated package.
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.FILE // ".keyway-hash"
 * ```
 *
 * @since 0.1.0
 */
export const FILE = ".keyway-hash"

/**
 * Renders a record (header line, then JSON with sorted keys).
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.render({ inputs: "x", sources: [], outputs: {} }).startsWith("#") // true
 * ```
 *
 * @since 0.1.0
 */
export const render = (record: Record): string => {
  const outputs: { [file: string]: string } = {}
  for (const k of Object.keys(record.outputs).sort()) outputs[k] = record.outputs[k]!
  return `# ${HEADER_TEXT}\n${JSON.stringify({ inputs: record.inputs, sources: record.sources, outputs }, null, 2)}\n`
}

/**
 * Parses a record; `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.parse(Hash.render({ inputs: "x", sources: [], outputs: {} }))?.inputs // "x"
 * ```
 *
 * @since 0.1.0
 */
export const parse = (text: string | undefined): Record | undefined => {
  if (!text) return undefined
  try {
    const json = JSON.parse(text.slice(text.indexOf("\n") + 1)) as Record
    return typeof json.inputs === "string" && Array.isArray(json.sources) ? json : undefined
  } catch {
    return undefined
  }
}

/**
 * Path of `file` relative to `dir`, posix separators.
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.relativePosix("/a/b", "/a/c/d.yaml") // "../c/d.yaml"
 * ```
 *
 * @since 0.1.0
 */
export const relativePosix = (dir: string, file: string): string => relative(dir, file).split("\\").join("/")

/**
 * The hash of a provider's inputs: generator fingerprint, config fingerprint, extra values, and
 * each source file (by relative path and content). `undefined` when a source is missing.
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.inputs({ generator: "g", config: "c", extra: "", outDir: "/o", sources: [] })
 * ```
 *
 * @since 0.1.0
 */
export const inputs = (args: {
  readonly generator: string
  readonly config: string
  readonly extra: string
  readonly outDir: string
  readonly sources: ReadonlyArray<string>
}): string | undefined => {
  const hash = createHash("sha256")
  hash.update(`generator ${args.generator}\nconfig ${sha256(args.config)}\nextra ${args.extra}\n`)
  for (const source of args.sources) {
    let content: Buffer
    try {
      content = readFileSync(join(args.outDir, source))
    } catch {
      return undefined
    }
    hash.update(`${source} ${sha256(content)}\n`)
  }
  return hash.digest("hex")
}

let fingerprint: string | undefined

const generatorDir = (): string => dirname(dirname(fileURLToPath(import.meta.url)))

/**
 * The generator's version, from its `package.json` (the same from `src/` and `dist/`).
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.generatorVersion() // "0.1.0"
 * ```
 *
 * @since 0.1.0
 */
export const generatorVersion = (): string =>
  (JSON.parse(readFileSync(join(generatorDir(), "package.json"), "utf8")) as { version: string }).version

/**
 * The generator's own fingerprint: its version and a hash of its source code, so that a changed
 * generator regenerates every provider. The package ships `src`, so a built generator hashes the
 * same sources and agrees with one run from sources (only a package without `src` hashes `dist`).
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.generatorFingerprint().startsWith("0.") // true
 * ```
 *
 * @since 0.1.0
 */
export const generatorFingerprint = (): string => {
  if (fingerprint) return fingerprint
  const here = dirname(fileURLToPath(import.meta.url))
  const pkgDir = generatorDir()
  const version = generatorVersion()
  const sources = join(pkgDir, "src")
  const root = existsSync(sources) ? sources : here
  const hash = createHash("sha256")
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry)
      if (statSync(path).isDirectory()) visit(path)
      else if (/\.(ts|js|mjs)$/.test(entry) && !entry.endsWith(".d.ts") && !entry.endsWith(".map"))
        hash.update(`${relativePosix(root, path)} ${sha256(readFileSync(path))}\n`)
    }
  }
  visit(root)
  fingerprint = `${version}+${hash.digest("hex").slice(0, 16)}`
  return fingerprint
}

/**
 * The source text of a compiled module: for a file under a package's `dist/` whose package also
 * ships `src/` (every Keyway package does), the matching `src/*.ts`; otherwise the file itself.
 * Hashes built from it are the same whether a module resolved to its sources (in the monorepo,
 * `@keyway/source` condition) or to its build (`dist/`, an installed tarball).
 *
 * @example
 * ```ts
 * import { Hash } from "@keyway/codegen"
 * Hash.sourceOf("/repo/packages/core/dist/Descriptor.js") // the text of /repo/packages/core/src/Descriptor.ts
 * ```
 *
 * @since 0.1.0
 */
export const sourceOf = (file: string): string => {
  const parts = file.split(sep)
  const at = parts.lastIndexOf("dist")
  if (at > 0 && /\.(js|mjs|d\.ts)$/.test(file)) {
    const source = [...parts.slice(0, at), "src", ...parts.slice(at + 1)]
      .join(sep)
      .replace(/(\.d)?\.(js|mjs|ts)$/, ".ts")
    if (existsSync(source)) return readFileSync(source, "utf8")
  }
  return readFileSync(file, "utf8")
}
