/**
 * The vitest configuration every package extends. Packages are tested against their TypeScript
 * sources (the `@keyway/source` export condition), so no build is needed before a test run, and
 * every run writes `.test-results.json` for the summary line of `pnpm test`.
 */
import { defineConfig } from "vitest/config"

const conditions = ["@keyway/source", "import", "module", "node", "default"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@keyway/source"] } },
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: process.env.CI ? ["dot", "json"] : ["default", "json"],
    outputFile: { json: ".test-results.json" },
    typecheck: { enabled: false },
  },
})
