#!/usr/bin/env bash
# Grant the DataStore's read-only user what CKAN's datastore plugin needs and nothing more: CKAN writes the SQL
# (`ckan datastore set-permissions`), the PostgreSQL superuser runs it on the DataStore database of the given
# config. Idempotent. Usage: scripts/datastore-permissions.sh CONFIG.ini
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CKAN="${CKAN:-$ROOT/.venv/bin/ckan}"
"$CKAN" -c "$1" datastore set-permissions | runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 >/dev/null
