# shellcheck shell=bash
# The Prometheus JMX exporter agent (io.prometheus.jmx:jmx_prometheus_javaagent, from Maven
# Central, cached in ~/.m2) that infra.sh attaches to the local Kafka broker through
# KAFKA_OPTS, so Prometheus can scrape the broker's own metrics. Sourced after lib/common.sh.
#
# Port per profile: dev 9404, test 19404, bench 29404; DVIKA_KAFKA_JMX_PORT overrides it and
# 0 turns the agent off. Its rules: deploy/local/jmx/kafka.yml.

# 1.0.1 is the newest release on Maven Central (later ones are published elsewhere).
JMX_EXPORTER_VERSION="${DVIKA_JMX_EXPORTER_VERSION:-1.0.1}"
JMX_EXPORTER_DIR="$TOOLS_DIR/jmx-exporter"
JMX_EXPORTER_JAR="$JMX_EXPORTER_DIR/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar"
JMX_EXPORTER_RULES="$LOCAL_DIR/jmx/kafka.yml"

case "$PROFILE" in
  dev)   _jmx=9404 ;;
  test)  _jmx=19404 ;;
  bench) _jmx=29404 ;;
esac
KAFKA_JMX_PORT="${DVIKA_KAFKA_JMX_PORT:-$_jmx}"
unset _jmx

jmx_enabled() { [[ "$KAFKA_JMX_PORT" != 0 ]]; }

jmx_install() {
  jmx_enabled || return 0
  [[ -f "$JMX_EXPORTER_JAR" ]] && return 0
  with_lock "$TOOLS_DIR/.jmx-exporter.lock" _jmx_install_locked
}

_jmx_install_locked() {
  [[ -f "$JMX_EXPORTER_JAR" ]] && return 0
  require_cmd mvn "install Maven 3.6+ (Debian: apt-get install maven)"
  log "jmx exporter: fetching io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION from Maven Central (cached in ~/.m2)"
  mkdir -p "$JMX_EXPORTER_DIR"
  if ! mvn -q -B -Dstyle.color=never \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
        -Dartifact="io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION" \
        -DoutputDirectory="$JMX_EXPORTER_DIR" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
    die "mvn could not fetch io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION (see output above)"
  fi
  [[ -f "$JMX_EXPORTER_JAR" ]] || die "$JMX_EXPORTER_JAR missing after mvn"
}

# Before Kafka starts: the agent binds its port inside the broker's JVM, and a busy port
# would make the whole broker exit.
jmx_preflight() {
  jmx_enabled || return 0
  ensure_port_free "$KAFKA_JMX_PORT"
}

# KAFKA_OPTS for the broker: whatever the caller set, plus the agent.
jmx_kafka_opts() {
  local opts="${KAFKA_OPTS:-}"
  if jmx_enabled; then
    opts+="${opts:+ }-javaagent:$JMX_EXPORTER_JAR=127.0.0.1:$KAFKA_JMX_PORT:$JMX_EXPORTER_RULES"
  fi
  printf '%s' "$opts"
}
