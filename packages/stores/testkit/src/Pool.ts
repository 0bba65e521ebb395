/**
 * A pool of worker processes (see {@link Worker}), each a separate `node` process running a
 * store package's worker script with `--conditions=@keyway/source` (Node runs the `.ts`
 * sources directly). The parent sends commands, kills (`SIGKILL`) and respawns workers.
 *
 * @example
 * ```ts
 * import { Pool } from "@keyway/store-testkit"
 * const pool = await Pool.start({ script: "test/worker.ts", size: 4, config })
 * const reports = await pool.burstAll(50, "get")
 * await pool.close()
 * ```
 *
 * @since 0.1.0
 */
import { type ChildProcess, fork } from "node:child_process"
import type { BurstReport, Config, LoopReport } from "./Worker.ts"

/**
 * How to start a pool.
 *
 * @since 0.1.0
 */
export interface Options {
  /** The worker script (absolute, or relative to the current directory). */
  readonly script: string
  readonly size: number
  readonly config: Config
  /** Extra arguments for the worker script. */
  readonly args?: ReadonlyArray<string>
}

/**
 * A running pool.
 *
 * @since 0.1.0
 */
export interface Pool {
  readonly size: number
  readonly pid: (index: number) => number
  readonly indexOfPid: (pid: number) => number
  readonly burst: (index: number, n: number, mode: "get" | "refresh") => Promise<BurstReport>
  readonly burstAll: (n: number, mode: "get" | "refresh") => Promise<ReadonlyArray<BurstReport>>
  readonly startLoop: (index: number) => Promise<void>
  readonly stopLoop: (index: number) => Promise<LoopReport>
  /** `kill -9`; resolves when the process is gone. */
  readonly kill: (index: number) => Promise<void>
  /** Starts a new process in slot `index` (after a kill). */
  readonly respawn: (index: number) => Promise<void>
  readonly close: () => Promise<void>
}

interface Slot {
  child: ChildProcess
  exited: Promise<void>
  alive: boolean
}

/**
 * Starts `size` workers and waits until each has built its lifecycle.
 *
 * @example
 * ```ts
 * import { Pool } from "@keyway/store-testkit"
 * const pool = await Pool.start({ script: "test/worker.ts", size: 2, config })
 * ```
 *
 * @since 0.1.0
 */
export const start = async (options: Options): Promise<Pool> => {
  let nextId = 1
  const replies = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()

  const spawn = async (): Promise<Slot> => {
    const child = fork(options.script, [...(options.args ?? [])], {
      execArgv: ["--conditions=@keyway/source", "--disable-warning=ExperimentalWarning"],
      env: { ...process.env, KEYWAY_WORKER_CONFIG: JSON.stringify(options.config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    })
    const slot: Slot = { child, alive: true, exited: Promise.resolve() }
    slot.exited = new Promise<void>((resolve) =>
      child.once("exit", () => {
        slot.alive = false
        resolve()
      }),
    )
    child.on("message", (message: { id?: number; report?: unknown; error?: string }) => {
      if (message.id === undefined) return
      const waiter = replies.get(message.id)
      if (waiter === undefined) return
      replies.delete(message.id)
      if (message.error !== undefined) waiter.reject(new Error(message.error))
      else waiter.resolve(message.report)
    })
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean; error?: string }) => {
        if (message.ready === undefined) return
        child.off("message", onMessage)
        if (message.ready) resolve()
        else reject(new Error(`worker failed to start: ${message.error}`))
      }
      child.on("message", onMessage)
      child.once("exit", (code) => reject(new Error(`worker exited during start (code ${code})`)))
    })
    return slot
  }

  const slots: Slot[] = await Promise.all(Array.from({ length: options.size }, spawn))

  const request = <A>(index: number, command: Record<string, unknown>): Promise<A> => {
    const slot = slots[index]!
    const id = nextId++
    return new Promise<A>((resolve, reject) => {
      replies.set(id, { resolve: resolve as (value: unknown) => void, reject })
      slot.exited.then(() => {
        if (replies.delete(id)) reject(new Error(`worker ${index} exited`))
      })
      slot.child.send({ ...command, id })
    })
  }

  const kill = async (index: number) => {
    const slot = slots[index]!
    if (slot.alive) slot.child.kill("SIGKILL")
    await slot.exited
  }

  return {
    size: options.size,
    pid: (index) => slots[index]?.child.pid ?? -1,
    indexOfPid: (pid) => slots.findIndex((s) => s.child.pid === pid),
    burst: (index, n, mode) => request(index, { op: "burst", n, mode }),
    burstAll: (n, mode) =>
      Promise.all(slots.map((_, i) => request<BurstReport>(i, { op: "burst", n, mode }))),
    startLoop: (index) => request(index, { op: "loop" }),
    stopLoop: (index) => request(index, { op: "stop" }),
    kill,
    respawn: async (index) => {
      await kill(index)
      slots[index] = await spawn()
    },
    close: async () => {
      await Promise.all(
        slots.map(async (slot, i) => {
          if (!slot.alive) return
          const bye = request(i, { op: "exit" }).catch(() => undefined)
          const timer = setTimeout(() => slot.child.kill("SIGKILL"), 3000)
          await Promise.race([bye, slot.exited])
          await slot.exited
          clearTimeout(timer)
        }),
      )
    },
  }
}
