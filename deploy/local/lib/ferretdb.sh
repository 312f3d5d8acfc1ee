# shellcheck shell=bash
# FerretDB v1 (MongoDB wire protocol on top of PostgreSQL), built from its Go
# module source. Sourced by infra.sh.

FERRETDB_MODULE="github.com/FerretDB/FerretDB"
FERRETDB_BIN="$TOOLS_DIR/ferretdb-$FERRETDB_VERSION/ferretdb"
# Built once per user, copied into every clone's .tools (see ferretdb_install).
FERRETDB_CACHED_BIN="$USER_CACHE/ferretdb-$FERRETDB_VERSION/ferretdb"
FERRETDB_STATE="$STATE_DIR/ferretdb"        # --state-dir (state.json with the instance UUID)
FERRETDB_PIDFILE="$RUN_DIR/ferretdb.pid"
FERRETDB_LOG="$LOG_DIR/ferretdb.log"

GO_BIN=""
require_go() {
  if command -v go >/dev/null 2>&1; then GO_BIN="$(command -v go)"
  elif [[ -x /usr/local/go/bin/go ]]; then GO_BIN=/usr/local/go/bin/go   # official tarball location, often not in PATH
  else die "go not found in PATH (needed once to build FerretDB $FERRETDB_VERSION): install Go 1.24+ from go.dev/dl"
  fi
}

ferretdb_install() {
  [[ -x "$FERRETDB_BIN" ]] && return 0
  with_lock "$TOOLS_DIR/.ferretdb.lock" _ferretdb_install_locked
}

_ferretdb_install_locked() {
  [[ -x "$FERRETDB_BIN" ]] && return 0
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  if [[ ! -x "$FERRETDB_CACHED_BIN" ]]; then
    with_lock "$USER_CACHE/.ferretdb-$FERRETDB_VERSION.lock" _ferretdb_build_into_cache
  fi
  # Copy, then rename: a concurrent reader never sees a half-written binary.
  cp "$FERRETDB_CACHED_BIN" "$FERRETDB_BIN.tmp.$$"
  chmod 755 "$FERRETDB_BIN.tmp.$$"
  mv -f "$FERRETDB_BIN.tmp.$$" "$FERRETDB_BIN"
  log "ferretdb: installed $FERRETDB_BIN"
}

# Build from the module zip (GOMODCACHE) rather than `go install`: a plain
# `go install ...@v1.24.2` binary panics at start because build/version/version.txt
# (normally generated from `git describe`) is missing from the module, and the
# module cache is read-only, so we build from a writable copy.
_ferretdb_build_into_cache() {
  [[ -x "$FERRETDB_CACHED_BIN" ]] && return 0
  require_go
  local t0; t0="$(now_ms)"
  log "ferretdb: building $FERRETDB_VERSION from source (once per user; takes ~1-2 min without a warm Go build cache)"
  local work; work="$(mktemp -d "${TMPDIR:-/tmp}/dvika-ferretdb-build.XXXXXX")"
  # Runs in with_lock's subshell, so this trap only cleans up after the build.
  trap 'chmod -R u+w "'"$work"'" 2>/dev/null; rm -rf "'"$work"'"' EXIT

  local json dir
  # Run outside any module so the repo's own go.mod (if any) can't interfere.
  json="$(cd "$work" && GO111MODULE=on "$GO_BIN" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION")" \
    || die "go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed: $(printf '%s' "$json" | sed -n 's/.*"Error": "\(.*\)".*/\1/p' | head -n 1)"
  dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n 1)"
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download did not report a source dir for $FERRETDB_MODULE@$FERRETDB_VERSION"

  cp -R "$dir/." "$work/src"
  chmod -R u+w "$work/src"
  printf '%s\n' "$FERRETDB_VERSION" >"$work/src/build/version/version.txt"

  # CGO off: static binary, no C toolchain needed. -trimpath: the temp dir
  # name doesn't leak into the binary nor defeat the Go build cache.
  if ! (cd "$work/src" && CGO_ENABLED=0 "$GO_BIN" build -trimpath -o "$work/ferretdb" ./cmd/ferretdb) >&2; then
    die "go build of FerretDB $FERRETDB_VERSION failed (see output above)"
  fi
  "$work/ferretdb" --version 2>&1 | grep -q "$FERRETDB_VERSION" \
    || die "built ferretdb does not report version $FERRETDB_VERSION"

  mkdir -p "$(dirname "$FERRETDB_CACHED_BIN")"
  cp "$work/ferretdb" "$FERRETDB_CACHED_BIN.tmp.$$"
  mv -f "$FERRETDB_CACHED_BIN.tmp.$$" "$FERRETDB_CACHED_BIN"
  log "ferretdb: built in $(elapsed "$t0"), cached at $FERRETDB_CACHED_BIN"
}

ferretdb_pid() {
  local pid; pid="$(read_pidfile "$FERRETDB_PIDFILE")"
  # Our --state-dir is unique per clone and profile.
  if [[ -n "$pid" ]] && pid_matches "$pid" "$FERRETDB_STATE"; then echo "$pid"; fi
}

ferretdb_preflight() {
  local pid; pid="$(ferretdb_pid)"
  if [[ -n "$pid" ]]; then
    ensure_same_ports ferretdb "$pid" "$(pidfile_ports "$FERRETDB_PIDFILE")" "$FERRETDB_PORT"
    return 0
  fi
  ensure_port_free "$FERRETDB_PORT"
}

_ferretdb_ready() { port_listening "$FERRETDB_PORT"; }

ferretdb_up() {
  if [[ -n "$(ferretdb_pid)" ]]; then
    log "ferretdb: already running (pid $(ferretdb_pid))"
    return 0
  fi
  ferretdb_install
  mkdir -p "$FERRETDB_STATE" "$LOG_DIR" "$RUN_DIR"
  printf '\n===== %s starting ferretdb %s =====\n' "$(date -Is)" "$FERRETDB_VERSION" >>"$FERRETDB_LOG"
  local t0; t0="$(now_ms)"
  # --debug-addr=- disables the metrics/pprof HTTP listener, whose fixed
  # default (127.0.0.1:8088) would make the dev and test profiles collide.
  # --log-format=text: plain lines in the log file (console adds colours).
  # pool_max_conns: FerretDB 1.24 holds a PostgreSQL connection per statement of a bulk write
  # until the command ends, and a command that needs more than its pool has (50 by default)
  # waits for ever: a few gateways folding the same batch at once (tests run several) used
  # them all up and hung every client. 150 of PostgreSQL's 200 (deploy/local/postgres).
  spawn "$FERRETDB_PIDFILE" "$FERRETDB_PORT" "$FERRETDB_LOG" \
    "$FERRETDB_BIN" \
      --handler=postgresql \
      --postgresql-url="postgres://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB?pool_max_conns=150" \
      --listen-addr="127.0.0.1:$FERRETDB_PORT" \
      --state-dir="$FERRETDB_STATE" \
      --debug-addr=- \
      --telemetry=disable \
      --log-level=warn \
      --log-format=text
  wait_for "ferretdb" "$START_TIMEOUT" "$(read_pidfile "$FERRETDB_PIDFILE")" "$FERRETDB_LOG" _ferretdb_ready
  log "ferretdb: ready on 127.0.0.1:$FERRETDB_PORT in $(elapsed "$t0") (pid $(read_pidfile "$FERRETDB_PIDFILE"))"
}

ferretdb_down() {
  local pid; pid="$(ferretdb_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$FERRETDB_PIDFILE"
    log "ferretdb: not running"
    return 0
  fi
  stop_pid ferretdb "$pid" 10
  rm -f "$FERRETDB_PIDFILE"
  log "ferretdb: stopped (pid $pid)"
}

ferretdb_status() {
  local pid port="$FERRETDB_PORT"
  pid="$(ferretdb_pid)"
  if [[ -z "$pid" ]]; then
    printf '%-9s stopped  port %s\n' ferretdb "$port"
    return 1
  fi
  port="$(pidfile_ports "$FERRETDB_PIDFILE")"; port="${port:-$FERRETDB_PORT}"
  if port_listening "$port"; then
    printf '%-9s running  port %s  pid %s\n' ferretdb "$port" "$pid"
  else
    printf '%-9s starting port %s  pid %s (port not answering)\n' ferretdb "$port" "$pid"
    return 1
  fi
}
