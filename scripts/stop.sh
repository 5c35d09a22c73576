#!/usr/bin/env bash
# Stop what scripts/run.sh (and setup.sh) started from this checkout, using the
# pid files in .run/pids/.  A PostgreSQL or Redis that was already running on
# the machine (the shared/system one) is never touched; a project-owned one
# (.run/postgres, .run/redis) is stopped too unless --keep-services is given.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

KEEP_SERVICES=0
for arg in "$@"; do
    case $arg in
        --keep-services) KEEP_SERVICES=1 ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) die "unknown argument: $arg" "Usage: bash scripts/stop.sh [--keep-services]" ;;
    esac
done

stop_one() {
    local name=$1 label=$2 pid
    pid=$(pid_of "$PIDS/$name.pid")
    if stop_pidfile "$name"; then
        ok "stopped $label (pid $pid)"
    else
        printf '  --  %s was not running\n' "$label"
    fi
}

stop_one harvest-schedule "harvest schedule"
stop_one linkcheck "link checker schedule"
stop_one jobs-worker "background jobs worker"
stop_one harvest-fetch "harvest fetch consumer"
stop_one harvest-gather "harvest gather consumer"
stop_one web "CKAN web"
stop_one search "search service (port $SEARCH_PORT)"
# a test search service left behind by an interrupted test.sh
if pid_alive "$PIDS/test-search.pid"; then stop_one test-search "test search service (port $TEST_SEARCH_PORT)"; fi

if [ "$KEEP_SERVICES" = 0 ]; then
    if pid_alive "$PIDS/postgres.pid"; then
        bindir=$(cat "$RUN/postgres.bindir" 2>/dev/null || true)
        if [ -n "$bindir" ] && [ -x "$bindir/pg_ctl" ]; then
            if [ "$(id -u)" = 0 ]; then
                runuser -u postgres -- "$bindir/pg_ctl" -D "$RUN/postgres" -m fast -w stop >/dev/null
            else
                "$bindir/pg_ctl" -D "$RUN/postgres" -m fast -w stop >/dev/null
            fi
            rm -f "$PIDS/postgres.pid"
            ok "stopped project-owned PostgreSQL"
        else
            stop_one postgres "project-owned PostgreSQL"
        fi
    fi
    if pid_alive "$PIDS/redis.pid"; then stop_one redis "project-owned Redis"; fi
fi
ok "done (system PostgreSQL/Redis, if used, are left running)"
