#!/usr/bin/env bash
# Regenerate the hash-pinned lock files from pyproject.toml:
#   requirements-dev.lock  runtime + the `dev` extra (what scripts/test.sh installs)
#   requirements.lock      runtime only             (what scripts/run.sh installs)
# Both also pin setuptools (requirements-build.in): we install the project with
# --no-build-isolation, so the build backend must come from the lock like everything else.
# Extra arguments go to both `uv pip compile` calls, e.g. `bash scripts/lock.sh --upgrade`
# (without it uv keeps the versions already in the lock files).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# uv is a tool, not a project dependency: use the one on PATH, else the dev venv's.
uv=$(command -v uv || true)
[[ -n "$uv" ]] || uv=.venv/bin/uv
[[ -x "$uv" ]] || { echo "lock.sh: uv not found; install it with: pip install uv" >&2; exit 1; }

# Lock for CPython 3.11 on Linux whatever machine runs this, so the result is reproducible.
# No --emit-index-url/--emit-find-links: the locks carry pins and hashes only, never hosts.
compile=("$uv" pip compile --quiet --generate-hashes --python-version 3.11
         --python-platform linux --custom-compile-command "bash scripts/lock.sh")

"${compile[@]}" pyproject.toml requirements-build.in --extra dev \
  -o requirements-dev.lock "$@"
# The runtime lock is constrained by the dev lock so both pin the very same versions.
"${compile[@]}" pyproject.toml requirements-build.in -c requirements-dev.lock \
  -o requirements.lock "$@"

if grep -nE 'https?://|--(extra-)?index-url|--find-links' requirements.lock requirements-dev.lock; then
  echo "lock.sh: a lock file names a URL or index (above); it must hold pins and hashes only" >&2
  exit 1
fi
echo "lock.sh: wrote requirements.lock ($(grep -c '^[a-z]' requirements.lock) pins)" \
     "and requirements-dev.lock ($(grep -c '^[a-z]' requirements-dev.lock) pins)"
