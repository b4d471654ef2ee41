#!/usr/bin/env bash
# The project's test command:  bash scripts/test.sh [pytest args, e.g. -k orders]
# Sets up .venv from requirements-dev.lock, then runs ruff, ruff format --check, mypy,
# lint-imports and pytest, stopping at the first step that fails. pytest gets a
# throwaway PostgreSQL (scripts/postgres.sh), stopped again on exit, unless
#   DOORSTEP_TEST_POSTGRES_URL=...   names a server to use instead, or
#   DOORSTEP_SKIP_POSTGRES=1         turns it off (PostgreSQL tests then skip).
# The browser tests get Debian's Chromium from scripts/chromium.sh (installed if missing).
# With CI set, PostgreSQL is required: pytest gets DOORSTEP_REQUIRE_POSTGRES=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_venv.sh

start=$SECONDS
pg_dir=""     # set once we started our own PostgreSQL, so that we stop it again
pg="none"     # what pytest got, for the summary
summary="test.sh: FAILED before the first step"

finish() {
  local rc=$?
  if [[ -n "$pg_dir" ]]; then bash scripts/postgres.sh stop "$pg_dir" >/dev/null || true; fi
  echo "$summary ($((SECONDS - start))s)"
  exit "$rc"
}
trap finish EXIT
# Plain EXIT traps don't fire on every signal; turning signals into exits makes them.
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {  # fail STEP MESSAGE
  echo "test.sh: step '$1' failed: $2" >&2
  summary="test.sh: FAILED at step '$1': $2"
  exit 1
}

step() {  # step NAME COMMAND...
  echo "==> $1" >&2
  summary="test.sh: FAILED during step '$1'"
  "${@:2}" || fail "$1" "exit code $?"
}

step "install (.venv from requirements-dev.lock)" ensure_venv requirements-dev.lock
step "ruff check" ruff check .
step "ruff format --check" ruff format --check .
step "mypy" mypy
step "lint-imports" lint-imports

# PostgreSQL only now: no server is started for a run that fails on lint.
if [[ -n "${CI:-}" ]]; then export DOORSTEP_REQUIRE_POSTGRES=1; fi
if [[ -n "${DOORSTEP_TEST_POSTGRES_URL:-}" ]]; then
  pg="given"
elif [[ "${DOORSTEP_SKIP_POSTGRES:-}" == 1 ]]; then
  [[ -z "${CI:-}" ]] || fail postgres "DOORSTEP_SKIP_POSTGRES=1, but CI requires PostgreSQL"
  pg="skipped"
else
  echo "==> postgres" >&2
  if pg_env=$(bash scripts/postgres.sh start); then
    eval "$pg_env"
    pg_dir=$DOORSTEP_PG_DIR pg="started"
  elif [[ -n "${CI:-}" ]]; then
    fail postgres "could not provision PostgreSQL, which CI requires"
  else
    echo "test.sh: no PostgreSQL (see above); its tests will be skipped" >&2
  fi
fi

# The browser tests drive Debian's Chromium; CI must have it, elsewhere they skip without.
echo "==> chromium" >&2
if chromium=$(bash scripts/chromium.sh); then
  export DOORSTEP_CHROMIUM=$chromium
elif [[ -n "${CI:-}" ]]; then
  fail chromium "could not provision Chromium, which CI requires"
else
  echo "test.sh: no Chromium (see above); the browser tests will be skipped" >&2
fi

echo "==> pytest" >&2
summary="test.sh: FAILED during step 'pytest'"
rc=0
pytest "$@" || rc=$?
# Exit code 5 means pytest collected nothing: a run that tests nothing must not pass.
case $rc in
  0) ;;
  5) fail pytest "pytest collected no tests" ;;
  *) fail pytest "exit code $rc" ;;
esac
summary="test.sh: OK: ruff check, ruff format, mypy, lint-imports and pytest passed (PostgreSQL: $pg)"
