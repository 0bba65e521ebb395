import { copyFileSync, existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { fixtures, pkgDir, project, run, typecheck } from "./helpers.ts"

const repo = join(pkgDir, "..", "..")
const authPackages = ["client-credentials", "authorization-code", "permanent-token", "session-login"]
const missingAuth = authPackages.filter(
  (p) => !existsSync(join(repo, "packages", "auth", p, "src", "index.ts")),
)

describe("generated packages type-check with tsc7", () => {
  it("the fixture package, with type tests: wrong paths, methods, parameters, bodies and options do not compile", async () => {
    const dir = project("typecheck", ["petstore"])
    expect((await run(["generate"], dir)).code).toBe(0)
    const out = join(dir, "packages", "petstore")
    const clean = typecheck(join(out, "tsconfig.json"))
    expect(clean.output).toBe("")
    expect(clean.code).toBe(0)
    copyFileSync(join(fixtures, "typetests", "petstore.ts"), join(out, "src", "typetest.ts"))
    const r = typecheck(join(out, "tsconfig.json"))
    expect(r.output).toBe("")
    expect(r.code).toBe(0)
    // and an unused @ts-expect-error would fail: prove the checker sees the file
    writeFileSync(
      join(out, "src", "canary.ts"),
      "// @ts-expect-error nothing wrong here\nexport const ok: string = 'x'\n",
    )
    expect(typecheck(join(out, "tsconfig.json")).output).toContain("canary.ts")
  })

  it.skipIf(missingAuth.length > 0)(
    `the five providers from specs/, with type tests (missing auth packages: ${missingAuth.join(", ") || "none"})`,
    async () => {
      const dir = project("providers", [], { specs: join(repo, "specs"), schemaFile: false })
      const r = await run(["generate"], dir)
      expect(r.err).toBe("")
      expect(r.code).toBe(0)
      copyFileSync(join(fixtures, "typetests", "providers.ts"), join(dir, "packages", "providers.ts"))
      writeFileSync(
        join(dir, "packages", "tsconfig.json"),
        JSON.stringify({ extends: "./ccw/tsconfig.json", include: ["*/src", "providers.ts"] }),
      )
      const t = typecheck(join(dir, "packages", "tsconfig.json"))
      expect(t.output).toBe("")
      expect(t.code).toBe(0)
    },
  )
})
