#!/usr/bin/env bash
# Fails when pyproject.toml and the locks in requirements/ disagree: each lock is resolved again
# by uv, keeping its own pins as preferences, and the packages and versions must come out the same.
# Usage: scripts/check-lock.sh UV [uv pip compile options…]   (the Makefile's `make lock-check`)
set -euo pipefail
cd "$(dirname "$0")/.."
uv=$1; shift
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pins() { grep -oE '^[A-Za-z0-9_.-]+==[^ ;]+' "$1" | tr 'A-Z_' 'a-z-' | sort; }

check() {  # check LOCK SOURCE [options]
  local lock=$1; shift
  cp "$lock" "$work/lock.txt"
  "$uv" pip compile "$@" -o "$work/lock.txt"
  if ! diff <(pins "$lock") <(pins "$work/lock.txt") >"$work/diff"; then
    echo "$lock no longer matches what it is made from (< in the lock, > needed now):" >&2
    cat "$work/diff" >&2
    echo "Run 'make lock', then the whole suite, and commit the lock with the change." >&2
    exit 1
  fi
}

check requirements/uv.txt requirements/uv.in "$@"
check requirements/test.txt pyproject.toml --extra test "$@"
check requirements/app.txt pyproject.toml "$@"
echo "The locks agree with pyproject.toml and requirements/uv.in."
