/**
 * Keyway's own generator configuration: every provider of `specs/` (each folder with a
 * `provider.yaml`; no list to keep up to date, so `keyway init` plus `pnpm generate` is all a new
 * one needs) becomes a client package of `packages/providers/`. Run `pnpm generate` (or
 * `pnpm exec keyway generate`); CI runs `keyway generate --check`.
 */
import { defineConfig } from "@keyway/codegen"

export default defineConfig({
  specs: "specs",
  output: "packages/providers",
  packageName: "@keyway/provider-{name}",
  schemaFile: "specs/provider.schema.json",
  openapiTypescript: {},
})
