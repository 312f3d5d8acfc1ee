#!/usr/bin/env bash
# Prometheus (Debian's package) for the local services, per profile, like infra.sh.
#
#   deploy/local/prometheus.sh start|stop|status|url       (DVIKA_PROFILE=dev|test|bench)
#   deploy/local/prometheus.sh targets <service> <port>...  more instances of a service
#
#   start    copy deploy/prometheus/{prometheus.yml,alerts.yml,targets/} into
#            .state/<profile>/prometheus/, start Prometheus on 127.0.0.1 and wait until it
#            is ready (idempotent: a running one re-reads its configuration)
#   stop     stop it (idempotent); its data stays in .state/<profile>/prometheus/data
#   status   one line; exit 0 if running, 3 otherwise
#   url      print its address, e.g. http://127.0.0.1:9090 (the gateway's DVIKA_PROMETHEUS_URL)
#   targets  list the instances of <service> beyond its first one, on these ports
#            (targets/<service>.json, re-read by Prometheus within seconds)
#
# Ports: Prometheus 9090 (test 19090, bench 29090; DVIKA_PROMETHEUS_PORT); the scraped
# services are 8080-8087 plus the profile's offset (test +10000, bench +20000;
# DVIKA_SERVICE_PORT_OFFSET), Kafka's JMX exporter the profile's DVIKA_KAFKA_JMX_PORT.
# DVIKA_PROMETHEUS_CONFIG=<file> uses that configuration instead.
# Needs `prometheus` on the PATH: `make prometheus-tools` installs Debian's package.
set -euo pipefail

LOCAL_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)"
# shellcheck source=lib/common.sh
source "$LOCAL_DIR/lib/common.sh"
# shellcheck source=jmx/jmx.sh
source "$LOCAL_DIR/jmx/jmx.sh"

case "$PROFILE" in
  dev)   _prom=9090  _offset=0 ;;
  test)  _prom=19090 _offset=10000 ;;
  bench) _prom=29090 _offset=20000 ;;
esac
PROMETHEUS_PORT="${DVIKA_PROMETHEUS_PORT:-$_prom}"
SERVICE_PORT_OFFSET="${DVIKA_SERVICE_PORT_OFFSET:-$_offset}"
unset _prom _offset

PROMETHEUS_SOURCE="$REPO_ROOT/deploy/prometheus"
PROMETHEUS_STATE="$STATE_DIR/prometheus"
PROMETHEUS_CONFIG="$PROMETHEUS_STATE/prometheus.yml"
PROMETHEUS_PIDFILE="$RUN_DIR/prometheus.pid"
PROMETHEUS_LOG="$LOG_DIR/prometheus.log"
PROMETHEUS_URL="http://127.0.0.1:$PROMETHEUS_PORT"

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

prometheus_pid() {
  local pid; pid="$(read_pidfile "$PROMETHEUS_PIDFILE")"
  # Our config path is unique per clone and profile.
  if [[ -n "$pid" ]] && pid_matches "$pid" "$PROMETHEUS_CONFIG"; then echo "$pid"; fi
}

# The committed configuration names the dev ports; other profiles shift them.
render_config() {
  mkdir -p "$PROMETHEUS_STATE/data" "$PROMETHEUS_STATE/targets"
  local source="${DVIKA_PROMETHEUS_CONFIG:-$PROMETHEUS_SOURCE/prometheus.yml}" edits=() port
  for port in 8080 8081 8082 8083 8084 8085 8086 8087; do
    edits+=(-e "s|127\.0\.0\.1:$port\"|127.0.0.1:$((port + SERVICE_PORT_OFFSET))\"|g")
  done
  edits+=(-e "s|127\.0\.0\.1:9090\"|127.0.0.1:$PROMETHEUS_PORT\"|g")
  edits+=(-e "s|127\.0\.0\.1:9404\"|127.0.0.1:$KAFKA_JMX_PORT\"|g")
  sed "${edits[@]}" "$source" >"$PROMETHEUS_CONFIG.tmp"
  mv "$PROMETHEUS_CONFIG.tmp" "$PROMETHEUS_CONFIG"
  cp "$PROMETHEUS_SOURCE/alerts.yml" "$PROMETHEUS_STATE/alerts.yml"
  local file
  for file in "$PROMETHEUS_SOURCE"/targets/*.json; do
    # Extra instances written by `targets` survive a restart.
    [[ -f "$PROMETHEUS_STATE/targets/${file##*/}" ]] || cp "$file" "$PROMETHEUS_STATE/targets/"
  done
}

_ready() { curl -fs -o /dev/null "$PROMETHEUS_URL/-/ready"; }

_start_locked() {
  local pid; pid="$(prometheus_pid)"
  if [[ -n "$pid" ]]; then
    ensure_same_ports prometheus "$pid" "$(pidfile_ports "$PROMETHEUS_PIDFILE")" "$PROMETHEUS_PORT"
    render_config
    curl -fs -o /dev/null -X POST "$PROMETHEUS_URL/-/reload" || log "prometheus: reload failed (see $PROMETHEUS_LOG)"
    log "prometheus: already running (pid $pid), configuration re-read"
    return 0
  fi
  require_cmd prometheus "install Debian's prometheus package (make prometheus-tools)"
  require_cmd curl "install curl"
  ensure_port_free "$PROMETHEUS_PORT"
  render_config
  local t0; t0="$(now_ms)"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$(prometheus --version 2>&1 | head -n 1)" >>"$PROMETHEUS_LOG"
  spawn "$PROMETHEUS_PIDFILE" "$PROMETHEUS_PORT" "$PROMETHEUS_LOG" \
    prometheus \
      --config.file="$PROMETHEUS_CONFIG" \
      --storage.tsdb.path="$PROMETHEUS_STATE/data" \
      --storage.tsdb.retention.time=7d \
      --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
      --web.enable-lifecycle
  wait_for prometheus "$START_TIMEOUT" "$(read_pidfile "$PROMETHEUS_PIDFILE")" "$PROMETHEUS_LOG" _ready
  log "prometheus: ready on $PROMETHEUS_URL in $(elapsed "$t0") (data in $PROMETHEUS_STATE/data)"
}

cmd_start() {
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$RUN_DIR"
  with_lock "$STATE_DIR/.prometheus.lock" _start_locked
}

_stop_locked() {
  local pid; pid="$(prometheus_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PROMETHEUS_PIDFILE"
    log "prometheus: not running"
    return 0
  fi
  stop_pid prometheus "$pid" 15
  rm -f "$PROMETHEUS_PIDFILE"
  log "prometheus: stopped (pid $pid)"
}

cmd_stop() {
  [[ -d "$STATE_DIR" ]] || { log "prometheus: not running"; return 0; }
  with_lock "$STATE_DIR/.prometheus.lock" _stop_locked
}

cmd_status() {
  local pid; pid="$(prometheus_pid)"
  if [[ -z "$pid" ]]; then
    printf '%-10s stopped  %s\n' prometheus "$PROMETHEUS_URL"
    return 3
  fi
  printf '%-10s running  %s  pid %s\n' prometheus "$PROMETHEUS_URL" "$pid"
}

cmd_targets() {
  local service="${1:-}"; shift || true
  [[ "$service" =~ ^[a-z]+$ && -f "$PROMETHEUS_SOURCE/targets/$service.json" ]] ||
    die "targets: unknown service '${service}' (one of: $(cd "$PROMETHEUS_SOURCE/targets" && ls | sed 's/\.json$//' | tr '\n' ' '))"
  local port list=""
  for port in "$@"; do
    [[ "$port" =~ ^[0-9]+$ ]] || die "targets: '$port' is not a port"
    list+="${list:+, }\"127.0.0.1:$port\""
  done
  mkdir -p "$PROMETHEUS_STATE/targets"
  local file="$PROMETHEUS_STATE/targets/$service.json"
  if [[ -n "$list" ]]; then
    printf '[{"targets": [%s]}]\n' "$list" >"$file.tmp"
  else
    printf '[]\n' >"$file.tmp"
  fi
  # Renamed into place: Prometheus never reads a half-written file.
  mv "$file.tmp" "$file"
}

case "${1:-}" in
  start)  cmd_start ;;
  stop)   cmd_stop ;;
  status) cmd_status || exit $? ;;
  url)    printf '%s\n' "$PROMETHEUS_URL" ;;
  targets) shift; cmd_targets "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
