#!/usr/bin/env bash
# The whole set-up, from a fresh clone on a Debian machine with only Node >= 20 and npm (as root
# or a user with sudo): puts Node 24 and the pinned pnpm on PATH (installing them from the npm
# registry if needed), installs dependencies when the lockfile changed, then
#
#   bash scripts/run.sh demo    the main job (`pnpm demo`)
#   bash scripts/run.sh test    every check: installs what the tests need (scripts/needs.sh),
#                               starts a private redis-server, then lint, `keyway generate
#                               --check`, the demo, the packages as published (scripts/pack.sh,
#                               publint, attw) and every test (`pnpm test`); the last line is
#                               `N passed, N failed` (each check counts as one)
#   bash scripts/run.sh <args>  `pnpm <args>`
#
# CI (.ci/run) runs `bash scripts/run.sh test` and nothing else.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/toolchain.sh
set -euo pipefail
stamp=node_modules/.keyway-install-stamp
if [ ! -f "$stamp" ] || [ pnpm-lock.yaml -nt "$stamp" ]; then
  pnpm install --frozen-lockfile
  touch "$stamp"
fi
[ "${1:-}" = "test" ] || exec pnpm "$@"
shift

set +e
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }
passed=()
failed=()
check() {
  local name=$1
  shift
  if "$@"; then passed+=("$name"); else failed+=("$name"); fi
}

step "what the tests need (scripts/needs.sh)"
source scripts/needs.sh
check "machine set-up" keyway_install_needs

# A private redis-server on a free loopback port for the run, stopped on exit. The store suites
# start their own servers (they stop and restart them); KEYWAY_REDIS_URL serves everything else
# (`pnpm bench`, the soak runs) and proves the installed server starts.
redis_dir=$(mktemp -d)
cleanup() {
  [ -f "$redis_dir/redis.pid" ] && kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null
  rm -rf "$redis_dir"
}
trap cleanup EXIT
start_redis() {
  command -v redis-server >/dev/null 2>&1 || return 1
  local port
  port=$(node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$redis_dir" \
    --daemonize yes --pidfile "$redis_dir/redis.pid" >/dev/null || return 1
  export KEYWAY_REDIS_URL="redis://127.0.0.1:$port"
  echo "redis-server on $KEYWAY_REDIS_URL"
}
check "redis-server" start_redis

step "lint and format (biome)"
check "lint" pnpm -s lint

step "generated packages match their specs (keyway generate --check)"
check "generate --check" pnpm -s exec keyway generate --check

step "demo (pnpm demo)"
check "demo" pnpm -s demo

step "packages as published (scripts/pack.sh, publint, attw)"
packs="$redis_dir/packs"
check "packages" bash -c 'bash scripts/pack.sh "$1" && node scripts/packages.ts check "$1"' _ "$packs"

step "tests (pnpm test)"
[ "${#failed[@]}" -eq 0 ] || echo "failed before the tests: ${failed[*]}"
# `pnpm test` is scripts/test.ts; run directly, so that no line of pnpm's follows its summary,
# which counts the checks too and stays the last line of the run.
KEYWAY_CHECKS_PASSED="${#passed[@]}" KEYWAY_CHECKS_FAILED="${#failed[@]}" node scripts/test.ts "$@"
