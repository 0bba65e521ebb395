/**
 * Opens a URL in the user's browser, best effort: `open` on macOS, `cmd /c start` on Windows,
 * `xdg-open` elsewhere. Nothing waits for the browser; a missing opener only returns `false`.
 *
 * @example
 * ```ts
 * import { Browser } from "@keyway/connect"
 * // const opened = await Browser.open("https://www.workable.com/oauth/authorize?...")
 * ```
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"

/**
 * The command that opens a URL on this platform.
 *
 * @example
 * ```ts
 * import { Browser } from "@keyway/connect"
 * Browser.command("https://x.example", "linux") // ["xdg-open", ["https://x.example"]]
 * ```
 *
 * @since 0.1.0
 */
export const command = (
  url: string,
  platform: NodeJS.Platform = process.platform,
): readonly [string, ReadonlyArray<string>] =>
  platform === "darwin"
    ? ["open", [url]]
    : platform === "win32"
      ? ["cmd", ["/c", "start", '""', url.replace(/&/g, "^&")]]
      : ["xdg-open", [url]]

/**
 * Tries to open `url`; resolves to whether an opener could be started.
 *
 * @example
 * ```ts
 * import { Browser } from "@keyway/connect"
 * // if (!(await Browser.open(url))) console.log("open it yourself:", url)
 * ```
 *
 * @since 0.1.0
 */
export const open = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const [file, args] = command(url)
    try {
      const child = spawn(file, [...args], { detached: true, stdio: "ignore" })
      child.once("error", () => resolve(false))
      child.once("spawn", () => {
        child.unref()
        resolve(true)
      })
    } catch {
      resolve(false)
    }
  })
