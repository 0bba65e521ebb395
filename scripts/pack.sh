#!/usr/bin/env bash
# `bash scripts/pack.sh DIR`: builds every package (turbo: dist/ with JS and .d.ts), then writes
# one .tgz per public package of the workspace (every package.json without "private": true,
# found by walking the workspace) into DIR with `pnpm pack`, which replaces workspace:* ranges by
# the packed versions; checks that every @keyway/* dependency of a tarball is one of the
# tarballs, at its version. Prints the tarballs' paths.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash scripts/pack.sh DIR" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
set -euo pipefail
[ -d node_modules ] || pnpm install --frozen-lockfile
TURBO_TELEMETRY_DISABLED=1 pnpm -s build --output-logs=errors-only >&2
node scripts/packages.ts pack "$out"
