/**
 * The workspace's public packages (every package.json without `"private": true`, found by
 * walking the workspace with `pnpm ls`, so a new package is covered without being listed here):
 *
 *   node scripts/packages.ts list        their folders, relative to the repository
 *   node scripts/packages.ts pack DIR    `pnpm pack` each into DIR (workspace:* ranges replaced),
 *                                        then checks the tarballs' @keyway/* versions agree
 *   node scripts/packages.ts check DIR   publint and attw (node16 from ESM, bundler) on each
 *                                        tarball of DIR; exit 1 when any fails
 *
 * `bash scripts/pack.sh DIR` builds first, then runs `pack`.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")

interface Workspace {
  readonly name: string
  readonly version: string
  readonly path: string
  readonly private: boolean
}

interface Manifest {
  readonly name: string
  readonly version: string
  readonly exports?: Record<string, unknown>
  readonly dependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
}

const run = (command: string, args: ReadonlyArray<string>, cwd = root) =>
  spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })

/** The public packages of the workspace, sorted by folder. */
export const publicPackages = (): Array<Workspace> => {
  const r = run("pnpm", ["-r", "ls", "--json", "--depth", "-1"])
  if (r.status !== 0) throw new Error(`pnpm ls failed: ${r.stderr.trim()}`)
  return (JSON.parse(r.stdout) as Array<Workspace>)
    .filter((p) => !p.private && p.path !== root)
    .sort((a, b) => a.path.localeCompare(b.path))
}

/** The tarball name `pnpm pack` gives a package. */
export const tarballName = (p: { readonly name: string; readonly version: string }): string =>
  `${p.name.replace(/^@/, "").replace("/", "-")}-${p.version}.tgz`

const manifestOf = (tarball: string): Manifest => {
  const r = run("tar", ["-xzOf", tarball, "package/package.json"])
  if (r.status !== 0) throw new Error(`${tarball}: no package/package.json (${r.stderr.trim()})`)
  return JSON.parse(r.stdout) as Manifest
}

const pack = (dir: string): number => {
  const packages = publicPackages()
  Fs.mkdirSync(dir, { recursive: true })
  for (const p of packages) Fs.rmSync(Path.join(dir, tarballName(p)), { force: true })
  const filters = packages.flatMap((p) => ["--filter", `./${Path.relative(root, p.path)}`])
  const r = run("pnpm", ["-r", ...filters, "pack", "--pack-destination", dir])
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr)
    return 1
  }
  const versions = new Map(packages.map((p) => [p.name, p.version]))
  const problems: Array<string> = []
  for (const p of packages) {
    const tarball = Path.join(dir, tarballName(p))
    if (!Fs.existsSync(tarball)) {
      problems.push(`${p.name}: pnpm pack wrote no ${tarballName(p)}`)
      continue
    }
    const manifest = manifestOf(tarball)
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"] as const)
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        if (!dep.startsWith("@keyway/")) continue
        const packed = versions.get(dep)
        if (packed === undefined) problems.push(`${p.name}: ${field} ${dep}@${range} is not a public package`)
        else if (range !== packed)
          problems.push(`${p.name}: ${field} ${dep}@${range}, but ${dep} is packed at ${packed}`)
      }
    console.log(tarball)
  }
  for (const line of problems) console.error(`pack: ${line}`)
  return problems.length ? 1 : 0
}

/** Entry points attw cannot discover itself: the modules behind a `./*` export pattern. */
export const wildcardEntrypoints = (
  p: Pick<Workspace, "path">,
  manifest: Pick<Manifest, "exports">,
): Array<string> => {
  if (!manifest.exports || !("./*" in manifest.exports)) return []
  const src = Path.join(p.path, "src")
  return Fs.readdirSync(src)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.endsWith(".test.ts") && f !== "index.ts")
    .map((f) => `./${f.slice(0, -3)}`)
    .sort()
}

const check = (dir: string): number => {
  const failed: Array<string> = []
  const bin = (name: string) => Path.join(root, "node_modules", ".bin", name)
  for (const p of publicPackages()) {
    const tarball = Path.join(dir, tarballName(p))
    if (!Fs.existsSync(tarball)) {
      console.log(`${p.name}: no ${tarballName(p)} in ${dir} (run bash scripts/pack.sh ${dir})`)
      failed.push(p.name)
      continue
    }
    const publint = run(bin("publint"), ["run", tarball, "--strict"])
    const entry = wildcardEntrypoints(p, manifestOf(tarball))
    const attw = run(bin("attw"), [
      tarball,
      "--profile",
      "esm-only",
      "--format",
      "ascii",
      "--no-emoji",
      "--no-color",
      ...(entry.length ? ["--include-entrypoints", ...entry] : []),
    ])
    const ok = publint.status === 0 && attw.status === 0
    console.log(
      `${ok ? "ok  " : "FAIL"} ${p.name}@${p.version}: publint ${publint.status === 0 ? "ok" : "failed"}, attw ${attw.status === 0 ? "ok" : "failed"}${entry.length ? ` (${entry.length + 1} entry points)` : ""}`,
    )
    if (publint.status !== 0) process.stdout.write(publint.stdout + publint.stderr)
    if (attw.status !== 0) process.stdout.write(attw.stdout + attw.stderr)
    if (!ok) failed.push(p.name)
  }
  if (failed.length) console.log(`packages failing publint or attw: ${failed.join(", ")}`)
  return failed.length ? 1 : 0
}

const [command, dir] = process.argv.slice(2)
if (!import.meta.main) {
  // imported (tooling/examples walks the public packages): no command
} else if (command === "list") {
  for (const p of publicPackages()) console.log(Path.relative(root, p.path))
} else if ((command === "pack" || command === "check") && dir) {
  process.exitCode = command === "pack" ? pack(Path.resolve(dir)) : check(Path.resolve(dir))
} else {
  console.error("usage: node scripts/packages.ts list | pack DIR | check DIR")
  process.exitCode = 2
}
