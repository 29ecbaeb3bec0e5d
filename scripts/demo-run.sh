#!/usr/bin/env bash
# Serve the demo portal on http://127.0.0.1:5000 with its workers (harvest
# gather and fetch consumers, the RQ jobs worker) until Ctrl-C; the workers
# end with it. Services stay up: `make stop` ends them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
INI=$1
CKAN="$ROOT/.venv/bin/ckan"
LOG="$ROOT/var/log"
mkdir -p "$LOG"
pids=()
cleanup() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
"$CKAN" -c "$INI" harvester gather-consumer >"$LOG/gather.log" 2>&1 & pids+=($!)
"$CKAN" -c "$INI" harvester fetch-consumer >"$LOG/fetch.log" 2>&1 & pids+=($!)
"$CKAN" -c "$INI" jobs worker >"$LOG/jobs.log" 2>&1 & pids+=($!)
echo "Portal: http://127.0.0.1:5000  (admin / kielce-demo-2026; stop with Ctrl-C, services with 'make stop')"
"$CKAN" -c "$INI" run -H 127.0.0.1 -p 5000 --disable-reloader
