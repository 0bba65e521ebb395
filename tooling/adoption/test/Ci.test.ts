/**
 * CI is the README's test command and nothing else: `.ci/run` runs `bash scripts/run.sh test`
 * (which installs, starts and checks everything), so CI cannot pass where the README fails.
 */
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "..", "..", "..")
const commands = (file: string) =>
  readFileSync(join(repo, file), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))

describe("CI runs the README's test command", () => {
  it(".ci/run is one command: scripts/run.sh test", () => {
    expect(commands(".ci/run")).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of shell, not a template
      'exec bash "$(dirname "${BASH_SOURCE[0]}")/../scripts/run.sh" test "$@"',
    ])
  })

  it("the README names that command, and run.sh test runs every check before the tests", () => {
    expect(readFileSync(join(repo, "README.md"), "utf8")).toContain("bash scripts/run.sh test")
    const run = commands("scripts/run.sh").join("\n")
    for (const step of [
      'check "machine set-up" keyway_install_needs',
      'check "lint" pnpm -s lint',
      'check "generate --check" pnpm -s exec keyway generate --check',
      'check "demo" pnpm -s demo',
      "scripts/pack.sh",
      "node scripts/packages.ts check",
    ])
      expect(run).toContain(step)
    // the tests come last, so that their summary line is the run's last line
    expect(commands("scripts/run.sh").at(-1)).toMatch(/ node scripts\/test\.ts "\$@"$/)
  })
})
