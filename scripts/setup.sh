#!/usr/bin/env bash
# One-time (and idempotent) set-up of a fresh Debian 12 machine, as root:
# system packages, the Python 3.11 virtualenv in .venv with the pinned
# dependencies and this package (editable), compiled translations, and the
# Solr classpath from Maven Central. A second run only checks and returns.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
log() { printf '[setup] %s\n' "$*"; }

# 1. System packages (Debian): PostgreSQL 15, Redis, Java + Maven for Solr, libs CKAN needs,
#    Chromium + chromedriver and Node.js/npm for the browser tests, MapServer for the WMS/WFS service the map
#    preview tests read (tests/ogc_server.py).
need=()
for pkg in postgresql-15 redis-server redis-tools maven default-jre-headless libmagic1 libpq-dev curl chromium chromium-driver cgi-mapserver; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ! command -v python3.11 >/dev/null; then need+=(python3.11 python3.11-venv); fi
if ! command -v npm >/dev/null; then need+=(nodejs npm); fi
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# 2. Python virtualenv with the pinned stack (re-done only when the pins change).
PY=$(command -v python3.11)
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $PY"
  "$PY" -m venv .venv
fi
stamp=.venv/.urbanaudit-deps
want=$(cat requirements.txt requirements-ckan.txt constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python dependencies (pinned in requirements.txt / constraints.txt)"
  .venv/bin/pip install -q -U "pip==24.3.1" "setuptools==75.6.0" "wheel==0.45.1"
  .venv/bin/pip install -q -r requirements.txt -c constraints.txt
  .venv/bin/pip install -q -e ".[test]" -c constraints.txt
  echo "$want" >"$stamp"
fi

# 3. Compiled message catalogues (the .po files are the source; for pl the supplementary
#    catalogue of CKAN's own messages, i18n/ckan-core-pl.po, is merged in).
.venv/bin/python scripts/i18n_compile.py -q

# 4. Solr 9.10.1 classpath (jars land in ~/.m2, never in git).
if [ ! -s solr/target/classpath.txt ] || [ solr/pom.xml -nt solr/target/classpath.txt ]; then
  log "resolving Solr 9.10.1 from Maven Central"
  mvn -B -q -f solr/pom.xml dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
fi
# 5. JavaScript the browser tests inject (axe-core, pinned in tests/browser/package-lock.json);
#    `npm ci` only when the lock file changed since the last install.
stamp=tests/browser/node_modules/.urbanaudit-lock
want=$(sha256sum tests/browser/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing the browser tests' npm packages (npm ci in tests/browser)"
  (cd tests/browser && CI=true npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi
log "ready"
