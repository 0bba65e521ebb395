/**
 * A CPU profile of this process (the inspector's sampling profiler, `node:inspector` Session)
 * around a piece of work, summarised as a flat "flame" summary: the functions with the most self
 * time (file:line), each in a group: keyway-core (the workspace's packages), openapi-fetch,
 * undici (the npm package and Node's bundled copy behind `fetch`/`Request`/`Response`), effect,
 * node (Node's internals, native code, GC), bench (this folder) or other.
 */
import { Session } from "node:inspector/promises"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
}
interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly startTime: number
  readonly endTime: number
  readonly samples?: ReadonlyArray<number>
  readonly timeDeltas?: ReadonlyArray<number>
}

/** One function's self time. */
export interface Entry {
  readonly group: string
  readonly name: string
  readonly location: string
  readonly selfMs: number
  readonly selfPercent: number
}

export interface Summary {
  readonly totalMs: number
  readonly groups: ReadonlyArray<{
    readonly group: string
    readonly selfMs: number
    readonly selfPercent: number
  }>
  readonly top: ReadonlyArray<Entry>
}

const root = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "..")

/** The group of a script URL. */
export const groupOf = (url: string): string => {
  if (url === "" || url.startsWith("node:")) return url.includes("deps/undici") ? "undici" : "node"
  if (url.includes("/node_modules/openapi-fetch/") || url.includes("/openapi-fetch@")) return "openapi-fetch"
  if (url.includes("/node_modules/undici/") || url.includes("/undici@")) return "undici"
  if (url.includes("/node_modules/effect/") || url.includes("/effect@")) return "effect"
  if (url.includes("/node_modules/@keyway/")) return "keyway-core"
  if (url.includes("/node_modules/")) return "other"
  if (url.includes("/packages/") || url.includes("/generators/")) return "keyway-core"
  if (url.includes("/bench/")) return "bench"
  return "other"
}

const locationOf = (frame: CallFrame): string => {
  if (frame.url === "") return "(native)"
  let file = frame.url.startsWith("file://") ? fileURLToPath(frame.url) : frame.url
  const modules = file.lastIndexOf("/node_modules/")
  if (modules >= 0) file = file.slice(modules + "/node_modules/".length)
  else if (file.startsWith(root)) file = Path.relative(root, file)
  return `${file}:${frame.lineNumber + 1}`
}

/** Runs `work` under the CPU profiler (sampling every `intervalUs` µs) and returns the profile. */
export const profile = async (work: () => Promise<void>, intervalUs = 100): Promise<CpuProfile> => {
  const session = new Session()
  session.connect()
  try {
    await session.post("Profiler.enable")
    await session.post("Profiler.setSamplingInterval", { interval: intervalUs })
    await session.post("Profiler.start")
    await work()
    const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile }
    return profile
  } finally {
    session.disconnect()
  }
}

/** Self time per function (summed over the call sites of one function), the top `n`, and per group. */
export const summarize = (profile: CpuProfile, n = 15): Summary => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, { frame: CallFrame; us: number }>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  let totalUs = 0
  // timeDeltas[i + 1] is the time sample i lasted.
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!)
    const us = deltas[i + 1] ?? 0
    if (node === undefined) continue
    if (node.callFrame.functionName === "(idle)") continue
    totalUs += us
    const frame = node.callFrame
    const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}`
    const entry = self.get(key) ?? { frame, us: 0 }
    entry.us += us
    self.set(key, entry)
  }
  const entries = [...self.values()].map(({ frame, us }) => ({
    group: groupOf(frame.url),
    name: frame.functionName === "" ? "(anonymous)" : frame.functionName,
    location: locationOf(frame),
    selfMs: us / 1000,
    selfPercent: totalUs === 0 ? 0 : (us / totalUs) * 100,
  }))
  const groups = new Map<string, number>()
  for (const e of entries) groups.set(e.group, (groups.get(e.group) ?? 0) + e.selfMs)
  return {
    totalMs: totalUs / 1000,
    groups: [...groups.entries()]
      .map(([group, selfMs]) => ({
        group,
        selfMs,
        selfPercent: totalUs === 0 ? 0 : (selfMs * 1000 * 100) / totalUs,
      }))
      .sort((a, b) => b.selfMs - a.selfMs),
    top: entries.sort((a, b) => b.selfMs - a.selfMs).slice(0, n),
  }
}
