#!/usr/bin/env bash
# Run the project's tests (this is what `make test` and CI run).
#
#   1. scripts/setup.sh (venv, PostgreSQL, Redis, databases)
#   2. a dedicated search service on port 8984, fresh data in .run/test/search,
#      stopped again when this script exits
#   3. the test database ckan_test migrated (core, activity, harvest)
#   4. two pytest runs; both must pass, and each prints its passed/failed/skipped counts:
#      a) the project's tests:   pytest --ckan-ini=config/test.ini tests/ "$@"
#         (a skipped test fails the run: every test must run on any clone)
#      b) CKAN's own search test suites against our search service, with
#         CKAN's plugin-free test config (config/test-upstream.ini), minus the
#         node ids listed in tests/upstream_known_failures.txt
#
# Extra arguments are passed to run (a) only, e.g.
#   bash scripts/test.sh -k dates -x
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

TEST_INI="$ROOT/config/test.ini"
# CKAN's own suites run with CKAN's plugin-free test configuration (see the
# comment in that file for why).
UPSTREAM_INI="$ROOT/config/test-upstream.ini"
TEST_RUN="$RUN/test"
KNOWN_FAILURES="$ROOT/tests/upstream_known_failures.txt"
UPSTREAM_TARGETS=(ckan.tests.lib.search "ckan.tests.logic.action.test_get::TestPackageSearch")

bash "$ROOT/scripts/setup.sh"
ensure_run_dirs
mkdir -p "$TEST_RUN" "$TEST_RUN/storage"

# --------------------------------------------------------------------------
# search service for the tests
cleanup() {
    local rc=$?
    if [ -s "$PIDS/test-search.pid" ]; then
        stop_pidfile test-search >/dev/null || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if pid_alive "$PIDS/test-search.pid"; then
    # left behind by an interrupted earlier run of this script
    stop_pidfile test-search >/dev/null || true
fi
if port_open "$TEST_SEARCH_PORT"; then
    die "Port $TEST_SEARCH_PORT (the tests' search service) is already in use by $(who_listens "$TEST_SEARCH_PORT")." \
        "The tests need their own fresh search service there: stop that program, then re-run:" \
        "  bash scripts/test.sh"
fi
rm -rf "$TEST_RUN/search"
log "Starting the test search service on port $TEST_SEARCH_PORT (fresh data in .run/test/search)"
start_search test-search "$TEST_SEARCH_PORT" "$TEST_RUN/search" ckan_test
ok "test search service up (pid $(pid_of "$PIDS/test-search.pid"), log .run/logs/test-search.log)"

# --------------------------------------------------------------------------
# test database
log "Migrating the test database $TEST_DB_NAME (core, activity, harvest)"
dblog="$LOGS/test-db.log"
: >"$dblog"
for args in "db init" "db upgrade -p activity" "db upgrade -p harvest" "db upgrade -p migration"; do
    # shellcheck disable=SC2086
    if ! "$VENV/bin/ckan" -c "$TEST_INI" $args >>"$dblog" 2>&1 </dev/null; then
        tail_log "$dblog"
        die "Preparing the test database failed: ckan -c config/test.ini $args" \
            "See $dblog."
    fi
done
datastore_set_permissions "$TEST_INI" "$TEST_DS_DB_NAME"
ok "test database ready (and DataStore database $TEST_DS_DB_NAME)"

# --------------------------------------------------------------------------
# pytest runs
SUMMARY=()
FAILED=0

# counts JUNIT_XML: prints "N passed, N failed, N errors, N skipped"; each skip with its
# reason goes to stderr.
counts() {
    "$PY" "$ROOT/scripts/junit_counts.py" "$1"
}

# run_pytest LABEL INI ALLOW_SKIPS ARGS...: run pytest; exit code 5 (nothing collected)
# fails, and so does any skipped test unless ALLOW_SKIPS is "yes".
run_pytest() {
    local label=$1 ini=$2 allow_skips=$3 rc=0 junit summary
    shift 3
    junit="$TEST_RUN/junit-$(printf '%s' "$label" | tr -c 'a-zA-Z0-9' '-' | cut -c1-40).xml"
    rm -f "$junit"
    log "pytest run: $label"
    "$PY" -m pytest --ckan-ini="$ini" --junitxml="$junit" "$@" || rc=$?
    summary="no report"
    [ -s "$junit" ] && summary=$(counts "$junit")
    case $rc in
        0) ;;
        5) SUMMARY+=("FAIL  $label: no tests were collected (pytest exit code 5)"); FAILED=1; return ;;
        *) SUMMARY+=("FAIL  $label: pytest exit code $rc ($summary)"); FAILED=1; return ;;
    esac
    case $summary in
        *" 0 skipped") SUMMARY+=("PASS  $label: $summary") ;;
        *) if [ "$allow_skips" = yes ]; then
               SUMMARY+=("PASS  $label: $summary")
           else
               # a skip means a file or service a test needs is missing, and every
               # test of the project must run on any clone (reasons printed above)
               SUMMARY+=("FAIL  $label: $summary; the project's tests may not skip")
               FAILED=1
           fi ;;
    esac
}

# (a) the project's own tests
run_pytest "project tests (tests/)" "$TEST_INI" no tests/ "$@"

# (b) CKAN's search suites, minus the known failures.  Lines of the known
# failures file are node ids; a line starting with ckan/ is taken relative to
# site-packages (so the file does not depend on the Python version).
SITE_REL=$("$PY" -c 'import ckan, os, sys; print(os.path.relpath(os.path.dirname(os.path.dirname(ckan.__file__)), sys.argv[1]))' "$ROOT")
DESELECT=()
if [ -f "$KNOWN_FAILURES" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%%#*}"
        line="$(printf '%s' "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')"
        [ -n "$line" ] || continue
        case $line in ckan/*) line="$SITE_REL/$line" ;; esac
        DESELECT+=(--deselect "$line")
    done <"$KNOWN_FAILURES"
fi
run_pytest "CKAN search suites ($((${#DESELECT[@]} / 2)) known failures deselected)" "$UPSTREAM_INI" yes \
    -p no:cacheprovider "${DESELECT[@]}" --pyargs "${UPSTREAM_TARGETS[@]}"

echo
printf '%s\n' "${_B}Test summary${_N}"
for line in "${SUMMARY[@]}"; do printf '  %s\n' "$line"; done
if [ "$FAILED" != 0 ]; then
    printf '%sSOME TEST RUNS FAILED%s\n' "$_R" "$_N"
    exit 1
fi
printf '%sALL TEST RUNS PASSED%s\n' "$_G" "$_N"
