#!/usr/bin/env bash
# Entrypoint of the urbanaudit CKAN image. First argument = role:
#   web        migrate the database, create the sysadmin, serve CKAN (gunicorn)
#   gather     harvest gather consumer
#   fetch      harvest fetch consumer
#   worker     CKAN background jobs (RQ) worker
#   scheduler  "ckan harvester run" every $HARVEST_RUN_INTERVAL seconds, and the full
#              quality recompute with link checks (queued for the worker) every
#              $QUALITY_RUN_INTERVAL seconds (default daily)
#   <other>    run as given, e.g. "ckan search-index rebuild"
# Every role first writes $CKAN_INI (see write_config).
set -euo pipefail

CKAN_INI=${CKAN_INI:-/srv/app/ckan.ini}
export CKAN_INI

log() { echo "entrypoint: $*" >&2; }
die() { log "$*"; exit 1; }
ckan_() { ckan -c "$CKAN_INI" "$@"; }

check_env() {
    local name
    for name in CKAN_SQLALCHEMY_URL CKAN_SOLR_URL CKAN_REDIS_URL CKAN_SITE_URL CKAN_SECRET_KEY; do
        [ -n "${!name:-}" ] || die "$name must be set (see docker/.env.example)"
    done
    for name in $(compgen -e); do
        [ "${!name}" != "change-me" ] || die "$name still has the placeholder value 'change-me'"
        # CKAN copies every CKAN_* variable into the ini parser's defaults,
        # where a lone '%' is an interpolation error that stops CKAN.
        case "$name" in
            CKAN_*) [[ "${!name}" != *%* ]] || die "$name must not contain '%'" ;;
        esac
    done
}

# sqlalchemy.url, solr_url, ckan.redis.url, ckan.site_url, ckan.site_id,
# ckan.storage_path and smtp.* come from CKAN_* env vars at run time
# (ckan/config/environment.py); the ini only holds the settings below.
write_config() {
    if [ ! -f "$CKAN_INI" ]; then
        log "generating $CKAN_INI"
        ckan generate config "$CKAN_INI"
    fi
    local name key
    local opts=("SECRET_KEY=$CKAN_SECRET_KEY")
    # The plugins and the settings they need: the same file test.ini and the demo chain to
    # (ckanext/urbanaudit/stack.ini, shipped in the package), one key=value per line.
    mapfile -t -O 1 opts < <(python - <<'PY'
import configparser
from importlib.resources import files

parser = configparser.RawConfigParser()
parser.read_string(files("ckanext.urbanaudit").joinpath("stack.ini").read_text("utf-8"))
for key, value in parser.items("app:main"):
    if key != "use":
        print(f"{key}={value}")
PY
)
    # The base map of ckanext-spatial's widgets (the search page's location filter, the dataset page's extent):
    # OpenStreetMap's tiles unless MAP_TILE_URL names another XYZ tile server ({z}/{x}/{y}), with
    # MAP_ATTRIBUTION; MAP_TILE_URL=none draws the maps without tiles (an offline site). Without any
    # ckanext.spatial.common_map.* setting ckanext-spatial shows "No map provider set" on every map.
    local osm='https://tile.openstreetmap.org/{z}/{x}/{y}.png'
    local osm_attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    if [ "${MAP_TILE_URL:-}" != none ]; then
        opts+=("ckanext.spatial.common_map.type=custom"
               "ckanext.spatial.common_map.custom_url=${MAP_TILE_URL:-$osm}"
               "ckanext.spatial.common_map.attribution=${MAP_ATTRIBUTION:-$osm_attribution}")
    fi
    # Any other option: CKAN___SECTION__KEY=value -> section.key = value
    # (lower-cased, "__" -> "."; same convention as ckanext-envvars).
    for name in $(compgen -e); do
        [[ $name == CKAN___* ]] || continue
        key=${name#CKAN___}
        key=${key//__/.}
        opts+=("${key,,}=${!name}")
    done
    ckan config-tool "$CKAN_INI" "${opts[@]}"
    ckan config-tool "$CKAN_INI" -s logger_ckanext "level=${LOG_LEVEL:-INFO}"
}

# The DataStore read-only user's grants: CKAN writes the SQL (`ckan datastore set-permissions`, meant for psql),
# run here on the DataStore database as the database owner (the image's POSTGRES_USER is a superuser).
datastore_permissions() {
    local sql
    sql=$(ckan_ datastore set-permissions)
    SQL="$sql" python -c '
import os
import psycopg2
sql = "\n".join(line for line in os.environ["SQL"].splitlines() if not line.startswith("\\"))
with psycopg2.connect(os.environ["CKAN_DATASTORE_WRITE_URL"]) as connection:
    connection.cursor().execute(sql)
'
}

init_db() {
    ckan_ db upgrade
    ckan_ db pending-migrations --apply
    datastore_permissions
    if [ -n "${CKAN_SYSADMIN_NAME:-}" ]; then
        if [ -z "${CKAN_SYSADMIN_EMAIL:-}" ] || [ -z "${CKAN_SYSADMIN_PASSWORD:-}" ]; then
            die "CKAN_SYSADMIN_NAME needs CKAN_SYSADMIN_EMAIL and CKAN_SYSADMIN_PASSWORD"
        fi
        # Promotes an existing user; otherwise asks on stdin whether to create
        # it from the given fields (the password is not changed if it exists).
        ckan_ sysadmin add "$CKAN_SYSADMIN_NAME" \
            "email=$CKAN_SYSADMIN_EMAIL" "password=$CKAN_SYSADMIN_PASSWORD" <<<"y"
    fi
}

role=${1:-web}
check_env
write_config
if [ "$role" = web ]; then
    init_db
fi
unset CKAN_SYSADMIN_PASSWORD

case "$role" in
    web)
        exec gunicorn wsgi:application \
            --chdir /srv/app \
            --bind 0.0.0.0:5000 \
            --workers "${GUNICORN_WORKERS:-3}" \
            --timeout "${GUNICORN_TIMEOUT:-120}" \
            --access-logfile -
        ;;
    gather)    exec ckan -c "$CKAN_INI" harvester gather-consumer ;;
    fetch)     exec ckan -c "$CKAN_INI" harvester fetch-consumer ;;
    worker)    exec ckan -c "$CKAN_INI" jobs worker ;;
    scheduler)
        last_quality=0
        while true; do
            ckan_ harvester run || log "harvester run failed (exit $?)"
            now=$(date +%s)
            if [ $((now - last_quality)) -ge "${QUALITY_RUN_INTERVAL:-86400}" ]; then
                ckan_ urbanaudit quality recompute --all --check-links --background \
                    || log "quality recompute failed (exit $?)"
                last_quality=$now
            fi
            sleep "${HARVEST_RUN_INTERVAL:-300}"
        done
        ;;
    *)         exec "$@" ;;
esac
