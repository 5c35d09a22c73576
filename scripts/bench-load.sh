#!/usr/bin/env bash
# DataStore load benchmark (issue 10): a ~100 MB CSV through the pre-flight check and
# ckanext-xloader's load, beside plain COPY of the same file, in a scratch catalogue.
# Needs the catalogue set up once (bash scripts/run.sh).
#   bash scripts/bench-load.sh [--mb N]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RUN="$ROOT/.run"
SEARCH_PORT=8987
DB=ckan_bench_load
DSDB=datastore_bench_load
[ -f "$RUN/ckan.ini" ] || { echo "bench-load: run 'bash scripts/run.sh' once first" >&2; exit 1; }
if (exec 3<>"/dev/tcp/127.0.0.1/$SEARCH_PORT") 2>/dev/null; then
    echo "bench-load: port $SEARCH_PORT is taken; stop what listens there and retry" >&2
    exit 1
fi
mkdir -p "$RUN/bench"
rm -rf "$RUN/bench/load-search"
"$ROOT/.venv/bin/migration-search" --port "$SEARCH_PORT" --data-dir "$RUN/bench/load-search" \
    --schema "$ROOT/config/solr/schema.xml" --log-level WARNING >"$RUN/bench/load-search.log" 2>&1 &
SEARCH_PID=$!
trap 'kill $SEARCH_PID 2>/dev/null || true' EXIT
for db in $DB $DSDB; do
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db OWNER ckan_default" >/dev/null
done
sed -e "s#^sqlalchemy.url = .*#sqlalchemy.url = postgresql://ckan_default:pass@127.0.0.1/$DB#" \
    -e "s#^ckan.datastore.write_url = .*#ckan.datastore.write_url = postgresql://ckan_default:pass@127.0.0.1/$DSDB#" \
    -e "s#^ckan.datastore.read_url = .*#ckan.datastore.read_url = postgresql://datastore_default:pass@127.0.0.1/$DSDB#" \
    -e "s#^solr_url = .*#solr_url = http://127.0.0.1:$SEARCH_PORT/solr/bench#" \
    -e "s#^ckanext.migration.search_service_url = .*#ckanext.migration.search_service_url = http://127.0.0.1:$SEARCH_PORT/solr/bench#" \
    -e "s#^ckan.redis.url = .*#ckan.redis.url = redis://127.0.0.1:6379/3#" \
    "$RUN/ckan.ini" > "$RUN/bench/load.ini"
CKAN="$ROOT/.venv/bin/ckan -c $RUN/bench/load.ini"
$CKAN db init >/dev/null
$CKAN db upgrade -p activity >/dev/null
$CKAN db upgrade -p harvest >/dev/null
$CKAN datastore set-permissions 2>/dev/null | grep -v '^\\connect' \
    | psql -h 127.0.0.1 -U postgres -d "$DSDB" -q >/dev/null
"$ROOT/.venv/bin/python" "$ROOT/benchmarks/datastore_load.py" --ckan-ini "$RUN/bench/load.ini" "$@"
for db in $DB $DSDB; do psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null; done
