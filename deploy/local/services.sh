#!/usr/bin/env bash
# Start, watch and stop Dvika Care's eight services on this machine (the `make run` profile).
#
#   deploy/local/services.sh run     start all, print the URLs, stop services and servers on Ctrl-C
#   deploy/local/services.sh start   start all in the background (detached)
#   deploy/local/services.sh stop    stop what `start` left: the services, then the servers
#
# Servers (Kafka, FerretDB) come from deploy/local/infra.sh; logs go to .state/dev/logs/.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)"
STATE="$ROOT/.state/${DVIKA_PROFILE:-dev}"
PIDS="$STATE/services"
LOGS="$STATE/logs"
# name:port — the gateway is the public face; the others serve only /healthz, /readyz, /metrics.
SERVICES=(tickets:8081 gateway:8080 intake:8082 routing:8083 sla:8084 notify:8085 analytics:8086 knowledge:8087)

MAILDEV="$ROOT/deploy/local/maildev/node_modules/.bin/maildev"

say() { printf '%s\n' "$*"; }

# MailDev catches every mail notify sends in development: nothing leaves the machine.
start_maildev() {
  if [[ -f "$PIDS/maildev.pid" ]] && kill -0 "$(cat "$PIDS/maildev.pid")" 2>/dev/null; then return; fi
  [[ -x "$MAILDEV" ]] || { say "  MailDev not installed (make maildev); mail stays queued in notify"; return; }
  setsid "$MAILDEV" --ip 127.0.0.1 --smtp 1025 --web 1080 >>"$LOGS/maildev.log" 2>&1 &
  echo $! >"$PIDS/maildev.pid"
}

start_one() {
  local name=${1%%:*} port=${1##*:}
  if [[ -f "$PIDS/$name.pid" ]] && kill -0 "$(cat "$PIDS/$name.pid")" 2>/dev/null; then
    say "  $name already running (pid $(cat "$PIDS/$name.pid"))"
    return
  fi
  # The gateway's listing index (a SQLite file rebuilt from the log on start) lives here.
  mkdir -p "$STATE/index/$name-$port"
  DVIKA_HTTP_PORT=$port DVIKA_LISTING_INDEX_DIR="$STATE/index/$name-$port" DVIKA_ATTACHMENTS_DIR="$STATE/attachments" \
    setsid "$ROOT/.venv/bin/python" -m "$name" >>"$LOGS/$name.log" 2>&1 &
  echo $! >"$PIDS/$name.pid"
}

wait_ready() {
  local name=${1%%:*} port=${1##*:} deadline=$((SECONDS + 90))
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    if ! kill -0 "$(cat "$PIDS/$name.pid")" 2>/dev/null; then
      say "$name exited during start-up; last lines of $LOGS/$name.log:"; tail -n 20 "$LOGS/$name.log"
      return 1
    fi
    if ((SECONDS > deadline)); then say "$name not ready after 90 s (see $LOGS/$name.log)"; return 1; fi
    sleep 0.3
  done
}

start_all() {
  mkdir -p "$PIDS" "$LOGS"
  set -a; eval "$("$ROOT/deploy/local/infra.sh" env)"; set +a
  start_maildev
  for s in "${SERVICES[@]}"; do start_one "$s"; done
  for s in "${SERVICES[@]}"; do wait_ready "$s"; done
  # Prometheus scrapes every service and Kafka for the console's Ops page (/admin/ops).
  "$ROOT/deploy/local/prometheus.sh" start >>"$LOGS/prometheus.log" 2>&1 ||
    say "  Prometheus did not start (see $LOGS/prometheus.log); the Ops page will say so"
  # Development only: the CLI refuses when DVIKA_ENVIRONMENT=production.
  local demo
  demo=$("$ROOT/.venv/bin/dvika-demo-accounts" 2>>"$LOGS/demo-accounts.log") ||
    demo="Demo accounts   not created (see $LOGS/demo-accounts.log)"
  say ""
  say "Dvika Care is running:"
  say "  Portal          http://127.0.0.1:8080/support   (customers: submit and track)"
  say "  Console         http://127.0.0.1:8080/admin     (agents: sign in with a demo account below)"
  say "  API             http://127.0.0.1:8080/api/v1/tickets   (docs: http://127.0.0.1:8080/docs)"
  say "  Email intake    SMTP 127.0.0.1:2525, mail to support@dvika.care"
  say "  Partner API     POST http://127.0.0.1:8080/api/v1/intake   (X-Api-Key: dev-partner-key)"
  say "  Slack command   POST http://127.0.0.1:8080/api/v1/intake/slack   (secret dev-slack-signing-secret)"
  say "  Live feed       ws://127.0.0.1:8080/ws"
  say "  Mail (MailDev)  http://127.0.0.1:1080   (every mail notify sends; SMTP 127.0.0.1:1025)"
  say "  Ops             http://127.0.0.1:8080/admin/ops   (admins; Prometheus at http://127.0.0.1:9090)"
  for s in "${SERVICES[@]}"; do printf "  %-15s http://127.0.0.1:%s/readyz  /metrics\n" "${s%%:*}" "${s##*:}"; done
  say "  Kafka           ${KAFKA_BOOTSTRAP_SERVERS}"
  say "  MongoDB (Ferret) ${MONGODB_URL}"
  say "  Logs            $LOGS/"
  say "  Sign in         POST http://127.0.0.1:8080/api/v1/auth/login  {\"email\", \"password\"}"
  printf '%s\n' "$demo" | sed 's/^/  /'
}

stop_all() {
  local pid
  for s in "${SERVICES[@]}" maildev:0; do
    local name=${s%%:*}
    [[ -f "$PIDS/$name.pid" ]] || continue
    pid=$(cat "$PIDS/$name.pid")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for s in "${SERVICES[@]}" maildev:0; do
    local name=${s%%:*}
    [[ -f "$PIDS/$name.pid" ]] || continue
    pid=$(cat "$PIDS/$name.pid")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PIDS/$name.pid"
  done
  "$ROOT/deploy/local/prometheus.sh" stop >/dev/null 2>&1 || true
  say "services stopped"
}

case "${1:-}" in
  run)
    trap 'say ""; stop_all; "$ROOT/deploy/local/infra.sh" down; exit 0' INT TERM
    start_all
    say ""
    say "Ctrl-C stops every service and server."
    while true; do sleep 3600 & wait $!; done
    ;;
  start) start_all; say "detached: make stop ends it" ;;
  stop) stop_all; "$ROOT/deploy/local/infra.sh" down ;;
  *) sed -n '2,8p' "$0"; exit 2 ;;
esac
