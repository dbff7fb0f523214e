#!/usr/bin/env bash
# Make a local PostgreSQL server available to the tests and print its admin URL.
# Installs Debian's postgresql when missing (needs root and the package registry),
# starts the default cluster, and creates a 'minutes' role. Prints nothing and exits
# non-zero when it cannot; the PostgreSQL tests then skip (or fail under CI=true).
set -euo pipefail
log() { echo "test-postgres: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "PostgreSQL is not installed and cannot be installed here (needs root + apt)"; exit 1
  fi
  log "installing Debian's postgresql"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')

as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sh -c "$1"; fi; }
for _ in $(seq 1 30); do
  as_postgres "psql -p $port -qtAc 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 0.5
done
if [ "$(as_postgres "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='minutes'\"")" != 1 ]; then
  as_postgres "psql -p $port -qc \"CREATE ROLE minutes LOGIN CREATEDB SUPERUSER PASSWORD 'minutes'\"" >&2
fi
echo "postgresql://minutes:minutes@127.0.0.1:$port/postgres"
