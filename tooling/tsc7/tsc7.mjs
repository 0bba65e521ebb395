#!/usr/bin/env node
// TypeScript 7 ships its compiler as a native binary behind `typescript/bin/tsc`; we install it
// under the alias `typescript7` so that TypeScript 5.9 (needed by ts-morph and
// openapi-typescript) keeps the name `typescript`.
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

const require = createRequire(import.meta.url)
const bin = join(dirname(require.resolve("typescript7/package.json")), "bin", "tsc")
const result = spawnSync(process.execPath, [bin, ...process.argv.slice(2)], { stdio: "inherit" })
process.exit(result.status ?? 1)
