# shellcheck shell=bash
# PostgreSQL (Debian packages) as FerretDB's backend. Sourced by infra.sh.
#
# Layout: .state/<profile>/pg/{data,run,postgresql.log}; logs/postgresql.log
# is a symlink to the server log so all logs are found in one place.

PG_USER="postgres"         # database superuser name (initdb -U), same for root and non-root runs
PG_DB="ferretdb"
PG_LINK="$STATE_DIR/pg"    # a directory, or a symlink to the fallback dir (see pg_prepare_home)
PG_BIN=""

# Highest installed major version wins; DVIKA_PG_BIN pins one explicitly.
pg_find_bin() {
  if [[ -n "${DVIKA_PG_BIN:-}" ]]; then
    [[ -x "$DVIKA_PG_BIN/initdb" ]] || die "DVIKA_PG_BIN=$DVIKA_PG_BIN has no initdb"
    PG_BIN="$DVIKA_PG_BIN"; return 0
  fi
  local initdb
  initdb="$(ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$initdb" ]] && PG_BIN="$(dirname "$initdb")"
  [[ -n "$PG_BIN" ]]
}

pg_install() {
  pg_find_bin && return 0
  is_root || die "postgres not found (no /usr/lib/postgresql/*/bin/initdb): install the Debian package 'postgresql' as root"
  require_cmd apt-get "postgres is missing and this is not a Debian/Ubuntu system; install PostgreSQL 15+"
  log "postgres: installing Debian package 'postgresql'"
  # Debian's package also creates and starts a 'main' cluster on 5432; that
  # does not clash with our ports, so we leave it alone.
  with_lock "$TOOLS_DIR/.apt.lock" bash -c \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null' >&2 \
    || die "apt-get install postgresql failed"
  pg_find_bin || die "postgres not found after apt-get install postgresql"
}

# PostgreSQL refuses to run as root, so as root every server-side command runs
# as the 'postgres' system user (created by the Debian package). `cd /` avoids
# "could not change directory" noise when the caller's cwd is private (/root).
as_pg() {
  if is_root; then
    getent passwd postgres >/dev/null || die "system user 'postgres' not found (install the Debian 'postgresql' package)"
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Data dir location. As root the data dir must be owned by 'postgres', and that
# user must be able to reach it. CI clones often live under /root (0700), where
# it can't. Options: chmod o+x every parent (silently widens permissions on the
# user's home) or keep the data outside. We keep it in .state/<profile>/pg when
# 'postgres' can reach that path, and otherwise use a per-clone, per-profile dir
# under /var/tmp (survives reboots, unlike /tmp on tmpfs) with .state/<profile>/pg
# as a symlink to it, so `rm -rf .state` still "forgets" it and every later run
# finds the same place. The fallback is also used when the unix socket path
# would exceed the kernel's 107-byte limit (deep CI checkout paths).
pg_fallback_dir() {
  local hash; hash="$(printf '%s' "$STATE_DIR" | sha256sum | cut -c1-12)"
  echo "/var/tmp/dvika-care-pg-$(id -u)-$hash"
}

pg_state_reachable() {
  is_root || return 0
  (cd / && runuser -u postgres -- test -x "$STATE_DIR") 2>/dev/null
}

pg_prepare_home() {
  mkdir -p "$STATE_DIR" "$LOG_DIR"
  if [[ ! -e "$PG_LINK" && ! -L "$PG_LINK" ]]; then
    local sock="$STATE_DIR/pg/run/.s.PGSQL.$PG_PORT"
    if pg_state_reachable && (( ${#sock} <= 100 )); then
      mkdir -p "$PG_LINK"
    else
      local fb; fb="$(pg_fallback_dir)"
      log "postgres: '$STATE_DIR' unusable for the postgres user or socket path too long; using $fb"
      ln -s "$fb" "$PG_LINK"
    fi
  fi
  local home; home="$(readlink -f "$PG_LINK")"
  if [[ -L "$PG_LINK" && -e "$home" ]]; then
    # Refuse a pre-existing fallback dir owned by someone else (/var/tmp is world-writable).
    local owner; owner="$(stat -c %U "$home")"
    [[ "$owner" == "$(id -un)" || "$owner" == postgres ]] || die "$home exists but is owned by $owner"
  fi
  mkdir -p "$home"
  chmod 700 "$home"
  is_root && chown postgres:postgres "$home"
  as_pg mkdir -p "$home/run"
  PG_HOME="$home"
}

# Paths through the symlink resolve to the real dir; readlink -f keeps the
# unix socket path short in the fallback case.
pg_paths() {
  PG_HOME="$(readlink -f "$PG_LINK" 2>/dev/null || echo "$PG_LINK")"
  PG_DATA="$PG_HOME/data"
  PG_SOCK="$PG_HOME/run"
  PG_LOG="$PG_HOME/postgresql.log"
}

pg_paths

pg_pid() {
  local pid; pid="$(read_pidfile "$PG_DATA/postmaster.pid")"
  if [[ -n "$pid" ]] && pid_matches "$pid" "postgres"; then echo "$pid"; fi
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres; }

# Line 4 of postmaster.pid is the port the server listens on.
pg_running_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9' || true; }

pg_preflight() {
  local pid; pid="$(pg_pid)"
  if [[ -n "$pid" ]]; then
    ensure_same_ports postgres "$pid" "$(pg_running_port)" "$PG_PORT"
    return 0
  fi
  ensure_port_free "$PG_PORT"
}

pg_initdb_once() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  log "postgres: initdb $PG_DATA ($("$PG_BIN/postgres" --version | awk '{print $3}'))"
  # trust auth: the server only listens on 127.0.0.1 and a private socket dir.
  # --no-sync: the data is disposable, skip initdb's final fsync.
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" -E UTF8 --locale=C \
        --auth-local=trust --auth-host=trust --no-sync >"$LOG_DIR/postgres-initdb.log" 2>&1; then
    printf 'infra.sh: error: initdb failed (see %s)\n' "$LOG_DIR/postgres-initdb.log" >&2
    tail_log "$LOG_DIR/postgres-initdb.log"
    exit 1
  fi
  # Our tuning lives in deploy/local/postgres/postgresql.conf, copied on each start.
  as_pg sh -c "printf '\n# deploy/local/infra.sh\ninclude_if_exists = '\''dvika-care.conf'\''\n' >>'$PG_DATA/postgresql.conf'"
}

# Copy the tuning file in as the server user (it may not be able to read the repo).
pg_install_conf() {
  as_pg sh -c "cat >'$PG_DATA/dvika-care.conf'" <"$LOCAL_DIR/postgres/postgresql.conf"
}

pg_ensure_db() {
  local psql=("$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1)
  if [[ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]]; then
    "${psql[@]}" -c "CREATE DATABASE $PG_DB" >/dev/null || die "could not create database $PG_DB"
    log "postgres: created database $PG_DB"
  fi
  # GIN twins for FerretDB's indexes, so its pushed-down filters use them (see the file).
  "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -v ON_ERROR_STOP=1 \
    -f "$LOCAL_DIR/postgres/ferretdb-gin-indexes.sql" >/dev/null \
    || die "could not install deploy/local/postgres/ferretdb-gin-indexes.sql"
}

pg_up() {
  pg_install
  if [[ -n "$(pg_pid)" ]]; then
    log "postgres: already running (pid $(pg_pid))"
    pg_ensure_db
    return 0
  fi
  pg_prepare_home
  pg_paths
  ln -sfn "$PG_LOG" "$LOG_DIR/postgresql.log"
  pg_initdb_once
  pg_install_conf
  local t0; t0="$(now_ms)"
  # Port, address and socket dir on the command line so profile/env overrides
  # always apply. pg_ctl forks the postmaster into its own session (setsid),
  # so it outlives this shell; -w waits until it accepts connections.
  # 9>&-: the postmaster must not inherit with_lock's lock fd (see spawn).
  if ! as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t "$START_TIMEOUT" -s \
        -o "-p $PG_PORT -h 127.0.0.1 -k '$PG_SOCK'" >/dev/null 2>&1 9>&-; then
    printf 'infra.sh: error: postgres failed to start on port %s (see %s)\n' "$PG_PORT" "$LOG_DIR/postgresql.log" >&2
    tail_log "$PG_LOG"
    exit 1
  fi
  wait_for "postgres" "$START_TIMEOUT" "$(pg_pid)" "$PG_LOG" pg_ready
  log "postgres: ready on 127.0.0.1:$PG_PORT in $(elapsed "$t0")"
  pg_ensure_db
}

pg_down() {
  local pid; pid="$(pg_pid)"
  if [[ -z "$pid" ]]; then
    log "postgres: not running"
    return 0
  fi
  local t0; t0="$(now_ms)"
  if pg_find_bin; then
    # fast = roll back open transactions and disconnect clients, then stop.
    as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 30 -s >/dev/null 2>&1 || true
  fi
  # pg_ctl missing or timed out: SIGINT is PostgreSQL's "fast shutdown" too.
  if alive "$pid"; then
    kill -INT "$pid" 2>/dev/null || true
    stop_pid postgres "$pid" 20
  fi
  log "postgres: stopped (pid $pid) in $(elapsed "$t0")"
}

pg_status() {
  local pid; pid="$(pg_pid)"
  if [[ -z "$pid" ]]; then
    printf '%-9s stopped  port %s\n' postgres "$PG_PORT"
    return 1
  fi
  local PG_PORT; PG_PORT="$(pg_running_port)"   # what it runs on, not what env asks for
  if pg_find_bin && pg_ready; then
    printf '%-9s running  port %s  pid %s\n' postgres "$PG_PORT" "$pid"
  else
    printf '%-9s starting port %s  pid %s (not accepting connections)\n' postgres "$PG_PORT" "$pid"
    return 1
  fi
}
