#!/usr/bin/env bash
# Run `ckan harvester run` every HARVEST_RUN_INTERVAL seconds (default 30) until TERM/INT: ckanext-harvest starts
# due and requested ("Reharvest") jobs and marks finished ones only there. The demo (scripts/demo-run.sh) runs it
# beside the gather and fetch consumers, as docker's harvest-scheduler service does (docker/entrypoint.sh);
# tests/harvesters/test_harvest_now_browser.py runs it against the test ini.
# Usage: scripts/harvest-scheduler.sh INI
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
INI=$1
VENV=${VENV:-$ROOT/.venv}
INTERVAL=${HARVEST_RUN_INTERVAL:-30}
child=
trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM INT
while true; do
  "$VENV/bin/ckan" -c "$INI" harvester run & child=$!
  wait "$child" || echo "harvest-scheduler: harvester run failed (exit $?)" >&2
  sleep "$INTERVAL" & child=$!
  wait "$child"
done
