#!/usr/bin/env bash
# Source this file: what the test command needs from the machine beyond Node and npm, and
# `keyway_install_needs`, which installs whatever of it is missing with apt-get (Debian), as root
# or through sudo. One row per program: "command|Debian package|what needs it". To add one (a
# browser test needing Chromium, say), add a row:
#   "chromium|chromium|the browser tests (...)"
# Tested by tooling/adoption/test/Needs.test.ts with a fake apt-get and sudo on PATH.

KEYWAY_NEEDS=(
  "redis-server|redis-server|the Redis token store's tests (@keyway/store-redis)"
  "chromium|chromium|the browser test of keyway serve (@keyway/connections, driven by playwright-core)"
  "openssl|openssl|throwaway certificates of the mTLS tests (@keyway/auth-testkit)"
)

# Prints a line on stderr, prefixed so that it reads as set-up, not as a test.
_needs_say() { printf 'setup: %s\n' "$*" >&2; }

# Installs the missing rows of KEYWAY_NEEDS. Returns 1, having said why and what to run by hand,
# when something cannot be installed (no apt-get, neither root nor sudo, apt-get failed).
keyway_install_needs() {
  local row cmd pkg why missing=() reasons=()
  for row in "${KEYWAY_NEEDS[@]}"; do
    IFS='|' read -r cmd pkg why <<<"$row"
    if command -v "$cmd" >/dev/null 2>&1; then continue; fi
    missing+=("$pkg")
    reasons+=("$cmd for $why")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local by_hand="apt-get install -y ${missing[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    _needs_say "missing ${reasons[*]}; no apt-get on this machine: install ${missing[*]} yourself"
    return 1
  fi
  local sudo=()
  if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
      sudo=(sudo -n)
    else
      _needs_say "missing ${reasons[*]}; not root and no usable sudo: run as root, or: sudo $by_hand"
      return 1
    fi
  fi
  _needs_say "installing ${missing[*]} with ${sudo[*]:+${sudo[*]} }apt-get (${reasons[*]})"
  if ! "${sudo[@]}" apt-get update -qq >/dev/null ||
    ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    _needs_say "apt-get could not install ${missing[*]}: run ${sudo[*]:+${sudo[*]} }$by_hand and look at its output"
    return 1
  fi
  for row in "${KEYWAY_NEEDS[@]}"; do
    IFS='|' read -r cmd pkg why <<<"$row"
    if ! command -v "$cmd" >/dev/null 2>&1; then
      _needs_say "installed $pkg, but $cmd is still not on PATH ($PATH)"
      return 1
    fi
  done
  return 0
}
