# shellcheck shell=bash
# Shared settings and helpers for deploy/local/infra.sh. Sourced, not executed.
#
# Expects LOCAL_DIR (= deploy/local, resolved by infra.sh) to be set.

# --- layout -----------------------------------------------------------------

# Repo root is two levels above deploy/local/infra.sh; -P resolves symlinks so
# the same clone always maps to the same state folder.
REPO_ROOT="$(cd "$LOCAL_DIR/../.." && pwd -P)"
TOOLS_DIR="$REPO_ROOT/.tools"
# User-level cache shared by every clone (a fresh clone must not recompile FerretDB).
USER_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/dvika-care"

KAFKA_VERSION="${DVIKA_KAFKA_VERSION:-4.1.2}"
FERRETDB_VERSION="${DVIKA_FERRETDB_VERSION:-v1.24.2}"

# How long `up` waits for each server before giving up.
START_TIMEOUT="${DVIKA_START_TIMEOUT:-90}"

# --- profile ----------------------------------------------------------------

PROFILE="${DVIKA_PROFILE:-dev}"
case "$PROFILE" in
  # Distinct ports per profile so dev and test can run side by side.
  dev)  _kafka=9092  _kctl=9093  _pg=5433 _ferret=27017 ;;
  test) _kafka=19092 _kctl=19093 _pg=5443 _ferret=27027 ;;
  bench) _kafka=29092 _kctl=29093 _pg=5453 _ferret=27037 ;;
  *) echo "infra.sh: error: unknown DVIKA_PROFILE '$PROFILE' (expected dev, test or bench)" >&2; exit 2 ;;
esac
KAFKA_PORT="${DVIKA_KAFKA_PORT:-$_kafka}"
KAFKA_CONTROLLER_PORT="${DVIKA_KAFKA_CONTROLLER_PORT:-$_kctl}"
PG_PORT="${DVIKA_PG_PORT:-$_pg}"
FERRETDB_PORT="${DVIKA_FERRETDB_PORT:-$_ferret}"
unset _kafka _kctl _pg _ferret

STATE_DIR="$REPO_ROOT/.state/$PROFILE"
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"   # pid files

# --- output -----------------------------------------------------------------

log()  { printf '%s\n' "[$PROFILE] $*" >&2; }
# Every failure is a single line on stderr (callers may print a log tail after it).
die()  { printf 'infra.sh: error: %s\n' "$*" >&2; exit 1; }

# Print the end of a log file after a failure, so CI output shows the cause.
tail_log() {
  local file="$1" lines="${2:-40}"
  [[ -s "$file" ]] || return 0
  printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
  tail -n "$lines" "$file" >&2 || true
  printf -- '-----\n' >&2
}

# --- tools ------------------------------------------------------------------

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# require_cmd <cmd> <hint>: fail with one line naming the missing tool.
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found in PATH: $2"
}

# Serialise installs/starts so two concurrent `up`s (e.g. dev and test started
# by parallel CI jobs) don't both build FerretDB or both start Kafka.
# The lock lives on fd 9; long-lived children must close it (see spawn).
# with_lock <lockfile> <cmd...>
with_lock() {
  local lockfile="$1"; shift
  mkdir -p "$(dirname "$lockfile")"
  if command -v flock >/dev/null 2>&1; then
    (
      flock -w 900 9 || die "timed out waiting for lock $lockfile"
      "$@"
    ) 9>"$lockfile"
  else
    "$@"
  fi
}

# --- processes and ports ----------------------------------------------------

# alive <pid>: the process exists and is not a zombie. Our servers are
# reparented to PID 1, and some container inits reap exited children only
# every few seconds; kill -0 alone would report those zombies as running.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state; state="$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)"
  [[ -n "$state" && "$state" != Z ]]
}

# pid_matches <pid> <substring>: the pid is alive AND its command line contains
# <substring>. Guards against stale pid files whose pid got reused.
pid_matches() {
  local pid="$1" needle="$2" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$needle"* ]]
}

# read_pidfile <file>: print the pid stored in it (first line), or nothing.
read_pidfile() {
  [[ -f "$1" ]] && head -n 1 "$1" 2>/dev/null | tr -dc '0-9' || true
}

# port_open <port>: something accepts TCP connections on 127.0.0.1:<port>.
# Uses bash's /dev/tcp so no nc/ss is needed; refused connects return at once.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# port_listening <port>: a TCP listener exists on <port> (any local address).
# Prefers ss, which inspects the socket table without connecting: a bare
# connect+close makes FerretDB log a WARN line on every `status`.
port_listening() {
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
  else
    port_open "$1"
  fi
}

# port_owner <port>: "pid 123 (java)" of the listener, if ss can tell us.
port_owner() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null \
    | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/pid \2 (\1)/p' | head -n 1
}

# ensure_port_free <port>: fail with one line if someone else listens there.
# Only called when our own server is known not to be running.
ensure_port_free() {
  local port="$1" owner
  if port_listening "$port" || port_open "$port"; then
    owner="$(port_owner "$port")"
    die "port $port is busy (used by another process${owner:+: $owner})"
  fi
}

# spawn <pidfile> <ports> <outfile> <cmd...>: start a server detached from this shell.
# The pid file holds the pid and, on line 2, the port(s) it was started with.
# setsid gives it its own session (no SIGHUP when the terminal/CI step ends)
# and stdin comes from /dev/null. A background child of a non-interactive
# script is never a process-group leader, so setsid(1) does not fork again
# and $! is the server's own pid.
spawn() {
  local pidfile="$1" ports="$2" outfile="$3"; shift 3
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$outfile")"
  # 9>&-: don't let the server inherit with_lock's lock fd, or the lock would
  # be held for the server's lifetime and the next `up`/`down` would hang.
  setsid "$@" >>"$outfile" 2>&1 </dev/null 9>&- &
  printf '%s\n%s\n' "$!" "$ports" >"$pidfile"
}

# pidfile_ports <file>: the port(s) recorded by spawn.
pidfile_ports() { sed -n 2p "$1" 2>/dev/null || true; }

# ensure_same_ports <name> <pid> <running-ports> <wanted-ports>: `up` with
# other ports (env overrides) than the running server would silently hand out
# the wrong address, so refuse instead.
ensure_same_ports() {
  local name="$1" pid="$2" running="$3" wanted="$4"
  [[ -z "$running" || "$running" == "$wanted" ]] \
    || die "$name is already running on port ${running// /,} (pid $pid); run 'infra.sh down' first to use port ${wanted// /,}"
}

# stop_pid <name> <pid> <grace-seconds>: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local name="$1" pid="$2" grace="$3" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while alive "$pid"; do
    if (( waited >= grace * 10 )); then
      log "$name did not stop within ${grace}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  # A SIGKILLed process may need a moment to exit.
  for _ in $(seq 50); do alive "$pid" || return 0; sleep 0.1; done
}

# wait_for <name> <timeout> <pid-or-empty> <logfile> <check-cmd...>
# Polls <check-cmd> until it succeeds. Fails early (with a log tail) when the
# server process dies, and after <timeout> seconds. Files listed in the
# WAIT_EXTRA_LOGS array are tailed too (e.g. a JVM's raw stdout/stderr).
WAIT_EXTRA_LOGS=()
wait_for() {
  local name="$1" timeout="$2" pid="$3" logfile="$4"; shift 4
  local deadline=$((SECONDS + timeout)) problem=""
  until "$@"; do
    if [[ -n "$pid" ]] && ! alive "$pid"; then
      problem="exited during startup"
    elif (( SECONDS >= deadline )); then
      problem="not ready after ${timeout}s"
    fi
    if [[ -n "$problem" ]]; then
      printf 'infra.sh: error: %s %s (see %s)\n' "$name" "$problem" "$logfile" >&2
      tail_log "$logfile"
      local extra
      for extra in "${WAIT_EXTRA_LOGS[@]}"; do tail_log "$extra" 15; done
      exit 1
    fi
    sleep 0.2
  done
}

# elapsed <start-epoch-ms>: "1.8s"
now_ms() { date +%s%3N; }
elapsed() { local d=$(( $(now_ms) - $1 )); printf '%d.%ds' $((d / 1000)) $(((d % 1000) / 100)); }
