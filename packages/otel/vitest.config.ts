import { defineConfig } from "vitest/config"
import shared from "../../vitest.shared.ts"

// OpenTelemetry's packages map the `module` condition to an ESM build for bundlers (imports
// without file extensions), which Node cannot load: resolve them as Node does.
const conditions = ["@keyway/source", "import", "node", "default"]

export default defineConfig({
  ...shared,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@keyway/source"] } },
})
