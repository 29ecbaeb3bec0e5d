# Shell functions shared by scripts/services.sh, scripts/demo-sources.sh and scripts/test-workers.sh (sourced,
# not run).
# Each caller defines log().

stop_pidfile() {  # name pidfile: end the process whose pid the file holds (if it runs), then drop the file
  local pid
  pid=$(cat "$2" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 (pid $pid)"
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$2"
}

ensure_database() {  # name: create the PostgreSQL database (owner ckan_default, UTF-8) unless it exists
  if [ -z "$(runuser -u postgres -- psql -qtA -c "SELECT 1 FROM pg_database WHERE datname='$1'")" ]; then
    log "creating database $1"
    runuser -u postgres -- createdb -O ckan_default -E UTF-8 -T template0 "$1" </dev/null
  fi
}
