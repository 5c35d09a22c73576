# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts that source this
# Shared helpers for the project's scripts (setup.sh, run.sh, stop.sh, test.sh).
# Source it; do not execute it.  Everything the scripts start lives under .run/.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
RUN="$ROOT/.run"
PIDS="$RUN/pids"
LOGS="$RUN/logs"

# Ports / hosts of the single-machine default.  They are fixed on purpose: the
# config templates and the README name them.
PG_HOST=127.0.0.1
PG_PORT=${MIGRATION_PG_PORT:-5432}      # override only to try setup.sh itself
REDIS_HOST=127.0.0.1
REDIS_PORT=${MIGRATION_REDIS_PORT:-6379}
SEARCH_PORT=8983
TEST_SEARCH_PORT=8984
CKAN_HOST=127.0.0.1
CKAN_PORT=5000

DB_USER=ckan_default
DB_PASS=pass
DB_NAME=ckan_migration
TEST_DB_NAME=ckan_test
# DataStore (tabular data loaded by ckanext-xloader): its own databases and read-only role
DS_RO_USER=datastore_default
DS_DB_NAME=datastore_migration
TEST_DS_DB_NAME=datastore_test

if [ -t 1 ]; then
    _B=$'\e[1m'; _R=$'\e[31m'; _G=$'\e[32m'; _Y=$'\e[33m'; _N=$'\e[0m'
else
    _B=; _R=; _G=; _Y=; _N=
fi

log()  { printf '%s==>%s %s\n' "$_B" "$_N" "$*"; }
ok()   { printf '%s  ok%s %s\n' "$_G" "$_N" "$*"; }
warn() { printf '%swarning:%s %s\n' "$_Y" "$_N" "$*" >&2; }

# die "what happened" ["what to do"]...
die() {
    printf '%sERROR:%s %s\n' "$_R" "$_N" "$1" >&2
    shift
    local line
    for line in "$@"; do printf '       %s\n' "$line" >&2; done
    exit 1
}

ensure_run_dirs() {
    mkdir -p "$RUN" "$PIDS" "$LOGS"
}

# ---------------------------------------------------------------------------
# processes and ports

# port_open PORT [HOST]: something accepts TCP connections on HOST:PORT.
port_open() {
    local port=$1 host=${2:-127.0.0.1}
    timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
}

# who_listens PORT: best-effort description of the process listening on PORT.
who_listens() {
    local port=$1 out=""
    if command -v ss >/dev/null 2>&1; then
        out=$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*users:(\(.*\))/\1/p' | head -n1)
    fi
    if [ -z "$out" ] && command -v lsof >/dev/null 2>&1; then
        out=$(lsof -nP -iTCP:"$port" -sTCP:LISTEN 2>/dev/null | awk 'NR==2 {print $1" (pid "$2")"}')
    fi
    printf '%s' "${out:-an unknown process}"
}

# pid_alive PIDFILE: the pid recorded in PIDFILE is a running process.
pid_alive() {
    local f=$1 pid
    [ -s "$f" ] || return 1
    pid=$(cat "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

pid_of() { cat "$1" 2>/dev/null || true; }

# start_bg NAME LOGFILE CMD...: start CMD detached (own session/process group)
# with nohup, stdout+stderr to LOGFILE, pid to .run/pids/NAME.pid.
start_bg() {
    local name=$1 logfile=$2
    shift 2
    ensure_run_dirs
    # setsid gives the process its own process group, so stop_pidfile can end
    # it together with any children (e.g. a dev-server reloader).
    nohup setsid "$@" >>"$logfile" 2>&1 < /dev/null &
    echo $! >"$PIDS/$name.pid"
}

# stop_pidfile NAME: stop the process (group) recorded in .run/pids/NAME.pid.
stop_pidfile() {
    local name=$1 f="$PIDS/$1.pid" pid i
    if ! pid_alive "$f"; then
        rm -f "$f"
        return 1
    fi
    pid=$(cat "$f")
    # The process is a session leader (setsid), so its pgid is its pid.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        warn "$name (pid $pid) did not stop after 10 s; sending SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
    return 0
}

# wait_for DESCRIPTION SECONDS PIDFILE LOGFILE CMD...: poll CMD until it
# succeeds; fail early (showing the log tail) if the process dies.
wait_for() {
    local what=$1 secs=$2 pidfile=$3 logfile=$4 _
    shift 4
    for _ in $(seq 1 $((secs * 2))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        if [ -n "$pidfile" ] && ! pid_alive "$pidfile"; then
            tail_log "$logfile"
            die "$what exited during start-up." \
                "See the log: $logfile" \
                "Fix the cause shown there, then re-run the script."
        fi
        sleep 0.5
    done
    tail_log "$logfile"
    if [ -n "$pidfile" ] && pid_alive "$pidfile"; then
        # do not leave a half-started process holding the port
        stop_pidfile "$(basename "$pidfile" .pid)" || true
    fi
    die "$what did not become ready within ${secs}s (it was stopped again)." \
        "See the log: $logfile" \
        "Fix the cause shown there, then re-run the script."
}

tail_log() {
    local f=$1
    [ -n "$f" ] && [ -s "$f" ] || return 0
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n 25 "$f" >&2
    printf -- '-----\n' >&2
}

# ---------------------------------------------------------------------------
# protocol probes

# is_postgres PORT: the server on PORT speaks the PostgreSQL protocol (it
# answers an SSLRequest with 'S' or 'N').
is_postgres() {
    local port=$1
    if command -v pg_isready >/dev/null 2>&1; then
        local rc=0
        pg_isready -q -h "$PG_HOST" -p "$port" -t 3 || rc=$?
        # 0 = accepting connections, 1 = rejecting (starting up): PostgreSQL
        case $rc in 0|1) return 0 ;; esac
    fi
    python3 - "$PG_HOST" "$port" <<'EOF' 2>/dev/null
import socket, struct, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
s.sendall(struct.pack("!ii", 8, 80877103))
sys.exit(0 if s.recv(1) in (b"S", b"N") else 1)
EOF
}

# is_redis PORT: the server on PORT answers PING with +PONG.
is_redis() {
    local port=$1
    timeout 3 bash -c '
        exec 3<>/dev/tcp/'"$REDIS_HOST"'/'"$port"' || exit 1
        printf "PING\r\n" >&3
        IFS= read -r -t 2 line <&3 || exit 1
        [[ "$line" == "+PONG"* ]]' 2>/dev/null
}

# search_ping PORT [CORE]: OUR search service (ckanext-migration-search)
# answers ping with status OK.  A real Solr answering is not enough.
search_ping() {
    local port=$1 core=${2:-ckan} body
    body=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/solr/$core/admin/ping?wt=json" 2>/dev/null) || return 1
    printf '%s' "$body" | grep -Eq '"status" *: *"OK"' &&
        printf '%s' "$body" | grep -q 'ckanext-migration-search'
}

# ckan_status PORT: CKAN's status_show API answers success.
ckan_status() {
    local port=$1 body
    body=$(curl -fsS --max-time 5 "http://$CKAN_HOST:$port/api/3/action/status_show" 2>/dev/null) || return 1
    printf '%s' "$body" | grep -Eq '"success" *: *true'
}

# ---------------------------------------------------------------------------
# search service

# start_search NAME PORT DATADIR CORE: start our Solr-compatible service and
# wait until CORE answers ping.
start_search() {
    local name=$1 port=$2 data=$3 core=$4 logfile="$LOGS/$1.log"
    [ -x "$VENV/bin/migration-search" ] || die \
        "The search service command $VENV/bin/migration-search is missing." \
        "Run: bash scripts/setup.sh   (it installs the project into .venv)"
    [ -f "$ROOT/config/solr/schema.xml" ] || die "config/solr/schema.xml is missing."
    mkdir -p "$data"
    : >"$logfile"
    start_bg "$name" "$logfile" "$VENV/bin/migration-search" \
        --host 127.0.0.1 --port "$port" --data-dir "$data" \
        --schema "$ROOT/config/solr/schema.xml"
    wait_for "The search service ($name, port $port)" 60 "$PIDS/$name.pid" "$logfile" \
        search_ping "$port" "$core"
}

port_taken_error() {
    local port=$1 what=$2 name
    for name in search test-search web; do
        if pid_alive "$PIDS/$name.pid" && ss -Hltnp "sport = :$port" 2>/dev/null |
                grep -q "pid=$(pid_of "$PIDS/$name.pid"),"; then
            die "Port $port is held by this checkout's $name process (pid $(pid_of "$PIDS/$name.pid")), but it does not answer as expected." \
                "See its log in $LOGS/, then restart: bash scripts/stop.sh && bash scripts/run.sh"
        fi
    done
    die "Port $port is already in use by $(who_listens "$port"), which is not $what." \
        "Stop that program (or free port $port), then re-run this script."
}

# ---------------------------------------------------------------------------
# ckan

ckan_cli() { "$VENV/bin/ckan" "$@"; }

# ---------------------------------------------------------------------------
# DataStore

# datastore_set_permissions INI DBNAME: grant the DataStore's read-only role what CKAN's
# `ckan datastore set-permissions` prints for INI, run as the postgres superuser on DBNAME
# (idempotent).
datastore_set_permissions() {
    local ini=$1 db=$2 logf="$LOGS/datastore-permissions.log"
    if ! "$VENV/bin/ckan" -c "$ini" datastore set-permissions >"$logf.sql" 2>"$logf" </dev/null; then
        tail_log "$logf"
        die "ckan datastore set-permissions failed for $ini." "See $logf."
    fi
    "$PY" - "$PG_HOST" "$PG_PORT" "$db" "$logf.sql" <<'EOF' >>"$logf" 2>&1 || { tail_log "$logf"; \
        die "Granting the DataStore read-only role on $db failed." "See $logf."; }
import sys
import psycopg2
host, port, db, path = sys.argv[1:]
conn = psycopg2.connect(host=host, port=port, user="postgres", dbname=db)
conn.autocommit = True
# psql's \\connect line: we are connected to that database already
script = "".join(line for line in open(path, encoding="utf-8")
                 if not line.lstrip().startswith("\\"))
conn.cursor().execute(script)
EOF
}
