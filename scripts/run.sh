#!/usr/bin/env bash
# Run the catalogue on this machine (idempotent: running it again reuses what
# already runs).  Stop it with: bash scripts/stop.sh
#
#   search service  http://127.0.0.1:8983/solr/ckan   data in .run/search
#   CKAN            http://127.0.0.1:5000             config .run/ckan.ini
#   harvest gather + fetch consumers (Redis queue)
#   background jobs worker (ckanext-xloader loads tabular resources into the DataStore)
#   link checker, every MIGRATION_LINKCHECK_HOURS hours (default 24; 0 = never)
#   logs in .run/logs/, pid files in .run/pids/
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash "$ROOT/scripts/setup.sh"
ensure_run_dirs

INI="$RUN/ckan.ini"
SITE_URL="http://$CKAN_HOST:$CKAN_PORT"
SOLR_URL="http://127.0.0.1:$SEARCH_PORT/solr/ckan"
CONFIG_CHANGED=0
CODE_CHANGED=0

# --------------------------------------------------------------------------
render_config() {
    local tmp="$INI.new" secret=""
    if [ -f "$INI" ]; then   # keep the generated secret stable across runs
        secret=$(sed -n 's/^SECRET_KEY *= *//p' "$INI" | head -n1)
    fi
    [ -n "$secret" ] || secret=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')
    local xtoken=NOT_SET
    [ -s "$RUN/xloader-token" ] && xtoken=$(cat "$RUN/xloader-token")
    mkdir -p "$RUN/storage"
    "$PY" - "$ROOT/config/ckan.ini.tmpl" "$tmp" <<EOF
import sys
text = open(sys.argv[1], encoding="utf-8").read()
values = {
    "SQLALCHEMY_URL": "postgresql://$DB_USER:$DB_PASS@$PG_HOST:$PG_PORT/$DB_NAME",
    "SECRET": "$secret",
    "STORAGE_PATH": "$RUN/storage",
    "SITE_URL": "$SITE_URL",
    "SOLR_URL": "$SOLR_URL",
    # socket_timeout: see the ckanext-harvest section of config/ckan.ini.tmpl
    "REDIS_URL": "redis://$REDIS_HOST:$REDIS_PORT/0?socket_timeout=86400",
    "REDIS_HOST": "$REDIS_HOST",
    "REDIS_PORT": "$REDIS_PORT",
    "REDIS_DB": "0",
    "DATASTORE_WRITE_URL": "postgresql://$DB_USER:$DB_PASS@$PG_HOST:$PG_PORT/$DS_DB_NAME",
    "DATASTORE_READ_URL": "postgresql://$DS_RO_USER:$DB_PASS@$PG_HOST:$PG_PORT/$DS_DB_NAME",
    "XLOADER_TOKEN": "$xtoken",
    "XLOADER_SITE_URL": "$SITE_URL",
}
def render(line):
    if line.lstrip().startswith("#"):   # the header documents the placeholders
        return line
    for key, value in values.items():
        line = line.replace("@%s@" % key, value)
    return line
text = "".join(render(line) for line in text.splitlines(keepends=True))
import re
left = sorted(set(re.findall(r"^[^#\n]*?@([A-Z_]+)@", text, re.M)))
if left:
    sys.exit("unrendered placeholders in config/ckan.ini.tmpl: %s" % ", ".join(left))
open(sys.argv[2], "w", encoding="utf-8").write(text)
EOF
    chmod 600 "$tmp"
    if [ -f "$INI" ] && cmp -s "$tmp" "$INI"; then
        rm -f "$tmp"
        ok "config $INI unchanged"
    else
        [ -f "$INI" ] && CONFIG_CHANGED=1
        mv "$tmp" "$INI"
        ok "config rendered: $INI"
    fi
}

ckan() { "$VENV/bin/ckan" -c "$INI" "$@"; }

# ckan_step DESCRIPTION LOGNAME ARGS...: run a ckan command, output to a log.
ckan_step() {
    local what=$1 logf="$LOGS/$2.log"
    shift 2
    if ! ckan "$@" >"$logf" 2>&1 </dev/null; then
        tail_log "$logf"
        die "$what failed: ckan -c $INI $*" "See the full output in $logf."
    fi
}

# --------------------------------------------------------------------------
# check_code: when the project's code or schemas changed since the last run, the processes
# this checkout started are restarted (like a config change), so none serves stale code.
check_code() {
    local fp_file="$RUN/code.fingerprint" fp
    fp=$( { git -C "$ROOT" rev-parse HEAD 2>/dev/null || true
            git -C "$ROOT" diff HEAD -- ckanext-migration schemas harvesters config/solr \
                setup.py 2>/dev/null || true; } | sha256sum | cut -c1-16)
    if [ -f "$fp_file" ] && [ "$(cat "$fp_file")" != "$fp" ]; then
        log "code changed since the last run: restarting what this checkout started"
        CONFIG_CHANGED=1
        CODE_CHANGED=1
        stop_pidfile search >/dev/null || true
    fi
    printf '%s\n' "$fp" > "$fp_file"
}

start_search_service() {
    local name=search
    if search_ping "$SEARCH_PORT" ckan; then
        if pid_alive "$PIDS/$name.pid"; then
            ok "search service already running on port $SEARCH_PORT (pid $(pid_of "$PIDS/$name.pid"))"
        else
            warn "our search service answers on port $SEARCH_PORT but was not started by this" \
                 "checkout's run.sh (no pid file); using it"
        fi
        return
    fi
    port_open "$SEARCH_PORT" && port_taken_error "$SEARCH_PORT" "the migration search service"
    stop_pidfile "$name" >/dev/null || true
    log "Starting the search service on port $SEARCH_PORT (data in .run/search)"
    start_search "$name" "$SEARCH_PORT" "$RUN/search" ckan
    ok "search service up (pid $(pid_of "$PIDS/$name.pid"))"
}

init_database() {
    log "Migrating the database (core, activity, harvest)"
    ckan_step "CKAN database initialisation" db-init db init
    ckan_step "Activity migrations" db-upgrade-activity db upgrade -p activity
    ckan_step "Harvest migrations" db-upgrade-harvest db upgrade -p harvest
    ckan_step "Catalogue migrations" db-upgrade-migration db upgrade -p migration
    ok "database $DB_NAME is at the latest version"
    datastore_set_permissions "$INI" "$DS_DB_NAME"
    ok "DataStore database $DS_DB_NAME ready (read-only role $DS_RO_USER)"
}

# token_known TOKEN: the API token's id (its JWT "jti") is one of the sysadmin's tokens in
# the database (a database made anew has none of the old ones).
token_known() {
    local jti
    jti=$("$PY" -c 'import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["jti"])' "$1" 2>/dev/null) \
        || return 1
    ckan user token list "$ADMIN_USER" 2>/dev/null | grep -qF "[$jti]"
}

# ensure_xloader_token: the xloader worker acts through the API as the sysadmin; its token
# is made once, kept in .run/xloader-token and written into the config.
ensure_xloader_token() {
    local tfile="$RUN/xloader-token" out
    if [ -s "$tfile" ] && grep -q "^ckanext.xloader.api_token = $(cat "$tfile")\$" "$INI" \
            && token_known "$(cat "$tfile")"; then
        ok "xloader API token configured"
        return
    fi
    if ! out=$(ckan user token add "$ADMIN_USER" xloader 2>>"$LOGS/admin.log" </dev/null); then
        tail_log "$LOGS/admin.log"
        die "Creating the xloader API token failed: ckan user token add $ADMIN_USER xloader"
    fi
    (umask 077; printf '%s\n' "$out" | awk 'NF {t=$1} END {print t}' >"$tfile")
    render_config
    CONFIG_CHANGED=1
    ok "xloader API token created (kept in .run/xloader-token)"
}

ADMIN_USER="admin"
ADMIN_PASS=""
ensure_admin() {
    local pwfile="$RUN/admin-password" exists=0
    if ckan user show "$ADMIN_USER" 2>/dev/null | grep -q "name=$ADMIN_USER"; then
        exists=1
    fi
    if [ "$exists" = 1 ] && [ -s "$pwfile" ]; then
        ADMIN_PASS=$(cat "$pwfile")
        ok "sysadmin '$ADMIN_USER' exists"
        return
    fi
    ADMIN_PASS=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(12))')
    if [ "$exists" = 1 ]; then
        # user exists but its password file was lost: set a new password
        ckan_step "Resetting the admin password" admin user setpass "$ADMIN_USER" -p "$ADMIN_PASS"
        ok "sysadmin '$ADMIN_USER' existed without $pwfile: password reset"
    else
        ckan_step "Creating the sysadmin user" admin sysadmin add --create "$ADMIN_USER" \
            "email=admin@example.org" "password=$ADMIN_PASS" "fullname=Catalogue administrator"
        ok "sysadmin '$ADMIN_USER' created"
    fi
    ckan_step "Granting sysadmin" admin-sysadmin sysadmin add "$ADMIN_USER"
    (umask 077; printf '%s\n' "$ADMIN_PASS" >"$pwfile")
}

load_demo() {
    log "Loading the demo datasets"
    ckan_step "Loading the demo datasets" demo-load migration demo-load
    grep '^demo-load:' "$LOGS/demo-load.log" | sed 's/^/  /' || true
    if [ "$CODE_CHANGED" = 1 ]; then
        # the index documents are built by the project's code (computed and derived fields)
        ckan_step "Re-indexing every dataset (the code changed)" search-index search-index rebuild -q
    else
        # whatever the search service lacks (e.g. after .run/search was wiped)
        ckan_step "Indexing missing datasets" search-index search-index rebuild -o -q
    fi
}

start_web() {
    local name=web logf="$LOGS/ckan-web.log"
    if pid_alive "$PIDS/$name.pid"; then
        if [ "$CONFIG_CHANGED" = 1 ]; then
            log "config changed: restarting CKAN web"
            stop_pidfile "$name" || true
        elif ckan_status "$CKAN_PORT"; then
            ok "CKAN web already running on $SITE_URL (pid $(pid_of "$PIDS/$name.pid"))"
            return
        else
            # running but unhealthy: give it a moment, else restart it
            if wait_quiet 20 ckan_status "$CKAN_PORT"; then
                ok "CKAN web already running on $SITE_URL (pid $(pid_of "$PIDS/$name.pid"))"
                return
            fi
            warn "CKAN web (pid $(pid_of "$PIDS/$name.pid")) does not answer; restarting it"
            stop_pidfile "$name" || true
        fi
    fi
    if port_open "$CKAN_PORT" "$CKAN_HOST"; then
        die "Port $CKAN_PORT is already in use by $(who_listens "$CKAN_PORT"), which this checkout did not start." \
            "Stop that program (if it is a CKAN from another checkout: bash scripts/stop.sh there)," \
            "then re-run: bash scripts/run.sh"
    fi
    log "Starting CKAN web on $SITE_URL (log: $logf)"
    : >"$logf"
    start_bg "$name" "$logf" "$VENV/bin/ckan" -c "$INI" run -H "$CKAN_HOST" -p "$CKAN_PORT" \
        --disable-reloader --threaded
    wait_for "CKAN web" 120 "$PIDS/$name.pid" "$logf" ckan_status "$CKAN_PORT"
    ok "CKAN web up (pid $(pid_of "$PIDS/$name.pid"))"
}

wait_quiet() {
    local secs=$1 _
    shift
    for _ in $(seq 1 "$secs"); do "$@" && return 0; sleep 1; done
    return 1
}

# start_process NAME LABEL CMD...: a long-running process of this checkout (log
# .run/logs/NAME.log), kept when it already runs, restarted when the config or code changed.
start_process() {
    local name=$1 label=$2 logf="$LOGS/$1.log"
    shift 2
    if pid_alive "$PIDS/$name.pid"; then
        if [ "$CONFIG_CHANGED" = 1 ]; then
            stop_pidfile "$name" || true
        else
            ok "$label already running (pid $(pid_of "$PIDS/$name.pid"))"
            return
        fi
    fi
    : >"$logf"
    start_bg "$name" "$logf" "$@"
    sleep 3
    if ! pid_alive "$PIDS/$name.pid"; then
        tail_log "$logf"
        die "The $label exited right after start." "See $logf."
    fi
    ok "$label started (pid $(pid_of "$PIDS/$name.pid"))"
}

start_consumer() {
    start_process "harvest-$1" "harvest $1 consumer" "$VENV/bin/ckan" -c "$INI" harvester "$1-consumer"
}

# start_worker: CKAN's background jobs worker (xloader's DataStore loads run there).
start_worker() {
    start_process jobs-worker "background jobs worker" "$VENV/bin/ckan" -c "$INI" jobs worker
}

# start_linkcheck: `ckan migration check-links` now and then every
# MIGRATION_LINKCHECK_HOURS hours (0 turns the schedule off).
start_linkcheck() {
    local hours=${MIGRATION_LINKCHECK_HOURS:-24}
    if [ "$hours" = 0 ]; then
        stop_pidfile linkcheck >/dev/null 2>&1 || true
        ok "link checker schedule off (MIGRATION_LINKCHECK_HOURS=0)"
        return
    fi
    start_process linkcheck "link checker (every $hours h)" bash -c "while true; do
        '$VENV/bin/ckan' -c '$INI' migration check-links || echo 'check-links failed'
        sleep \$(( $hours * 3600 )); done"
}

# register_sources: the registry's harvest sources (harvest_registry/sources/*.yaml) created or
# updated, so the harvest page lists them from the first start (idempotent, like
# `ckan migration sources sync`).
register_sources() {
    ckan_step "Registering the harvest sources" sources-sync migration sources sync
    grep '^sources sync' "$LOGS/sources-sync.log" | sed 's/^/  /' || true
}

# demo_harvests: a finished, a failing and a stalled job of three registry sources, run
# against recordings packaged with the extension (no internet); a source with jobs is skipped.
demo_harvests() {
    ckan_step "Making the demo harvest jobs" demo-harvests migration demo-harvests
    grep '^demo-harvests:' "$LOGS/demo-harvests.log" | sed 's/^/  /' || true
}

# start_harvest_schedule: `ckan harvester run` every MIGRATION_HARVEST_MINUTES minutes (off
# when unset or 0): it starts a job for each source whose schedule is due and finishes
# the jobs whose objects are all done.
start_harvest_schedule() {
    local minutes=${MIGRATION_HARVEST_MINUTES:-0}
    if [ "$minutes" = 0 ]; then
        stop_pidfile harvest-schedule >/dev/null 2>&1 || true
        ok "harvest schedule off (set MIGRATION_HARVEST_MINUTES=15 to run due sources every 15 minutes)"
        return
    fi
    # harvest-doctor first: it closes jobs stalled past their limit, which unlocks their sources
    start_process harvest-schedule "harvest schedule (every $minutes min)" bash -c "while true; do
        '$VENV/bin/ckan' -c '$INI' migration harvest-doctor --fix || echo 'harvest-doctor: see above'
        '$VENV/bin/ckan' -c '$INI' harvester run || echo 'harvester run failed'
        sleep \$(( $minutes * 60 )); done"
}

summary() {
    local spid wpid gpid fpid jpid lpid
    spid=$(pid_of "$PIDS/search.pid"); wpid=$(pid_of "$PIDS/web.pid")
    gpid=$(pid_of "$PIDS/harvest-gather.pid"); fpid=$(pid_of "$PIDS/harvest-fetch.pid")
    jpid=$(pid_of "$PIDS/jobs-worker.pid"); lpid=$(pid_of "$PIDS/linkcheck.pid")
    local hpid; hpid=$(pid_of "$PIDS/harvest-schedule.pid")
    local pgdesc="system (shared)" rddesc="system (shared)"
    pid_alive "$PIDS/postgres.pid" && pgdesc="project-owned, pid $(pid_of "$PIDS/postgres.pid"), data .run/postgres"
    pid_alive "$PIDS/redis.pid" && rddesc="project-owned, pid $(pid_of "$PIDS/redis.pid")"
    echo
    printf '%s\n' "${_B}The migration catalogue is running${_N}"
    printf '  %-16s %-38s %-8s %s\n' "WHAT" "WHERE" "PID" "LOG"
    printf '  %-16s %-38s %-8s %s\n' "CKAN web" "$SITE_URL" "${wpid:--}" ".run/logs/ckan-web.log"
    printf '  %-16s %-38s %-8s %s\n' "CKAN API" "$SITE_URL/api/3/action/status_show" "" ""
    printf '  %-16s %-38s %-8s %s\n' "search service" "$SOLR_URL" "${spid:--}" ".run/logs/search.log"
    printf '  %-16s %-38s %-8s %s\n' "harvest gather" "redis queue" "${gpid:--}" ".run/logs/harvest-gather.log"
    printf '  %-16s %-38s %-8s %s\n' "harvest fetch" "redis queue" "${fpid:--}" ".run/logs/harvest-fetch.log"
    printf '  %-16s %-38s %-8s %s\n' "jobs worker" "redis queue (xloader -> DataStore)" "${jpid:--}" ".run/logs/jobs-worker.log"
    printf '  %-16s %-38s %-8s %s\n' "link checker" "every ${MIGRATION_LINKCHECK_HOURS:-24} h" "${lpid:--}" ".run/logs/linkcheck.log"
    printf '  %-16s %-38s %-8s %s\n' "harvest runs" "every ${MIGRATION_HARVEST_MINUTES:-0} min (0: off)" "${hpid:--}" ".run/logs/harvest-schedule.log"
    printf '  %-16s %-38s %s\n' "PostgreSQL" "$PG_HOST:$PG_PORT/$DB_NAME" "$pgdesc"
    printf '  %-16s %-38s %s\n' "DataStore" "$PG_HOST:$PG_PORT/$DS_DB_NAME" "read-only role $DS_RO_USER"
    printf '  %-16s %-38s %s\n' "Redis" "$REDIS_HOST:$REDIS_PORT/0" "$rddesc"
    echo
    printf '  config:     %s\n' "$INI"
    printf '  sysadmin:   user %s  password %s   (stored in .run/admin-password)\n' "$ADMIN_USER" "$ADMIN_PASS"
    printf '  log in at:  %s/user/login\n' "$SITE_URL"
    printf '  stop with:  bash scripts/stop.sh\n'
}

render_config
check_code
start_search_service
init_database
ensure_admin
ensure_xloader_token
start_web
start_worker
load_demo
register_sources
demo_harvests
start_consumer gather
start_consumer fetch
start_linkcheck
start_harvest_schedule
summary
