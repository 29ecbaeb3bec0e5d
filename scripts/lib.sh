# Shell functions shared by scripts/services.sh and scripts/demo-sources.sh (sourced, not run).
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
