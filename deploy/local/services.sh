#!/usr/bin/env bash
# Start, watch and stop Dvika Care's eight services on this machine (the `make run` profile).
#
#   deploy/local/services.sh run     start all, print the URLs, stop services and servers on Ctrl-C
#   deploy/local/services.sh start   start all in the background (detached)
#   deploy/local/services.sh stop    stop what `start` left: the services, then the servers
#
# DVIKA_SCALE=N (make run SCALE=N, 1-6) runs N instances of each service that scales by
# partitions in one consumer group (tickets, gateway, intake, notify, analytics); instance i
# (from 0) listens on the base port + 100*i. Routing, sla and knowledge stay single: see
# SINGLE below. Servers (Kafka, FerretDB) come from deploy/local/infra.sh; logs go to
# .state/dev/logs/.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)"
STATE="$ROOT/.state/${DVIKA_PROFILE:-dev}"
PIDS="$STATE/services"
LOGS="$STATE/logs"
# name:port — the gateway is the public face; the others serve only /healthz, /readyz, /metrics.
SERVICES=(tickets:8081 gateway:8080 intake:8082 routing:8083 sla:8084 notify:8085 analytics:8086 knowledge:8087)
# One instance whatever the scale, and why (printed when SCALE > 1). Routing and sla fold the
# whole log and the roster into memory and act on it; a second would send the same commands
# again (refused by their derived ids: no harm, but twice the work). Knowledge checks article
# versions in its own memory, so it must be the one writer.
declare -A SINGLE=(
  [routing]="rules and assignment turns folded in memory; a second would only repeat its commands"
  [sla]="SLA timers held in memory; a second would only repeat its clock commands"
  [knowledge]="article versions are checked in its memory: one writer"
)
SCALE="${DVIKA_SCALE:-1}"
# Six command partitions: a seventh tickets instance would own nothing.
[[ "$SCALE" =~ ^[1-6]$ ]] || { echo "services.sh: SCALE must be 1-6, not '$SCALE'" >&2; exit 2; }

MAILDEV="$ROOT/deploy/local/maildev/node_modules/.bin/maildev"

say() { printf '%s\n' "$*"; }

# MailDev catches every mail notify sends in development: nothing leaves the machine.
start_maildev() {
  if [[ -f "$PIDS/maildev.pid" ]] && kill -0 "$(cat "$PIDS/maildev.pid")" 2>/dev/null; then return; fi
  [[ -x "$MAILDEV" ]] || { say "  MailDev not installed (make maildev); mail stays queued in notify"; return; }
  setsid "$MAILDEV" --ip 127.0.0.1 --smtp 1025 --web 1080 >>"$LOGS/maildev.log" 2>&1 &
  echo $! >"$PIDS/maildev.pid"
}

# instances <name:port>: "name:port:suffix" for every instance to run, the first one plain
# (`tickets:8081:`), the others on port + 100*i with suffix `-i` (`tickets:8181:-1`).
instances() {
  local name=${1%%:*} port=${1##*:} i count=$SCALE
  [[ -n "${SINGLE[$name]:-}" ]] && count=1
  for ((i = 0; i < count; i++)); do
    if ((i == 0)); then echo "$name:$port:"; else echo "$name:$((port + 100 * i)):-$i"; fi
  done
}

all_instances() { for s in "${SERVICES[@]}"; do instances "$s"; done; }

start_one() {
  local name port suffix i
  IFS=: read -r name port suffix <<<"$1"
  i=${suffix#-}; i=${i:-0}
  if [[ -f "$PIDS/$name$suffix.pid" ]] && kill -0 "$(cat "$PIDS/$name$suffix.pid")" 2>/dev/null; then
    say "  $name$suffix already running (pid $(cat "$PIDS/$name$suffix.pid"))"
    return
  fi
  # The gateway's listing index (a SQLite file rebuilt from the log on start) lives here, one
  # per instance. Intake's SMTP listener moves with the instance (2525, 2625, ...).
  mkdir -p "$STATE/index/$name-$port"
  DVIKA_HTTP_PORT=$port DVIKA_INSTANCE_ID="$(hostname)-$name-$i" \
    DVIKA_INTAKE_SMTP_PORT=$((2525 + 100 * i)) \
    DVIKA_LISTING_INDEX_DIR="$STATE/index/$name-$port" DVIKA_ATTACHMENTS_DIR="$STATE/attachments" \
    setsid "$ROOT/.venv/bin/python" -m "$name" >>"$LOGS/$name$suffix.log" 2>&1 &
  echo $! >"$PIDS/$name$suffix.pid"
}

wait_ready() {
  local name port suffix deadline=$((SECONDS + 90))
  IFS=: read -r name port suffix <<<"$1"
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    if ! kill -0 "$(cat "$PIDS/$name$suffix.pid")" 2>/dev/null; then
      say "$name$suffix exited during start-up; last lines of $LOGS/$name$suffix.log:"
      tail -n 20 "$LOGS/$name$suffix.log"
      return 1
    fi
    if ((SECONDS > deadline)); then say "$name$suffix not ready after 90 s (see $LOGS/$name$suffix.log)"; return 1; fi
    sleep 0.3
  done
}

# Prometheus scrapes the first instances from its configuration; the others are listed here
# (an empty list clears what an earlier, larger run left).
scrape_extra_instances() {
  local s name extra
  for s in "${SERVICES[@]}"; do
    name=${s%%:*}
    extra=$(instances "$s" | awk -F: 'NR > 1 {print $2}' | tr '\n' ' ')
    # shellcheck disable=SC2086  # one word per port
    "$ROOT/deploy/local/prometheus.sh" targets "$name" $extra >>"$LOGS/prometheus.log" 2>&1 || true
  done
}

start_all() {
  mkdir -p "$PIDS" "$LOGS"
  set -a; eval "$("$ROOT/deploy/local/infra.sh" env)"; set +a
  start_maildev
  local s
  for s in $(all_instances); do start_one "$s"; done
  for s in $(all_instances); do wait_ready "$s"; done
  # Prometheus scrapes every service and Kafka for the console's Ops page (/admin/ops).
  scrape_extra_instances
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
  local name port suffix
  for s in $(all_instances); do
    IFS=: read -r name port suffix <<<"$s"
    printf "  %-15s http://127.0.0.1:%s/readyz  /metrics\n" "$name$suffix" "$port"
  done
  if ((SCALE > 1)); then
    say "  Scale           $SCALE instances of tickets, gateway, intake, notify and analytics, one"
    say "                  consumer group each. The URLs above are gateway 0 (8080); gateways"
    say "                  8180, 8280 ... serve the same API and UI from the same read model"
    say "                  (own listing index each); intake i takes mail on SMTP 2525 + 100*i."
    for name in routing sla knowledge; do printf "  One %-11s %s\n" "$name" "${SINGLE[$name]}"; done
  fi
  say "  Kafka           ${KAFKA_BOOTSTRAP_SERVERS}"
  say "  MongoDB (Ferret) ${MONGODB_URL}"
  say "  Logs            $LOGS/"
  say "  Sign in         POST http://127.0.0.1:8080/api/v1/auth/login  {\"email\", \"password\"}"
  printf '%s\n' "$demo" | sed 's/^/  /'
}

# Every pid file left in $PIDS, whatever SCALE the run had: `make stop` needs no SCALE.
stop_all() {
  local file pid
  shopt -s nullglob
  local files=("$PIDS"/*.pid)
  for file in "${files[@]}"; do kill -TERM "$(cat "$file")" 2>/dev/null || true; done
  for file in "${files[@]}"; do
    pid=$(cat "$file")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$file"
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
