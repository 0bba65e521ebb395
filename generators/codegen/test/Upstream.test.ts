import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as Hash from "../src/Hash.ts"
import * as Load from "../src/stages/Load.ts"
import * as Overlay from "../src/stages/Overlay.ts"
import { pkgDir, project, run } from "./helpers.ts"

const repo = join(pkgDir, "..", "..")
// CI has shared/ beside the clone; the recorded sha256 (also in each spec README) works without it.
const shared = join(repo, "..", "shared", "upstream-specs")

const upstream = [
  {
    provider: "cultureamp",
    shared: "cultureamp/culture-amp-public-api-openapi.yml",
    sha256: "146a03db9bc9bc941c256f11c66e24bd09484f6028931008d6bee2cbe1ecbeac",
    operations: 19,
  },
  {
    provider: "workable",
    shared: "workable/workable-openapi.yml",
    sha256: "257c317e12b6e425a84872cb12959e992f823a7b6bc8cf13175704861b1c95a8",
    operations: 83,
  },
]

const operationIds = (document: Record<string, unknown>) =>
  Object.values(document.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((item) =>
    Object.entries(item)
      .filter(([k]) => k !== "parameters")
      .map(([, op]) => op.operationId),
  )

describe("vendor specs are stored untouched; Keyway's changes are overlays", () => {
  for (const u of upstream) {
    const stored = join(repo, "specs", u.provider, "openapi.upstream.yml")

    it(`${u.provider}: the stored upstream spec is byte-identical (sha256 in its README)`, () => {
      const bytes = readFileSync(stored)
      expect(Hash.sha256(bytes)).toBe(u.sha256)
      expect(readFileSync(join(repo, "specs", u.provider, "README.md"), "utf8")).toContain(u.sha256)
      const copy = join(shared, u.shared)
      if (existsSync(copy)) expect(bytes.equals(readFileSync(copy))).toBe(true)
    })

    it(`${u.provider}: the overlays apply, every target selects something, names are camelCase`, async () => {
      const dir = join(repo, "specs", u.provider)
      const files = Overlay.filesFor(dir)
      expect(files.length).toBeGreaterThan(0)
      const { document } = Overlay.apply(await Load.bundle(stored), files, u.provider)
      const ids = operationIds(document)
      expect(ids).toHaveLength(u.operations)
      for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z0-9]*$/)
    })
  }

  it("cultureamp: token URL absolute, surveys-read declared, ManagerReview.required fixed", async () => {
    const dir = join(repo, "specs", "cultureamp")
    const { document } = Overlay.apply(
      await Load.bundle(join(dir, "openapi.upstream.yml")),
      Overlay.filesFor(dir),
    ) as { document: any }
    const flow = document.components.securitySchemes.Oauth2.flows.clientCredentials
    expect(flow.tokenUrl).toBe("https://api.cultureamp.com/v1/oauth2/token")
    expect(Object.keys(flow.scopes)).toContain("surveys-read")
    expect(document.components.schemas.ManagerReview.required).toEqual([
      "performanceCycleId",
      "managerReviewId",
      "employeeId",
      "createdAt",
      "updatedAt",
      "processedAt",
    ])
  })

  it("workable: corrected verbs and listJobCandidates", async () => {
    const dir = join(repo, "specs", "workable")
    const { document } = Overlay.apply(
      await Load.bundle(join(dir, "openapi.upstream.yml")),
      Overlay.filesFor(dir),
    ) as { document: any }
    const p = document.paths
    expect(Object.keys(p["/candidates/{id}"])).not.toContain("put")
    expect(p["/candidates/{id}"].patch.operationId).toBe("updateCandidate")
    expect(p["/candidates/{id}/tags"].put.operationId).toBe("updateCandidateTags")
    expect(p["/candidates/{id}/tags"].post).toBeUndefined()
    expect(p["/employees/{id}"].patch).toBeDefined()
    expect(p["/offers/{id}/approve"].patch).toBeDefined()
    expect(p["/requisitions"].patch).toBeUndefined()
    expect(p["/requisitions/{code}"].patch.operationId).toBe("updateRequisition")
    expect(p["/jobs/{shortcode}/candidates"].get.operationId).toBe("listJobCandidates")
  })

  it("a vendor update that moves what an overlay changes is noticed: file, line, action, target", async () => {
    const dir = project("upstream-moved")
    cpSync(join(repo, "specs", "cultureamp"), join(dir, "specs", "cultureamp"), { recursive: true })
    const file = join(dir, "specs", "cultureamp", "openapi.upstream.yml")
    // the vendor renames /employees to /people and fixes its token URL
    writeFileSync(
      file,
      readFileSync(file, "utf8")
        .replace("\n  /employees:\n", "\n  /people:\n")
        .replace("tokenUrl: /oauth2/token", "tokenUrl: https://api.cultureamp.com/v1/oauth2/token"),
    )
    const r = await run(["generate"], dir)
    expect(r.code).toBe(1)
    const lines = r.err.split("\n").filter((l) => l.includes("overlay does not apply"))
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(
      /specs\/cultureamp\/overlays\/10-operation-ids\.yaml:9:5 \/actions\/0\/target: overlay does not apply: found \$\.paths\['\/employees'\]\[\?@\.operationId == 'list-employees'\] \(selects nothing in \S*specs\/cultureamp\/openapi\.upstream\.yml\)/,
    )
    expect(lines[1]).toMatch(/specs\/cultureamp\/overlays\/20-auth\.yaml:\d+:5 \/actions\/0\/target: /)
    expect(existsSync(join(dir, "packages", "cultureamp"))).toBe(false)
  })
})
