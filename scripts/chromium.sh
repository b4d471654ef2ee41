#!/usr/bin/env bash
# Debian's Chromium for the browser tests: prints its path, installing it first if missing.
#   DOORSTEP_CHROMIUM=$(bash scripts/chromium.sh)
# Playwright drives this browser (executable_path); it never downloads one of its own.
set -euo pipefail
say() { echo "chromium.sh: $*" >&2; }

find_it() { command -v chromium || command -v chromium-browser || true; }

found=$(find_it)
if [[ -z "$found" ]]; then
  [[ $EUID -eq 0 ]] || { say "Chromium is not installed; as root: apt-get install chromium"; exit 1; }
  command -v apt-get >/dev/null || { say "Chromium is not installed and there is no apt-get"; exit 1; }
  say "installing Debian's chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium >&2
  found=$(find_it)
fi
[[ -n "$found" ]] || { say "Chromium is still missing after the install"; exit 1; }
echo "$found"
