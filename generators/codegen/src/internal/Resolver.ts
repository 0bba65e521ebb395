/**
 * The `$ref` resolver the load stage hands to `@redocly/openapi-core`: Redocly walks the spec and
 * bundles it, this decides what a `$ref` may read and parses what it reads with Keyway's
 * {@link Source} (located parse errors, document size and alias caps).
 *
 * What a `$ref` may read: a regular file inside the spec's folder, or inside one of the extra
 * roots the configuration names (`refRoots`), after symbolic links are resolved. Never a remote
 * URL (nothing is fetched), a folder, a device, a FIFO or anything under `/proc`, `/sys` or `/dev`.
 *
 * @internal
 * @since 0.1.0
 */
import { readFileSync, realpathSync, statSync } from "node:fs"
import { extname, isAbsolute, relative, sep } from "node:path"
import { BaseResolver, type Document, Source as RedoclySource, ResolveError } from "@redocly/openapi-core"
import { ParseError } from "../Errors.ts"
import * as Source from "../Source.ts"

const systemRoots = ["/proc", "/sys", "/dev"]
const remote = /^[a-z][a-z0-9+.-]*:\/\//i

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path)
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel))
}

/**
 * Why a path may not be read, or `undefined` when it may: the text completes
 * "found <ref>, expected ...".
 *
 * @example
 * ```ts
 * import { refusal } from "@keyway/codegen/internal/Resolver"
 * refusal("/etc/passwd", ["/repo/specs/x"]) // "a file inside specs/x (...); /etc/passwd is outside"
 * ```
 *
 * @internal
 * @since 0.1.0
 */
export const refusal = (path: string, roots: ReadonlyArray<string>): string | undefined => {
  if (remote.test(path)) return "a local file (remote $refs are not fetched)"
  const where = `a file inside ${roots.map(Source.displayPath).join(" or ")} (a root named in the configuration's refRoots may add more)`
  const system = (p: string) => systemRoots.some((r) => p === r || p.startsWith(`${r}/`))
  if (system(path)) return `${where}; ${path} is a system path`
  if (!roots.some((root) => inside(root, path))) return `${where}; ${Source.displayPath(path)} is outside`
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    return `an existing file (${Source.displayPath(path)} does not exist)`
  }
  if (system(real)) return `${where}; ${Source.displayPath(path)} leads to the system path ${real}`
  if (!roots.some((root) => inside(root, real)))
    return `${where}; ${Source.displayPath(path)} leads outside, to ${real}`
  const stat = statSync(real)
  if (stat.isDirectory()) return `a file (${Source.displayPath(path)} is a folder)`
  if (!stat.isFile()) return `a regular file (${Source.displayPath(path)} is a device, FIFO or socket)`
  if (stat.size > Source.maxDocumentBytes)
    return `a document of at most ${Source.maxDocumentBytes / 1024 / 1024} MiB (${Source.displayPath(path)} has ${(stat.size / 1024 / 1024).toFixed(1)} MiB)`
  return undefined
}

const parsed = new Set([".json", ".yaml", ".yml"])

/**
 * A Redocly resolver with Keyway's file policy and parser.
 *
 * @example
 * ```ts
 * import { KeywayResolver } from "@keyway/codegen/internal/Resolver"
 * const resolver = new KeywayResolver(["/repo/specs/x"])
 * resolver.seed(Source.parse("/repo/specs/x/openapi.yaml", text))
 * ```
 *
 * @internal
 * @since 0.1.0
 */
export class KeywayResolver extends BaseResolver {
  /** Every file parsed, by absolute path. */
  readonly sources = new Map<string, Source.Source>()
  /** Refused reads: absolute path → what was expected instead. */
  readonly refused = new Map<string, string>()
  /** Files that were read but do not parse. */
  readonly parseErrors: Array<ParseError> = []
  readonly roots: ReadonlyArray<string>

  constructor(roots: ReadonlyArray<string>) {
    super({ http: { headers: [] } })
    // each root as given and as its real path (a spec folder under a symbolic link)
    this.roots = [
      ...new Set(
        roots.flatMap((r) => {
          try {
            return [r, realpathSync(r)]
          } catch {
            return [r]
          }
        }),
      ),
    ]
  }

  /**
   * Makes `source` (already parsed) the document at its path, so that `$ref`s back into it
   * resolve to the same objects.
   *
   * @example
   * ```ts
   * const document = resolver.seed(root) // hand it to Redocly's lintDocument / bundleDocument
   * ```
   */
  seed(source: Source.Source): Document {
    const document: Document = {
      source: new RedoclySource(source.path, source.text, "application/json"),
      parsed: source.value,
    }
    this.sources.set(source.path, source)
    this.cache.set(source.path, Promise.resolve(document))
    return document
  }

  override resolveExternalRef(base: string | null, ref: string): string {
    if (remote.test(ref)) return ref
    let path = ref
    try {
      path = decodeURI(ref)
    } catch {
      // not percent-encoded: the load stage reports it
    }
    return super.resolveExternalRef(base, path)
  }

  override async loadExternalRef(absoluteRef: string): Promise<RedoclySource> {
    const refused = refusal(absoluteRef, this.roots)
    if (refused !== undefined) {
      this.refused.set(absoluteRef, refused)
      throw new ResolveError(new Error(refused))
    }
    const text = readFileSync(absoluteRef, "utf8")
    return new RedoclySource(absoluteRef, text)
  }

  override parseDocument(source: RedoclySource, isRoot = false): Document {
    if (!isRoot && !parsed.has(extname(source.absoluteRef).toLowerCase()))
      return { source, parsed: source.body }
    const known = this.sources.get(source.absoluteRef)
    if (known) return { source, parsed: known.value }
    try {
      const mine = Source.parse(source.absoluteRef, source.body)
      this.sources.set(source.absoluteRef, mine)
      return { source, parsed: mine.value }
    } catch (error) {
      if (error instanceof ParseError) this.parseErrors.push(error)
      throw error
    }
  }
}
