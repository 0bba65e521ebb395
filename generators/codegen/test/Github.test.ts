// The corpus's real specs: GitHub's REST spec (13 MB JSON, ~1000 operations, no securitySchemes)
// through `keyway generate --spec`, generated once and type-checked once with tsc7; GitHub
// Enterprise Cloud's, whose examples hold `"$ref"` keys to files that do not exist (data, not
// references), loaded.
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { bundle } from "../src/stages/Load.ts"
import { pkgDir, project, runBin, typecheck } from "./helpers.ts"

const require = createRequire(join(pkgDir, "package.json"))
const generated = join(dirname(require.resolve("@octokit/openapi/package.json")), "generated")
const spec = join(generated, "api.github.com.json")

describe("robustness: GitHub's spec", () => {
  it("generates a package whose output type-checks", () => {
    const dir = project("github")
    const r = runBin(["generate", "--spec", spec, "--name", "github", "--out", "packages/github"], dir)
    expect(r.code).toBe(0)
    // 20 lint warnings, each one line with file:line:column and pointer, then a count of the rest;
    // and, as GitHub's spec declares no securitySchemes, the assumed bearer token, once
    const warnings = r.err.split("\n").filter(Boolean)
    const lint = warnings.filter((w) => w.includes(": lint ("))
    expect(lint).toHaveLength(20)
    for (const w of lint)
      expect(w).toMatch(
        /^warning: \S*api\.github\.com\.json:\d+:\d+ \/\S+: lint \([a-z-]+\): found .+, expected .+$/,
      )
    const auth = warnings.filter((w) => w.includes("auth not inferred"))
    expect(auth).toHaveLength(1)
    expect(auth[0]).toMatch(
      /^warning: \S*api\.github\.com\.json:1:1 \/: auth not inferred: found no components\.securitySchemes/,
    )
    expect(warnings.at(-1)).toMatch(
      /^warning: github: \d+ more lint warnings \(keyway generate --strict lists them all, as errors\)$/,
    )
    expect(warnings).toHaveLength(22)
    const out = join(dir, "packages", "github")
    const client = readFileSync(join(out, "src/client.ts"), "utf8")
    expect(client).toContain(
      'reposGet: { method: "GET", path: "/repos/{owner}/{repo}", operationId: "repos/get" },',
    )
    expect(client).toContain('readonly reposGet: GithubOperation<"/repos/{owner}/{repo}", "get">')
    expect(readFileSync(join(out, "src/types.ts"), "utf8").length).toBeGreaterThan(5_000_000)
    const t = typecheck(join(out, "tsconfig.json"))
    expect(t.output).toBe("")
    expect(t.code).toBe(0)
    // the second run is skipped by its content hashes
    const again = runBin(["generate", "--spec", spec, "--name", "github", "--out", "packages/github"], dir)
    expect(again.out).toContain("1 unchanged")
  }, 240_000)

  it("GitHub Enterprise Cloud's spec loads: $ref keys inside example values are kept as data", async () => {
    const loaded = await bundle(join(generated, "ghec.json"))
    const text = JSON.stringify(loaded.document)
    expect(text).toContain('"actions_stats":{"$ref":"server-statistics-actions.yaml"}')
    expect(loaded.files).toEqual([join(generated, "ghec.json")])
  }, 60_000)
})
