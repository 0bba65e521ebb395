/**
 * The scanner on a fixture package (`test/fixtures/sample`): which JSDoc it reads (the compiler's,
 * on exported declarations, their members and the module header), the line of each block, and
 * which exports are public (followed from `exports` through re-exports; type-only ones skipped).
 */
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { scan, syntaxErrors, unfenced } from "../src/Examples.ts"

const fixtures = Path.join(import.meta.dirname, "fixtures")
const { examples, exports } = scan(fixtures, [{ path: "sample" }])

describe("scan", () => {
  it("reads the examples of exported declarations, their members and the module header, with their lines", () => {
    expect(examples.map((e) => `${e.file}:${e.line} ${e.symbol} ${e.lang}`)).toEqual([
      "sample/src/Lib.ts:11 documented ts",
      "sample/src/Lib.ts:16 documented text",
      "sample/src/Lib.ts:39 Box ts",
      "sample/src/Lib.ts:48 Box.open ts",
      `sample/src/Lib.ts:59 renamed ${unfenced}`,
      "sample/src/index.ts:6 <module> ts",
    ])
    expect(examples.find((e) => e.symbol === "documented")?.code).toBe("const a: number = 1\n")
  })

  // an unfenced @example counts as one (Examples.test.ts reports it as a failure of its own)
  it("lists the public exports, through namespace and renaming re-exports, without type-only ones", () => {
    expect(exports.map((e) => `${e.file}: ${e.symbol} ${e.hasExample}`)).toEqual([
      "sample/src/Lib.ts: documented true",
      "sample/src/Lib.ts: bare false",
      "sample/src/Lib.ts: Box true",
      "sample/src/Lib.ts: renamed true",
    ])
  })

  // `"./internal/*": null`: nothing there is importable, so its examples are not public docs
  it("skips the examples of the folders the exports close, and still lists the exports declared there", () => {
    for (const path of ["closed", "closed-root"]) {
      const closed = scan(fixtures, [{ path }])
      expect(closed.examples.map((e) => `${e.file} ${e.symbol}`)).toEqual([`${path}/src/index.ts <module>`])
      expect(closed.exports.map((e) => `${e.file}: ${e.symbol} ${e.hasExample}`)).toEqual([
        `${path}/src/internal/Hidden.ts: open true`,
      ])
    }
  })

  it("finds syntax errors before the type-check (tsc reports none of a program that has one)", () => {
    expect(syntaxErrors("const a = 1\nconst b = ")).toEqual(["2: TS1109: Expression expected."])
    expect(syntaxErrors("const a = 1")).toEqual([])
  })
})
