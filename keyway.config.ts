/**
 * Keyway's own generator configuration: the five providers of `specs/` become the client
 * packages of `packages/providers/`. Run `pnpm generate` (or `pnpm exec keyway generate`).
 */
import { defineConfig } from "@keyway/codegen"

export default defineConfig({
  specs: "specs",
  output: "packages/providers",
  packageName: "@keyway/provider-{name}",
  providers: ["ccw", "cca", "cch", "cultureamp", "workable"],
  schemaFile: "specs/provider.schema.json",
  openapiTypescript: {},
})
