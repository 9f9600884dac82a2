#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL cluster for the tests: `initdb` into a
# temporary directory, a server on a free 127.0.0.1 port (trust authentication,
# loopback only, its socket inside that directory), stopped with `pg_ctl stop`.
# Installs the Debian `postgresql` package when it is missing and we are root;
# otherwise fails with a clear message. As root the cluster runs as the
# `postgres` system user (initdb refuses root).
#
# Usage:
#   url="$(bash scripts/pg.sh start DIR [--watch PID] [--durable])"   # prints postgres://…/postgres
#   bash scripts/pg.sh stop DIR
# With --watch, a detached watchdog stops the cluster once process PID is gone
# (a test binary that aborts still leaves no server behind). Tests run with
# fsync off (a throwaway cluster); --durable keeps PostgreSQL's fsync on, for
# benchmarks comparable with the SQLite store's synchronous = FULL.
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

find_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  local i
  i="$(command -v initdb || true)"
  if [ -n "$i" ] && command -v pg_ctl >/dev/null; then dirname "$(readlink -f "$i")"; return 0; fi
  return 1
}

pg_bin() {
  local b
  if b="$(find_bin)"; then echo "$b"; return 0; fi
  if [ "$(id -u)" != 0 ]; then
    die "PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql/*/bin or on PATH); install the Debian package: sudo apt-get install postgresql"
  fi
  echo "pg.sh: installing the Debian postgresql package" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; } \
    || die "apt-get could not install postgresql"
  find_bin || die "postgresql installed but no initdb/pg_ctl found"
}

# Runs a command as the cluster's owner: ourselves, or `postgres` when root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres system user (from the postgresql package)"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found on 127.0.0.1"
}

start() {
  local dir="$1"; shift
  local watch="" fsync="-c fsync=off"
  while [ $# -gt 0 ]; do
    case "$1" in
      --watch) watch="$2"; shift 2 ;;
      --durable) fsync=""; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
  local bin; bin="$(pg_bin)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [ -e "$dir/home" ] && die "$dir holds a cluster already (stop it first)"
  # The cluster's own directory: DIR itself, or as root a directory the
  # `postgres` user owns (it may not be able to reach into DIR).
  local home="$dir"
  if [ "$(id -u)" = 0 ]; then home="$(as_owner mktemp -d /tmp/envguard-pg.XXXXXX)"; fi
  echo "$home" > "$dir/home"
  as_owner "$bin/initdb" -D "$home/data" -U envguard --auth=trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || die "initdb failed: $(tail -5 "$dir/initdb.log")"
  local port tries=0
  while :; do
    port="$(free_port)"
    if as_owner "$bin/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $home $fsync -c max_connections=100" start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    [ "$tries" -ge 3 ] && die "pg_ctl could not start the server: $(tail -5 "$home/server.log")"
  done
  echo "$bin" > "$dir/bin"
  if [ -n "$watch" ]; then
    # Detached: survives this script; stops the cluster when PID exits.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -e "$2/home" ]; do sleep 1; done
                    [ -e "$2/home" ] && bash "$3" stop "$2"' _ "$watch" "$dir" "$0" \
      </dev/null >/dev/null 2>&1 &
  fi
  echo "postgres://envguard@127.0.0.1:$port/postgres"
}

stop() {
  local dir="$1"
  [ -e "$dir/home" ] || return 0
  local home; home="$(cat "$dir/home")"
  local bin; bin="$(cat "$dir/bin" 2>/dev/null || find_bin)" || die "no pg_ctl found"
  if [ -e "$home/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$home/data" -m immediate -w stop >/dev/null 2>&1 \
      || die "pg_ctl stop failed for $home/data"
  fi
  rm -f "$dir/home"
  if [ "$home" != "$dir" ]; then rm -rf "$home"; fi
}

case "${1:-}" in
  start) [ $# -ge 2 ] || die "usage: pg.sh start DIR [--watch PID] [--durable]"; shift; start "$@" ;;
  stop) [ $# -eq 2 ] || die "usage: pg.sh stop DIR"; stop "$2" ;;
  *) die "usage: pg.sh start DIR [--watch PID] [--durable] | pg.sh stop DIR" ;;
esac
