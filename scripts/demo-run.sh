#!/usr/bin/env bash
# Serve the demo portal on http://127.0.0.1:5000 (DEMO_PORT) through gunicorn with its workers (harvest
# gather and fetch consumers; `ckan harvester run` every HARVEST_RUN_INTERVAL seconds, default 30,
# by scripts/harvest-scheduler.sh: it starts requested and due jobs and marks finished ones; the
# RQ jobs worker) and the source server that replays the recorded API answers (scripts/demo-sources.sh, so "harvest again"
# works) until Ctrl-C; the workers and the source server end with it.
# Services stay up: `make stop` ends them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
INI=$1
VENV=${VENV:-$ROOT/.venv}
CKAN="$VENV/bin/ckan"
PORT=${DEMO_PORT:-5000}
LOG="$ROOT/var/log"
mkdir -p "$LOG"
pids=()
cleanup() {
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null || true
  VENV=$VENV "$ROOT/scripts/demo-sources.sh" stop
}
trap cleanup EXIT INT TERM
VENV=$VENV "$ROOT/scripts/demo-sources.sh" start
"$CKAN" -c "$INI" harvester gather-consumer >"$LOG/gather.log" 2>&1 & pids+=($!)
"$CKAN" -c "$INI" harvester fetch-consumer >"$LOG/fetch.log" 2>&1 & pids+=($!)
"$CKAN" -c "$INI" jobs worker >"$LOG/jobs.log" 2>&1 & pids+=($!)
VENV=$VENV "$ROOT/scripts/harvest-scheduler.sh" "$INI" >"$LOG/harvest-scheduler.log" 2>&1 & pids+=($!)
echo "Portal: http://127.0.0.1:$PORT  (admin / kielce-demo-2026; stop with Ctrl-C, services with 'make stop')"
# CKAN's deployment docs serve the app through a production WSGI server, not `ckan run` (Werkzeug's development
# server: "do not use it in a production deployment"): gunicorn, as in the docker image, workers sized to the
# cores as gunicorn's docs advise (2 x cores + 1; DEMO_WORKERS overrides).
WORKERS=${DEMO_WORKERS:-$(( $(nproc) * 2 + 1 ))}
CKAN_INI=$(realpath "$INI") "$VENV/bin/gunicorn" 'ckanext.urbanaudit.wsgi:make_application()' \
    --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 120 --graceful-timeout 10 \
    --access-logfile "$LOG/access.log" --error-logfile "$LOG/gunicorn.log" & pids+=($!)
gunicorn_pid=$!
# Once the portal answers, the jobs worker can load the demo's CSV files into the DataStore (xloader reads them
# from the portal): queue them, check their contents, make the demo chart and map (idempotent).
for _ in $(seq 240); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/3/action/status_show" 2>/dev/null && break
  sleep 0.5
done
"$CKAN" -c "$INI" urbanaudit demo datastore >"$LOG/demo-datastore.log" 2>&1 \
  && tail -n 1 "$LOG/demo-datastore.log" || echo "DataStore demo not loaded: see $LOG/demo-datastore.log"
wait "$gunicorn_pid"
