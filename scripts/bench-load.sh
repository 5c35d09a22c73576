#!/usr/bin/env bash
# DataStore load benchmark (issue 10): a ~100 MB CSV through the pre-flight check and
# ckanext-xloader's load, beside plain COPY of the same file, in a scratch catalogue.
# Needs the catalogue set up once (bash scripts/run.sh).
#   bash scripts/bench-load.sh [--mb N]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
SEARCH_PORT=8987
DB=ckan_bench_load
DSDB=datastore_bench_load
INI="$RUN/bench/load.ini"
[ -f "$RUN/ckan.ini" ] || die "bench-load: run 'bash scripts/run.sh' once first"
port_open "$SEARCH_PORT" && port_taken_error "$SEARCH_PORT" "the benchmark's search service"
mkdir -p "$RUN/bench"
rm -rf "$RUN/bench/load-search"
trap 'stop_pidfile bench-load-search >/dev/null || true' EXIT
start_search bench-load-search "$SEARCH_PORT" "$RUN/bench/load-search" bench
# scratch_dbs create|drop: the benchmark's two databases, dropped and (create) made anew
scratch_dbs() {
    "$PY" - "$1" "$PG_HOST" "$PG_PORT" "$DB_USER" "$DB" "$DSDB" <<'PYEOF'
import sys
import psycopg2
what, host, port, owner, *dbs = sys.argv[1:]
conn = psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres")
conn.autocommit = True
for db in dbs:
    conn.cursor().execute('DROP DATABASE IF EXISTS "%s"' % db)
    if what == "create":
        conn.cursor().execute('CREATE DATABASE "%s" OWNER "%s"' % (db, owner))
PYEOF
}
scratch_dbs create
sed -e "s#^sqlalchemy.url = .*#sqlalchemy.url = postgresql://$DB_USER:$DB_PASS@$PG_HOST/$DB#" \
    -e "s#^ckan.datastore.write_url = .*#ckan.datastore.write_url = postgresql://$DB_USER:$DB_PASS@$PG_HOST/$DSDB#" \
    -e "s#^ckan.datastore.read_url = .*#ckan.datastore.read_url = postgresql://$DS_RO_USER:$DB_PASS@$PG_HOST/$DSDB#" \
    -e "s#^solr_url = .*#solr_url = http://127.0.0.1:$SEARCH_PORT/solr/bench#" \
    -e "s#^ckanext.migration.search_service_url = .*#ckanext.migration.search_service_url = http://127.0.0.1:$SEARCH_PORT/solr/bench#" \
    -e "s#^ckan.redis.url = .*#ckan.redis.url = redis://127.0.0.1:6379/3?socket_timeout=86400#" \
    "$RUN/ckan.ini" > "$INI"
for args in "db init" "db upgrade -p activity" "db upgrade -p harvest"; do
    # shellcheck disable=SC2086
    "$VENV/bin/ckan" -c "$INI" $args >/dev/null
done
datastore_set_permissions "$INI" "$DSDB"
"$PY" "$ROOT/benchmarks/datastore_load.py" --ckan-ini "$INI" "$@"
scratch_dbs drop
