#!/usr/bin/env bash
# One command from a fresh clone: puts Node 24 and the pinned pnpm on PATH (installing them from
# the npm registry if needed), installs dependencies when the lockfile changed, then runs
# `pnpm <args>`. `bash scripts/run.sh demo`, `bash scripts/run.sh test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
stamp=node_modules/.keyway-install-stamp
if [ ! -f "$stamp" ] || [ pnpm-lock.yaml -nt "$stamp" ]; then
  pnpm install --frozen-lockfile
  touch "$stamp"
fi
exec pnpm "$@"
