# shellcheck shell=bash
# Apache Kafka (KRaft, single combined broker+controller) from Maven Central jars.
# Sourced by infra.sh after lib/common.sh.

KAFKA_HOME="$TOOLS_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_POM="$LOCAL_DIR/kafka/pom.xml"
KAFKA_STATE="$STATE_DIR/kafka"
KAFKA_DATA="$KAFKA_STATE/data"
KAFKA_CONFIG="$KAFKA_STATE/server.properties"
KAFKA_PIDFILE="$RUN_DIR/kafka.pid"
KAFKA_LOG="$LOG_DIR/kafka-server.log"   # written by log4j2 (kafka/log4j2.properties)
KAFKA_OUT="$LOG_DIR/kafka.out"          # JVM stdout/stderr (crashes before log4j is up)

# The libs dir is complete when this marker holds the hash of the POM it was
# resolved from; editing the POM (new dependency) triggers a re-resolve.
kafka_marker() { echo "$KAFKA_HOME/.complete"; }
kafka_pom_hash() { { echo "$KAFKA_VERSION"; cat "$KAFKA_POM"; } | sha256sum | cut -d' ' -f1; }

kafka_installed() {
  [[ -f "$(kafka_marker)" && "$(cat "$(kafka_marker)")" == "$(kafka_pom_hash)" ]]
}

kafka_install() {
  kafka_installed && return 0
  with_lock "$TOOLS_DIR/.kafka.lock" _kafka_install_locked
}

_kafka_install_locked() {
  kafka_installed && return 0   # another process finished it while we waited
  require_cmd mvn "install Maven 3.6+ (Debian: apt-get install maven)"
  require_java
  log "kafka: resolving Apache Kafka $KAFKA_VERSION jars from Maven Central (cached in ~/.m2)"
  # Resolve into a temp dir and swap it in, so an interrupted download never
  # leaves a half-filled libs dir that looks usable.
  local tmp="$KAFKA_HOME/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$KAFKA_HOME"
  # Maven 3.8 with -q still emits bare ANSI resets; strip them (pipefail keeps mvn's status).
  if ! mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" \
        -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 \
        | sed 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$tmp"
    die "mvn could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (see output above)"
  fi
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"; }
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  kafka_pom_hash >"$(kafka_marker)"
  log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $KAFKA_LIBS"
}

# Java: honour JAVA_HOME like Kafka's own scripts, else PATH. Kafka 4 needs 17+.
JAVA_BIN=""
require_java() {
  [[ -n "$JAVA_BIN" ]] && return 0
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA_BIN="$JAVA_HOME/bin/java"
  else
    require_cmd java "install a JDK/JRE 17+ (Debian: apt-get install openjdk-17-jre-headless)"
    JAVA_BIN="$(command -v java)"
  fi
  local major
  major="$("$JAVA_BIN" -XshowSettings:properties -version 2>&1 \
            | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p')"
  [[ "${major:-0}" -ge 17 ]] || die "java 17+ required for Kafka $KAFKA_VERSION, found ${major:-unknown} at $JAVA_BIN"
}

kafka_pid() {
  local pid; pid="$(read_pidfile "$KAFKA_PIDFILE")"
  # Match on our config path: it is unique per clone and profile.
  if [[ -n "$pid" ]] && pid_matches "$pid" "$KAFKA_CONFIG"; then echo "$pid"; fi
}

kafka_render_config() {
  mkdir -p "$KAFKA_DATA"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
      -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@KAFKA_DATA_DIR@|$KAFKA_DATA|g" \
      "$LOCAL_DIR/kafka/server.properties.template" >"$KAFKA_CONFIG"
}

# Kafka's Uuid string form: 16 random bytes, URL-safe base64, no padding.
# Kafka's own generator avoids a leading '-' (looks like a CLI flag); so do we.
kafka_new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

# Format the metadata log once. With a static quorum (controller.quorum.voters)
# Kafka 4.1 must NOT get --standalone (that flag is for dynamic quorums).
kafka_format_once() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  local cid; cid="$(kafka_new_cluster_id)"
  log "kafka: formatting storage (cluster id $cid)"
  if ! "$JAVA_BIN" -Xmx256m -cp "$KAFKA_LIBS/*" \
        -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR" \
        kafka.tools.StorageTool format -t "$cid" -c "$KAFKA_CONFIG" >>"$KAFKA_OUT" 2>&1; then
    printf 'infra.sh: error: kafka storage format failed (see %s)\n' "$KAFKA_OUT" >&2
    tail_log "$KAFKA_OUT"
    exit 1
  fi
}

kafka_preflight() {
  local pid; pid="$(kafka_pid)"
  if [[ -n "$pid" ]]; then
    ensure_same_ports kafka "$pid" "$(pidfile_ports "$KAFKA_PIDFILE")" "$KAFKA_PORT $KAFKA_CONTROLLER_PORT"
    return 0
  fi
  ensure_port_free "$KAFKA_PORT"
  ensure_port_free "$KAFKA_CONTROLLER_PORT"
}

# Start the JVM but don't wait: the caller overlaps Kafka's 2-5 s boot with
# PostgreSQL/FerretDB and calls kafka_wait afterwards.
KAFKA_START_MS=""
KAFKA_LOG_OFFSET=0
kafka_launch() {
  if [[ -n "$(kafka_pid)" ]]; then
    log "kafka: already running (pid $(kafka_pid))"
    return 0
  fi
  require_java
  kafka_install
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  kafka_render_config
  kafka_format_once
  # Remember where the log ends, so readiness only looks at this start's lines.
  KAFKA_LOG_OFFSET=0
  [[ -f "$KAFKA_LOG" ]] && KAFKA_LOG_OFFSET="$(stat -c %s "$KAFKA_LOG")"
  printf '\n===== %s starting kafka %s =====\n' "$(date -Is)" "$KAFKA_VERSION" >>"$KAFKA_OUT"
  KAFKA_START_MS="$(now_ms)"
  # Heap as requested for a dev box; GC flags are the ones kafka-run-class.sh uses.
  # KAFKA_OPTS (word-split, as kafka-run-class.sh does) carries the JMX exporter agent.
  spawn "$KAFKA_PIDFILE" "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" "$KAFKA_OUT" \
    "$JAVA_BIN" -Xms256m -Xmx512m \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true \
      -Dkafka.logs.dir="$LOG_DIR" \
      -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2.properties" \
      ${KAFKA_OPTS:-} \
      -cp "$KAFKA_LIBS/*" \
      kafka.Kafka "$KAFKA_CONFIG"
  log "kafka: starting (pid $(read_pidfile "$KAFKA_PIDFILE"))"
}

# Ready = the broker logged "Kafka Server started" during *this* start (it is
# logged after the broker is unfenced and request processing is enabled) and
# the client port accepts connections.
_kafka_ready() {
  [[ -f "$KAFKA_LOG" ]] || return 1
  local from=$((KAFKA_LOG_OFFSET + 1))
  # log4j rolled the file over (10 MB) since we started: read the new one fully.
  (( $(stat -c %s "$KAFKA_LOG") < KAFKA_LOG_OFFSET )) && from=1
  tail -c +"$from" "$KAFKA_LOG" 2>/dev/null | grep -q 'Kafka Server started' || return 1
  port_open "$KAFKA_PORT"
}

kafka_wait() {
  [[ -n "$KAFKA_START_MS" ]] || return 0   # was already running
  # The JVM may die before log4j is up (bad flag, missing class); kafka.out
  # has that, so it is tailed as well on failure.
  WAIT_EXTRA_LOGS=("$KAFKA_OUT")
  wait_for "kafka" "$START_TIMEOUT" "$(read_pidfile "$KAFKA_PIDFILE")" "$KAFKA_LOG" _kafka_ready
  WAIT_EXTRA_LOGS=()
  log "kafka: ready on 127.0.0.1:$KAFKA_PORT in $(elapsed "$KAFKA_START_MS")"
}

kafka_down() {
  local pid; pid="$(kafka_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$KAFKA_PIDFILE"
    log "kafka: not running"
    return 0
  fi
  local t0; t0="$(now_ms)"
  # SIGTERM triggers a controlled shutdown; give it ~20 s before SIGKILL.
  stop_pid kafka "$pid" 20
  rm -f "$KAFKA_PIDFILE"
  log "kafka: stopped (pid $pid) in $(elapsed "$t0")"
}

kafka_status() {
  local pid port="$KAFKA_PORT" cport="$KAFKA_CONTROLLER_PORT" running
  pid="$(kafka_pid)"
  if [[ -z "$pid" ]]; then
    printf '%-9s stopped  port %s (controller %s)\n' kafka "$port" "$cport"
    return 1
  fi
  # Report the ports it actually runs on, which env overrides may not match.
  running="$(pidfile_ports "$KAFKA_PIDFILE")"
  [[ -n "$running" ]] && read -r port cport <<<"$running"
  if port_listening "$port"; then
    printf '%-9s running  port %s (controller %s)  pid %s\n' kafka "$port" "$cport" "$pid"
  else
    printf '%-9s starting port %s (controller %s)  pid %s (port not answering yet)\n' kafka "$port" "$cport" "$pid"
    return 1
  fi
}
