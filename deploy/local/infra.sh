#!/usr/bin/env bash
# Local infrastructure for Dvika Care without Docker: Apache Kafka (KRaft),
# PostgreSQL and FerretDB as plain processes, per profile.
#
#   deploy/local/infra.sh up|down|status|env|install      (DVIKA_PROFILE=dev|test|bench)
#
#   up       install what is missing, start all three servers, wait until ready (idempotent)
#   down     stop FerretDB, Kafka, PostgreSQL (idempotent)
#   status   one line per server; exit 0 if all running, 3 otherwise
#   env      print KAFKA_BOOTSTRAP_SERVERS=... and MONGODB_URL=... for the profile
#   install  only fetch/build tools into .tools/ (Kafka jars, FerretDB binary, PostgreSQL package)
#
# Profiles (ports overridable with DVIKA_KAFKA_PORT, DVIKA_KAFKA_CONTROLLER_PORT,
# DVIKA_PG_PORT, DVIKA_FERRETDB_PORT):
#   dev   Kafka 9092 (controller 9093), PostgreSQL 5433, FerretDB 27017
#   test  Kafka 19092 (controller 19093), PostgreSQL 5443, FerretDB 27027
#   bench Kafka 29092 (controller 29093), PostgreSQL 5453, FerretDB 27037 (`make bench`)
#
# State (data, logs, pid files): <repo>/.state/<profile>/   Tools: <repo>/.tools/
# See deploy/local/README.md for details.
set -euo pipefail

# Resolve our own location (works via symlinks and from any cwd).
LOCAL_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)"

# shellcheck source=lib/common.sh
source "$LOCAL_DIR/lib/common.sh"
# shellcheck source=lib/kafka.sh
source "$LOCAL_DIR/lib/kafka.sh"
# shellcheck source=lib/postgres.sh
source "$LOCAL_DIR/lib/postgres.sh"
# shellcheck source=lib/ferretdb.sh
source "$LOCAL_DIR/lib/ferretdb.sh"
# The Prometheus JMX exporter agent attached to Kafka (KAFKA_JMX_PORT, 0 = off).
# shellcheck source=jmx/jmx.sh
source "$LOCAL_DIR/jmx/jmx.sh"

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

cmd_install() {
  kafka_install
  jmx_install
  ferretdb_install
  pg_install
  log "tools ready: kafka $KAFKA_VERSION ($KAFKA_LIBS), ferretdb $FERRETDB_VERSION ($FERRETDB_BIN), postgres ($PG_BIN)"
}

_up_locked() {
  local t0; t0="$(now_ms)"
  # Tools and ports are all checked first, so a missing tool or a busy port
  # fails before anything is started (no half-started profile to clean up).
  [[ -n "$(kafka_pid)" ]] || { require_java; kafka_install; jmx_install; }
  pg_install
  [[ -n "$(ferretdb_pid)" ]] || ferretdb_install
  kafka_preflight
  [[ -n "$(kafka_pid)" ]] || jmx_preflight
  pg_preflight
  ferretdb_preflight
  # Kafka's JVM boots in the background while PostgreSQL and FerretDB start.
  KAFKA_OPTS="$(jmx_kafka_opts)" kafka_launch
  pg_up
  ferretdb_up
  kafka_wait
  log "all up in $(elapsed "$t0")  (KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT MONGODB_URL=mongodb://127.0.0.1:$FERRETDB_PORT/)"
}

cmd_up() {
  mkdir -p "$STATE_DIR"
  # One `up`/`down` at a time per profile.
  with_lock "$STATE_DIR/.lock" _up_locked
}

_down_locked() {
  # Reverse dependency order: FerretDB needs PostgreSQL.
  ferretdb_down
  kafka_down
  pg_down
}

cmd_down() {
  [[ -d "$STATE_DIR" ]] || { log "nothing to stop ($STATE_DIR does not exist)"; return 0; }
  with_lock "$STATE_DIR/.lock" _down_locked
}

cmd_status() {
  local rc=0
  kafka_status    || rc=3
  pg_status       || rc=3
  ferretdb_status || rc=3
  return "$rc"
}

cmd_env() {
  printf 'KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:%s\n' "$KAFKA_PORT"
  printf 'MONGODB_URL=mongodb://127.0.0.1:%s/\n' "$FERRETDB_PORT"
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up)      cmd_up ;;
    down)    cmd_down ;;
    status)  cmd_status || exit $? ;;
    env)     cmd_env ;;
    install) cmd_install ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
