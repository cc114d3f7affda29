#!/usr/bin/env bash
# System services for CI (and for anyone who wants the full suite locally).
#   services.sh install          apt packages the suite needs
#   services.sh install-bench    the same, and wrk for `make bench`
#   services.sh run -- CMD...    start PostgreSQL and Redis on 127.0.0.1, run CMD with
#                                DATABASE_URL / REDIS_URL set, stop what was started
set -euo pipefail
cd "$(dirname "$0")/.."

PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6390}
RUN_DIR=${RUN_DIR:-$PWD/var/ci}
DB_NAME=cpo_portal
DB_USER=cpo_portal
DB_PASSWORD=cpo_portal_ci

install() {
  local need=("$@")
  command -v redis-server >/dev/null || need+=(redis-server)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pdftotext >/dev/null || need+=(poppler-utils)
  command -v msgfmt >/dev/null || need+=(gettext)
  command -v pg_ctlcluster >/dev/null || need+=(postgresql)
  fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
  if [ ${#need[@]} -gt 0 ]; then
    echo "apt: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  fc-cache -f >/dev/null 2>&1 || true
}

started_pg=""
started_redis=""

start_pg() {
  if pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c && $4=="online"' | grep -q .; then
    echo "PostgreSQL $PG_VERSION/$PG_CLUSTER already running"
  else
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
    started_pg=1
  fi
  PG_PORT=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $3}')
  su postgres -c "psql -q -p $PG_PORT -tc \"SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'\"" | grep -q 1 \
    || su postgres -c "psql -q -p $PG_PORT -c \"CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'\""
  su postgres -c "psql -q -p $PG_PORT -tc \"SELECT 1 FROM pg_database WHERE datname='$DB_NAME'\"" | grep -q 1 \
    || su postgres -c "psql -q -p $PG_PORT -c \"CREATE DATABASE $DB_NAME OWNER $DB_USER\""
}

start_redis() {
  mkdir -p "$RUN_DIR"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' \
    --appendonly no --pidfile "$RUN_DIR/redis.pid" --logfile "$RUN_DIR/redis.log" \
    --dir "$RUN_DIR"
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  started_redis=1
}

stop_all() {
  if [ -n "$started_redis" ] && [ -f "$RUN_DIR/redis.pid" ]; then
    kill "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null || true
  fi
  if [ -n "$started_pg" ]; then
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop || true
  fi
}

run() {
  [ "${1:-}" = "--" ] && shift
  trap stop_all EXIT
  start_pg
  start_redis
  export DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "DATABASE_URL=${DATABASE_URL/$DB_PASSWORD/***} REDIS_URL=$REDIS_URL"
  "$@"
}

case "${1:-}" in
  install) install ;;
  install-bench) command -v wrk >/dev/null && install || install wrk ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 install | run -- CMD..." >&2; exit 2 ;;
esac
