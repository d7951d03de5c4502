#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the MinSide test suite.
#
#   scripts/pg-test-cluster.sh start   start (or reuse) the cluster; prints the admin URL
#   scripts/pg-test-cluster.sh url     print the admin URL of the running cluster (exit 1 if none)
#   scripts/pg-test-cluster.sh stop    stop the cluster and delete its directory
#
# The admin URL (postgres://postgres@127.0.0.1:PORT/postgres) is the only thing printed on
# stdout; progress goes to stderr, server logs to "$DIR/data/server.log".
#
# Environment:
#   MINSIDE_PG_DIR  cluster directory (default /tmp/minside-pg-test-$(id -u))
#   PG_BIN          PostgreSQL binaries (default /usr/lib/postgresql/15/bin, else from PATH)
#
# PostgreSQL refuses to run as root. When this script runs as root (as CI does) it runs initdb
# and pg_ctl as the unprivileged `postgres` system user, in a directory that user owns.
# Safe against concurrent callers (cargo-nextest runs many test processes at once): every
# command holds an exclusive flock on "$DIR.lock", and `start` reuses a live cluster.
# Settings trade durability for speed (fsync, full_page_writes and synchronous_commit off);
# authentication is `trust`, and the server listens only on 127.0.0.1 and a socket in "$DIR".
set -euo pipefail

DIR="${MINSIDE_PG_DIR:-/tmp/minside-pg-test-$(id -u)}"
DATA="$DIR/data"
SOCKET_DIR="$DIR/socket"
PORT_FILE="$DIR/port"
LOCK_FILE="$DIR.lock"

if [[ -n "${PG_BIN:-}" ]]; then
    :
elif [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
    PG_BIN=/usr/lib/postgresql/15/bin
else
    PG_BIN="$(dirname "$(command -v pg_ctl || echo /usr/bin/pg_ctl)")"
fi

log() { echo "pg-test-cluster: $*" >&2; }
die() {
    log "$*"
    exit 1
}

# Runs a PostgreSQL command as the cluster owner: `postgres` when we are root, else ourselves.
# The lock descriptor (9) is closed for the command so the server never inherits the lock.
as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        (cd "$DIR" && runuser -u postgres -- "$@" 9>&-)
    else
        (cd "$DIR" && "$@" 9>&-)
    fi
}

admin_url() { echo "postgres://postgres@127.0.0.1:$(cat "$PORT_FILE")/postgres"; }

is_running() {
    [[ -f "$DATA/PG_VERSION" && -f "$PORT_FILE" ]] || return 1
    as_owner "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || return 1
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(cat "$PORT_FILE")" -U postgres >/dev/null 2>&1
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
    local port
    if command -v python3 >/dev/null 2>&1 &&
        port="$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null)"; then
        echo "$port"
        return
    fi
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if port_is_free "$port"; then
            echo "$port"
            return
        fi
    done
    die "no free TCP port found"
}

init_cluster() {
    log "initialising a new cluster in $DATA"
    rm -rf "$DIR"
    mkdir -p "$DIR" "$SOCKET_DIR"
    if [[ "$(id -u)" == 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user"
        chown -R postgres: "$DIR"
    fi
    chmod 700 "$DIR"
    as_owner "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C --no-sync >"$DIR/initdb.log" 2>&1 ||
        die "initdb failed; see $DIR/initdb.log"
    as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# minside test cluster: speed over durability
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKET_DIR'
max_connections = 300
fsync = off
full_page_writes = off
synchronous_commit = off
logging_collector = off
EOF
}

start_cluster() {
    local port attempt
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        log "starting PostgreSQL on 127.0.0.1:$port (attempt $attempt)"
        if as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
            -o "-p $port" start >&2; then
            echo "$port" >"$PORT_FILE"
            return
        fi
        log "start failed; see $DATA/server.log"
    done
    die "could not start PostgreSQL"
}

cmd_start() {
    if is_running; then
        admin_url
        return
    fi
    if [[ -f "$DATA/PG_VERSION" ]]; then
        # A cluster from an earlier run that is no longer up: stop leftovers, then start again.
        as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
    else
        init_cluster
    fi
    start_cluster
    admin_url
}

cmd_url() {
    is_running || die "no cluster is running in $DIR"
    admin_url
}

cmd_stop() {
    if [[ -f "$DATA/PG_VERSION" ]]; then
        as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
    fi
    rm -rf "$DIR"
    log "stopped and removed $DIR"
}

main() {
    local command="${1:-}"
    case "$command" in
    start | stop | url) ;;
    *)
        echo "usage: $0 start|stop|url" >&2
        exit 2
        ;;
    esac
    exec 9>"$LOCK_FILE"
    flock 9
    "cmd_$command"
}

main "$@"
