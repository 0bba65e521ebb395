import { describe, expect, it } from "vitest"
import * as Reporter from "../src/Reporter.ts"
import { project, runBin } from "./helpers.ts"

describe("progress output", () => {
  it("on a TTY: provider, stage and elapsed time on a live line", () => {
    let text = ""
    const r = Reporter.make({ interactive: true, write: (t) => void (text += t) })
    r.stage("ccw", "load")
    r.stage("ccw", "types")
    r.done("ccw", "generated")
    r.summary("keyway: 1 provider: 1 generated (0.10 s)")
    expect(text).toMatch(/ccw: load \(\d+\.\d\d s\)/)
    expect(text).toMatch(/ccw: types \(\d+\.\d\d s\)/)
    expect(text).toMatch(/ccw: generated \(\d+\.\d\d s\)\n/)
    expect(text.endsWith("keyway: 1 provider: 1 generated (0.10 s)\n")).toBe(true)
  })

  it("quiet (CI, or stdout not a TTY): one summary line", () => {
    let text = ""
    const r = Reporter.make({ interactive: false, write: (t) => void (text += t) })
    r.stage("ccw", "load")
    r.done("ccw", "generated")
    r.summary("done")
    expect(text).toBe("done\n")
    const dir = project("quiet", ["petstore"])
    const out = runBin(["generate"], dir, { CI: "true" })
    expect(out.code).toBe(0)
    expect(out.out).toMatch(/^keyway: 1 provider: 1 generated \(\d+\.\d\d s\)\n$/)
  })
})
