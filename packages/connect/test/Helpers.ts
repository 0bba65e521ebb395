/**
 * Test helpers: the CLI as a child process, and a user agent that plays the browser.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

export const bin = fileURLToPath(new URL("../bin/keyway-connect.mjs", import.meta.url))

export interface RunningCli {
  readonly child: ChildProcess
  /** Resolves with the printed authorize URL (a line of its own). */
  readonly authorizeUrl: Promise<string>
  /** Resolves with the exit code once the process ended. */
  readonly exit: Promise<number | null>
  readonly stdout: () => string
  readonly stderr: () => string
}

/** Spawns `keyway-connect` with the given arguments and extra environment. */
export const spawnCli = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  cwd?: string,
): RunningCli => {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let out = ""
  let err = ""
  let found: ((url: string) => void) | undefined
  const authorizeUrl = new Promise<string>((resolve, reject) => {
    found = resolve
    child.once("exit", (code) => reject(new Error(`the CLI exited (${code}) before printing a URL: ${err}`)))
  })
  authorizeUrl.catch(() => {})
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk
    const match = /^(https?:\/\/\S+)$/m.exec(out)
    if (match) found?.(match[1]!)
  })
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk
  })
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return { child, authorizeUrl, exit, stdout: () => out, stderr: () => err }
}

/** GETs a URL without following redirects. */
export const visit = async (url: string | URL) => {
  const response = await fetch(url, { redirect: "manual" })
  const location = response.headers.get("location")
  return { status: response.status, location: location ?? undefined, body: await response.text() }
}

/** Opens the authorize URL and returns the provider's redirect (not followed). */
export const authorize = async (authorizeUrl: string | URL): Promise<URL> => {
  const page = await visit(authorizeUrl)
  if (page.location === undefined) throw new Error(`no redirect from the authorize endpoint (${page.status})`)
  return new URL(page.location)
}
