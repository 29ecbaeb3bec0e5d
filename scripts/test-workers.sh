#!/usr/bin/env bash
# The test suite's parallel workers (pytest-xdist, `make test`): worker gwI runs with a configuration of its own,
# var/test-workers/gwI.ini = test.ini with its own catalogue and DataStore databases, Solr site id and Redis
# database, so no worker sees or cleans another's records (tests/conftest.py's pytest_configure picks the file).
# Creates the databases; then for test.ini and every worker's file, in parallel, applies the migrations (core's
# and the plugins') and the DataStore permissions. Idempotent. Usage: scripts/test-workers.sh N
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CKAN="${CKAN:-$ROOT/.venv/bin/ckan}"
log() { printf '[test-workers] %s\n' "$*"; }
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
workers=${1:?usage: scripts/test-workers.sh N}
REDIS_FIRST=2   # Redis databases 2.. (the demo uses 0, test.ini 1)
if [ "$workers" -lt 1 ] || [ $((REDIS_FIRST + workers)) -gt 16 ]; then
  echo "test-workers: N must be 1..$((16 - REDIS_FIRST)) (one Redis database per worker)" >&2
  exit 2
fi
mkdir -p "$ROOT/var/test-workers"
for ((i = 0; i < workers; i++)); do
  w="gw$i"
  ini="$ROOT/var/test-workers/$w.ini"
  # every name test.ini derives from urbanaudit_test (databases, site id) gets the worker's suffix; a relative
  # `use = config:` becomes absolute (the file lives under var/)
  sed -e "s#^use = config:\([^/]\)#use = config:$ROOT/\1#" \
      -e "s#urbanaudit_test#urbanaudit_test_$w#g" \
      -e "s#^ckan\.redis\.url = .*#ckan.redis.url = redis://127.0.0.1:6379/$((REDIS_FIRST + i))#" \
      "$ROOT/test.ini" >"$ini.new"
  grep -q "^ckan.redis.url = redis://127.0.0.1:6379/$((REDIS_FIRST + i))$" "$ini.new"
  grep -q "^ckan.site_id = urbanaudit_test_$w$" "$ini.new"
  mv "$ini.new" "$ini"
  ensure_database "urbanaudit_test_$w"
  ensure_database "urbanaudit_test_${w}_datastore"
done
prepare() {
  "$CKAN" -c "$1" db upgrade >/dev/null
  CKAN="$CKAN" "$ROOT/scripts/datastore-permissions.sh" "$1"
}
pids=()
inis=("$ROOT/test.ini")
for ((i = 0; i < workers; i++)); do inis+=("$ROOT/var/test-workers/gw$i.ini"); done
for ini in "${inis[@]}"; do
  prepare "$ini" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
