#!/usr/bin/env bash
# Prepare this machine for the catalogue and its tests (idempotent):
#   * .venv with the project installed (re-installed only when setup.py changed)
#   * PostgreSQL on 127.0.0.1:5432 (the running one, or a project-owned cluster
#     under .run/postgres) with role ckan_default and databases
#     ckan_migration + ckan_test, and the DataStore's read-only role datastore_default
#     with databases datastore_migration + datastore_test (owned by ckan_default;
#     run.sh / test.sh grant the read-only role with `ckan datastore set-permissions`)
#   * Redis on 127.0.0.1:6379 (the running one, or redis-server under .run)
#   * Chromium at /usr/bin/chromium for the browser tests (Debian's package; Playwright
#     drives it: Playwright's own browser download is never used)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_run_dirs

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die \
        "Need the Debian package(s) '$*' but apt-get is not available." \
        "Install $* with your system's package manager, then re-run scripts/setup.sh."
    [ "$(id -u)" = 0 ] || die \
        "Need the Debian package(s) '$*', and installing them requires root." \
        "Run: sudo apt-get install -y $*   then re-run scripts/setup.sh."
    log "Installing Debian package(s): $* (log: $LOGS/apt.log)"
    if [ "$APT_UPDATED" = 0 ]; then
        apt-get update >>"$LOGS/apt.log" 2>&1 || warn "apt-get update failed (see $LOGS/apt.log)"
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
        >>"$LOGS/apt.log" 2>&1 || { tail_log "$LOGS/apt.log"; die \
        "apt-get install $* failed." \
        "See $LOGS/apt.log; check network access to the Debian mirrors, then re-run scripts/setup.sh."; }
}

# --------------------------------------------------------------------------
# 1. Python virtualenv + project install
setup_venv() {
    if [ ! -x "$PY" ]; then
        command -v python3 >/dev/null 2>&1 || die "python3 is not installed." \
            "Install Python 3.10+ (with the venv module), then re-run scripts/setup.sh."
        log "Creating virtualenv $VENV"
        python3 -m venv "$VENV" || die "python3 -m venv $VENV failed." \
            "On Debian install the venv module: apt-get install -y python3-venv"
    fi
    local stamp="$VENV/.migration-install.stamp" want have=""
    want=$(sha256sum "$ROOT/setup.py" | cut -d' ' -f1)
    [ -f "$stamp" ] && have=$(cat "$stamp")
    if [ "$want" = "$have" ] && [ -x "$VENV/bin/ckan" ]; then
        ok "virtualenv up to date (setup.py unchanged since the last install)"
        return
    fi
    # psycopg2 (pinned by CKAN) builds from source: it needs pg_config + headers.
    if ! command -v pg_config >/dev/null 2>&1 && ! "$PY" -c 'import psycopg2' 2>/dev/null; then
        apt_install libpq-dev
    fi
    local pl="$LOGS/pip-install.log"
    log "Installing the project into .venv: pip install -e '.[test]' (log: $pl; first time takes a few minutes)"
    : >"$pl"
    "$PY" -m pip install --upgrade pip >>"$pl" 2>&1 || warn "could not upgrade pip (continuing)"
    if ! "$PY" -m pip install -e "${ROOT}[test]" >>"$pl" 2>&1; then
        tail_log "$pl"
        die "pip install -e '.[test]' failed." \
            "See $pl for the full output (network access to PyPI? a missing system library?)." \
            "Fix the cause, then re-run: bash scripts/setup.sh"
    fi
    echo "$want" >"$stamp"
    ok "project installed into .venv"
}

# --------------------------------------------------------------------------
# 2. PostgreSQL
pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

as_pg_owner() {
    # initdb/postgres refuse to run as root: use the 'postgres' system user.
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_project_postgres() {
    local bindir data="$RUN/postgres" sock="$RUN/pg-socket" plog="$LOGS/postgres.log"
    bindir=$(pg_bindir || true)
    if [ -z "$bindir" ]; then
        apt_install postgresql
        # Debian's package may have created and started its own cluster on 5432.
        if is_postgres "$PG_PORT"; then
            ok "PostgreSQL from the Debian package is running on $PG_HOST:$PG_PORT"
            return
        fi
        bindir=$(pg_bindir || true)
        [ -n "$bindir" ] || die "PostgreSQL binaries (initdb) not found after installing postgresql."
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        die "Running as root but there is no 'postgres' system user to own the cluster." \
            "Install Debian's postgresql package (apt-get install -y postgresql) and re-run."
    fi
    mkdir -p "$data" "$sock"
    [ "$(id -u)" = 0 ] && chown postgres: "$data" "$sock" && chmod 700 "$data"
    touch "$plog"; [ "$(id -u)" = 0 ] && chown postgres: "$plog"
    if [ ! -s "$data/PG_VERSION" ]; then
        log "Creating a project-owned PostgreSQL cluster in $data"
        as_pg_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
            --locale=C.UTF-8 >>"$plog" 2>&1 || \
        as_pg_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
            --locale=C >>"$plog" 2>&1 || { tail_log "$plog"; die "initdb failed." \
            "See $plog. Remove $data and re-run scripts/setup.sh once the cause is fixed."; }
    fi
    log "Starting project-owned PostgreSQL on $PG_HOST:$PG_PORT (socket dir $sock)"
    as_pg_owner "$bindir/pg_ctl" -D "$data" -l "$plog" -w -t 60 \
        -o "-p $PG_PORT -h $PG_HOST -k $sock" start >/dev/null || { tail_log "$plog"; die \
        "The project-owned PostgreSQL did not start." "See $plog."; }
    head -n1 "$data/postmaster.pid" >"$PIDS/postgres.pid"
    echo "$bindir" >"$RUN/postgres.bindir"
}

setup_postgres() {
    if is_postgres "$PG_PORT"; then
        ok "PostgreSQL answers on $PG_HOST:$PG_PORT (using it)"
    elif port_open "$PG_PORT"; then
        port_taken_error "$PG_PORT" "PostgreSQL"
    else
        start_project_postgres
    fi
    # Role + databases, idempotently, as the 'postgres' superuser (trust auth).
    "$PY" - "$PG_HOST" "$PG_PORT" "$DB_USER" "$DB_PASS" "$DS_RO_USER" "$DB_NAME" "$TEST_DB_NAME" \
        "$DS_DB_NAME" "$TEST_DS_DB_NAME" <<'EOF' \
        || die "Could not create the role/databases in PostgreSQL on $PG_HOST:$PG_PORT." \
               "The scripts connect as superuser 'postgres' without a password (trust auth)." \
               "Allow that in pg_hba.conf, or create role ckan_default (password 'pass') and" \
               "databases ckan_migration, ckan_test owned by it yourself, then re-run."
import sys
import psycopg2
from psycopg2 import sql
host, port, user, password, ro_user, *dbs = sys.argv[1:]
try:
    conn = psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres")
except psycopg2.OperationalError as e:
    sys.stderr.write(f"connect as postgres failed: {e}\n")
    sys.exit(1)
conn.autocommit = True
cur = conn.cursor()
cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,))
if cur.fetchone() is None:
    cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(user)), (password,))
    print(f"  created role {user}")
cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ro_user,))
if cur.fetchone() is None:
    # the DataStore's read-only role (datastore_search_sql and read_url)
    cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(ro_user)), (password,))
    print(f"  created role {ro_user}")
for db in dbs:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
            sql.Identifier(db), sql.Identifier(user)))
        print(f"  created database {db}")
EOF
    ok "roles $DB_USER, $DS_RO_USER and databases $DB_NAME, $TEST_DB_NAME, $DS_DB_NAME, $TEST_DS_DB_NAME exist"
}

# --------------------------------------------------------------------------
# 3. Redis
setup_redis() {
    if is_redis "$REDIS_PORT"; then
        ok "Redis answers on $REDIS_HOST:$REDIS_PORT (using it)"
        return
    fi
    port_open "$REDIS_PORT" && port_taken_error "$REDIS_PORT" "Redis"
    if ! command -v redis-server >/dev/null 2>&1; then
        apt_install redis-server
        if is_redis "$REDIS_PORT"; then
            ok "Redis from the Debian package is running on $REDIS_HOST:$REDIS_PORT"
            return
        fi
    fi
    local rdir="$RUN/redis" rlog="$LOGS/redis.log"
    mkdir -p "$rdir"
    log "Starting project-owned Redis on $REDIS_HOST:$REDIS_PORT (data in $rdir)"
    redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" --daemonize yes \
        --pidfile "$PIDS/redis.pid" --logfile "$rlog" --dir "$rdir" --save '' \
        >/dev/null || { tail_log "$rlog"; die "redis-server failed to start." "See $rlog."; }
    local _
    for _ in $(seq 1 40); do is_redis "$REDIS_PORT" && break; sleep 0.25; done
    is_redis "$REDIS_PORT" || { tail_log "$rlog"; die "Redis did not answer PING after start." "See $rlog."; }
    ok "Redis started (pid $(pid_of "$PIDS/redis.pid"))"
}

# --------------------------------------------------------------------------
# 4. Chromium, for the browser tests (tests/browser/): Debian's package, driven by
#    Playwright through executable_path
CHROMIUM=/usr/bin/chromium
setup_chromium() {
    if [ -x "$CHROMIUM" ]; then
        ok "Chromium found at $CHROMIUM (using it for the browser tests)"
        return
    fi
    command -v apt-get >/dev/null 2>&1 || die \
        "The browser tests need Chromium at $CHROMIUM, and apt-get is not available to install it." \
        "Install your system's chromium package so that $CHROMIUM exists, then re-run scripts/setup.sh."
    apt_install chromium fonts-dejavu-core
    [ -x "$CHROMIUM" ] || die \
        "Installed the Debian package 'chromium' but $CHROMIUM is still missing." \
        "See $LOGS/apt.log; the browser tests (tests/browser/) need $CHROMIUM."
    ok "Chromium installed ($("$CHROMIUM" --version 2>/dev/null | head -n1))"
}

# the data handbook's PDF (WeasyPrint) needs Pango
setup_pango() {
    ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || apt_install libpango-1.0-0 libpangoft2-1.0-0
}

log "Setting up (repo: $ROOT)"
setup_venv
setup_postgres
setup_redis
setup_chromium
setup_pango
ok "setup complete"
