#!/usr/bin/env bash
# Start or stop the demo's source server: recorded API answers from ../shared/fixtures replayed on
# 127.0.0.1:${DEMO_SOURCES_PORT:-8765} (python -m demo.sources; demo/demo.ini points the
# harvesters there). Usage: scripts/demo-sources.sh start|stop
# Idempotent: `start` leaves our running server alone; `stop` ends only the process in var/run/demo-sources.pid
# (the marker of a server this script started; scripts/services.sh stop ends it too).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
RUN="$ROOT/var/run"
LOG="$ROOT/var/log"
PORT=${DEMO_SOURCES_PORT:-8765}
PIDFILE="$RUN/demo-sources.pid"
URL="http://127.0.0.1:$PORT/eurostat/data/urb_cpop1"

log() { printf '[demo-sources] %s\n' "$*"; }
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
ours() { local pid; pid=$(cat "$PIDFILE" 2>/dev/null || true); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
answers() { curl -fsS -o /dev/null "$URL" 2>/dev/null; }

start() {
  mkdir -p "$RUN" "$LOG"
  if ours && answers; then
    log "already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    return
  fi
  if answers; then
    log "port $PORT answers but not from the process in $PIDFILE: stop it or set DEMO_SOURCES_PORT"
    exit 1
  fi
  rm -f "$PIDFILE"
  # setsid: the server outlives `make demo-data`; its pid file is written by the server itself
  (cd "$ROOT" && setsid "$VENV/bin/python" -m demo.sources --port "$PORT" --pidfile "$PIDFILE" \
    >>"$LOG/demo-sources.log" 2>&1 </dev/null &)
  for _ in $(seq 100); do answers && ours && break; sleep 0.1; done
  answers && ours || { log "did not start; see $LOG/demo-sources.log"; exit 1; }
  log "replaying recorded answers on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
}

stop() {
  stop_pidfile "the source server" "$PIDFILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
