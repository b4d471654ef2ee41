#!/usr/bin/env bash
# A throwaway PostgreSQL for the test suite, on 127.0.0.1 only, in its own temp dir.
#
#   eval "$(bash scripts/postgres.sh start)"   # or: source scripts/postgres.sh
#   bash scripts/postgres.sh stop [DIR...|--all]
#
# `stop` with no DIR stops $DOORSTEP_PG_DIR, else the one cluster this script started
# (it refuses to guess among several; --all stops them all).
#
# `start` prints `export DOORSTEP_PG_DIR=...` and `export DOORSTEP_TEST_POSTGRES_URL=...`
# on stdout (progress goes to stderr). Each start makes a new cluster on the first free
# port from $DOORSTEP_PG_PORT (default 54329), so running it twice is harmless. Debian's
# own cluster (pg_lsclusters, port 5432, /var/run/postgresql) is never touched.

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  # Sourced: do the work in a child bash, so its `set -e` cannot kill an interactive
  # shell, and import the variables it prints. A plain `source` sees the caller's own
  # arguments, so anything but an explicit `stop` means start.
  if [[ "${1:-}" == stop ]]; then
    _doorstep_pg_env=$(bash "${BASH_SOURCE[0]}" "$@") || return 1
  else
    _doorstep_pg_env=$(bash "${BASH_SOURCE[0]}" start) || return 1
  fi
  eval "$_doorstep_pg_env"
  unset _doorstep_pg_env
  return 0
fi

set -euo pipefail
say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# postgres refuses to run as root: as root, run server tools as the `postgres` user.
as_owner() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

find_bindir() {
  # Newest Debian-packaged server first, then whatever initdb is on PATH (e.g. macOS).
  local initdb
  initdb=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
  # (Resolve symlinks: psql, pg_ctl and postgres are taken from the same directory.)
  [[ -x "$initdb" ]] || initdb=$(readlink -f "$(command -v initdb)" || true)
  [[ -n "$initdb" ]] && dirname "$initdb"
}

install_server() {
  [[ $EUID -eq 0 ]] || die "PostgreSQL is not installed; as root: apt-get install postgresql"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and there is no apt-get"
  say "installing Debian's postgresql (apt-get)"
  # Update the package lists only now that we actually install something. Debian's
  # package creates its own `main` cluster; we leave it alone and use our own.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  local bindir dir port tries=20
  bindir=$(find_bindir) || { install_server; bindir=$(find_bindir); } \
    || die "no initdb found even after installing postgresql"

  # A fresh dir per cluster. As root it goes to /tmp (the postgres user must be able to
  # reach it, which it may not under root's $TMPDIR) and is handed to postgres.
  local base=/tmp
  [[ $EUID -eq 0 ]] || base=${TMPDIR:-/tmp}
  dir=$(mktemp -d "$base/doorstep-pg.XXXXXX")
  [[ $EUID -ne 0 ]] || chown postgres:postgres "$dir"
  echo "$bindir" >"$dir/bindir"  # marks the dir as ours and tells `stop` which pg_ctl

  # trust over the socket (only we can reach it: the dir is 0700); passwords over TCP,
  # so the URL's credentials are really checked.
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }

  # Loopback only, socket in our dir (not Debian's /var/run/postgresql), and durability
  # off: a test database that is thrown away needs no crash safety, only speed.
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
CONF

  port=${DOORSTEP_PG_PORT:-54329}
  while :; do
    # Skip ports something already listens on; if start still fails (a race, or a
    # port bound without listening), try the next one.
    if ! port_busy "$port" && as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
        -o "-p $port" -w -t 30 start >"$dir/pg_ctl.log" 2>&1; then
      break
    fi
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    port=$((port + 1)) tries=$((tries - 1))
    if ((tries == 0)); then
      cat "$dir/server.log" >&2 2>/dev/null || true
      rm -rf "$dir"
      die "could not start PostgreSQL on any port from ${DOORSTEP_PG_PORT:-54329}"
    fi
  done

  as_owner "$bindir/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 >&2 <<'SQL' || { stop_dir "$dir"; die "could not create role/database"; }
CREATE ROLE doorstep LOGIN CREATEDB PASSWORD 'doorstep';
CREATE DATABASE doorstep_test OWNER doorstep;
SQL

  say "PostgreSQL $("$bindir/postgres" -V | awk '{print $3}') ready on 127.0.0.1:$port ($dir)"
  echo "export DOORSTEP_PG_DIR=$dir"
  echo "export DOORSTEP_TEST_POSTGRES_URL=postgresql+psycopg://doorstep:doorstep@127.0.0.1:$port/doorstep_test"
}

stop_dir() {
  local dir=$1
  if [[ ! -e "$dir" ]]; then say "$dir is already gone"; return; fi
  [[ -f "$dir/bindir" ]] || die "$dir is not a cluster made by this script"
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null \
      || say "pg_ctl stop failed for $dir; removing it anyway"
  fi
  rm -rf "$dir"
  say "stopped and removed $dir"
}

stop() {
  local dirs=() dir
  if [[ "${1:-}" == --all || $# -eq 0 && -z "${DOORSTEP_PG_DIR:-}" ]]; then
    # The clusters this script left behind (TMPDIR may be /tmp: a dir can show up twice).
    for dir in /tmp/doorstep-pg.* "${TMPDIR:-/tmp}"/doorstep-pg.*; do
      if [[ -f "$dir/bindir" && " ${dirs[*]} " != *" $dir "* ]]; then dirs+=("$dir"); fi
    done
    # Without --all, stop one only if it is the only one: others may belong to a
    # scripts/test.sh that is still running.
    if [[ "${1:-}" != --all ]] && ((${#dirs[@]} > 1)); then
      die "several clusters (${dirs[*]}); name one, or use: stop --all"
    fi
  elif (($#)); then
    dirs=("$@")
  else
    dirs=("$DOORSTEP_PG_DIR")
  fi
  ((${#dirs[@]})) || say "no cluster to stop"
  for dir in "${dirs[@]}"; do stop_dir "$dir"; done
  echo "unset DOORSTEP_PG_DIR DOORSTEP_TEST_POSTGRES_URL"
}

case "${1:-start}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) die "usage: $0 [start | stop [DIR...|--all]]" ;;
esac
