# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/run.sh (not run on its own).
# ensure_venv LOCKFILE: create .venv if missing, install LOCKFILE with hash checking and
# then the project itself (editable, no deps: the lock already has them, setuptools
# included, which is why the build needs no isolated env and no network), and put .venv
# on PATH. Reinstalls only when the lock file or pyproject.toml changed since the last
# install (a stamp in .venv); `rm -rf .venv` starts over from scratch.
# Every command checks its own status: callers may run this where `set -e` is off.
ensure_venv() {
  local lock=$1 stamp hash
  if [[ ! -x .venv/bin/python ]]; then
    "${PYTHON:-python3}" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || { echo "${PYTHON:-python3} is older than 3.11; set PYTHON=python3.11" >&2; return 1; }
    echo "==> creating .venv" >&2
    "${PYTHON:-python3}" -m venv .venv || return
  fi
  stamp=.venv/.installed-${lock##*/}.sha256
  hash=$(.venv/bin/python -c 'import hashlib, sys
print(hashlib.sha256(b"".join(open(f, "rb").read() for f in sys.argv[1:])).hexdigest())' \
    "$lock" pyproject.toml) || return
  if [[ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]]; then
    echo "==> installing $lock and the project into .venv" >&2
    .venv/bin/python -m pip install --quiet --require-hashes -r "$lock" || return
    .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . || return
    # --no-deps trusts the lock; pip check catches a lock that is stale for pyproject.toml.
    .venv/bin/python -m pip check >/dev/null \
      || { .venv/bin/python -m pip check >&2; echo "run: bash scripts/lock.sh" >&2; return 1; }
    echo "$hash" >"$stamp" || return
  fi
  export VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH"
}
