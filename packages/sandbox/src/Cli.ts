/**
 * The `keyway-sandbox` command: starts one, several or all sandboxes in this process, prints one
 * JSON line per sandbox (provider, base URL, URLs, credentials) and runs until SIGINT or
 * SIGTERM. Other processes then drive it over `/__sandbox/*`.
 *
 * @example
 * ```sh
 * keyway-sandbox workable --port 4010
 * keyway-sandbox all
 * ```
 *
 * @since 0.1.0
 */
import { PROVIDERS, type ProviderName, type Sandbox, startSandbox } from "./Sandbox.ts"

const USAGE = `usage: keyway-sandbox [all | ${PROVIDERS.join(" | ")} ...] [--port N] [--host H] [--seed N] [--budget]
Starts the sandboxes (--budget: each enforcing its provider's rate limit), prints one JSON line per sandbox, runs until SIGINT/SIGTERM.`

/**
 * Runs the command with its arguments (without `node` and the script); resolves once the
 * sandboxes are stopped by a signal. Answers the started sandboxes through `onStarted`.
 *
 * @example
 * ```ts
 * import { runCli } from "@keyway/sandbox"
 * await runCli(["cca", "--port", "4020"])
 * ```
 */
export async function runCli(
  args: readonly string[],
  onStarted?: (sandboxes: readonly Sandbox[]) => void,
): Promise<void> {
  const names: ProviderName[] = []
  let port: number | undefined
  let host: string | undefined
  let seed: number | undefined
  let budget = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${USAGE}\n`)
      return
    }
    if (arg === "--port") port = Number(args[++i])
    else if (arg === "--host") host = args[++i]
    else if (arg === "--seed") seed = Number(args[++i])
    else if (arg === "--budget") budget = true
    else if (arg === "all") names.push(...PROVIDERS)
    else if ((PROVIDERS as readonly string[]).includes(arg)) names.push(arg as ProviderName)
    else throw new TypeError(`unknown argument ${arg}\n${USAGE}`)
  }
  const selected = names.length === 0 ? [...PROVIDERS] : [...new Set(names)]
  if (port !== undefined && selected.length > 1) throw new TypeError("--port needs a single provider")
  const sandboxes: Sandbox[] = []
  try {
    for (const name of selected) {
      const options = {
        ...(port !== undefined ? { port } : {}),
        ...(host !== undefined ? { host } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(budget ? { budget: true } : {}),
      }
      sandboxes.push(await startSandbox(name, options))
    }
  } catch (error) {
    await Promise.all(sandboxes.map((s) => s.stop()))
    throw error
  }
  for (const s of sandboxes)
    process.stdout.write(
      `${JSON.stringify({ provider: s.provider, baseUrl: s.baseUrl, urls: s.urls, credentials: s.credentials })}\n`,
    )
  onStarted?.(sandboxes)
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off("SIGINT", done)
      process.off("SIGTERM", done)
      resolve()
    }
    process.once("SIGINT", done)
    process.once("SIGTERM", done)
  })
  await Promise.all(sandboxes.map((s) => s.stop()))
}
