#!/usr/bin/env bash
# Serve the demo portal on http://127.0.0.1:5000 (DEMO_PORT) with its workers (harvest
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
"$CKAN" -c "$INI" run -H 127.0.0.1 -p "$PORT" --disable-reloader
