#!/usr/bin/env bash
# Start, stop or check the services the portal and the tests need, all on 127.0.0.1:
#   PostgreSQL 15 (Debian's cluster 15/main), Redis (Debian package), Solr 9.10.1
#   (embedded JettySolrRunner, jars from Maven Central; core `ckan`).
# Usage: scripts/services.sh start|stop|status
# Idempotent: `start` leaves a running service alone; `stop` ends only what
# `start` started (markers in var/run/).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var"
RUN="$VAR/run"
PG_VERSION=15
PG_CLUSTER=main
SOLR_PING=http://127.0.0.1:8983/solr/ckan/admin/ping
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

log() { printf '[services] %s\n' "$*"; }
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

pg_running() { pg_lsclusters -h "$PG_VERSION" "$PG_CLUSTER" 2>/dev/null | grep -q online; }
redis_running() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
solr_running() { curl -fsS -o /dev/null "$SOLR_PING" 2>/dev/null; }


start_postgres() {
  if ! pg_lsclusters -h "$PG_VERSION" "$PG_CLUSTER" 2>/dev/null | grep -q .; then
    log "creating PostgreSQL cluster $PG_VERSION/$PG_CLUSTER"
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" >/dev/null
  fi
  if pg_running; then
    log "PostgreSQL already running"
  else
    log "starting PostgreSQL $PG_VERSION on 127.0.0.1:5432"
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start -- -o "-c listen_addresses=127.0.0.1"
    touch "$RUN/postgres.started"
  fi
  # local trust for the postgres superuser over TCP is not assumed: use the socket
  runuser -u postgres -- psql -qtA -c "SELECT 1" >/dev/null
  if [ -z "$(runuser -u postgres -- psql -qtA -c "SELECT 1 FROM pg_roles WHERE rolname='ckan_default'")" ]; then
    runuser -u postgres -- psql -q -c "CREATE ROLE ckan_default LOGIN PASSWORD 'ckan_default'"
  fi
  # the DataStore's read-only user (CKAN's datastore plugin reads through it; its write user is ckan_default)
  if [ -z "$(runuser -u postgres -- psql -qtA -c "SELECT 1 FROM pg_roles WHERE rolname='datastore_ro'")" ]; then
    runuser -u postgres -- psql -q -c "CREATE ROLE datastore_ro LOGIN PASSWORD 'datastore_ro'"
  fi
  for db in urbanaudit_test urbanaudit_demo urbanaudit_test_datastore urbanaudit_demo_datastore; do
    ensure_database "$db"
  done
}

start_redis() {
  if redis_running; then
    log "Redis already running"
    return
  fi
  log "starting Redis on 127.0.0.1:6379"
  mkdir -p "$VAR/redis"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no \
    --dir "$VAR/redis" --pidfile "$RUN/redis.pid" --logfile "$VAR/log/redis.log"
  for _ in $(seq 50); do redis_running && break; sleep 0.1; done
  redis_running || { log "Redis did not start; see $VAR/log/redis.log"; exit 1; }
  touch "$RUN/redis.started"
}

start_solr() {
  if solr_running; then
    log "Solr already running"
    return
  fi
  local classpath="$ROOT/solr/target/classpath.txt"
  [ -s "$classpath" ] || { log "missing $classpath: run scripts/setup.sh first"; exit 1; }
  log "writing Solr home $VAR/solr"
  "$PYTHON" "$ROOT/solr/make_home.py" "$VAR/solr"
  log "starting Solr 9.10.1 on 127.0.0.1:8983"
  (cd "$VAR/solr" && exec nohup java -Xms256m -Xmx1g \
      -Dsolr.log.dir="$VAR/log" -Dhost=127.0.0.1 -Djetty.host=127.0.0.1 \
      -cp "$(cat "$classpath")" org.apache.solr.embedded.JettySolrRunner \
      >"$VAR/log/solr.log" 2>&1) &
  echo $! >"$RUN/solr.pid"
  touch "$RUN/solr.started"
  for _ in $(seq 240); do solr_running && break; sleep 0.5; done
  solr_running || { log "Solr core ckan did not answer $SOLR_PING; see $VAR/log/solr.log"; exit 1; }
  log "Solr ready"
}


stop_all() {
  stop_pidfile "demo source server" "$RUN/demo-sources.pid"  # started by scripts/demo-sources.sh
  if [ -e "$RUN/solr.started" ]; then stop_pidfile Solr "$RUN/solr.pid"; rm -f "$RUN/solr.started"; fi
  if [ -e "$RUN/redis.started" ]; then stop_pidfile Redis "$RUN/redis.pid"; rm -f "$RUN/redis.started"; fi
  if [ -e "$RUN/postgres.started" ]; then
    log "stopping PostgreSQL"
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop || true
    rm -f "$RUN/postgres.started"
  fi
}

status() {
  pg_running && echo "postgres: running" || echo "postgres: stopped"
  redis_running && echo "redis: running" || echo "redis: stopped"
  solr_running && echo "solr: running" || echo "solr: stopped"
}

mkdir -p "$RUN" "$VAR/log"
case "${1:-}" in
  start) start_postgres; start_redis; start_solr ;;
  stop) stop_all ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
