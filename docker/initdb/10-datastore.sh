#!/usr/bin/env bash
# Run once by the postgres image when its data volume is new: the DataStore's database, owned by the
# catalogue's user, and the read-only user CKAN's datastore plugin reads through.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v ro_password="$DATASTORE_RO_PASSWORD" -v datastore_db="$DATASTORE_DB" -v owner="$POSTGRES_USER" <<'SQL'
CREATE ROLE datastore_ro LOGIN PASSWORD :'ro_password';
CREATE DATABASE :"datastore_db" OWNER :"owner" ENCODING 'UTF8';
SQL
