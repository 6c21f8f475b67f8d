#!/usr/bin/env bash
# Starts a PostgreSQL 15 server with the pgvector extension for crossrank's tests and benchmarks,
# and prints its connection URL on stdout (everything else goes to stderr):
#
#   export CROSSRANK_PG_URL="$(bash scripts/start-postgres.sh)"
#   bash scripts/start-postgres.sh stop
#
# What is missing is installed first (needs root): Debian's postgresql-15, and pgvector. Where
# Debian has no postgresql-15-pgvector binary package (bookworm has none), pgvector is built from
# Debian's own source package (apt-get source pgvector, from the suite in CROSSRANK_PGVECTOR_SUITE,
# default trixie) against postgresql-server-dev-15.
#
# The cluster is a throwaway one for tests: it lives in CROSSRANK_PG_DIR (default
# /tmp/crossrank-pg), listens on 127.0.0.1 only, port CROSSRANK_PG_PORT (default 54329), and
# trusts local connections. Run it again and it reuses the running server.
set -euo pipefail

PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_DIR=${CROSSRANK_PG_DIR:-/tmp/crossrank-pg}
PG_PORT=${CROSSRANK_PG_PORT:-54329}
PG_DATABASE=crossrank
PGVECTOR_SUITE=${CROSSRANK_PGVECTOR_SUITE:-trixie}
URL="postgres://postgres@127.0.0.1:$PG_PORT/$PG_DATABASE"

log() { echo "start-postgres: $*" >&2; }

# Runs a command as the cluster's owner: the postgres user when we are root (initdb refuses root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "$1 is missing and installing it needs root; install it, or run this script as root"
    exit 1
  fi
}

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq >&2
    apt_updated=1
  fi
}

apt_install() {
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

install_postgres() {
  if [ -x "$PG_BIN/postgres" ]; then return; fi
  need_root "PostgreSQL $PG_MAJOR"
  log "installing postgresql-$PG_MAJOR"
  apt_install "postgresql-$PG_MAJOR"
}

# Builds pgvector from Debian's source package, with a private apt configuration so that the
# machine's own sources are left as they are.
build_pgvector_from_debian_source() {
  log "no postgresql-$PG_MAJOR-pgvector package: building pgvector from Debian's source package ($PGVECTOR_SUITE)"
  apt_install "postgresql-server-dev-$PG_MAJOR" dpkg-dev make gcc
  local work
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
  echo "deb-src http://deb.debian.org/debian $PGVECTOR_SUITE main" > "$work/sources.list"
  local apt_options=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
  apt-get "${apt_options[@]}" update -qq >&2
  (cd "$work/src" && apt-get "${apt_options[@]}" source pgvector >&2 2>&1)
  local source_dir
  source_dir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
  # Debian's patches (applied by apt-get source) drop -march=native, so the build runs on any x86-64.
  make -C "$source_dir" PG_CONFIG="$PG_BIN/pg_config" -j"$(nproc)" >&2
  make -C "$source_dir" PG_CONFIG="$PG_BIN/pg_config" install >&2
  rm -rf "$work"
}

install_pgvector() {
  if [ -f "/usr/share/postgresql/$PG_MAJOR/extension/vector.control" ]; then return; fi
  need_root "pgvector for PostgreSQL $PG_MAJOR"
  apt_update_once
  if apt-cache show "postgresql-$PG_MAJOR-pgvector" > /dev/null 2>&1; then
    log "installing postgresql-$PG_MAJOR-pgvector"
    apt_install "postgresql-$PG_MAJOR-pgvector"
  else
    build_pgvector_from_debian_source
  fi
}

server_running() {
  [ -f "$PG_DIR/data/PG_VERSION" ] && as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status > /dev/null 2>&1
}

if [ "${1:-}" = stop ]; then
  if server_running; then as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >&2; fi
  exit 0
fi

install_postgres
install_pgvector

if ! server_running; then
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    log "creating a cluster in $PG_DIR/data"
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PG_DIR"; fi
    as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 > /dev/null
  fi
  log "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$PG_PORT"
  # The socket goes into the data directory: /var/run/postgresql may not exist or be writable.
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR/data -c fsync=on" start > /dev/null
fi

if ! as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" | grep -q 1; then
  as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DATABASE"
fi
as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$PG_DATABASE" -qc 'SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS vector' >&2
echo "$URL"
