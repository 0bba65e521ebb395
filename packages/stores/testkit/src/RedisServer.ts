/**
 * A private `redis-server` for tests and benchmarks: started on a free loopback port with its
 * own directory (append-only file, fsync on every write, so a restart finds every write it
 * acknowledged), stopped and restarted at will. When `KEYWAY_REDIS_URL` is set, that server is
 * used instead and cannot be stopped.
 *
 * The binary is `KEYWAY_REDIS_SERVER`, else `redis-server` on `PATH`, else `/usr/bin/redis-server`
 * (Debian's `redis-server` package).
 *
 * @example
 * ```ts
 * import { RedisServer } from "@keyway/store-testkit"
 * const redis = await RedisServer.start()
 * redis.url // "redis://127.0.0.1:40123"
 * await redis.stop()
 * ```
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import { connect, createServer } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

/**
 * A Redis server under the test's control.
 *
 * @since 0.1.0
 */
export interface RedisServer {
  readonly url: string
  /** Whether it came from `KEYWAY_REDIS_URL` (then `stop`/`restart` are not available). */
  readonly external: boolean
  /** Stops the server (`SIGKILL` by default: acknowledged writes are on disk anyway). */
  readonly stop: (signal?: NodeJS.Signals) => Promise<void>
  /** Stops the server for good and removes its directory. */
  readonly dispose: () => Promise<void>
  /** Starts it again on the same port and directory. */
  readonly restart: () => Promise<void>
}

/**
 * The `redis-server` binary to run.
 *
 * @example
 * ```ts
 * import { RedisServer } from "@keyway/store-testkit"
 * RedisServer.binary() // "/usr/bin/redis-server"
 * ```
 *
 * @since 0.1.0
 */
export const binary = (): string => {
  if (process.env.KEYWAY_REDIS_SERVER) return process.env.KEYWAY_REDIS_SERVER
  for (const dir of (process.env.PATH ?? "").split(Path.delimiter)) {
    const candidate = Path.join(dir, "redis-server")
    if (dir !== "" && Fs.existsSync(candidate)) return candidate
  }
  return "/usr/bin/redis-server"
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()))
    })
  })

const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/**
 * Starts a private server (or returns the one in `KEYWAY_REDIS_URL`).
 *
 * @example
 * ```ts
 * import { RedisServer } from "@keyway/store-testkit"
 * const redis = await RedisServer.start()
 * ```
 *
 * @since 0.1.0
 */
export const start = async (): Promise<RedisServer> => {
  const external = process.env.KEYWAY_REDIS_URL
  if (external) {
    const unsupported = () => Promise.reject(new Error("cannot stop the server of KEYWAY_REDIS_URL"))
    return { url: external, external: true, stop: unsupported, restart: unsupported, dispose: async () => {} }
  }
  const bin = binary()
  if (!Fs.existsSync(bin)) {
    throw new Error(`redis-server not found (looked on PATH and at ${bin}): apt-get install -y redis-server`)
  }
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "keyway-redis-"))
  let port = 0
  let child: ChildProcess | undefined

  const launch = async () => {
    const proc = spawn(
      bin,
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(port),
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--protected-mode",
        "yes",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    )
    let stderr = ""
    proc.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    let exited = false
    proc.once("exit", () => {
      exited = true
    })
    const deadline = Date.now() + 5000
    while (!(await reachable(port))) {
      if (exited) throw new Error(`redis-server exited: ${stderr.trim().slice(0, 300)}`)
      if (Date.now() > deadline) {
        proc.kill("SIGKILL")
        throw new Error("redis-server did not start in 5 s")
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    child = proc
  }

  for (let attempt = 0; ; attempt++) {
    port = await freePort()
    try {
      await launch()
      break
    } catch (error) {
      if (attempt >= 3) throw error
    }
  }

  const stop = async (signal: NodeJS.Signals = "SIGKILL") => {
    const proc = child
    child = undefined
    if (proc === undefined || proc.exitCode !== null) return
    const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()))
    proc.kill(signal)
    await gone
  }

  const cleanup = () => {
    if (child !== undefined && child.exitCode === null) child.kill("SIGKILL")
    Fs.rmSync(dir, { recursive: true, force: true })
  }
  process.once("exit", cleanup)

  return {
    url: `redis://127.0.0.1:${port}`,
    external: false,
    stop: async (signal) => {
      await stop(signal)
    },
    dispose: async () => {
      await stop()
      cleanup()
    },
    restart: async () => {
      await stop()
      await launch()
    },
  }
}
