// Robustness: GitHub's REST spec (13 MB JSON, ~1000 operations, no securitySchemes) through
// `keyway generate --spec`, and its output type-checks with tsc7.
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { describe, expect, it } from "vitest"
import { pkgDir, project, runBin, typecheck } from "./helpers.ts"

const require = createRequire(join(pkgDir, "package.json"))
const spec = join(
  dirname(require.resolve("@octokit/openapi/package.json")),
  "generated",
  "api.github.com.json",
)

describe("robustness: GitHub's spec", () => {
  it("generates a package whose output type-checks", () => {
    const dir = project("github")
    const r = runBin(["generate", "--spec", spec, "--name", "github", "--out", "packages/github"], dir)
    // GitHub's spec declares no securitySchemes: the assumed bearer token is said, once
    expect(r.err.trim().split("\n")).toHaveLength(1)
    expect(r.err).toMatch(
      /^warning: \S*api\.github\.com\.json:1:1 \/: auth not inferred: found no components\.securitySchemes/,
    )
    expect(r.code).toBe(0)
    const out = join(dir, "packages", "github")
    const client = readFileSync(join(out, "src/client.ts"), "utf8")
    expect(client).toContain('"GET /repos/{owner}/{repo}": { operationId: "repos/get" }')
    expect(client).toContain('readonly reposGet: Operation<"/repos/{owner}/{repo}", "get">')
    expect(readFileSync(join(out, "src/types.ts"), "utf8").length).toBeGreaterThan(5_000_000)
    const t = typecheck(join(out, "tsconfig.json"))
    expect(t.output).toBe("")
    expect(t.code).toBe(0)
    // the second run is skipped by its content hashes
    const again = runBin(["generate", "--spec", spec, "--name", "github", "--out", "packages/github"], dir)
    expect(again.out).toContain("1 unchanged")
  }, 240_000)
})
